"""The blind test's candidates are matched to the loudness of what is heard."""

from __future__ import annotations

import numpy as np
import pytest

from drumassist.core.mixloudness import MixLoudness
from drumassist.core.multitrack import from_arrays
from drumassist.learn.evaluate.listening.session import loudness_matched


def test_candidates_are_matched_with_the_inverted_tracks_counted():
    rng = np.random.default_rng(0)
    hit = (0.1 * rng.normal(size=44100 * 3)).astype(np.float32)  # no quiet tail to gate
    mt = from_arrays({"Kick In": hit, "Kick Out": 0.5 * hit}, sample_rate=44100)
    meter = MixLoudness(mt)
    pans, mutes = np.zeros(2), np.zeros(2, dtype=bool)
    inverted = np.array([False, True])  # the out mic inverted: the two partly cancel
    gains = {"a": np.array([0.0, 0.0]), "b": np.array([0.0, -6.0])}
    matched = loudness_matched(
        meter, gains, target_lufs=-20.0, pans=pans, mutes=mutes, inverted=inverted
    )
    for method, candidate in matched.items():
        heard = meter.loudness(candidate, pans=pans, mutes=mutes, stereo=True, inverted=inverted)
        assert heard == pytest.approx(-20.0, abs=0.01), method
        as_if_not = meter.loudness(candidate, pans=pans, mutes=mutes, stereo=True)
        assert abs(as_if_not - heard) > 1.0  # ignoring the inversion would have missed
