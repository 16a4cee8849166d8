"""Plan, render and store a corpus from multi-microphone kits.

``drumassist corpus render OUT --multimic-kit DIR [--multimic-kit DIR ...]``: sessions
go round the kits' recording groups (one group per real kit: the mic map's
``group``, else the kit folder's name), shuffled by the corpus seed as for Hydrogen
kits, and session ``i`` has the seed ``SeedSequence(seed, spawn_key=(i,))``, so it
renders the same whatever the number of sessions or workers. Songs come from the
``*.h2song`` files under the ``--kits`` folders (held-out songs never), by default
from the Debian package hydrogen-data where it is already cached; with no songs
every session plays a generated groove. Sessions are complete once their
``session.json`` is written (last), so an interrupted render resumes.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from drumassist import __version__
from drumassist.core.multitrack import from_arrays
from drumassist.core.paths import cache_dir
from drumassist.core.progress import Progress
from drumassist.errors import CorpusError
from drumassist.learn.corpus.jobs import BuildReport, run_jobs
from drumassist.learn.corpus.multimic_kit import MultimicKit, read_multimic_kit
from drumassist.learn.corpus.multimic_render import render_multimic
from drumassist.learn.corpus.render import file_name
from drumassist.learn.corpus.render_plan import check_options, find_songs, kit_rota
from drumassist.learn.corpus.writer import SessionMeta, finish_session, write_audio

log = logging.getLogger(__name__)

SOURCE = "multimic"


@dataclass(frozen=True)
class MultimicJob:
    """One session to render from a multi-mic kit; ``seed`` decides everything random."""

    id: str
    seed: int
    kit_root: Path
    mic_map: Path | None
    songs: tuple[Path, ...]
    duration_s: float
    sample_rate: int


@dataclass(frozen=True)
class _KitEntry:
    name: str
    group: str
    root: Path


def render_multimic_corpus(
    out: str | Path,
    *,
    kit_dirs: Sequence[str | Path],
    sessions: int,
    song_dirs: Sequence[str | Path] | None = None,
    mic_map: str | Path | None = None,
    seed: int = 0,
    duration_s: float = 30.0,
    sample_rate: int = 44100,
    workers: int = 1,
    progress: Progress | None = None,
) -> BuildReport:
    """Render ``sessions`` multitracks from the multi-microphone kits in ``kit_dirs``.

    Parameters
    ----------
    out : str or Path
        The corpus folder; complete sessions already there are kept (resume).
    kit_dirs : sequence of path
        Kit folders: per-mic sample folders or DrumGizmo kits.
    sessions : int
        How many sessions (ids ``multimic-00000`` on).
    song_dirs : sequence of path, optional
        Folders searched for Hydrogen songs to play. By default the Debian package
        hydrogen-data if it is already in the cache (nothing is fetched); with no
        songs every session plays a generated groove.
    mic_map : path, optional
        A mic map for every kit given (else each kit's own or a shipped one).
    seed, duration_s, sample_rate, workers, progress
        As for :func:`~drumassist.learn.corpus.render_plan.render_corpus`.

    Raises
    ------
    CorpusError
        If an option is out of range or a kit cannot be read (naming the kit and why).
    """
    check_options(sessions=sessions, seed=seed, duration_s=duration_s, heldout="exclude")
    if not kit_dirs:
        raise CorpusError("no multi-mic kit folder given")
    map_path = Path(mic_map) if mic_map is not None else None
    kits = [_load(Path(d), map_path) for d in kit_dirs]
    names = [k.name for k in kits]
    if len(set(names)) != len(names):
        raise CorpusError(f"the kit {names[0]!r} is given twice")
    if song_dirs is None:
        cached = cache_dir() / "debian" / "hydrogen-data"
        song_dirs = [cached] if cached.is_dir() else []
    songs, _ = find_songs([Path(d) for d in song_dirs]) if song_dirs else ((), ())
    entries = [_KitEntry(k.name, k.group, k.root) for k in kits]
    jobs = []
    for i, entry in enumerate(kit_rota(entries, sessions, seed)):
        state = np.random.SeedSequence(seed, spawn_key=(i,)).generate_state(1)
        jobs.append(
            MultimicJob(f"multimic-{i:05d}", int(state[0]), entry.root, map_path, songs,
                        duration_s, sample_rate)
        )  # fmt: skip
    builder = {
        "command": "render", "source": SOURCE, "drumassist": __version__, "seed": seed,
        "sessions": sessions, "duration_s": duration_s, "sample_rate": sample_rate,
        "multimic_kits": sorted(names), "songs": sorted({p.name for p in songs}),
    }  # fmt: skip
    jobs.sort(key=lambda job: (str(job.kit_root), job.id))
    return run_jobs(
        Path(out), jobs, build_multimic_session, builder=builder, workers=workers,
        progress=progress,
    )  # fmt: skip


@lru_cache(maxsize=4)
def _load(root: Path, mic_map: Path | None) -> MultimicKit:
    """Read a kit once per process (a worker renders one kit's sessions in a row)."""
    return read_multimic_kit(root, micmap=mic_map)


def build_multimic_session(job: MultimicJob, folder: Path) -> None:
    """Render ``job`` into ``folder``: stems, ``mix.flac``, then ``session.json``."""
    kit = _load(job.kit_root, job.mic_map)
    rendered = render_multimic(
        kit, songs=job.songs, seed=job.seed, duration_s=job.duration_s,
        sample_rate=job.sample_rate, label=job.id,
    )  # fmt: skip
    (folder / "stems").mkdir(exist_ok=True)
    files = []
    for name, audio in rendered.stems.items():
        files.append(folder / "stems" / f"{file_name(name)}.flac")
        write_audio(files[-1], audio, job.sample_rate)
    write_audio(folder / "mix.flac", rendered.mix, job.sample_rate)
    roles = {t: m.role for t, m in zip(rendered.tracks, rendered.mics, strict=True)}
    multitrack = from_arrays(rendered.stems, sample_rate=job.sample_rate, roles=roles)
    gains = rendered.gains_lin
    meta = SessionMeta(
        id=job.id, source=SOURCE, group=kit.group, kit=kit.name, heldout=False,
        layout=rendered.layout, pattern=rendered.performance.pattern, seed=job.seed,
        tempo_bpm=rendered.performance.tempo_bpm,
        slots={t: m.slot for t, m in zip(rendered.tracks, rendered.mics, strict=True)},
        set_gains_db={n: 20.0 * math.log10(abs(g)) for n, g in gains.items()},
        set_polarity={n: 1 if g > 0 else -1 for n, g in gains.items()},
        trims_db=rendered.trims_db,
    )  # fmt: skip
    finish_session(
        folder, multitrack, rendered.mix, meta=meta, files=files, mix_file=folder / "mix.flac"
    )
