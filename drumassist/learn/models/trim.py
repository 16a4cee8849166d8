"""The trim model: gains from the bleed-trim anchor plus a learned correction.

``gain_k = -anchor_k + blend * HGB(x_k) + (1 - blend) * offset(kind_k)``, where the
anchor is :func:`drumassist.learn.bleed.trims.trim_anchor`, the gradient-boosted regressor
(HGB) is trained on ``target_db + anchor`` centred per session, and the kind offsets
are that same target's per-kind medians once each session's mean is taken out. Two
quantile HGBs (10 % and 90 %) on the same rows give the confidence range.

The features of a track: its role one-hot and context (as the flexible model's),
every level measure relative to the anchor and to its session mean ("shape"), six
statistics of the bleed into and out of its mic, and three kind flags.

Its inputs are measured by :mod:`drumassist.learn.data.anchor`; it is saved and loaded
by :mod:`drumassist.learn.models.trim_io`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress
from drumassist.core.roles import Role
from drumassist.errors import ModelError
from drumassist.learn.bleed.trims import (
    AMBIENT,
    VALID_DB,
    TrimTables,
    learn_tables,
    same_drum,
    solve_trims,
    trim_anchor,
)
from drumassist.learn.data.anchor import LEVELS, AnchorInputs, anchor_inputs
from drumassist.learn.data.sessions import SessionData
from drumassist.learn.models.base import GainPrediction, Importances, ModelKind
from drumassist.learn.models.importance import permutation_importances, track_rows
from drumassist.learn.models.persist import feature_names_sha256
from drumassist.learn.models.trim_io import TRIM_VERSION, read_trim, write_trim

log = logging.getLogger(__name__)

METHOD = "trim"
#: What a trim model's card names as its "extractor": its own level and bleed measures.
ANCHOR_EXTRACTOR = "anchor"
QUANTILES = {"low": 0.1, "high": 0.9}
BLEND = 0.75
HGB_PARAMS: dict[str, Any] = {
    "learning_rate": 0.05,
    "min_samples_leaf": 10,
    "l2_regularization": 1.0,
    # Off explicitly: "auto" would switch it on (with a random split) past 10 000 rows.
    "early_stopping": False,
}
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


def anchor_of(inputs: AnchorInputs, tables: TrimTables) -> np.ndarray:
    """The trim anchor (dB) of every track; ``-inf`` for silent tracks."""
    return trim_anchor(inputs.transfer_db, inputs.role_values, inputs.kinds, inputs.peak_db, tables)


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


@dataclass(frozen=True, eq=False)
class TrimModel:
    """A trained trim model (see the module docstring)."""

    gain: Any
    low: Any
    high: Any
    tables: TrimTables
    offsets: Mapping[str, float]
    blend: float
    columns: tuple[str, ...]
    seed: int

    @property
    def method(self) -> str:
        return METHOD

    def predict(self, inputs: AnchorInputs) -> GainPrediction:
        """Gains in dB and their 10-90 % range; ``-inf`` for silent tracks."""
        anchor = anchor_of(inputs, self.tables)
        if not inputs.names:
            empty = np.zeros(0)
            return GainPrediction(empty, empty.copy(), empty.copy())
        x = design_matrix(inputs, anchor, self.tables)
        base = np.array([self.offsets.get(k, 0.0) for k in inputs.kinds])
        audible = np.isfinite(anchor)

        def gains(estimator: Any) -> np.ndarray:
            rel = self.blend * estimator.predict(x) + (1.0 - self.blend) * base
            return np.where(audible, rel - np.where(audible, anchor, 0.0), -math.inf)

        gain, low, high = gains(self.gain), gains(self.low), gains(self.high)
        low, high = np.minimum(low, high), np.maximum(low, high)
        return GainPrediction(gain, np.minimum(low, gain), np.maximum(high, gain))

    def measure(self, multitrack: Multitrack, *, progress: Progress | None = None) -> AnchorInputs:
        """The level and bleed measures of every track (through the anchor cache)."""
        return anchor_inputs(multitrack, progress=progress)

    def inputs_of(self, session: SessionData) -> AnchorInputs:
        return session_anchor(session)

    def describe(self) -> str:
        rounds = getattr(self.gain, "max_iter", None) or self.gain.n_iter
        return f"{METHOD} (seed {self.seed}, {rounds} boosting rounds)"

    def card(self) -> dict[str, Any]:
        # Regressors loaded from arrays keep no training settings (the card has them).
        params = self.gain.get_params() if hasattr(self.gain, "get_params") else {}
        return {
            "extractor": {"name": ANCHOR_EXTRACTOR, "version": str(TRIM_VERSION)},
            "feature_count": len(self.columns),
            "feature_names_sha256": feature_names_sha256(self.columns),
            "regressor": {k: v for k, v in params.items() if isinstance(v, int | float | str)},
            "blend": self.blend,
            "quantiles": ["low", "high"],
        }

    def save(self, folder: Path) -> None:
        save_trim(self, folder)

    def importances(self, sessions: Sequence[SessionData]) -> Importances | None:
        """Permutation importance per role of every column of the gain regressor."""
        if not sessions:
            return None
        title = "Trim model, permutation importance per role of its regressor's columns"
        usable = [s for s in sessions if s.anchor is not None]

        def anchor(s: SessionData) -> np.ndarray:
            return anchor_of(session_anchor(s), self.tables)

        def design(s: SessionData) -> np.ndarray:
            return design_matrix(session_anchor(s), anchor(s), self.tables)

        rows = track_rows(usable, anchor, design)
        if rows is None:
            return Importances("permutation", title)
        columns = list(range(len(self.columns)))
        groups = permutation_importances(self.gain.predict, rows, self.columns, columns)
        return Importances("permutation", title, groups)


def session_anchor(session: SessionData) -> AnchorInputs:
    """The trim measures of a corpus session; ModelError if they were not measured."""
    if session.anchor is None:
        raise ModelError(f"session {session.session_id}: the trim model's inputs were not measured")
    return session.anchor


Item = tuple[AnchorInputs, np.ndarray]


def _relative_target(inputs: AnchorInputs, target_db: np.ndarray, anchor: np.ndarray) -> np.ndarray:
    target = np.asarray(target_db, dtype=float)
    if target.shape != (len(inputs.names),):
        raise ModelError(
            f"{len(target)} target gains given for {len(inputs.names)} tracks "
            f"({', '.join(inputs.names)})"
        )
    with np.errstate(invalid="ignore"):
        return target + anchor


def kind_offsets(rows: Sequence[tuple[int, str, float]], sessions: int) -> dict[str, float]:
    """Per-kind offsets of ``(session, kind, value)`` rows, session means taken out.

    Alternates session means and (robust) per-kind medians, 50 rounds.
    """
    keys = sorted({k for _, k, _ in rows})
    si = np.array([s for s, _, _ in rows], dtype=int)
    ki = np.array([keys.index(k) for _, k, _ in rows], dtype=int)
    y = np.array([v for _, _, v in rows], dtype=float)
    off = np.zeros(len(keys))
    counts = np.maximum(np.bincount(si, minlength=sessions), 1)
    for _ in range(50):
        sess = np.bincount(si, y - off[ki], minlength=sessions) / counts
        off = np.array([np.median((y - sess[si])[ki == j]) for j in range(len(keys))])
    return {k: float(v) for k, v in zip(keys, off, strict=True)}


def train_trim(items: Sequence[Item], *, seed: int = 0, max_iter: int = 400) -> TrimModel:
    """Learn the tables, the kind offsets and the three regressors from a corpus.

    Parameters
    ----------
    items : sequence of (AnchorInputs, np.ndarray)
        Per session its inputs and target gains in dB (NaN where undefined).
    seed : int
        Random state of the regressors; training is deterministic for a seed.
    max_iter : int
        Boosting rounds of each regressor (fewer only to make tests fast).
    """
    from sklearn.ensemble import HistGradientBoostingRegressor

    items = [(inputs, np.asarray(target, dtype=float)) for inputs, target in items]
    tables = learn_tables(
        (i.transfer_db, i.role_values, i.kinds, t) for i, t in items if len(t) == len(i.names)
    )
    xs, ys, rows = [], [], []
    for inputs, target in items:
        anchor = anchor_of(inputs, tables)
        rel = _relative_target(inputs, target, anchor)
        valid = np.isfinite(rel)
        if not valid.any():
            continue
        xs.append(design_matrix(inputs, anchor, tables)[valid])
        ys.append(rel[valid] - rel[valid].mean())
        rows += [(len(xs) - 1, inputs.kinds[k], float(rel[k])) for k in np.flatnonzero(valid)]
    if not xs:
        raise ModelError(f"no usable sessions among {len(items)}: no track has a target gain")
    x, y = np.vstack(xs), np.concatenate(ys)

    def fit(**extra: Any) -> Any:
        model = HistGradientBoostingRegressor(
            **HGB_PARAMS, **extra, max_iter=max_iter, random_state=seed
        )
        return model.fit(x, y)

    low, high = (fit(loss="quantile", quantile=QUANTILES[k]) for k in ("low", "high"))
    offsets = kind_offsets(rows, len(xs))
    return TrimModel(fit(), low, high, tables, offsets, BLEND, feature_columns(), seed)


def save_trim(model: TrimModel, out_dir: str | Path) -> list[Path]:
    """Write ``model.skops`` and ``trim.json`` into ``out_dir``; returns their paths."""
    fields = {
        "method": METHOD,
        "tables": model.tables.to_json(),
        "offsets": {k: float(v) for k, v in sorted(model.offsets.items())},
        "blend": float(model.blend),
        "columns": list(model.columns),
        "seed": int(model.seed),
    }
    estimators = {"gain": model.gain, "low": model.low, "high": model.high}
    return write_trim(Path(out_dir), estimators, fields)


def load_trim(out_dir: str | Path) -> TrimModel:
    """Load a model written by :func:`save_trim` (see :func:`.trim_io.read_trim`)."""
    estimators, doc = read_trim(Path(out_dir), columns=feature_columns())
    return TrimModel(
        estimators["gain"],
        estimators["low"],
        estimators["high"],
        TrimTables.from_json(doc["tables"]),
        doc["offsets"],
        doc["blend"],
        tuple(doc["columns"]),
        doc["seed"],
    )


@dataclass(frozen=True)
class TrimKind:
    """Trains and loads trim models (see :class:`~drumassist.learn.models.base.ModelKind`)."""

    method: str = METHOD
    forest: bool = False
    needs_anchor: bool = True
    reads_features: bool = False

    def train(
        self, sessions: Sequence[SessionData], *, seed: int, trees: int, jobs: int
    ) -> TrimModel:
        del trees, jobs  # boosting rounds are fixed; the fit is sequential
        return train_trim([(session_anchor(s), s.target_db) for s in sessions], seed=seed)

    def load(self, folder: Path, card: Mapping[str, Any]) -> TrimModel:
        extractor = card.get("extractor")
        if not isinstance(extractor, Mapping):
            raise ModelError(f"{folder}: the model card has no valid 'extractor'")
        if (extractor.get("name"), str(extractor.get("version"))) != (
            ANCHOR_EXTRACTOR,
            str(TRIM_VERSION),
        ):
            raise ModelError(
                f"{folder}: trained on {extractor.get('name')} inputs version"
                f" {extractor.get('version')}, but this drumassist measures {ANCHOR_EXTRACTOR}"
                f" version {TRIM_VERSION}; retrain the model"
            )
        if card.get("feature_names_sha256") != feature_names_sha256(feature_columns()):
            raise ModelError(
                f"{folder}: trained on other input columns than this drumassist measures;"
                " retrain the model"
            )
        model = load_trim(folder)
        if tuple(model.columns) != feature_columns():
            raise ModelError(f"{folder}: the model's columns differ from its card's")
        return model


TRIM: ModelKind = TrimKind()
