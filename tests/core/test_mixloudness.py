"""Loudness of any mix from per-block Gram matrices equals measuring the rendered mix."""

from __future__ import annotations

import math

import numpy as np
import pytest

from drumassist.core.loudness import integrated_loudness
from drumassist.core.mix import mix
from drumassist.core.mixloudness import MixLoudness
from drumassist.core.multitrack import from_arrays


@pytest.fixture
def multitrack(drum_arrays):
    arrays = dict(drum_arrays)
    arrays["OH pair"] = np.stack([drum_arrays["OH L"], drum_arrays["HH"] * 0.5], axis=1)
    arrays["silent"] = np.zeros_like(drum_arrays["HH"])
    return from_arrays(arrays, sample_rate=44100)


@pytest.mark.parametrize("stereo", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_the_rendered_mix(multitrack, stereo, seed):
    rng = np.random.default_rng(seed)
    count = len(multitrack.tracks)
    gains = rng.uniform(-30, 6, count)
    pans = rng.uniform(-1, 1, count)
    mutes = rng.uniform(0, 1, count) < 0.2
    meter = MixLoudness(multitrack)
    fast = meter.loudness(gains, pans=pans, mutes=mutes, stereo=stereo)
    rendered = mix(multitrack, gains, pans=pans, mutes=mutes, stereo=stereo)
    assert fast == pytest.approx(integrated_loudness(rendered, 44100), abs=1e-3)


def test_silent_mix_is_minus_infinity(multitrack):
    meter = MixLoudness(multitrack)
    assert meter.loudness([-math.inf] * 5 + [0.0]) == -math.inf


def test_short_multitrack(drum_arrays):
    short = {k: v[:2000] for k, v in drum_arrays.items()}
    mt = from_arrays(short, sample_rate=44100)
    rendered = mix(mt, [0.0] * 4)
    assert MixLoudness(mt).loudness([0.0] * 4) == pytest.approx(
        integrated_loudness(rendered, 44100), abs=1e-3
    )


def test_a_mix_far_under_its_target_is_brought_to_it():
    """Raw gains 62 dB down: one scaling measured the loud second alone (the rest under
    the absolute gate) and missed the target by about 5 dB, since after it the quiet
    ten seconds count too. Both scalings now measure again until they reach it."""
    from drumassist.core.mixloudness import mono_mix_offset_db, normalise_offset_db

    rng = np.random.default_rng(0)
    rate = 44100
    loud_then_quiet = np.concatenate(
        [0.5 * rng.standard_normal(rate), 0.2 * rng.standard_normal(10 * rate)]
    )
    mt = from_arrays(
        {"snare": loud_then_quiet, "kick": 0.3 * rng.standard_normal(11 * rate)}, sample_rate=rate
    )
    gains = np.array([-62.0, -110.0])
    meter = MixLoudness(mt)
    single = meter.loudness(gains + (-23.0 - meter.loudness(gains)))
    assert abs(single + 23.0) > 3.0  # what one scaling reached
    for offset, reached in (
        normalise_offset_db(meter, gains, -23.0),
        mono_mix_offset_db(mt, gains, -23.0),
    ):
        assert reached == pytest.approx(-23.0, abs=1e-3)
        assert meter.loudness(gains + offset) == pytest.approx(-23.0, abs=1e-3)


def test_a_tracks_loudness_is_measured_once_per_multitrack(monkeypatch):
    """compare asked for every track's loudness once per method, filtering every stem
    each time (four passes of 2 s on 8 stems of 2.5 minutes)."""
    from drumassist.core import mixloudness
    from drumassist.core.multitrack import from_arrays

    rng = np.random.default_rng(0)
    multitrack = from_arrays(
        {n: rng.normal(size=44100).astype(np.float32) * 0.1 for n in ("kick", "snare", "hh")},
        sample_rate=44100,
    )
    measured = []
    real = mixloudness.integrated_loudness
    monkeypatch.setattr(
        mixloudness, "integrated_loudness", lambda a, r: measured.append(1) or real(a, r)
    )  # a counter around the real measure
    first = mixloudness.track_loudness(multitrack)
    again = mixloudness.track_loudness(multitrack, known=[None, -20.0, None])
    assert len(measured) == 3  # the first call measured all three; the second none
    np.testing.assert_array_equal(again, [first[0], -20.0, first[2]])
    other = from_arrays(
        {n: t.audio for n, t in zip(multitrack.names, multitrack.tracks, strict=True)},
        sample_rate=44100,
    )
    np.testing.assert_array_equal(mixloudness.track_loudness(other), first)
    assert len(measured) == 6  # another multitrack object is measured afresh
