"""Screening and solving the accumulated normal equations, for :mod:`.engineer`.

Columns are screened before any solve. A column whose mean square is below
:data:`SILENT_MEAN_SQUARE` is silent. Among the rest, a pivoted Cholesky
factorisation of the correlation matrix (XᵀX scaled to a unit diagonal) picks a
basis; a column that the basis explains to within :data:`DEPENDENT_TOLERANCE` of its
energy is dependent, and so is every basis column that takes part in that
dependency, because none of their individual gains can be told apart. The solve
uses the basis only, so the others' gains and the fit are unaffected.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Mean square at or below which a column is silent (-140 dBFS RMS).
SILENT_MEAN_SQUARE = 1e-14
#: Residual energy fraction (-60 dB) at or below which a column counts as dependent.
DEPENDENT_TOLERANCE = 1e-6
#: Weight, in unit-energy coordinates, above which a basis column takes part in a dependency.
INVOLVED_WEIGHT = 1e-2
#: A negative gain counts as a polarity flip only if its term carries at least this
#: fraction (-60 dB) of the mix energy; below that its sign is noise (a hard-panned
#: stem's silent side, a stem absent from the mix).
FLIP_ENERGY_FRACTION = 1e-6

OK, SILENT, DEPENDENT = "ok", "silent", "dependent"


@dataclass(frozen=True)
class Screen:
    """One side's screening: the basis to solve with and every column's status."""

    basis: tuple[int, ...]
    status: dict[int, str]


@dataclass(frozen=True)
class SideFit:
    """One side's gains on its basis columns, which of them flip polarity, and the residual.

    ``flipped`` marks the columns whose unconstrained gain is negative and not negligible.
    """

    basis: tuple[int, ...]
    unconstrained: np.ndarray
    gains: np.ndarray
    flipped: np.ndarray
    residual: float


def screen(gram: np.ndarray, columns: Sequence[int], *, frames: int) -> Screen:
    """Classify ``columns`` of ``gram`` as ok, silent or dependent and choose a solve basis."""
    status = dict.fromkeys(columns, OK)
    live = []
    for c in columns:
        if gram[c, c] <= SILENT_MEAN_SQUARE * max(frames, 1):
            status[c] = SILENT
        else:
            live.append(c)
    if not live:
        return Screen((), status)
    corr = _correlation(gram, live)
    chosen = _pivoted_basis(corr)
    basis = [live[i] for i in chosen]
    for i in (i for i in range(len(live)) if i not in chosen):
        status[live[i]] = DEPENDENT
        weights = np.linalg.solve(corr[np.ix_(chosen, chosen)], corr[chosen, i])
        for j, weight in zip(chosen, weights, strict=True):
            if abs(weight) > INVOLVED_WEIGHT:
                status[live[j]] = DEPENDENT
    return Screen(tuple(sorted(basis)), status)


def best_lag(xcorr: np.ndarray, gram: np.ndarray, screens: Sequence[Screen]) -> int:
    """The lag (frames, positive: mix late) whose least-squares fit explains the most energy.

    ``xcorr`` is ``(sides, m, 2 L + 1)``. The explained energy at a lag is
    ``cᵀ G⁻¹ c`` on each side's basis, summed over the sides.
    """
    half = (xcorr.shape[-1] - 1) // 2
    explained = np.zeros(xcorr.shape[-1])
    for side, scr in enumerate(screens):
        if not scr.basis:
            continue
        basis = list(scr.basis)
        scale = np.sqrt(np.diag(gram)[basis])
        corr = gram[np.ix_(basis, basis)] / np.outer(scale, scale)
        normed = xcorr[side][basis] / scale[:, None]
        explained += np.sum(normed * np.linalg.solve(corr, normed), axis=0)
    # Ties (a silent mix, periodic material) go to the smallest offset.
    lags = np.arange(-half, half + 1)
    best = explained >= explained.max() - 1e-12 * abs(explained.max())
    return int(lags[best][np.argmin(np.abs(lags[best]))])


def solve_side(
    gram: np.ndarray, cross: np.ndarray, energy: float, basis: Sequence[int], *, nonneg: bool
) -> SideFit:
    """Least-squares gains on ``basis`` (and non-negative ones when ``nonneg``), with the residual.

    Works in unit-energy coordinates so that stems of very different levels do not
    spoil the conditioning. The residual ``yᵀy - 2 aᵀXᵀy + aᵀXᵀXa`` needs no second pass.
    """
    import scipy.linalg
    import scipy.optimize

    cols = list(basis)
    if not cols:
        return SideFit((), np.zeros(0), np.zeros(0), np.zeros(0, bool), max(energy, 0.0))
    scale = np.sqrt(np.diag(gram)[cols])
    corr = gram[np.ix_(cols, cols)] / np.outer(scale, scale)
    rhs = cross[cols] / scale
    upper = scipy.linalg.cholesky(corr, lower=False)
    unit = scipy.linalg.cho_solve((upper, False), rhs)
    fitted = unit
    if nonneg:
        # ||y - Xa||² = ||R z - R⁻ᵀ r||² + const with G = RᵀR: an ordinary NNLS problem.
        whitened = scipy.linalg.solve_triangular(upper, rhs, trans="T", lower=False)
        fitted, _ = scipy.optimize.nnls(upper, whitened)
    gains = fitted / scale
    sub = gram[np.ix_(cols, cols)]
    residual = energy - 2.0 * float(gains @ cross[cols]) + float(gains @ sub @ gains)
    flipped = (unit < 0.0) & (unit**2 >= FLIP_ENERGY_FRACTION * energy)
    return SideFit(tuple(cols), unit / scale, gains, flipped, max(residual, 0.0))


def stereo_gain_pan(left: float, right: float, *, stereo_source: bool) -> tuple[float, float]:
    """Invert :func:`drumassist.core.mix.pan_gains`: per-channel gains to (gain, pan).

    A mono source: ``left = g cos θ``, ``right = g sin θ`` with ``θ = (pan + 1) π / 4``.
    A stereo source: the same law times √2, clipped at unity, so the louder side
    carries ``g`` and the quieter one ``g √2 sin θ`` (or ``cos θ``). The pan comes from
    the magnitudes; the gain takes the sign of the louder side.
    """
    mag_l, mag_r = abs(left), abs(right)
    louder = left if mag_l >= mag_r else right
    if mag_l == 0.0 and mag_r == 0.0:
        return 0.0, 0.0
    if not stereo_source:
        theta = math.atan2(mag_r, mag_l)
        return math.copysign(math.hypot(left, right), louder), 4.0 * theta / math.pi - 1.0
    gain = max(mag_l, mag_r)
    ratio = min(mag_l, mag_r) / gain / math.sqrt(2.0)
    theta = math.asin(ratio) if mag_l >= mag_r else math.acos(ratio)
    return math.copysign(gain, louder), 4.0 * theta / math.pi - 1.0


def _correlation(gram: np.ndarray, columns: Sequence[int]) -> np.ndarray:
    scale = np.sqrt(np.diag(gram)[list(columns)])
    return gram[np.ix_(columns, columns)] / np.outer(scale, scale)


def _pivoted_basis(corr: np.ndarray) -> list[int]:
    """Indices chosen by a Cholesky factorisation that pivots on the largest residual energy."""
    size = corr.shape[0]
    residual = np.diag(corr).astype(np.float64).copy()
    factor = np.zeros((size, size))
    chosen: list[int] = []
    for step in range(size):
        candidates = np.where(np.isin(np.arange(size), chosen), -np.inf, residual)
        pivot = int(np.argmax(candidates))
        if candidates[pivot] <= DEPENDENT_TOLERANCE:
            break
        column = corr[:, pivot] - factor[:, :step] @ factor[pivot, :step]
        column /= math.sqrt(candidates[pivot])
        factor[:, step] = column
        residual -= column**2
        chosen.append(pivot)
    return chosen
