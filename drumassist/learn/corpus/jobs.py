"""Build the sessions of a corpus in parallel, resumably, then rewrite the manifest.

A session folder is complete once its ``session.json`` exists; builders write it
last and atomically. A run skips complete sessions, clears and redoes incomplete
ones, and rewrites ``manifest.json`` from the complete sessions when it ends, also
when it is interrupted or cancelled, so a corpus is always readable.
"""

from __future__ import annotations

import logging
import multiprocessing
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from drumassist.core.progress import Progress, check_cancelled
from drumassist.errors import CorpusError, DrumassistError
from drumassist.learn.corpus.fingerprint import changed_files, stored_session
from drumassist.learn.corpus.store import SESSION_NAME, is_complete, write_manifest

log = logging.getLogger(__name__)


class Job(Protocol):
    """One session to build; must pickle, to be sent to a worker process."""

    @property
    def id(self) -> str: ...


@dataclass(frozen=True)
class BuildReport:
    """What a corpus run did: sessions built, skipped as complete, and failed (id, why)."""

    root: Path
    built: tuple[str, ...]
    skipped: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]
    manifest: Path
    elapsed_s: float


def run_jobs(
    root: Path,
    jobs: Sequence[Job],
    build: Callable[[Any, Path], None],
    *,
    builder: Mapping[str, Any],
    workers: int = 1,
    progress: Progress | None = None,
) -> BuildReport:
    """Build every incomplete job's session folder ``root/<job.id>`` with ``build(job, dir)``.

    Parameters
    ----------
    root : Path
        The corpus folder, created if missing.
    jobs : sequence
        Picklable jobs with an ``id`` (the session folder name).
    build : callable
        A module-level function that writes the session, ``session.json`` last. A
        DrumassistError it raises fails that session only (logged, reported).
    builder : mapping
        Recorded in the manifest (the command and its options).
    workers : int
        Processes; 1 builds in this process.
    progress : Progress or None
        Told after each session; cancelling stops the run (pending sessions are not
        started) after the manifest is rewritten, with CancelledError.
    """
    if workers < 1:
        raise CorpusError(f"workers must be at least 1, got {workers}")
    root.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    todo, skipped = _plan(root, jobs)
    built: list[str] = []
    failed: list[tuple[str, str]] = []
    try:
        run = _run_serial if workers == 1 or len(todo) <= 1 else _run_pool
        run(root, todo, build, workers, _Tally(len(jobs), len(skipped), built, failed, progress))
    finally:
        manifest = write_manifest(root, builder=builder)
    return BuildReport(
        root, tuple(built), tuple(skipped), tuple(failed), manifest, time.perf_counter() - start
    )


def _plan(root: Path, jobs: Sequence[Job]) -> tuple[list[Job], list[str]]:
    ids = [job.id for job in jobs]
    if len(set(ids)) != len(ids):
        raise CorpusError("two sessions of this corpus have the same id")
    todo: list[Job] = []
    skipped: list[str] = []
    clashes: list[str] = []
    for job in jobs:
        folder = root / job.id
        stored = stored_session(folder) if is_complete(folder) else None
        changed = changed_files(folder, stored)
        if changed:  # made from files that have changed since: built again
            log.warning("%s: %s changed since it was built; building it again", job.id,
                        ", ".join(Path(n).name for n in changed))  # fmt: skip
            (folder / SESSION_NAME).unlink()
        if is_complete(folder):
            clash = None if stored is None else _settings_clash(stored, job)
            if clash is not None:
                clashes.append(f"{job.id} ({clash})")
            skipped.append(job.id)
            continue
        if folder.exists():
            log.info("%s: incomplete, building it again", job.id)
            shutil.rmtree(folder)
        todo.append(job)
    if clashes:
        # Resumed with other settings, the corpus held two renders under one manifest,
        # which named the last (found by a researcher's trial).
        shown = "; ".join(clashes[:3]) + (
            f"; and {len(clashes) - 3} more" if len(clashes) > 3 else ""
        )
        raise CorpusError(
            f"{root}: sessions made with other settings are there: {shown}. Resume with the"
            " settings they were made with, or render into another folder"
        )
    return todo, skipped


def _settings_clash(stored: Mapping[str, Any], job: Job) -> str | None:
    """How the complete session ``stored`` (its ``session.json``) differs from ``job``
    (its seed, length or kit), or None."""
    wanted = {
        "seed": getattr(job, "seed", None),
        "duration_s": getattr(job, "duration_s", None),
        "kit": getattr(getattr(job, "kit", None), "name", None),
    }
    differ = [
        f"{key} {stored.get(key)!r}, asked {value!r}"
        for key, value in wanted.items()
        if value is not None and stored.get(key) != value
    ]
    return ", ".join(differ) or None


class _Tally:
    """Counts finished sessions and tells the progress sink."""

    def __init__(
        self, total: int, done: int, built: list[str], failed: list[tuple[str, str]],
        progress: Progress | None,
    ) -> None:  # fmt: skip
        self.total, self.done, self.built, self.failed = total, done, built, failed
        self.progress = progress

    def finished(self, job_id: str, error: str | None, elapsed_s: float) -> None:
        self.done += 1
        if error is None:
            self.built.append(job_id)
            message = f"{job_id}: done in {elapsed_s:.1f} s"
        else:
            self.failed.append((job_id, error))
            log.warning("%s: failed: %s", job_id, error)
            message = f"{job_id}: FAILED: {error}"
        if self.progress is not None:
            self.progress.report(self.done / max(self.total, 1), message)


def _build_one(
    build: Callable[[Any, Path], None], job: Any, root: Path
) -> tuple[str | None, float]:
    start = time.perf_counter()
    folder = root / job.id
    folder.mkdir(parents=True, exist_ok=True)
    try:
        build(job, folder)
    except DrumassistError as exc:
        return f"{exc}", time.perf_counter() - start
    return None, time.perf_counter() - start


def _run_serial(
    root: Path, todo: list[Any], build: Callable[[Any, Path], None], workers: int, tally: _Tally
) -> None:
    del workers
    for job in todo:
        check_cancelled(tally.progress)
        error, elapsed_s = _build_one(build, job, root)
        tally.finished(job.id, error, elapsed_s)


def _run_pool(
    root: Path, todo: list[Any], build: Callable[[Any, Path], None], workers: int, tally: _Tally
) -> None:
    # fork: `python -m drumassist` has no __main__ guard, which spawn would re-run.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    context = multiprocessing.get_context(method)
    pending = iter(todo)
    running: dict[Future[tuple[str | None, float]], str] = {}
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        try:
            _fill(pool, pending, running, build=build, root=root, workers=workers)
            while running:
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    job_id = running.pop(future)
                    error, elapsed_s = future.result()
                    tally.finished(job_id, error, elapsed_s)
                check_cancelled(tally.progress)
                _fill(pool, pending, running, build=build, root=root, workers=workers)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise


def _fill(
    pool: ProcessPoolExecutor,
    pending: Any,
    running: dict[Future[tuple[str | None, float]], str],
    *,
    build: Callable[[Any, Path], None],
    root: Path,
    workers: int,
) -> None:
    """Keep at most ``workers`` sessions in flight, so a cancel leaves few to wait for."""
    while len(running) < workers:
        job = next(pending, None)
        if job is None:
            return
        running[pool.submit(_build_one, build, job, root)] = job.id
