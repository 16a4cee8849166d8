"""Which workers analyse() uses: threads for extractors that release the GIL, else processes."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

from drumassist.analysis import FeatureCache, analyse
from drumassist.core.multitrack import from_arrays
from drumassist.errors import AnalysisError, CancelledError

from .conftest import SR, hits
from .test_analyse import CancelAfterFirstReport


class WhereExtractor:
    """Records where it ran: the process id and the thread (importable, so it pickles)."""

    name = "where"
    version = "1"

    def __init__(self, releases_gil: bool) -> None:
        self.releases_gil = releases_gil

    def params(self) -> dict[str, object]:
        return {}

    def feature_names(self) -> tuple[str, ...]:
        return ("pid", "thread")

    def extract(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        return np.array([os.getpid(), threading.get_ident()], dtype=np.float64)


class FailingThreadExtractor(WhereExtractor):
    def extract(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        raise AnalysisError("this extractor always fails")


def _multitrack(count: int = 4):
    arrays = {f"t{i}": hits(0.3, seed=i) for i in range(count)}
    return from_arrays(arrays, sample_rate=SR)


@pytest.mark.parametrize("releases_gil", [True, False])
def test_threads_only_for_extractors_that_release_the_gil(releases_gil):
    result = analyse(_multitrack(), extractor=WhereExtractor(releases_gil), cache=False, workers=2)
    pids = {int(t.values[0]) for t in result.tracks}
    threads = {int(t.values[1]) for t in result.tracks}
    if releases_gil:
        assert pids == {os.getpid()}
        assert threading.get_ident() not in threads
    else:
        assert os.getpid() not in pids


def test_one_worker_runs_in_the_calling_thread():
    result = analyse(_multitrack(), extractor=WhereExtractor(True), cache=False, workers=1)
    assert {int(t.values[1]) for t in result.tracks} == {threading.get_ident()}


def test_a_thread_error_reaches_the_caller():
    with pytest.raises(AnalysisError, match="always fails"):
        analyse(_multitrack(), extractor=FailingThreadExtractor(True), cache=False, workers=2)


@pytest.mark.parametrize("releases_gil", [True, False])
def test_cancelling_keeps_only_what_was_reported(tmp_path, releases_gil):
    cache = FeatureCache(tmp_path)
    with pytest.raises(CancelledError):
        analyse(
            _multitrack(6),
            extractor=WhereExtractor(releases_gil),
            cache=cache,
            workers=2,
            progress=CancelAfterFirstReport(),
        )
    assert len(list(tmp_path.rglob("*.npz"))) == 1


def test_cached_tracks_are_found_on_several_threads(tmp_path):
    multitrack = _multitrack()
    cache = FeatureCache(tmp_path)
    first = analyse(multitrack, cache=cache, workers=2)
    again = analyse(multitrack, cache=cache, workers=2)
    assert all(t.cached for t in again.tracks)
    np.testing.assert_array_equal(again.matrix(), first.matrix())
