"""What the trim-style models read of a session: their reference level and design matrix.

Every model of :mod:`~drumassist.learn.models.trim` predicts a track's gain relative to a
*reference level* of that track, ``gain_k = -reference_k + correction_k``:

- ``trim``: the bleed-trim anchor (:func:`~drumassist.learn.bleed.trims.trim_anchor`),
  each mic's input trim read from the bleed between mics. It assumes bleed paths are
  symmetric, which real close mics are not (see ``tests/learn/bleed/test_trim.py``).
- ``m90``: the track's own level, the 90th percentile of its momentary loudness
  (:data:`~drumassist.learn.data.anchor.LEVELS`), which assumes nothing about bleed;
  a track whose level is under the absolute gate (-70 LUFS) counts as silent.

The design matrix of a track: its role one-hot and context, every level measure
relative to the reference and to its session mean ("shape"), six statistics of the
bleed into and out of its mic, and three kind flags (:func:`feature_columns`).
"""

from __future__ import annotations

import math

import numpy as np

from drumassist.core.roles import Role
from drumassist.errors import ModelError
from drumassist.learn.bleed.kinds import same_drum
from drumassist.learn.bleed.trims import (
    AMBIENT,
    VALID_DB,
    TrimTables,
    solve_trims,
    trim_anchor,
)
from drumassist.learn.data.anchor import LEVELS, AnchorInputs, audible_levels

#: The reference levels a model can be built on (see the module docstring).
REFERENCES = ("trim", "m90")

ROLES = tuple(Role)
KIND_FLAGS = ("kick_in", "kick_out", "snare_btm")
CONTEXT = ("ctx.rel_mean", "ctx.rel_role", "ctx.rank", "ctx.tracks")
BLEED = (
    "bleed.into_median",
    "bleed.into_max",
    "bleed.into_not_bleed",
    "bleed.from_median",
    "bleed.from_std",
    "bleed.solved",
)


def feature_columns() -> tuple[str, ...]:
    """Names of the model's input columns, in order."""
    shape = [f"shape.{a}.{s}" for a in (*LEVELS, "anchor") for s in ("rel_anchor", "centred")]
    return (
        *(f"role.{r.value}" for r in ROLES),
        *CONTEXT,
        *(f"ctx.count.{r.value}" for r in ROLES),
        *shape,
        *BLEED,
        *(f"kind.{k}" for k in KIND_FLAGS),
    )


def anchor_of(inputs: AnchorInputs, tables: TrimTables, reference: str = "trim") -> np.ndarray:
    """The reference level (dB) of every track; ``-inf`` for silent tracks."""
    if reference == "trim":
        return trim_anchor(
            inputs.transfer_db, inputs.role_values, inputs.kinds, inputs.peak_db, tables
        )
    if reference == "m90":
        level = inputs.levels_db[:, LEVELS.index("m90")].astype(float)
        return np.where(audible_levels(level), level, -math.inf)
    raise ModelError(
        f"unknown reference level {reference!r}; choose one of {', '.join(REFERENCES)}"
    )


def _context(anchor: np.ndarray, roles: tuple[Role, ...]) -> np.ndarray:
    audible = np.isfinite(anchor)
    mean = float(anchor[audible].mean()) if audible.any() else 0.0
    idx = np.array([ROLES.index(r) for r in roles], dtype=int)
    onehot = np.zeros((len(idx), len(ROLES)))
    onehot[np.arange(len(idx)), idx] = 1.0
    ctx = np.zeros((len(idx), len(CONTEXT) + len(ROLES)))
    order = np.argsort(np.argsort(np.where(audible, anchor, -np.inf), kind="stable"), kind="stable")
    for i in np.flatnonzero(audible):
        same = audible & (idx == idx[i])
        ctx[i, 0] = anchor[i] - mean
        ctx[i, 1] = anchor[i] - anchor[same].mean()
        ctx[i, 2] = order[i] / max(len(idx) - 1, 1)
    ctx[:, 3] = len(idx)
    ctx[:, len(CONTEXT) :] = onehot.sum(axis=0)
    return np.hstack([onehot, ctx])


def _shape(inputs: AnchorInputs, anchor: np.ndarray) -> np.ndarray:
    """Every level relative to the anchor, and relative to its session mean."""
    cols = []
    for v in (*inputs.levels_db.T, anchor):
        both = np.isfinite(v) & np.isfinite(anchor)
        cols.append(np.where(both, v - np.where(both, anchor, 0.0), 0.0))
        finite = np.isfinite(v)
        mean = v[finite].mean() if finite.any() else 0.0
        cols.append(np.where(finite, v - mean, 0.0))
    return np.stack(cols, axis=1)


def _bleed_stats(inputs: AnchorInputs, tables: TrimTables) -> np.ndarray:
    g, roles, kinds = inputs.transfer_db, inputs.role_values, inputs.kinds
    n = len(roles)
    close = [j for j in range(n) if roles[j] not in AMBIENT]
    t = solve_trims(g, roles, kinds, tables.corr)
    out = np.zeros((n, len(BLEED)))
    for k in range(n):
        others = [j for j in close if j != k and not same_drum(roles[j], roles[k])]
        into = [g[j, k] for j in others if np.isfinite(g[j, k])]
        out_of = [
            g[k, j] - tables.geom.get((kinds[k], kinds[j]), 0.0)
            for j in others
            if np.isfinite(g[k, j])
        ]
        if into:
            out[k, :3] = np.median(into), np.max(into), np.mean(np.array(into) > VALID_DB)
        if out_of:
            out[k, 3:5] = np.median(out_of), np.std(out_of)
        out[k, 5] = np.isfinite(t[k])
    return out


def design_matrix(inputs: AnchorInputs, anchor: np.ndarray, tables: TrimTables) -> np.ndarray:
    """One row per track, columns as :func:`feature_columns`."""
    flags = np.array([[k == q for q in KIND_FLAGS] for k in inputs.kinds], dtype=float)
    return np.hstack(
        [
            _context(anchor, inputs.roles),
            _shape(inputs, anchor),
            _bleed_stats(inputs, tables),
            flags.reshape(len(inputs.kinds), len(KIND_FLAGS)),
        ]
    )
