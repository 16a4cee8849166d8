"""One real PortAudio stream, on an ALSA file device that writes what it plays to a file.

The machine has no sound card, so ALSA's default PCM is pointed (through an asoundrc
found via XDG_CONFIG_HOME, set before PortAudio starts) at a ``file`` plugin over the
``null`` device. The test runs in a subprocess so that configuration is read fresh.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from drumassist.core.mix import mix
from drumassist.core.multitrack import load_multitrack
from tests.audio.portaudio import import_failure_reason, sounddevice_or_skip

ASOUNDRC = """
pcm.!default {{
  type plug
  slave {{ pcm "capture_file" format FLOAT_LE channels 2 rate {rate} }}
}}
pcm.capture_file {{
  type file
  slave.pcm "null"
  file "{raw}"
  format "raw"
}}
"""

PLAYER = textwrap.dedent(
    """
    import sys, time
    from drumassist.audio.device import Playback, unavailable_reason
    from drumassist.audio.engine import MixEngine, PlaybackState
    from drumassist.core.mix import channel_factors
    from drumassist.core.multitrack import load_multitrack

    reason = unavailable_reason()
    if reason:
        print("UNAVAILABLE", reason)
        sys.exit(3)
    mt = load_multitrack(sys.argv[1])
    gains = [float(g) for g in sys.argv[2].split(",")]
    factors = channel_factors(mt, gains, stereo=True)
    engine = MixEngine(mt, PlaybackState(factors, factors, playing=True))
    playback = Playback(engine)
    playback.start()
    deadline = time.monotonic() + 60
    while engine.position < mt.frames and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.2)
    playback.close()
    print("PLAYED", engine.position, engine.underflows)
    """
)


def test_real_stream_plays_the_mix(make_stems, drum_arrays, tmp_path):
    sounddevice_or_skip()
    folder = make_stems(drum_arrays)
    config = tmp_path / "xdg"
    (config / "alsa").mkdir(parents=True)
    raw = tmp_path / "played.raw"
    (config / "alsa" / "asoundrc").write_text(ASOUNDRC.format(rate=44100, raw=raw))
    gains = [-2.0, -4.0, -10.0, -6.0]
    env = {**os.environ, "XDG_CONFIG_HOME": str(config)}
    proc = subprocess.run(
        [sys.executable, "-c", PLAYER, str(folder), ",".join(map(str, gains))],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    if proc.returncode == 3:
        pytest.fail(f"the ALSA file device did not open: {proc.stdout}{proc.stderr}")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PLAYED" in proc.stdout
    played = np.fromfile(raw, dtype="<f4").reshape(-1, 2)
    mt = load_multitrack(folder)
    expected = mix(mt, gains, stereo=True)
    # PortAudio may prime the device with silence before the first callback.
    start = int(np.argmax(np.abs(played).sum(axis=1) > 0))
    first = int(np.argmax(np.abs(expected).sum(axis=1) > 0))
    offset = start - first
    assert 0 <= offset < 44100
    np.testing.assert_allclose(played[offset : offset + mt.frames], expected, atol=1e-6)
    assert not played[offset + mt.frames :].any()


# The skip decision. Importing sounddevice without PortAudio raises OSError; a test run
# where the library is present checks the decision on that real error by hiding the
# library from sounddevice's lookup in a subprocess.

HIDE_PORTAUDIO = textwrap.dedent(
    """
    import ctypes.util
    find = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None if "portaudio" in name else find(name)
    from tests.audio.portaudio import import_failure_reason
    try:
        import sounddevice
    except Exception as exc:
        print(type(exc).__name__, "|", import_failure_reason(exc))
    else:
        print("IMPORTED")
    """
)


def test_missing_portaudio_is_a_skip_not_a_failure():
    root = str(Path(__file__).resolve().parents[2])
    proc = subprocess.run(
        [sys.executable, "-c", HIDE_PORTAUDIO],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": root},
        timeout=60,
        check=True,
    )
    kind, _, reason = proc.stdout.strip().partition(" | ")
    assert kind == "OSError", proc.stdout + proc.stderr
    assert reason.startswith("the PortAudio library is not installed"), reason


@pytest.mark.parametrize(
    ("exc", "skips"),
    [
        (ModuleNotFoundError("No module named 'sounddevice'", name="sounddevice"), True),
        (OSError("PortAudio library not found"), True),
        (OSError("cannot load library 'libportaudio.so.2': No such file"), True),
        (ModuleNotFoundError("No module named '_cffi_backend'", name="_cffi_backend"), False),
        (OSError("[Errno 5] Input/output error"), False),
        (ImportError("cannot import name 'x' from 'sounddevice'"), False),
    ],
)
def test_only_a_missing_library_skips(exc, skips):
    assert (import_failure_reason(exc) is not None) == skips


def test_a_device_that_is_not_there_is_explained_to_the_user():
    """Not PortAudio's words alone ("Error querying device -1"): what to do, then them."""
    sounddevice_or_skip()
    from drumassist.audio.device import unavailable_reason

    reason = unavailable_reason(9999)  # no machine has this many devices
    assert reason is not None
    assert reason.startswith("no audio output device was found: connect one, or choose")
    assert "Edit > Preferences" in reason and "PortAudio said: " in reason
