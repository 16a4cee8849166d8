"""The shared pieces: frame statistics as Essentia defines them, input checks, silence."""

from __future__ import annotations

import numpy as np
import pytest

from drumassist.analysis.common import (
    STATS,
    check_mono,
    frame_statistics,
    is_silent_audio,
    stat_names,
    to_analysis_rate,
)
from drumassist.errors import AnalysisError, DrumassistError

from .conftest import SR, hits


def _essentia_stats(column: np.ndarray) -> np.ndarray:
    import essentia
    import essentia.standard as es

    pool = essentia.Pool()
    for value in column:
        pool.add("x", float(value))
    out = es.PoolAggregator(defaultStats=list(STATS))(pool)
    return np.array([out[f"x.{stat}"] for stat in STATS])


@pytest.mark.parametrize(
    "column",
    [
        np.random.default_rng(0).standard_normal(50) * 3 + 1,
        np.array([1.0, 4.0, 2.0, 8.0, 5.0, 7.0]),
        np.full(7, 2.5),  # constant: skew 0, kurtosis -3
        np.array([3.0]),  # one frame: no derivatives
    ],
)
def test_frame_statistics_match_essentia_pool_aggregator(column):
    ours = frame_statistics(column[:, None])[:, 0]
    np.testing.assert_allclose(ours, _essentia_stats(column), rtol=1e-4, atol=1e-5)


def test_frame_statistics_are_per_column():
    values = np.random.default_rng(1).standard_normal((40, 3))
    stats = frame_statistics(values)
    assert stats.shape == (len(STATS), 3)
    for col in range(3):
        np.testing.assert_allclose(stats[:, col], frame_statistics(values[:, col])[:, 0])


def test_stat_names_order_is_stat_major_then_index():
    assert stat_names("rms", 1)[:2] == ["rms.mean", "rms.var"]
    assert stat_names("band", 2)[:3] == ["band.mean[0]", "band.mean[1]", "band.var[0]"]


@pytest.mark.parametrize(
    ("audio", "rate", "match"),
    [
        (np.zeros((10, 2), np.float32), SR, "mono"),
        (np.array([0.0, np.nan], np.float32), SR, "NaN"),
        (np.zeros(10, np.float32), 0, "sample rate"),
    ],
)
def test_check_mono_rejects_bad_input(audio, rate, match):
    with pytest.raises(AnalysisError, match=match) as info:
        check_mono(audio, rate)
    assert isinstance(info.value, DrumassistError)


def test_silence_digital_near_and_audible():
    noise = np.random.default_rng(0).standard_normal(SR).astype(np.float32)
    assert is_silent_audio(np.zeros(SR, np.float32), SR)
    assert is_silent_audio(np.zeros(0, np.float32), SR)
    assert is_silent_audio(noise * 10 ** (-90 / 20), SR)  # -90 dBFS RMS noise
    assert not is_silent_audio(noise * 10 ** (-40 / 20), SR)
    assert not is_silent_audio(hits(0.05), SR)  # one short hit


def test_resampling_keeps_duration():
    audio = hits(0.5, sample_rate=96000)
    out = to_analysis_rate(audio, 96000)
    assert out.dtype == np.float32
    assert abs(out.size - SR // 2) <= 1
    assert to_analysis_rate(hits(0.5), SR).size == SR // 2
