"""analyse(): results in track order, silence, progress, cancellation, parallel == serial."""

from __future__ import annotations

import numpy as np
import pytest

from drumassist.analysis import Analysis, FeatureCache, analyse, get_extractor
from drumassist.core.multitrack import from_arrays
from drumassist.core.progress import CancelToken
from drumassist.errors import AnalysisError, CancelledError

from .conftest import SR, hits


class CancelAfterFirstReport(CancelToken):
    def report(self, fraction: float, message: str = "") -> None:
        super().report(fraction, message)
        self.cancel()


class FailingExtractor:
    """Raises inside a worker process (importable, so it pickles)."""

    name = "failing"
    version = "1"

    def params(self) -> dict[str, object]:
        return {}

    def feature_names(self) -> tuple[str, ...]:
        return ("x",)

    def extract(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        raise AnalysisError("this extractor always fails")


def test_result_in_track_order_with_silence_flagged(small_multitrack):
    token = CancelToken()
    result = analyse(small_multitrack, cache=False, workers=1, progress=token)
    assert isinstance(result, Analysis)
    assert (result.extractor, result.version) == ("fast", "1")
    assert [t.name for t in result.tracks] == ["kick", "snare", "hat", "empty"]
    assert result.matrix().shape == (4, len(result.feature_names))
    assert [t.silent for t in result.tracks] == [False, False, False, True]
    assert not result.tracks[3].values.any()
    assert all(t.seconds >= 0 and not t.cached for t in result.tracks)
    assert token.fraction == 1.0


def test_a_near_silent_track_is_flagged_silent(counting):
    noise = np.random.default_rng(0).standard_normal(SR).astype(np.float32) * 1e-5
    multitrack = from_arrays({"hum": noise, "kick": hits(1.0)}, sample_rate=SR)
    result = analyse(multitrack, cache=False, workers=1)
    assert [t.silent for t in result.tracks] == [True, False]


def test_cancelling_stops_between_tracks(counting):
    arrays = {f"t{i}": hits(0.2, seed=i) for i in range(5)}
    multitrack = from_arrays(arrays, sample_rate=SR)
    progress = CancelAfterFirstReport()
    with pytest.raises(CancelledError):
        analyse(multitrack, extractor=counting, cache=False, workers=1, progress=progress)
    assert len(counting.calls) == 1


def test_cancelling_stops_parallel_work_between_tracks(tmp_path):
    arrays = {f"t{i}": hits(0.5, seed=i) for i in range(6)}
    multitrack = from_arrays(arrays, sample_rate=SR)
    cache = FeatureCache(tmp_path)
    with pytest.raises(CancelledError):
        analyse(multitrack, cache=cache, workers=2, progress=CancelAfterFirstReport())
    # Only the track reported before the cancel was kept; the queue was dropped.
    assert len(list(tmp_path.rglob("*.npz"))) == 1


def test_cancelled_before_start_computes_nothing(counting, small_multitrack):
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        analyse(small_multitrack, extractor=counting, cache=False, workers=2, progress=token)
    assert counting.calls == []


def test_parallel_equals_serial():
    arrays = {f"t{i}": hits(1.5, freq_hz=80.0 * (i + 1), seed=i) for i in range(3)}
    multitrack = from_arrays(arrays, sample_rate=SR)
    token = CancelToken()
    parallel = analyse(multitrack, cache=False, workers=2, progress=token)
    serial = analyse(multitrack, cache=False, workers=1)
    np.testing.assert_array_equal(parallel.matrix(), serial.matrix())
    assert [t.name for t in parallel.tracks] == list(arrays)
    assert token.fraction == 1.0


@pytest.mark.slow
def test_a_worker_error_reaches_the_caller():
    multitrack = from_arrays({"a": hits(0.2), "b": hits(0.2, seed=2)}, sample_rate=SR)
    with pytest.raises(AnalysisError, match="always fails"):
        analyse(multitrack, extractor=FailingExtractor(), cache=False, workers=2)


@pytest.mark.slow
def test_a_wrong_length_vector_is_an_error(counting, monkeypatch):
    monkeypatch.setattr(type(counting), "feature_names", lambda self: ("only-one",))
    multitrack = from_arrays({"a": hits(0.2), "b": hits(0.2, seed=2)}, sample_rate=SR)
    with pytest.raises(AnalysisError, match=r"^[ab]: the extractor gave \(2,\) values, not 1"):
        analyse(multitrack, extractor=counting, cache=False)


def test_unknown_extractor_is_an_error():
    with pytest.raises(AnalysisError, match="unknown feature extractor 'mfcc'"):
        get_extractor("mfcc")
    assert get_extractor("paper").name == "paper"


def test_empty_analysis_matrix():
    result = Analysis("fast", "1", ("a", "b"), ())
    assert result.matrix().shape == (0, 2)


@pytest.mark.parametrize("workers", [0, -2])
def test_workers_below_one_is_an_error(small_multitrack, workers):
    with pytest.raises(AnalysisError, match=f"workers must be at least 1, got {workers}"):
        analyse(small_multitrack, cache=False, workers=workers)
