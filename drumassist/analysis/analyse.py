"""Analyse every track of a multitrack: cache first, then extraction across workers.

Tracks found in the :class:`~drumassist.analysis.cache.FeatureCache` cost a hash and
a file read; the tracks are hashed on threads (hashlib and numpy release the GIL).
The others run in-process when there is one track or one worker to run them.

Several workers are threads when the extractor says its work runs outside the GIL
(``releases_gil = True``: the fast set, numpy and scipy on large arrays): they start
at once and read the audio where it is, which matters most for a first suggestion
(a process pool costs 1-2 s to start in a fresh process, longer than the fast set
takes on 8 stems of 3 minutes). Otherwise (Essentia's MusicExtractor, which holds
the GIL) they are processes in a ``ProcessPoolExecutor`` (``forkserver`` where the
platform has it, else ``spawn``: never ``fork``, which is unsafe beside Qt's
threads). The fork server is started once per process with scipy and Essentia
imported, so a pool starts in about 50 ms after the first. Each process is sent one
track at a time, as the path of a temporary ``.npy`` holding its mono samples, and
at most one file per worker exists at once, so memory and disk use stay bounded by
the workers, not the session. Progress is reported as each track finishes;
cancellation is checked between tracks and cancels what is queued (a track already
running finishes in the background and is dropped).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    Executor,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import numpy as np

from drumassist.analysis.cache import FeatureCache
from drumassist.analysis.common import SILENCE_PEAK_DBFS, Analysis, Extractor, TrackFeatures
from drumassist.core.conditioning import analysis_view
from drumassist.core.multitrack import Multitrack, Track
from drumassist.core.progress import Progress, check_cancelled
from drumassist.errors import AnalysisError

log = logging.getLogger(__name__)

EXTRACTORS = ("paper", "fast")
#: How often the parallel loop wakes to check for cancellation while tracks run.
POLL_S = 0.1

Done = Callable[[int, np.ndarray, float], None]
#: Starts the extraction of one track on an executor: (executor, track index) -> future.
Submit = Callable[[Executor, int], "Future[tuple[np.ndarray, float]]"]


def get_extractor(name: str = "fast") -> Extractor:
    """A new extractor by name: "fast" or "paper".

    Raises
    ------
    AnalysisError
        For any other name.
    """
    if name == "fast":
        from drumassist.analysis.fast import FastExtractor

        return FastExtractor()
    if name == "paper":
        from drumassist.analysis.paper import PaperExtractor

        return PaperExtractor()
    raise AnalysisError(f"unknown feature extractor {name!r}; expected one of {EXTRACTORS}")


def analyse(
    multitrack: Multitrack,
    *,
    extractor: Extractor | str = "fast",
    progress: Progress | None = None,
    cache: FeatureCache | bool | None = True,
    workers: int | None = None,
) -> Analysis:
    """Extract the features of every track.

    Parameters
    ----------
    multitrack
        The tracks; each is analysed as mono (the mean of its channels).
    extractor
        An extractor, or its name ("fast" or "paper").
    progress
        Told as each track finishes; cancelling stops the work between tracks.
    cache
        True for the default :class:`FeatureCache`, a cache, or False/None for none.
    workers
        Threads or processes (see the module docstring) to hash and extract with; by
        default one per track up to the CPU count. One worker, or one track to
        extract, runs in this thread.

    Raises
    ------
    CancelledError
        ``progress`` was cancelled; tracks still queued were not analysed.
    AnalysisError
        The extractor name is unknown, ``workers`` is below 1, or extraction
        failed on a track.
    """
    if workers is not None and workers < 1:
        raise AnalysisError(f"workers must be at least 1, got {workers}")
    multitrack = analysis_view(multitrack)  # features without DC and rumble
    ext = get_extractor(extractor) if isinstance(extractor, str) else extractor
    store = FeatureCache() if cache is True else (cache or None)
    names = ext.feature_names()
    tracks = multitrack.tracks
    results: dict[int, TrackFeatures] = {}
    keys: dict[int, str] = {}
    todo: list[int] = []

    def finish(index: int, values: np.ndarray, seconds: float, *, cached: bool = False) -> None:
        results[index] = _track_features(tracks[index].name, values, names, seconds, cached)
        if store is not None and not cached:
            store.store(keys[index], results[index].values, names, silent=results[index].silent)
        if progress is not None:
            how = "cached" if cached else f"{seconds:.2f} s"
            progress.report(len(results) / len(tracks), f"{tracks[index].name}: {how}")

    found = _look_up(multitrack, ext, store, workers=workers, progress=progress)
    for index, (key, hit, silent, seconds) in enumerate(found):
        if key is not None:
            keys[index] = key
        if hit is not None:
            finish(index, hit, seconds, cached=True)
        elif silent:
            finish(index, np.zeros(len(names)), seconds)
        else:
            todo.append(index)
    _extract(ext, multitrack, todo, workers=workers, progress=progress, done=finish)
    ordered = tuple(results[i] for i in range(len(tracks)))
    return Analysis(ext.name, ext.version, names, ordered)


def _track_features(
    name: str, values: np.ndarray, names: tuple[str, ...], seconds: float, cached: bool
) -> TrackFeatures:
    vector = np.asarray(values, dtype=np.float64)
    if vector.shape != (len(names),):
        raise AnalysisError(f"{name}: the extractor gave {vector.shape} values, not {len(names)}")
    return TrackFeatures(name, vector, not vector.any(), seconds, cached)


def _peak_is_silent(mono: np.ndarray) -> bool:
    """The cheap half of the silence test, done here so silent tracks skip the workers."""
    return mono.size == 0 or float(np.max(np.abs(mono))) < 10.0 ** (SILENCE_PEAK_DBFS / 20.0)


#: What a track's look-up found: its cache key, cached values, silence, seconds spent.
Lookup = tuple[str | None, np.ndarray | None, bool, float]


def _look_up(
    multitrack: Multitrack,
    ext: Extractor,
    store: FeatureCache | None,
    *,
    workers: int | None,
    progress: Progress | None,
) -> list[Lookup]:
    """Each track's :data:`Lookup`, in order; tracks are hashed on up to ``workers`` threads.

    Cancellation is checked between tracks.
    """
    names = ext.feature_names()

    def look_up(track: Track) -> Lookup:
        started = time.perf_counter()
        mono = track.mono()
        key = hit = None
        if store is not None:
            key = store.key(mono, multitrack.sample_rate, ext)
            found = store.load(key, names)
            hit = None if found is None else found[0]
        silent = hit is None and _peak_is_silent(mono)
        return key, hit, silent, time.perf_counter() - started

    tracks = multitrack.tracks
    threads = min(len(tracks), workers or os.cpu_count() or 1)
    if threads <= 1:
        found = []
        for track in tracks:
            check_cancelled(progress)
            found.append(look_up(track))
        return found
    with ThreadPoolExecutor(threads, thread_name_prefix="drumassist-hash") as executor:
        futures = [executor.submit(look_up, track) for track in tracks]
        try:
            for future in futures:
                check_cancelled(progress)
                future.result()
        finally:
            for future in futures:
                future.cancel()
    return [future.result() for future in futures]


def _extract(
    ext: Extractor,
    multitrack: Multitrack,
    todo: Sequence[int],
    *,
    workers: int | None,
    progress: Progress | None,
    done: Done,
) -> None:
    count = min(len(todo), workers or os.cpu_count() or 1)
    if count <= 1:
        for index in todo:
            check_cancelled(progress)
            started = time.perf_counter()
            values = ext.extract(multitrack.tracks[index].mono(), multitrack.sample_rate)
            done(index, values, time.perf_counter() - started)
        return
    if getattr(ext, "releases_gil", False):
        _extract_threads(ext, multitrack, todo, workers=count, progress=progress, done=done)
    else:
        _extract_processes(ext, multitrack, todo, workers=count, progress=progress, done=done)


def _extract_threads(
    ext: Extractor,
    multitrack: Multitrack,
    todo: Sequence[int],
    *,
    workers: int,
    progress: Progress | None,
    done: Done,
) -> None:
    """Keep ``workers`` tracks in flight on threads of this process."""

    def submit(executor: Executor, index: int) -> Future[tuple[np.ndarray, float]]:
        return executor.submit(extract_track, ext, multitrack.tracks[index], multitrack.sample_rate)

    executor = ThreadPoolExecutor(workers, thread_name_prefix="drumassist-analysis")
    _run(executor, submit, multitrack, todo, workers=workers, progress=progress, done=done)


def _extract_processes(
    ext: Extractor,
    multitrack: Multitrack,
    todo: Sequence[int],
    *,
    workers: int,
    progress: Progress | None,
    done: Done,
) -> None:
    """Keep ``workers`` tracks in flight, each passed to a process as a temporary .npy."""
    with tempfile.TemporaryDirectory(prefix="drumassist-analysis-") as folder:

        def submit(executor: Executor, index: int) -> Future[tuple[np.ndarray, float]]:
            path = Path(folder) / f"track{index}.npy"
            np.save(path, multitrack.tracks[index].mono())
            return executor.submit(extract_file, ext, str(path), multitrack.sample_rate)

        def finished(index: int) -> None:
            (Path(folder) / f"track{index}.npy").unlink(missing_ok=True)

        executor = ProcessPoolExecutor(max_workers=workers, mp_context=_context())
        _run(
            executor,
            submit,
            multitrack,
            todo,
            workers=workers,
            progress=progress,
            done=done,
            finished=finished,
        )


def _run(
    executor: Executor,
    submit: Submit,
    multitrack: Multitrack,
    todo: Sequence[int],
    *,
    workers: int,
    progress: Progress | None,
    done: Done,
    finished: Callable[[int], None] = lambda index: None,
) -> None:
    """Keep ``workers`` tracks in flight on ``executor``, then shut it down."""
    queue = list(todo)
    running: dict[Future[tuple[np.ndarray, float]], int] = {}
    try:
        while queue or running:
            while queue and len(running) < workers:
                index = queue.pop(0)
                running[submit(executor, index)] = index
            ready, _ = wait(running, timeout=POLL_S, return_when=FIRST_COMPLETED)
            for future in ready:
                check_cancelled(progress)
                index = running.pop(future)
                finished(index)
                done(index, *_result(future, multitrack.tracks[index].name))
            check_cancelled(progress)
    finally:
        # On cancel or error, do not wait for tracks still running: their results
        # are not wanted, and the workers exit once they finish them.
        executor.shutdown(wait=not running, cancel_futures=True)


def _result(future: Future[tuple[np.ndarray, float]], name: str) -> tuple[np.ndarray, float]:
    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise AnalysisError(f"{name}: the feature extraction process died ({exc})") from exc


def extract_file(ext: Extractor, path: str, sample_rate: int) -> tuple[np.ndarray, float]:
    """Worker side: extract the features of the mono track saved at ``path``."""
    audio = np.load(path, allow_pickle=False)
    started = time.perf_counter()
    values = ext.extract(audio, sample_rate)
    return np.asarray(values, dtype=np.float64), time.perf_counter() - started


def extract_track(ext: Extractor, track: Track, sample_rate: int) -> tuple[np.ndarray, float]:
    """Thread side: extract the features of ``track`` (as mono)."""
    started = time.perf_counter()
    values = ext.extract(track.mono(), sample_rate)
    return np.asarray(values, dtype=np.float64), time.perf_counter() - started


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # Takes effect when the server starts (once per process, on first use); it then
    # serves every later analysis, so workers start warm (see _forkserver.py).
    context.set_forkserver_preload(["drumassist.analysis._forkserver"])
    return context
