"""Background work the window starts: loading stems or a session, suggesting, exporting.

Plain functions of ``progress``, run by TaskRunner on a worker thread; no widgets here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from drumassist.core.export import ExportResult, export_mix
from drumassist.core.mixloudness import MixLoudness
from drumassist.core.multitrack import Multitrack, load_multitrack
from drumassist.core.progress import Progress, ScaledProgress
from drumassist.core.session import (
    UNREADABLE_STEM_HINT,
    LoadedSession,
    Session,
    load_session,
)
from drumassist.core.sessionpaths import stem_exists
from drumassist.core.sessionstems import elsewhere_notice, not_audio_notice, present_stems
from drumassist.learn.suggest.suggestion import Suggestion, suggest


@dataclass(frozen=True)
class Loaded:
    """A multitrack ready for the mixer, and the session it came from (if any)."""

    multitrack: Multitrack
    meter: MixLoudness
    session: LoadedSession | None = None
    session_path: Path | None = None
    #: True when the session was changed on the way in (a stem located): unsaved.
    modified: bool = False
    #: The recovery copy this was restored from (removed once the window has the mix).
    recovered_from: Path | None = None


def load_sources(sources: Sequence[Path], progress: Progress) -> Loaded:
    """Load stems (a folder or files) and prepare loudness measurement."""
    if len(sources) == 1 and sources[0].suffix == ".drumassist":
        return load_session_file(sources[0], progress)
    multitrack = load_multitrack(list(sources), progress=ScaledProgress(progress, 0.0, 0.6))
    meter = MixLoudness(multitrack, progress=ScaledProgress(progress, 0.6, 1.0))
    return Loaded(multitrack, meter)


def load_session_file(path: Path, progress: Progress) -> Loaded:
    """Open a session file: its stems (the ones still present), then its state."""
    return load_session_stems(load_session(path), path, progress)


def load_session_stems(
    loaded: LoadedSession | Session, path: Path, progress: Progress, *, modified: bool = False
) -> Loaded:
    """Load the stems a session names that exist; the missing ones stay in the session."""
    if isinstance(loaded, Session):
        # A session changed in memory (a stem located): look for its files again.
        session = loaded
        loaded = LoadedSession(
            session, tuple(t.path for t in session.tracks if not stem_exists(t.path))
        )
    multitrack = load_multitrack(
        present_stems(loaded, path),
        progress=ScaledProgress(progress, 0.0, 0.6),
        unreadable_hint=UNREADABLE_STEM_HINT,
    )
    session_notices = [
        n for n in (elsewhere_notice(loaded, path), not_audio_notice(loaded, path)) if n
    ]
    if session_notices:  # shown with the loading notices
        multitrack = replace(multitrack, notices=(*session_notices, *multitrack.notices))
    meter = MixLoudness(multitrack, progress=ScaledProgress(progress, 0.6, 1.0))
    return Loaded(multitrack, meter, loaded, path, modified)


def load_recovered(
    session_file: Path, session_path: Path | None, name: str, progress: Progress
) -> Loaded:
    """Reopen a recovery copy: its stems and state, unsaved, belonging to ``session_path``
    (the session it was opened from or saved to; None if it never was). Errors say
    ``name`` (the mix's session or folder), not the copy's own file name."""
    loaded = load_session_stems(load_session(session_file), Path(name), progress, modified=True)
    return replace(loaded, session_path=session_path, recovered_from=session_file)


def run_suggestion(
    multitrack: Multitrack, meter: MixLoudness, method: str, progress: Progress
) -> Suggestion:
    return suggest(multitrack, method=method, meter=meter, progress=progress)


@dataclass(frozen=True)
class ExportJob:
    """Everything an export needs, captured on the GUI thread."""

    multitrack: Multitrack
    meter: MixLoudness
    method: str | None  # None: use gains_db as given
    gains_db: np.ndarray
    pans: np.ndarray
    mutes: np.ndarray
    inverted: np.ndarray  # polarity, as the strips set it (every source alike)
    path: Path
    stereo: bool
    bit_depth: int
    loudness_lufs: float | None
    ceiling_dbfs: float
    overwrite: bool


def run_export(job: ExportJob, progress: Progress) -> ExportResult:
    gains = job.gains_db
    if job.method is not None:
        gains = np.array(
            suggest(
                job.multitrack,
                method=job.method,
                meter=job.meter,
                progress=ScaledProgress(progress, 0.0, 0.5),
            ).gains_db
        )
    return export_mix(
        job.multitrack,
        gains,
        job.path,
        pans=job.pans,
        mutes=job.mutes,
        inverted=job.inverted,
        stereo=job.stereo,
        bit_depth=job.bit_depth,
        loudness_lufs=job.loudness_lufs,
        peak_ceiling_dbfs=job.ceiling_dbfs,
        overwrite=job.overwrite,
        progress=ScaledProgress(progress, 0.5, 1.0),
    )
