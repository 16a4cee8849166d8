"""Permutation importance per role: how much a model's balance error rises when one of its
input columns is shuffled among one role's tracks.

Predictions are centred per session (only the balance is defined), and the error is the
mean squared difference to the centred targets in dB², over that role's tracks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from drumassist.learn.data.sessions import SessionData
from drumassist.learn.models.base import Importance

#: Columns listed per role or slot.
TOP_FEATURES = 5


@dataclass(frozen=True)
class TrackRows:
    """Every valid track of some sessions as model rows, with centred targets."""

    x: np.ndarray
    y: np.ndarray
    session: np.ndarray  # index of each row's session
    role: np.ndarray  # role value of each row


def track_rows(
    sessions: Sequence[SessionData],
    anchor: Callable[[SessionData], np.ndarray],
    design: Callable[[SessionData], np.ndarray],
) -> TrackRows | None:
    """Rows of the sessions' tracks with a defined target (sessions with two or more).

    ``anchor`` gives the level each target is relative to, ``design`` the model's rows.
    """
    rows, targets, session_of, roles = [], [], [], []
    for k, s in enumerate(sessions):
        relative = s.target_db + anchor(s)
        valid = np.isfinite(relative)
        if valid.sum() < 2:
            continue
        rows.append(design(s)[valid])
        targets.append(relative[valid] - relative[valid].mean())
        session_of += [k] * int(valid.sum())
        roles += [r.value for r, v in zip(s.inputs.roles, valid, strict=True) if v]
    if not rows:
        return None
    x, y = np.vstack(rows), np.concatenate(targets)
    return TrackRows(x, y, np.array(session_of), np.array(roles))


def permutation_importances(
    predict: Callable[[np.ndarray], np.ndarray],
    rows: TrackRows,
    names: Sequence[str],
    columns: Sequence[int],
    *,
    repeats: int = 3,
    seed: int = 0,
) -> dict[str, list[Importance]]:
    """Per role, the top ``columns`` by the rise in centred squared error when shuffled."""
    base = predict(rows.x)
    rng = np.random.default_rng(seed)
    out = {}
    for role in dict.fromkeys(rows.role.tolist()):
        members = np.flatnonzero(rows.role == role)
        if members.size < 3:
            continue
        reference = _role_mse(base, rows.y, rows.session, members)
        scores = []
        for j in columns:
            rises = []
            for _ in range(repeats):
                shuffled = rows.x[members].copy()
                shuffled[:, j] = rng.permutation(shuffled[:, j])
                pred = base.copy()
                pred[members] = predict(shuffled)
                rises.append(_role_mse(pred, rows.y, rows.session, members) - reference)
            scores.append(Importance(names[j], float(np.mean(rises))))
        scores.sort(key=lambda imp: imp.value, reverse=True)
        out[role] = scores[:TOP_FEATURES]
    return out


def _role_mse(pred: np.ndarray, y: np.ndarray, sid: np.ndarray, members: np.ndarray) -> float:
    # Predictions centred per session, as only the balance is defined.
    centred = pred.copy()
    for k in np.unique(sid[members]):
        rows = sid == k
        centred[rows] -= centred[rows].mean()
    return float(np.mean((centred[members] - y[members]) ** 2))
