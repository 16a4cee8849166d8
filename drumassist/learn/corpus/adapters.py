"""Corpora from real multitracks: ENST-Drums in its own layout, or any folder of sessions.

Both reference the user's files where they are (``session.json`` names them by
absolute path) unless ``copy`` is set, which copies stems and mix into the session
folder. The targets are fitted on the mix averaged to mono (the reverse
engineering's convention; the paper's channel *sum* gives every gain 6.02 dB more
and the same balance).
"""

from __future__ import annotations

import fnmatch
import logging
import re
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from drumassist import __version__
from drumassist.core.multitrack import load_multitrack
from drumassist.core.progress import Progress
from drumassist.core.roles import role_from_name
from drumassist.core.stemfiles import is_audio_file
from drumassist.errors import CorpusError
from drumassist.learn.corpus.jobs import BuildReport, run_jobs
from drumassist.learn.corpus.slots import ENST_SLOTS
from drumassist.learn.corpus.writer import SessionMeta, finish_session
from drumassist.learn.reverse.engineer import load_mix

log = logging.getLogger(__name__)

ENST_MIX_FOLDER = "dry_mix"


@dataclass(frozen=True)
class ReferenceJob:
    """A session made of existing files: stems (with track names, or None for file names)."""

    id: str
    source: str
    group: str
    stems: tuple[Path, ...]
    names: tuple[str, ...] | None
    mix: Path
    copy: bool


def build_reference_session(job: ReferenceJob, folder: Path) -> None:
    """Load the stems and mix, fit the targets and write ``session.json`` into ``folder``."""
    stems, mix_file = list(job.stems), job.mix
    if job.copy:
        (folder / "stems").mkdir(exist_ok=True)
        names = job.names or tuple(p.stem for p in stems)
        stems = [
            _copy(p, folder / "stems" / f"{n}{p.suffix}") for p, n in zip(stems, names, strict=True)
        ]
        mix_file = _copy(job.mix, folder / f"mix{job.mix.suffix.lower()}")
    multitrack = load_multitrack(stems)
    if job.names is not None:
        tracks = tuple(
            replace(t, name=n, role=role_from_name(n))
            for t, n in zip(multitrack.tracks, job.names, strict=True)
        )
        multitrack = replace(multitrack, tracks=tracks)
    mix = load_mix(mix_file, sample_rate=multitrack.sample_rate)
    slots = None if job.source != "enst" else {n: n for n in multitrack.names}
    meta = SessionMeta(id=job.id, source=job.source, group=job.group, slots=slots)
    finish_session(folder, multitrack, mix, meta=meta, files=stems, mix_file=mix_file)


def _copy(source: Path, target: Path) -> Path:
    try:
        shutil.copyfile(source, target)
    except OSError as exc:
        raise CorpusError(f"{source}: cannot copy into the corpus ({exc.strerror})") from exc
    return target


