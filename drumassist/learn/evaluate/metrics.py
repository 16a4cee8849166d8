"""How close predicted gains are to the gains a mix was made with.

Both gain vectors are first scaled so their mono mix measures -23 LUFS
(:func:`normalised_gains_db`), as in the published evaluation: a method is judged on
the balance it proposes, not on its overall level. Tracks whose true gain is
undefined (silent, linearly dependent, missing: ``None``, NaN or ``-inf``) are muted in
*both* mixes before that scaling, so both mixes hold the same tracks, and are left
out of every score.

R² (as published)
    The coefficient of determination ``1 - SS_res / SS_tot`` between the true and
    predicted *linear* gains (``10 ** (dB / 20)``) after normalisation, pooled over
    every valid (session, track) pair of the evaluation set, with ``SS_tot`` taken
    about the pooled mean of the true gains. A predicted ``-inf`` dB (the method
    muted a track the mix used) counts as a linear gain of 0: a real error.

Balance error
    Per session, the RMS over valid tracks of ``predicted_db - true_db`` after
    removing the mean of that difference (so a constant offset costs nothing), with
    gains floored at :data:`FLOOR_DB`. Summarised by the median and the 90th
    percentile over sessions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from drumassist.core.mixloudness import DEFAULT_TARGET_LUFS, MixLoudness, normalise_offset_db

#: dB values below this are raised to it in the balance error, so a muted track costs
#: a large but finite error.
FLOOR_DB = -60.0


@dataclass(frozen=True)
class SessionComparison:
    """True and predicted gains of one session after normalisation, and which count."""

    session_id: str
    true_db: np.ndarray
    pred_db: np.ndarray
    valid: np.ndarray  # bool, per track


@dataclass(frozen=True)
class Scores:
    """Scores over an evaluation set (see the module docstring)."""

    r2: float
    balance_median_db: float
    balance_p90_db: float
    sessions: int
    tracks: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "r2": self.r2,
            "balance_median_db": self.balance_median_db,
            "balance_p90_db": self.balance_p90_db,
            "sessions": self.sessions,
            "tracks": self.tracks,
        }


def normalised_gains_db(
    meter: MixLoudness, gains_db: Sequence[float] | np.ndarray, target: float = DEFAULT_TARGET_LUFS
) -> np.ndarray:
    """Shift ``gains_db`` by one offset so their mono mix measures ``target`` LUFS.

    A silent mix is returned unchanged.
    """
    gains = np.asarray(gains_db, dtype=np.float64)
    offset, _ = normalise_offset_db(meter, gains, target)
    return gains + offset


def valid_mask(true_db: Sequence[float | None] | np.ndarray) -> np.ndarray:
    """True where a true gain is defined (not None, NaN or ``-inf``)."""
    values = np.array([math.nan if g is None else float(g) for g in true_db])
    return np.isfinite(values)


def compare_session(
    meter: MixLoudness,
    true_db: Sequence[float | None] | np.ndarray,
    pred_db: Sequence[float] | np.ndarray,
    *,
    session_id: str = "",
    target: float = DEFAULT_TARGET_LUFS,
) -> SessionComparison:
    """Normalise both gain vectors of one session with undefined tracks muted in both."""
    valid = valid_mask(true_db)
    true = np.where(valid, np.array([-math.inf if g is None else g for g in true_db]), -math.inf)
    pred = np.where(valid, np.asarray(pred_db, dtype=np.float64), -math.inf)
    return SessionComparison(
        session_id,
        normalised_gains_db(meter, true, target),
        normalised_gains_db(meter, pred, target),
        valid,
    )


def pooled_r2(comparisons: Sequence[SessionComparison]) -> float:
    """R² of linear gains pooled over every valid (session, track) pair; NaN if none."""
    true = np.concatenate([c.true_db[c.valid] for c in comparisons] or [np.zeros(0)])
    pred = np.concatenate([c.pred_db[c.valid] for c in comparisons] or [np.zeros(0)])
    return r2_linear(true, pred)


def r2_linear(true_db: np.ndarray, pred_db: np.ndarray) -> float:
    """Coefficient of determination of ``10 ** (dB / 20)``.

    NaN for fewer than 2 values or when the true gains are equal (to 1e-6 relative).
    """
    if true_db.size < 2:
        return math.nan
    with np.errstate(over="ignore"):
        y = 10.0 ** (np.asarray(true_db, dtype=np.float64) / 20.0)
        y_hat = 10.0 ** (np.asarray(pred_db, dtype=np.float64) / 20.0)
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    # Equal true gains (up to rounding) leave nothing to explain: R² is undefined.
    if ss_tot <= 1e-12 * float(np.sum(y**2)):
        return math.nan
    return 1.0 - float(np.sum((y - y_hat) ** 2)) / ss_tot


def balance_error_db(true_db: np.ndarray, pred_db: np.ndarray) -> float:
    """RMS of the dB differences after removing their mean; NaN for no tracks."""
    if np.size(true_db) == 0:
        return math.nan
    diff = np.maximum(pred_db, FLOOR_DB) - np.maximum(true_db, FLOOR_DB)
    diff = diff - diff.mean()
    return float(np.sqrt(np.mean(diff**2)))


def score(comparisons: Sequence[SessionComparison]) -> Scores:
    """R² and balance-error summary of an evaluation set."""
    errors = [
        balance_error_db(c.true_db[c.valid], c.pred_db[c.valid])
        for c in comparisons
        if c.valid.any()
    ]
    return Scores(
        r2=pooled_r2(comparisons),
        balance_median_db=float(np.median(errors)) if errors else math.nan,
        balance_p90_db=float(np.percentile(errors, 90)) if errors else math.nan,
        sessions=len(errors),
        tracks=int(sum(int(c.valid.sum()) for c in comparisons)),
    )


def format_r2(r2: float) -> str:
    """R² as tables show it: three decimals, ``n/a`` when undefined, and an exponent
    below -1000 (R² of linear gains has no lower bound; a wild one would widen a column)."""
    if not math.isfinite(r2):
        return "n/a"
    return f"{r2:.3f}" if r2 > -1000.0 else f"{r2:.1e}"
