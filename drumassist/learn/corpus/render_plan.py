"""Plan and run a rendered corpus: which kit, songs and seed each session gets.

Sessions go round the recording groups (in an order shuffled by the corpus seed),
and each group's sessions round its kits, so every group gets an equal share however
many kits it has (the Millo group has three). Session ``i`` has its own seed, derived
from the corpus seed and ``i`` alone (``numpy.random.SeedSequence(seed,
spawn_key=(i,))``, recorded as ``seed`` in its ``session.json``), so a session
renders the same whatever the number of sessions or workers.

Held-out kits (ColomboAcousticDrumkit) and their demo song are never used unless
asked: ``heldout="only"`` renders a test corpus of held-out sessions only, and
``heldout="include"`` mixes them in (each session records ``heldout``, so a trainer
can still drop them). Electronic and hand-percussion kits, and songs written for
them, are never used.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, TypeVar

import numpy as np

from drumassist import __version__
from drumassist.core.progress import Progress
from drumassist.errors import CorpusError
from drumassist.learn.corpus.debian import fetch_packages
from drumassist.learn.corpus.hydrogen import find_files, read_song
from drumassist.learn.corpus.jobs import BuildReport, run_jobs
from drumassist.learn.corpus.kitmap import classify, is_acoustic, is_heldout
from drumassist.learn.corpus.kits import survey_kits
from drumassist.learn.corpus.render import RenderJob, build_render_session

log = logging.getLogger(__name__)


class _Grouped(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def group(self) -> str: ...


HELDOUT_MODES = ("exclude", "include", "only")
_Kit = TypeVar("_Kit", bound=_Grouped)
MAX_SESSIONS = 100_000


def render_corpus(
    out: str | Path,
    *,
    sessions: int,
    kit_dirs: Sequence[str | Path] | None = None,
    seed: int = 0,
    duration_s: float = 30.0,
    sample_rate: int = 44100,
    heldout: str = "exclude",
    workers: int = 1,
    progress: Progress | None = None,
) -> BuildReport:
    """Render ``sessions`` multitracks from real drum samples into the corpus ``out``.

    Parameters
    ----------
    out : str or Path
        The corpus folder; complete sessions already there are kept (resume).
    sessions : int
        How many sessions the corpus has (ids ``render-00000`` on).
    kit_dirs : sequence of path, optional
        Folders searched for ``drumkit.xml`` and ``*.h2song`` files. By default the
        Debian packages hydrogen-drumkits and hydrogen-data are fetched into the cache.
    seed : int
        The corpus seed.
    duration_s : float
        Length of each session.
    heldout : {"exclude", "include", "only"}
        Whether held-out kits are left out, used too, or used alone.
    workers : int
        Processes rendering sessions in parallel.
    progress : Progress or None
        Told after each session.

    Raises
    ------
    CorpusError
        If an option is out of range, no usable kit is found, or the kits cannot be
        fetched.
    """
    check_options(sessions=sessions, seed=seed, duration_s=duration_s, heldout=heldout)
    folders = [Path(d) for d in kit_dirs] if kit_dirs else fetch_packages()
    kits, warnings = survey_kits(find_files(folders, "drumkit.xml"))
    kits = [k for k in kits if _wanted(k.heldout, heldout)]
    if not kits:
        where = ", ".join(str(f) for f in folders)
        raise CorpusError(f"no usable acoustic drumkit (heldout={heldout}) under {where}")
    train_songs, all_songs = find_songs(folders)
    jobs = []
    for i, kit in enumerate(kit_rota(kits, sessions, seed)):
        state = np.random.SeedSequence(seed, spawn_key=(i,)).generate_state(1)
        songs = all_songs if kit.heldout else train_songs
        jobs.append(
            RenderJob(f"render-{i:05d}", int(state[0]), kit, songs, duration_s, sample_rate)
        )
    builder = {
        "command": "render", "drumassist": __version__, "seed": seed, "sessions": sessions,
        "duration_s": duration_s, "sample_rate": sample_rate, "heldout": heldout,
        "kits": [k.name for k in kits],
        "songs": sorted({p.name for job in jobs for p in job.songs}),
        "kit_warnings": warnings,
    }  # fmt: skip
    # A worker keeps the last kits it decoded: hand it one kit's sessions in a row.
    jobs.sort(key=lambda job: (job.kit.name.lower(), job.id))
    return run_jobs(
        Path(out), jobs, build_render_session, builder=builder, workers=workers, progress=progress
    )


def kit_rota(kits: Sequence[_Kit], sessions: int, seed: int) -> list[_Kit]:
    """The kit of each session: round the recording groups, and round each group's kits."""
    groups: dict[str, list[_Kit]] = {}
    for kit in sorted(kits, key=lambda k: k.name.lower()):
        groups.setdefault(kit.group, []).append(kit)
    names = sorted(groups)
    names = [names[i] for i in np.random.default_rng(seed).permutation(len(names))]
    rota = []
    for i in range(sessions):
        members = groups[names[i % len(names)]]
        rota.append(members[(i // len(names)) % len(members)])
    return rota


def check_options(*, sessions: int, seed: int, duration_s: float, heldout: str) -> None:
    if not 1 <= sessions <= MAX_SESSIONS:
        raise CorpusError(f"sessions must be 1 to {MAX_SESSIONS}, got {sessions}")
    if seed < 0:
        raise CorpusError(f"seed must be a non-negative integer, got {seed}")
    if not 1.0 <= duration_s <= 600.0:
        raise CorpusError(f"duration must be 1 to 600 s, got {duration_s}")
    if heldout not in HELDOUT_MODES:
        raise CorpusError(f"heldout must be one of {', '.join(HELDOUT_MODES)}, got {heldout!r}")


def _wanted(kit_heldout: bool, mode: str) -> bool:
    return mode == "include" or kit_heldout == (mode == "only")


def find_songs(folders: list[Path]) -> tuple[tuple[Path, ...], tuple[Path, ...]]:
    """(songs for training sessions, songs for held-out sessions): acoustic, with notes."""
    train, every = [], []
    for path in find_files(folders, "*.h2song"):
        try:
            song = read_song(path)
        except CorpusError as exc:
            log.warning("%s; song skipped", exc)
            continue
        kit = song.kit_name or ""
        if not is_acoustic(kit, kit):
            continue
        names = song.instrument_names
        if not any(classify(names.get(n.instrument, "")) for s in song.sections for n in s.notes):
            log.info("%s: no drum-kit notes; song skipped", path.name)
            continue
        every.append(path)
        if not (is_heldout(kit, kit) or is_heldout(path.parent.name, path.parent.name)):
            train.append(path)
    return tuple(train), tuple(every)