def session_id(text: str) -> str:
    """A folder-safe session id."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "session"


# -- ENST-Drums ---------------------------------------------------------------------------------


def enst_jobs(root: Path, *, copy: bool = False) -> list[ReferenceJob]:
    """One job per take of each ``drummer_N``, skipping ``hits`` takes and takes with no dry mix."""
    drummers = sorted(p for p in root.glob("drummer_*") if p.is_dir())
    if not drummers and (root / "audio").is_dir():
        drummers = [root]  # a single drummer's folder
    if not drummers:
        raise CorpusError(f"{root}: no drummer_N/audio folders; is this ENST-Drums?")
    jobs = []
    for drummer in drummers:
        audio = drummer / "audio"
        takes = sorted(
            {p.stem for slot in ENST_SLOTS for p in (audio / slot).glob("*") if is_audio_file(p)}
        )
        for take in takes:
            if "hits" in take.lower():
                continue
            job = _enst_job(audio, drummer.name, take, copy)
            if job is not None:
                jobs.append(job)
    return jobs


def _enst_job(audio: Path, drummer: str, take: str, copy: bool) -> ReferenceJob | None:
    found = [(slot, _take_file(audio / slot, take)) for slot in ENST_SLOTS]
    present = [(slot, path) for slot, path in found if path is not None]
    mix = _take_file(audio / ENST_MIX_FOLDER, take)
    if mix is None or len(present) < 2:
        why = "no dry mix" if mix is None else "fewer than two mics"
        log.warning("%s/%s: %s; take skipped", drummer, take, why)
        return None
    return ReferenceJob(
        id=session_id(f"{drummer}-{take}"), source="enst", group=drummer,
        stems=tuple(p for _, p in present), names=tuple(s for s, _ in present), mix=mix, copy=copy,
    )  # fmt: skip


def _take_file(folder: Path, take: str) -> Path | None:
    matches = sorted(p for p in folder.glob(f"{glob_escape(take)}.*") if is_audio_file(p))
    return matches[0] if matches else None


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


# -- folders of sessions ------------------------------------------------------------------------


def is_mix_file(path: Path, pattern: str | None = None) -> bool:
    """True for a mix: named ``mix.*`` or ``*_mix.*``, or matching ``pattern`` (any case)."""
    if pattern is not None:
        return fnmatch.fnmatch(path.name.lower(), pattern.lower())
    stem = path.stem.lower()
    return stem == "mix" or stem.endswith("_mix")


def folder_jobs(
    src: Path, *, mix_pattern: str | None = None, copy: bool = False, exclude: Path | None = None
) -> list[ReferenceJob]:
    """One job per folder under ``src`` (``src`` included) holding one mix and two or more stems.

    The group is the first folder below ``src`` (a band or project holding several
    sessions shares one), or ``src``'s own name when ``src`` is the session. Folders
    inside ``exclude`` (the corpus being written) are not searched.
    """
    if not src.is_dir():
        what = (
            "a file; give the folder that holds the session folders"
            if src.exists()
            else "no such folder"
        )
        raise CorpusError(f"{src}: {what}")
    skip = exclude.resolve() if exclude is not None else None
    jobs: list[ReferenceJob] = []
    taken: set[str] = set()
    for folder in sorted([src, *(p for p in src.rglob("*") if p.is_dir())]):
        if skip is not None and folder.resolve().is_relative_to(skip):
            continue
        job = _folder_job(src, folder, mix_pattern, copy)
        if job is not None:
            ident, n = job.id, 1
            while ident in taken:  # "a b" and "a_b" give the same folder-safe id
                n += 1
                ident = f"{job.id}-{n}"
            taken.add(ident)
            jobs.append(replace(job, id=ident))
    return jobs


def _folder_job(src: Path, folder: Path, pattern: str | None, copy: bool) -> ReferenceJob | None:
    audio = sorted(p for p in folder.iterdir() if p.is_file() and is_audio_file(p))
    mixes = [p for p in audio if is_mix_file(p, pattern)]
    stems = [p for p in audio if p not in mixes]
    if not mixes or len(stems) < 2:
        if audio:
            log.info("%s: no mix file or fewer than two stems; not a session", folder)
        return None
    if len(mixes) > 1:
        names = ", ".join(p.name for p in mixes)
        log.warning("%s: several mix files (%s); skipped, pass --mix-pattern", folder, names)
        return None
    relative = folder.relative_to(src).parts
    group = relative[0] if relative else src.name
    ident = session_id("__".join(relative) if relative else src.name)
    return ReferenceJob(ident, "folder", group, tuple(stems), None, mixes[0], copy)


def build_enst_corpus(
    root: str | Path, out: str | Path, *, copy: bool = False, workers: int = 1,
    progress: Progress | None = None,
) -> BuildReport:  # fmt: skip
    """Build a corpus from ENST-Drums (``drummer_N/audio/<mic>/<take>.wav``), grouped by drummer."""
    jobs = enst_jobs(Path(root), copy=copy)
    builder = {"command": "enst", "drumassist": __version__, "copy": copy}
    return _run(Path(out), jobs, builder, workers, progress)


def build_folder_corpus(
    src: str | Path, out: str | Path, *, mix_pattern: str | None = None, copy: bool = False,
    workers: int = 1, progress: Progress | None = None,
) -> BuildReport:  # fmt: skip
    """Build a corpus from a folder of sessions, each stems plus one mix file."""
    jobs = folder_jobs(Path(src), mix_pattern=mix_pattern, copy=copy, exclude=Path(out))
    builder = {
        "command": "folder",
        "drumassist": __version__,
        "mix_pattern": mix_pattern,
        "copy": copy,
    }
    return _run(Path(out), jobs, builder, workers, progress)


def _run(
    out: Path, jobs: Sequence[ReferenceJob], builder: Mapping[str, object], workers: int,
    progress: Progress | None,
) -> BuildReport:  # fmt: skip
    if not jobs:
        raise CorpusError("no sessions found (each needs two or more stems and one mix file)")
    return run_jobs(
        out, jobs, build_reference_session, builder=builder, workers=workers, progress=progress
    )
