"""The conditioning every analysis reads through: DC and rumble out, drums untouched."""

from __future__ import annotations

import numpy as np
import pytest

from drumassist.core import conditioning
from drumassist.core.conditioning import (
    analysis_view,
    block_means,
    condition_audio,
    is_analysis_view,
)
from drumassist.core.multitrack import from_arrays

RATE = 44100


def _tone_level_db(freq_hz: float) -> float:
    t = np.arange(10 * RATE) / RATE
    x = np.sin(2 * np.pi * freq_hz * t).astype(np.float32)[:, None]
    y = condition_audio(x, RATE)[RATE:-RATE, 0]  # away from the ends
    return float(20 * np.log10(np.sqrt(np.mean(y.astype(float) ** 2)) / np.sqrt(0.5)))


@pytest.mark.parametrize(
    ("freq_hz", "low_db", "high_db"),
    [(10, -200, -75), (15, -200, -75), (20, -60, -40), (35, -0.5, 0.0), (60, -0.01, 0.01),
     (1000, -0.01, 0.01), (15000, -0.01, 0.01)],
)  # fmt: skip
def test_rumble_is_removed_and_drums_pass(freq_hz: float, low_db: float, high_db: float) -> None:
    assert low_db <= _tone_level_db(freq_hz) <= high_db


def test_dc_goes_and_pure_dc_becomes_exact_silence() -> None:
    rng = np.random.default_rng(0)
    hits = rng.standard_normal((RATE, 2)).astype(np.float32) * 0.1
    conditioned = condition_audio(hits + 0.05, RATE)
    np.testing.assert_allclose(conditioned, condition_audio(hits, RATE), atol=2e-6)
    assert not condition_audio(np.full((RATE, 1), 0.05, np.float32), RATE).any()


def test_timing_and_polarity_are_kept() -> None:
    """Zero phase: a click stays where it is and keeps its sign."""
    x = np.zeros((RATE, 1), np.float32)
    x[RATE // 2] = -1.0
    y = condition_audio(x, RATE)[:, 0]
    assert int(np.argmax(np.abs(y))) == RATE // 2
    assert y[RATE // 2] < -0.9


def test_the_view_is_a_copy_and_is_conditioned_once() -> None:
    audio = np.full(RATE, 0.25, np.float32)
    multitrack = from_arrays({"kick": audio}, sample_rate=RATE)
    view = analysis_view(multitrack)
    assert is_analysis_view(view) and not is_analysis_view(multitrack)
    assert analysis_view(view) is view
    assert view.names == multitrack.names and view.roles == multitrack.roles
    assert not view.tracks[0].audio.any()
    assert (multitrack.tracks[0].audio == 0.25).all()  # the user's stem is untouched


def test_a_very_short_stem_only_loses_its_mean() -> None:
    x = np.array([0.1, 0.3, 0.2], np.float32)[:, None]
    np.testing.assert_allclose(condition_audio(x, RATE)[:, 0], [-0.1, 0.1, 0.0], atol=1e-7)


def test_a_scope_conditions_each_multitrack_once_and_keeps_nothing_after() -> None:
    from drumassist.core.conditioning import conditioning_scope

    rng = np.random.default_rng(0)
    mt = from_arrays({"kick": rng.normal(size=44100).astype(np.float32)}, sample_rate=44100)
    assert analysis_view(mt) is not analysis_view(mt)  # no scope: conditioned each time
    with conditioning_scope():
        first = analysis_view(mt)
        with conditioning_scope():  # nested scopes share the outer one
            assert analysis_view(mt) is first
        other = from_arrays({"kick": np.array(mt.tracks[0].audio)}, sample_rate=44100)
        assert analysis_view(other) is not first  # another multitrack, its own view
    assert analysis_view(mt) is not first  # the scope's views went with it
    np.testing.assert_array_equal(analysis_view(mt).tracks[0].audio, first.tracks[0].audio)


def _wide_range_noise(length: int, seed: int) -> np.ndarray:
    """float32 noise whose samples span nine decades: sums of them depend on the order."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(length) * 10 ** rng.uniform(-9, 0, length)).astype(np.float32)


def test_block_means_are_numpys_means_to_the_bit() -> None:
    # Longer than two chunks and not a whole number of blocks; a sequential sum of the
    # same values differs from numpy's in about 0.4 % of the blocks.
    x = _wide_range_noise(8 * 40_001 + 5, seed=1)
    x[:800] = -0.0  # blocks of negative zeros: numpy's mean of them is +0.0
    x[800:1600:2] *= -1  # and of values that cancel
    x[801:1600:2] = -x[800:1600:2]
    expected = x[: 8 * 40_001].reshape(40_001, 8).mean(axis=1, dtype=float)
    got = block_means(x, 40_001)
    assert np.array_equal(got.view(np.uint64), expected.view(np.uint64))  # every bit


def _reference_conditioning(x: np.ndarray) -> np.ndarray:
    """The recipe written out at full length: what the chunked code must equal to the bit."""
    from drumassist.core.iir import butter_sos, sosfiltfilt

    d = conditioning.DECIMATION
    out = x - x.mean(dtype=np.float64).astype(np.float32)
    blocks = len(out) // d
    means = out[: blocks * d].reshape(blocks, d).mean(axis=1, dtype=float)
    sos = butter_sos(conditioning.HIGHPASS_ORDER, conditioning.HIGHPASS_HZ, RATE / d)
    pad = min(blocks - 1, round(conditioning.EDGE_PAD_S * RATE / d))
    low = sosfiltfilt(sos, means, padlen=pad)
    weights = (np.arange(d) + 0.5) / d
    between = (low[:-1, None] * (1.0 - weights) + low[1:, None] * weights).ravel()
    interpolated = np.concatenate(
        (np.full(d // 2, low[0]), between, np.full(len(out) - d // 2 - len(between), low[-1]))
    )
    return out - interpolated.astype(np.float32)


def test_chunked_conditioning_equals_the_full_length_recipe_to_the_bit() -> None:
    x = _wide_range_noise(8 * 40_001 + 5, seed=2) + np.float32(0.01)
    got, expected = condition_audio(x[:, None], RATE)[:, 0], _reference_conditioning(x)
    assert np.array_equal(got.view(np.uint32), expected.view(np.uint32))  # every bit
