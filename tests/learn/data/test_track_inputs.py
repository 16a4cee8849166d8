"""track_inputs(): the loudness it takes from the fast features equals a measured one."""

from __future__ import annotations

import numpy as np
import pytest

from drumassist.analysis import analyse
from drumassist.analysis.fast import known_loudness
from drumassist.core.mixloudness import track_loudness
from drumassist.core.multitrack import from_arrays
from drumassist.errors import DrumassistError
from drumassist.learn.data.inputs import track_inputs
from tests.conftest import drum_hits


def _arrays(sample_rate: int, *, stereo: bool = False) -> dict[str, np.ndarray]:
    frames = sample_rate * 2
    kick = drum_hits(frames, sample_rate, freq_hz=60.0, every_s=0.5, seed=1)
    snare = drum_hits(frames, sample_rate, freq_hz=200.0, every_s=0.25, seed=2)
    quiet = np.full(frames, 1e-6, dtype=np.float32)  # peaks below -80 dBFS: silent
    arrays = {"kick": kick, "snare": snare, "hum": quiet, "empty": np.zeros(frames, np.float32)}
    if stereo:
        arrays["overhead"] = np.stack([kick * 0.5, snare * 0.7], axis=1)
    return arrays


@pytest.mark.parametrize(("sample_rate", "stereo"), [(44100, False), (44100, True), (48000, False)])
def test_loudness_equals_the_measured_loudness(sample_rate, stereo):
    multitrack = from_arrays(_arrays(sample_rate, stereo=stereo), sample_rate=sample_rate)
    inputs = track_inputs(multitrack, workers=2)
    np.testing.assert_array_equal(inputs.loudness_lufs, track_loudness(multitrack))
    assert list(inputs.silent) == [False, False, True, True] + [False] * stereo


def test_known_loudness_only_where_the_features_hold_it_exactly():
    multitrack = from_arrays(_arrays(44100, stereo=True), sample_rate=44100)
    known = known_loudness(analyse(multitrack, cache=False, workers=1), multitrack)
    # Mono tracks at 44.1 kHz: known; silent ones (zero features) and stereo ones: not.
    assert [k is not None for k in known] == [True, True, False, False, False]
    assert known[0] == track_loudness(multitrack)[0]
    paper_like = analyse(multitrack, cache=False, workers=1)
    paper_like = type(paper_like)("paper", "2", paper_like.feature_names, paper_like.tracks)
    assert known_loudness(paper_like, multitrack) == [None] * 5


def test_known_loudness_of_the_wrong_length_is_an_error():
    multitrack = from_arrays(_arrays(44100), sample_rate=44100)
    with pytest.raises(DrumassistError, match="3 known loudness values given for 4 tracks"):
        track_loudness(multitrack, known=[None, None, None])
