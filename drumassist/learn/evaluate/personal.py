"""Personal against default, leave one session out, on the user's own recorded mixes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from drumassist.errors import PersonalModelError
from drumassist.learn.evaluate.metrics import balance_error_db
from drumassist.learn.models.personal import Example, fit_personal


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
        # Only tracks both sides give a level: a track the default mutes (a silent or
        # too-short stem) has no balance to be wrong about.
        ok = np.isfinite(held.chosen_db) & np.isfinite(held.default_db)
        personal = held.default_db + model.offsets_db(held.roles)
        scores.append(
            SessionScore(
                held.session_id,
                balance_error_db(held.chosen_db[ok], held.default_db[ok]),
                balance_error_db(held.chosen_db[ok], personal[ok]),
            )
        )
    return scores
