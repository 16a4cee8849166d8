"""A comparison laid out for a view: which methods to show, one row each, chart values.

Pure numpy, no Qt: the window's compare view (:mod:`drumassist.ui.compareview`) draws
what this module computes, so the numbers it shows are tested without a window.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from drumassist.core.mixloudness import MixLoudness
from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress
from drumassist.errors import InvalidStemError
from drumassist.learn.evaluate.compare import Comparison, compare_methods
from drumassist.learn.evaluate.metrics import FLOOR_DB
from drumassist.learn.models.registry import DEFAULT_ALIAS, DEFAULT_METHOD, unavailable_reason
from drumassist.learn.suggest.reference import REFERENCE_METHOD
from drumassist.learn.suggest.suggestion import Suggestion, method_names

log = logging.getLogger(__name__)

#: The chart's bars start this far below the quietest finite gain (rounded to 6 dB).
_CHART_MARGIN_DB = 6.0


@dataclass(frozen=True)
class BalanceRow:
    """One line of the comparison: a method's (or the reference's) balance and scores.

    ``suggestion`` is None when the method failed; ``error`` then says why. The scores
    are NaN without a reference mix (and for the reference itself).
    """

    method: str
    label: str
    suggestion: Suggestion | None
    balance_error_db: float = math.nan
    r2: float = math.nan
    error: str | None = None

    @property
    def is_reference(self) -> bool:
        return self.method == REFERENCE_METHOD

    @property
    def has_range(self) -> bool:
        """True if the method gives a confidence range wider than its gain anywhere."""
        s = self.suggestion
        if s is None:
            return False
        return any(
            lo != g or hi != g for g, lo, hi in zip(s.gains_db, s.low_db, s.high_db, strict=True)
        )


def installed_methods() -> tuple[str, ...]:
    """Every method that can run with what is installed, each once.

    ``default`` runs the same function as the default model's method, so only the
    method's own name is kept (its row is labelled as the default).
    """
    names = [n for n in method_names() if unavailable_reason(n) is None]
    if DEFAULT_METHOD in names:
        names = [n for n in names if n != DEFAULT_ALIAS]
    return tuple(names)


def missing_methods() -> dict[str, str]:
    """The methods that cannot run here (no shipped model), each with how to get it."""
    reasons = {n: unavailable_reason(n) for n in method_names() if n != DEFAULT_ALIAS}
    return {n: why for n, why in reasons.items() if why is not None}


def comparison_rows(comparison: Comparison) -> tuple[BalanceRow, ...]:
    """The reference's row first (if any), then one row per method in order."""
    rows = []
    ref = comparison.reference
    if ref is not None:
        rows.append(BalanceRow(REFERENCE_METHOD, f"reference: {ref.path.name}", ref.suggestion))
    for m in comparison.methods:
        label = f"{m.method} (default)" if m.method == DEFAULT_METHOD else m.method
        rows.append(BalanceRow(m.method, label, m.suggestion, m.balance_error_db, m.r2, m.error))
    return tuple(rows)


def column_order(names: Sequence[str], order: Sequence[str]) -> tuple[int, ...]:
    """The tracks' indices in ``names`` as the window's strips stand, left to right.

    ``order`` is the strip order (:attr:`drumassist.core.mixstate.MixState.order`);
    a name in it that is not loaded (a missing stem) has no column, and a loaded
    track it does not name goes at the end, in ``names``' order.
    """
    index = {name: i for i, name in enumerate(names)}
    shown = [index[n] for n in dict.fromkeys(order) if n in index]
    placed = set(shown)
    return (*shown, *(i for i in range(len(names)) if i not in placed))


