"""From the personal corpus to training pairs, and Tools ▸ Learn from my mixes.

Each recorded session's stems are loaded again (only when every fingerprint still
matches: a changed file is a different take) and the default model suggests for them
now, so the correction is always learned on top of the model that will be corrected.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from drumassist.core.multitrack import Multitrack, load_multitrack
from drumassist.core.personal import RecordedSession, fingerprint, read_corpus
from drumassist.core.progress import Progress, ScaledProgress, check_cancelled
from drumassist.errors import CancelledError, DrumassistError, PersonalModelError
from drumassist.learn.models.personal import (
    Example,
    PersonalModel,
    fit_personal,
    save_personal,
)
from drumassist.learn.models.registry import DEFAULT_METHOD
from drumassist.learn.suggest.suggestion import RawGains, method_gains

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedExamples:
    """The usable sessions, and why the others were left out."""

    examples: tuple[Example, ...]
    skipped: tuple[str, ...]


def default_raw_gains(multitrack: Multitrack, progress: Progress | None = None) -> RawGains:
    """What the default method predicts for ``multitrack`` (before loudness scaling)."""
    return method_gains(DEFAULT_METHOD, multitrack, progress)


def load_examples(
    sessions: Sequence[RecordedSession] | None = None, *, progress: Progress | None = None
) -> LoadedExamples:
    """Training pairs of every recorded session whose stems are still there, unchanged."""
    recorded = read_corpus() if sessions is None else list(sessions)
    examples, skipped = [], []
    for i, session in enumerate(recorded):
        check_cancelled(progress)
        part = (
            ScaledProgress(progress, i / len(recorded), (i + 1) / len(recorded))
            if progress
            else None
        )
        try:
            examples.append(_example(session, part))
        except CancelledError:
            raise
        except DrumassistError as exc:
            skipped.append(f"session {session.session_id} ({session.recorded_utc}): {exc}")
            log.info("personal corpus: %s", skipped[-1])
    return LoadedExamples(tuple(examples), tuple(skipped))


def _example(session: RecordedSession, progress: Progress | None) -> Example:
    for track in session.tracks:
        if not track.path.is_file():
            raise PersonalModelError(f"{track.path}: stem no longer exists")
        if fingerprint(track.path) != track.fingerprint:
            raise PersonalModelError(f"{track.path}: stem has changed since the mix was recorded")
    multitrack = load_multitrack([t.path for t in session.tracks])
    by_path = {t.path: t for t in session.tracks}
    ordered = [by_path[Path(t.path).resolve()] for t in multitrack.tracks if t.path is not None]
    if len(ordered) != len(multitrack.tracks):
        raise PersonalModelError("the stems did not load as recorded")
    multitrack = multitrack.with_roles(
        {mt.name: rec.role for mt, rec in zip(multitrack.tracks, ordered, strict=True)}
    )
    raw = default_raw_gains(multitrack, progress)
    chosen = np.array([math.nan if t.gain_db is None else t.gain_db for t in ordered])
    return Example(session.session_id, multitrack.roles, np.asarray(raw.gains_db, float), chosen)


def learn_from_my_mixes(
    *, progress: Progress | None = None, path: Path | None = None
) -> tuple[PersonalModel, LoadedExamples]:
    """Fit the personal model on the personal corpus and save it (Tools ▸ Learn from my mixes)."""
    loaded = load_examples(progress=progress)
    if not loaded.examples:
        why = f" ({'; '.join(loaded.skipped)})" if loaded.skipped else ""
        raise PersonalModelError(
            f"no recorded session can be used{why}: export or save a mix first"
        )
    model = fit_personal(loaded.examples)
    save_personal(model, path)
    return model, loaded
