"""Pure numpy/soundfile core: loading, loudness, mixing, export, sessions. Never imports Qt."""
