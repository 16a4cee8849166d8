"""The level measures (``anchor.levels_of``, ``anchor.session_levels``): digital silence,
and where the kit rests."""

from __future__ import annotations

import numpy as np

from drumassist.learn.data.anchor import LEVELS, SILENCE_LUFS, levels_of, track_blocks

RATE = 44100


def track_levels(audio: np.ndarray, rate: int) -> np.ndarray:
    """The levels of one track on its own (every block counted as playing)."""
    return levels_of(*track_blocks(audio, rate))


def _hits(seconds: float, seed: int = 0) -> np.ndarray:
    """Decaying noise bursts, 4 per second, of random level: a drum-like track."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    out = np.zeros(n, dtype=np.float32)
    beat = RATE // 4
    decay = np.exp(-np.arange(beat) / (0.03 * RATE)).astype(np.float32)
    for start in range(0, n - beat, beat):
        out[start : start + beat] = rng.uniform(0.1, 0.5) * rng.standard_normal(beat) * decay
    return out[:, None]


def _levels(audio: np.ndarray) -> dict[str, float]:
    return dict(zip(LEVELS, track_levels(audio, RATE), strict=True))


def test_silence_before_and_after_the_playing_leaves_every_level_as_it_was():
    played = _hits(20.0)
    padded = np.concatenate(
        [np.zeros((60 * RATE, 1), np.float32), played, np.zeros((600 * RATE, 1), np.float32)]
    )
    alone, with_silence = _levels(played), _levels(padded)
    for name in LEVELS:
        # The percentiles over the blocks above digital silence; the others never read it.
        assert abs(with_silence[name] - alone[name]) < 0.05, (name, alone, with_silence)


def test_a_mics_noise_floor_still_counts():
    """On its own, a track leaves only digital silence out: 60 s of a -80 dBFS noise
    floor after the playing counts as blocks of the track (it moves m90), where 60 s of
    zeros does not (in a session, where the kit rests is left out: the test below)."""
    played = _hits(20.0)
    noise = 10 ** (-80 / 20) * np.random.default_rng(1).standard_normal((60 * RATE, 1))
    zeros = np.zeros_like(noise)
    alone = _levels(played)["m90"]
    assert abs(_levels(np.concatenate([played, zeros.astype(np.float32)]))["m90"] - alone) < 0.05
    assert _levels(np.concatenate([played, noise.astype(np.float32)]))["m90"] < alone - 1.0


def test_a_track_of_nothing_but_digital_silence_has_no_level():
    """Nothing above SILENCE_LUFS (a drum at -180 dBFS): silent, as a track of zeros is,
    so no level-reading method pushes it up by 180 dB."""
    hits = _hits(5.0)
    quiet = hits * 10 ** ((SILENCE_LUFS - 80) / 20)
    assert (track_levels(quiet, RATE) == -np.inf).all()
    just_above = hits * 10 ** ((SILENCE_LUFS + 30 - _levels(hits)["mmax"]) / 20)
    assert np.isfinite(track_levels(just_above.astype(np.float32), RATE)).all()


def test_the_percentiles_count_where_the_kit_plays():
    """Two tracks, then 300 s where the drums rest under a -80 dBFS noise floor: on its
    own a track's m90 falls into the noise; in the session it is the playing's."""
    from drumassist.core.multitrack import Track
    from drumassist.core.roles import Role
    from drumassist.learn.data.anchor import session_levels

    rng = np.random.default_rng(3)
    rest = 10 ** (-80 / 20) * rng.standard_normal((300 * RATE, 1)).astype(np.float32)
    kick, snare = _hits(20.0, seed=4), 0.5 * _hits(20.0, seed=5)
    tracks = [
        Track(name=n, audio=np.concatenate([a, rest]), role=r)
        for n, a, r in (("kick", kick, Role.KICK), ("snare", snare, Role.SNARE))
    ]
    together = session_levels(tracks, RATE)[:, LEVELS.index("m90")]
    alone = [track_levels(t.audio, RATE)[LEVELS.index("m90")] for t in tracks]
    played = [_levels(a)["m90"] for a in (kick, snare)]
    np.testing.assert_allclose(together, played, atol=0.05)
    assert all(a < p - 10 for a, p in zip(alone, played, strict=True))
