"""From the personal corpus to training pairs, the personal suggestion, and its score.

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
from drumassist.core.progress import Progress, ScaledProgress, check_cancelled
from drumassist.errors import CancelledError, DrumassistError, PersonalModelError
from drumassist.learn.metrics import balance_error_db
from drumassist.learn.personal.corpus import RecordedSession, fingerprint, read_corpus
from drumassist.learn.personal.model import (
    Example,
    PersonalModel,
    fit_personal,
    has_personal_model,
    load_personal,
    save_personal,
)
from drumassist.learn.suggest import RawGains

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedExamples:
    """The usable sessions, and why the others were left out."""

    examples: tuple[Example, ...]
    skipped: tuple[str, ...]


def default_raw_gains(multitrack: Multitrack, progress: Progress | None = None) -> RawGains:
    """What the default method predicts for ``multitrack`` (before loudness scaling)."""
    from drumassist.learn.suggest import METHODS

    return METHODS["default"][1](multitrack, progress)


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


def personal_gains(multitrack: Multitrack, progress: Progress | None = None) -> RawGains:
    """The default model's gains corrected by the personal model (method ``personal``)."""
    if not has_personal_model():
        raise PersonalModelError(
            "no personal model yet: use Tools ▸ Learn from my mixes"
            " or 'drumassist train --personal'"
        )
    model = load_personal()
    base = default_raw_gains(multitrack, progress)
    offsets = model.offsets_db(multitrack.roles)
    return RawGains(
        np.asarray(base.gains_db) + offsets,
        None if base.low_db is None else np.asarray(base.low_db) + offsets,
        None if base.high_db is None else np.asarray(base.high_db) + offsets,
        model=f"personal ({model.describe()}) on {base.model or 'the default model'}",
    )


@dataclass(frozen=True)
class SessionScore:
    """Balance errors against the user's own mix of one session, left out of the fit."""

    session_id: str
    default_db: float
    personal_db: float


def leave_one_session_out(examples: Sequence[Example]) -> list[SessionScore]:
    """Score personal against default on each session, fitting on all the others."""
    if len(examples) < 2:
        raise PersonalModelError(
            f"leave-one-session-out needs two recorded sessions, not {len(examples)}"
        )
    scores = []
    for i, held in enumerate(examples):
        model = fit_personal([e for j, e in enumerate(examples) if j != i])
        ok = np.isfinite(held.chosen_db)
        personal = held.default_db + model.offsets_db(held.roles)
        scores.append(
            SessionScore(
                held.session_id,
                balance_error_db(held.chosen_db[ok], held.default_db[ok]),
                balance_error_db(held.chosen_db[ok], personal[ok]),
            )
        )
    return scores
