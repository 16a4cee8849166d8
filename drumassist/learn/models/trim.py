"""The trim and levels-gb models: gains from a reference level plus a learned correction.

``gain_k = -anchor_k + blend * HGB(x_k) + (1 - blend) * offset(kind_k)``, where the
anchor is the track's reference level (:mod:`~drumassist.learn.models.trim_design`):
the bleed-trim anchor (:func:`drumassist.learn.bleed.trims.trim_anchor`) for ``trim``,
the track's own m90 level for ``levels-gb``. The gradient-boosted regressor (HGB) is
trained on ``target_db + anchor`` centred per session, and the kind offsets are that
same target's per-kind medians once each session's mean is taken out. Two quantile
HGBs (10 % and 90 %) on the same rows give the confidence range.

The features of a track (:func:`~drumassist.learn.models.trim_design.design_matrix`):
its role one-hot and context, every level measure relative to the anchor and to its
session mean, six statistics of the bleed into and out of its mic, three kind flags.

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
from drumassist.errors import ModelError
from drumassist.learn.bleed.trims import TrimTables, learn_tables
from drumassist.learn.data.anchor import LEVELS, MEASURES_VERSION, AnchorInputs, anchor_inputs
from drumassist.learn.data.sessions import SessionData
from drumassist.learn.models.base import GainPrediction, Importances, ModelKind
from drumassist.learn.models.importance import permutation_importances, track_rows
from drumassist.learn.models.persist import feature_names_sha256
from drumassist.learn.models.trim_design import (
    REFERENCES,
    anchor_of,
    design_matrix,
    feature_columns,
)
from drumassist.learn.models.trim_io import read_trim, write_trim

log = logging.getLogger(__name__)

METHOD = "trim"
#: The method of each reference level (trim_design.REFERENCES): one kind per reference.
METHODS = {"trim": METHOD, "m90": "levels-gb"}
#: What a trim model's card names as its "extractor": its own level and bleed measures.
ANCHOR_EXTRACTOR = "anchor"
QUANTILES = {"low": 0.1, "high": 0.9}
BLEND = 0.75
#: levels-gb: a close mic whose loudest moment (``mmax``, its loudest 400 ms block) sits
#: more than this under the session's loudest track's carries only bleed (its drum does
#: not play). Its gain is not read from its level (which would push the bleed up to a
#: played drum's place): it is placed as if at the session's median level, with its
#: kind's offset. 28 dB lies above 99 % of the training corpora's toms (their 99th
#: percentiles: 19 to 25 dB); it was chosen with the ENST excerpt's unplayed toms in
#: view (29 and 31 dB down), so ENST is no untouched test of it (README, "Models").
BLEED_ONLY_DB = 28.0
#: The tracks the rule applies to: the close mics of drums, and tracks whose name tells
#: no role ("other": "Track 7", "Audio 07", a name in another script), which a DAW's
#: export names so and which are most often close mics (found by a new-user trial: the
#: ENST excerpt's unplayed tom2 renamed "Track 7" was suggested +25.4 dB, 20 dB over the
#: kick, and the default's error against the engineer's mix went from 1.90 to 7.27 dB).
#: Not overheads, rooms or cymbal spot mics, whose level can sit far down by choice.
CLOSE_KINDS = frozenset(
    {"kick", "kick_in", "kick_out", "snare", "snare_btm", "tom", "hi-hat", "other"}
)
HGB_PARAMS: dict[str, Any] = {
    "learning_rate": 0.05,
    "min_samples_leaf": 10,
    "l2_regularization": 1.0,
    # Off explicitly: "auto" would switch it on (with a random split) past 10 000 rows.
    "early_stopping": False,
}


def bleed_only_shift(
    kinds: Sequence[str], loudest: np.ndarray, gain: np.ndarray, offsets: Mapping[str, float]
) -> tuple[np.ndarray, np.ndarray]:
    """How far each bleed-only close mic's gain moves (see :data:`BLEED_ONLY_DB`), and
    which tracks those are.

    ``loudest`` is each track's ``mmax`` (dB) and ``gain`` the gains as predicted (dB,
    ``-inf`` where silent); a bleed-only mic is placed as if at the session's median
    level, with its kind's offset (from ``offsets``). Used by levels-gb and levels.
    """
    shift = np.zeros(len(gain))
    none = np.zeros(len(gain), dtype=bool)
    audible = np.isfinite(gain) & np.isfinite(loudest)
    if not audible.any():
        return shift, none
    close = np.array([k in CLOSE_KINDS for k in kinds])
    far = audible & close & (loudest < loudest[audible].max() - BLEED_ONLY_DB)
    rest = audible & ~far
    if not far.any() or not rest.any():
        return shift, none
    offset = np.array([offsets.get(k, 0.0) for k in kinds])
    placed = float(np.median((gain - offset)[rest])) + offset
    shift[far] = (placed - gain)[far]
    return shift, far


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
    reference: str = "trim"  # trim_design.REFERENCES

    @property
    def method(self) -> str:
        return METHODS[self.reference]

    def predict(self, inputs: AnchorInputs) -> GainPrediction:
        """Gains in dB and their 10-90 % range; ``-inf`` for silent tracks."""
        anchor = anchor_of(inputs, self.tables, self.reference)
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
        placed: tuple[int, ...] = ()
        if self.reference == "m90":
            loudest = inputs.levels_db[:, LEVELS.index("mmax")]
            shift, far = bleed_only_shift(inputs.kinds, loudest, gain, self.offsets)
            gain, low, high = gain + shift, low + shift, high + shift
            placed = tuple(int(i) for i in np.flatnonzero(far))
        # The quantile regressors' 10-90 % spread, centred on the gain: fitted apart from
        # the gain's regressor, their own interval often left the gain at its edge (on the
        # ENST excerpt four of seven tracks), and the window then flagged a fader 0.1 dB
        # off the suggestion as outside its range (found by a new-user trial).
        spread = np.isfinite(low) & np.isfinite(high)  # a silent track has none
        half = np.zeros(len(gain))
        half[spread] = np.abs(high[spread] - low[spread]) / 2
        return GainPrediction(gain, gain - half, gain + half, placed)

    def measure(self, multitrack: Multitrack, *, progress: Progress | None = None) -> AnchorInputs:
        """The level and bleed measures of every track (through the anchor cache)."""
        return anchor_inputs(multitrack, progress=progress)

    def inputs_of(self, session: SessionData) -> AnchorInputs:
        return session_anchor(session)

    def describe(self) -> str:
        rounds = getattr(self.gain, "max_iter", None) or self.gain.n_iter
        return f"{self.method} (seed {self.seed}, {rounds} boosting rounds)"

    def card(self) -> dict[str, Any]:
        # Regressors loaded from arrays keep no training settings (the card has them).
        params = self.gain.get_params() if hasattr(self.gain, "get_params") else {}
        return {
            "extractor": {"name": ANCHOR_EXTRACTOR, "version": str(MEASURES_VERSION)},
            "feature_count": len(self.columns),
            "feature_names_sha256": feature_names_sha256(self.columns),
            "regressor": {k: v for k, v in params.items() if isinstance(v, int | float | str)},
            "blend": self.blend,
            "reference": self.reference,
            "quantiles": ["low", "high"],
        }

    def save(self, folder: Path) -> None:
        save_trim(self, folder)

    def importances(self, sessions: Sequence[SessionData]) -> Importances | None:
        """Permutation importance per role of every column of the gain regressor."""
        if not sessions:
            return None
        title = (
            f"{self.method.capitalize()} model, permutation importance per role of its"
            " regressor's columns"
        )
        usable = [s for s in sessions if s.anchor is not None]

        def anchor(s: SessionData) -> np.ndarray:
            return anchor_of(session_anchor(s), self.tables, self.reference)

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


def train_trim(
    items: Sequence[Item], *, seed: int = 0, max_iter: int = 400, reference: str = "trim"
) -> TrimModel:
    """Learn the tables, the kind offsets and the three regressors from a corpus.

    Parameters
    ----------
    items : sequence of (AnchorInputs, np.ndarray)
        Per session its inputs and target gains in dB (NaN where undefined).
    seed : int
        Random state of the regressors; training is deterministic for a seed.
    max_iter : int
        Boosting rounds of each regressor (fewer only to make tests fast).
    reference : str
        The reference level gains are predicted from (:data:`.trim_design.REFERENCES`).
    """
    from sklearn.ensemble import HistGradientBoostingRegressor

    items = [(inputs, np.asarray(target, dtype=float)) for inputs, target in items]
    tables = learn_tables(
        (i.transfer_db, i.role_values, i.kinds, t) for i, t in items if len(t) == len(i.names)
    )
    xs, ys, rows = [], [], []
    for inputs, target in items:
        anchor = anchor_of(inputs, tables, reference)
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
    columns = feature_columns()
    return TrimModel(fit(), low, high, tables, offsets, BLEND, columns, seed, reference)


def save_trim(model: TrimModel, out_dir: str | Path) -> list[Path]:
    """Write ``model.skops`` and ``trim.json`` into ``out_dir``; returns their paths."""
    fields = {
        "method": model.method,
        "reference": model.reference,
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
    reference = doc.get("reference", "trim")  # saved before there was a choice: trim
    if reference not in REFERENCES:
        raise ModelError(f"{out_dir}: unknown reference level {reference!r} in its trim.json")
    return TrimModel(
        estimators["gain"],
        estimators["low"],
        estimators["high"],
        TrimTables.from_json(doc["tables"]),
        doc["offsets"],
        doc["blend"],
        tuple(doc["columns"]),
        doc["seed"],
        reference,
    )


@dataclass(frozen=True)
class TrimKind:
    """Trains and loads trim models (see :class:`~drumassist.learn.models.base.ModelKind`)."""

    method: str = METHOD
    forest: bool = False
    needs_anchor: bool = True
    reads_features: bool = False
    reference: str = "trim"

    def train(
        self, sessions: Sequence[SessionData], *, seed: int, trees: int, jobs: int
    ) -> TrimModel:
        del trees, jobs  # boosting rounds are fixed; the fit is sequential
        items = [(session_anchor(s), s.target_db) for s in sessions]
        return train_trim(items, seed=seed, reference=self.reference)

    def load(self, folder: Path, card: Mapping[str, Any]) -> TrimModel:
        extractor = card.get("extractor")
        if not isinstance(extractor, Mapping):
            raise ModelError(f"{folder}: the model card has no valid 'extractor'")
        if (extractor.get("name"), str(extractor.get("version"))) != (
            ANCHOR_EXTRACTOR,
            str(MEASURES_VERSION),
        ):
            raise ModelError(
                f"{folder}: trained on {extractor.get('name')} inputs version"
                f" {extractor.get('version')}, but this drumassist measures {ANCHOR_EXTRACTOR}"
                f" version {MEASURES_VERSION}; retrain the model"
            )
        if card.get("feature_names_sha256") != feature_names_sha256(feature_columns()):
            raise ModelError(
                f"{folder}: trained on other input columns than this drumassist measures;"
                " retrain the model"
            )
        model = load_trim(folder)
        if tuple(model.columns) != feature_columns():
            raise ModelError(f"{folder}: the model's columns differ from its card's")
        if model.method != self.method:
            raise ModelError(f"{folder}: holds a {model.method} model, not a {self.method} one")
        return model


TRIM: ModelKind = TrimKind()
#: The same model on each track's own level (m90) instead of the bleed-trim anchor.
LEVELS_GB: ModelKind = TrimKind(method=METHODS["m90"], reference="m90")
