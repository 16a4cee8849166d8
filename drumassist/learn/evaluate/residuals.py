"""Per-role balance errors of an evaluation, for the report's tables and figures."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from drumassist.core.roles import Role
from drumassist.learn.evaluate.metrics import FLOOR_DB, SessionComparison
from drumassist.learn.evaluate.protocol import EvalSession


def role_residuals(
    sessions: Sequence[EvalSession], comparisons: Sequence[SessionComparison]
) -> dict[str, np.ndarray]:
    """Per role, each valid track's balance error in dB (session mean difference removed)."""
    out: dict[str, list[float]] = {}
    for session, c in zip(sessions, comparisons, strict=True):
        if not c.valid.any():
            continue
        diff = np.maximum(c.pred_db, FLOOR_DB) - np.maximum(c.true_db, FLOOR_DB)
        diff = diff[c.valid] - diff[c.valid].mean()
        roles = [r for r, v in zip(session.data.inputs.roles, c.valid, strict=True) if v]
        for role, d in zip(roles, diff, strict=True):
            out.setdefault(role.value, []).append(float(d))
    order = [r.value for r in Role]
    return {r: np.array(out[r]) for r in order if r in out}