@dataclass(frozen=True)
class ChartValues:
    """Bars and error bars of the rows that have a balance, in dB.

    ``rows`` indexes :func:`comparison_rows`' result; ``columns`` are the tracks'
    indices in the order of the arrays' columns (:func:`column_order`). Bars rise
    from ``floor_db`` to ``gains_db``; a track a method turns off (``-inf``) sits at
    the floor (no bar). ``below_db`` and ``above_db`` are the error bars' extents
    (zero without a range).
    """

    rows: tuple[int, ...]
    columns: tuple[int, ...]
    floor_db: float
    gains_db: np.ndarray  # (len(rows), tracks)
    below_db: np.ndarray
    above_db: np.ndarray


def chart_values(
    rows: Sequence[BalanceRow], *, columns: Sequence[int] | None = None
) -> ChartValues:
    """What the bar chart draws for ``rows`` (rows without a balance are left out).

    Parameters
    ----------
    columns : sequence of int or None
        The tracks' indices left to right (:func:`column_order`); by default the
        suggestions' own track order.
    """
    shown = [(i, r.suggestion) for i, r in enumerate(rows) if r.suggestion is not None]
    if not shown:
        empty = np.zeros((0, 0))
        return ChartValues((), tuple(columns or ()), FLOOR_DB, empty, empty, empty)
    cols = tuple(range(len(shown[0][1].gains_db))) if columns is None else tuple(columns)
    gains, low, high = (
        np.array([_floored(getattr(s, name)) for _, s in shown])[:, list(cols)]
        for name in ("gains_db", "low_db", "high_db")
    )
    audible = np.concatenate([gains.ravel(), low.ravel()])
    audible = audible[audible > FLOOR_DB]
    floor = FLOOR_DB
    if audible.size:
        step = _CHART_MARGIN_DB
        floor = max(FLOOR_DB, step * math.floor((float(audible.min()) - step / 2) / step))
    gains = np.maximum(gains, floor)
    # A range need not bracket its gain (it is shifted with the gain to the loudness
    # target, and a model's range is its own); each side is drawn as far as it goes.
    below = np.clip(gains - np.maximum(low, floor), 0.0, None)
    above = np.clip(np.maximum(high, floor) - gains, 0.0, None)
    return ChartValues(tuple(i for i, _ in shown), cols, floor, gains, below, above)


def _floored(values: Sequence[float]) -> list[float]:
    """``values`` with ``-inf`` (a track turned off) and anything quieter at the floor."""
    return [max(v, FLOOR_DB) if math.isfinite(v) else FLOOR_DB for v in values]


@dataclass(frozen=True)
class ComparedRows:
    """The rows of a comparison, and why the reference mix was left out (if it was)."""

    rows: tuple[BalanceRow, ...]
    reference_error: str | None = None


def compare_rows(
    multitrack: Multitrack,
    *,
    meter: MixLoudness,
    methods: Sequence[str] | None = None,
    reference: Path | None = None,
    progress: Progress | None = None,
) -> ComparedRows:
    """Run :func:`~drumassist.learn.evaluate.compare.compare_methods`; lay its result out.

    Parameters
    ----------
    methods : sequence of str or None
        The methods to run; by default :func:`installed_methods`.
    reference : Path or None
        A mix of these stems: its balance becomes the first row, and every method is
        scored against it. If it cannot be read or fitted, the methods are compared
        without it and ``reference_error`` says why.

    Raises
    ------
    CancelledError
        If ``progress`` is cancelled.
    DrumassistError
        If a method in ``methods`` is unknown.
    """
    names = installed_methods() if methods is None else methods
    try:
        comparison = compare_methods(
            multitrack, methods=names, meter=meter, reference=reference, progress=progress
        )
    except InvalidStemError as exc:
        if reference is None:
            raise
        # The methods' balances are worth showing without the reference's scores.
        log.info("compare: reference %s left out: %s", reference.name, exc)
        comparison = compare_methods(multitrack, methods=names, meter=meter, progress=progress)
        return ComparedRows(comparison_rows(comparison), str(exc))
    return ComparedRows(comparison_rows(comparison))
