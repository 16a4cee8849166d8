"""The published fixed-slot models: a random forest, LASSO or SVRs over the eight ENST slots.

One row per session. Its columns are, for each slot of
:data:`~drumassist.learn.corpus.slots.ENST_SLOTS` in order, the track's extractor
features followed by its BS.1770 loudness; a slot with no track, or a silent one, is
all zeros. A pipeline drops zero-variance columns, standardises the rest (both fitted on
the training sessions only) and fits one of the published regressors with eight outputs,
one kind each in the registry: a multi-output random forest (``rf-slots``), LASSO
(``lasso``: one ``LassoCV`` per output, its penalty chosen by 5-fold cross-validation on
the training rows) or one RBF support-vector regressor per output (``svr``).

Targets are the slot gains in dB relative to their session mean over the present slots
(those with a track and a defined target); an absent slot's target is 0, the mean, so
it pulls no slot up or down. At prediction time tracks take slots with
:func:`~drumassist.learn.corpus.slots.assign_slots`, as the corpus does. A track with no
slot (a second kick mic, a fourth tom, a room mic) is the published method's limitation:
it gets the loudness-normalised gain, shifted by the mean offset the model gave the
slotted tracks over loudness normalisation, so it sits level with them. For the forest,
the 10th to 90th percentile of the trees' predictions is the confidence range of a
slotted track; LASSO and SVR give no range, nor does a track with no slot (low = high =
its gain).
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
from drumassist.learn.data.inputs import TrackInputs, track_inputs
from drumassist.learn.data.sessions import SessionData
from drumassist.learn.models import estimators
from drumassist.learn.models.base import GainPrediction, Importance, Importances, ModelKind
from drumassist.learn.models.flexible import (
    DEFAULT_TREES,
    HIGH_PERCENTILE,
    LOW_PERCENTILE,
    check_features,
    feature_card,
    forest_card,
    forest_size,
)
from drumassist.learn.models.importance import TOP_FEATURES
from drumassist.learn.models.persist import card_extractor, load_forest, save_estimator

log = logging.getLogger(__name__)

#: The forest kind's method (the published model); ``lasso`` and ``svr`` are the others.
METHOD = "rf-slots"
#: The pipeline steps of a fixed-slot model before its regressor, by class name.
SLOT_STEPS = ("VarianceThreshold", "StandardScaler")
#: LASSO and SVR predictions are clipped to this many dB either side of the slots' mean.
MAX_RELATIVE_DB = 40.0
#: Folds of the cross-validation that chooses each LASSO penalty (fewer for few sessions).
LASSO_FOLDS = 5
#: SVR settings: targets are in dB, so epsilon is a tolerance of 0.5 dB; C as sklearn's.
SVR_PARAMS = {"kernel": "rbf", "C": 10.0, "epsilon": 0.5, "gamma": "scale"}


def enst_slots() -> tuple[str, ...]:
    """:data:`~drumassist.learn.corpus.slots.ENST_SLOTS`, imported when first needed:
    the corpus package imports its renderer (scipy.signal), which predicting never needs."""
    from drumassist.learn.corpus.slots import ENST_SLOTS

    return ENST_SLOTS


def slot_columns(feature_names: Sequence[str]) -> tuple[str, ...]:
    """The model's input columns: per slot, its features and then its loudness."""
    return tuple(
        f"{slot}.{name}" for slot in enst_slots() for name in (*feature_names, "loudness_lufs")
    )


def slot_indices(slots: Sequence[str | None]) -> list[int | None]:
    """For each ENST slot, the index of the track that fills it (None if none does)."""
    index = {slot: i for i, slot in enumerate(slots) if slot is not None}
    return [index.get(slot) for slot in enst_slots()]


def slot_row(inputs: TrackInputs, slots: Sequence[str | None]) -> np.ndarray:
    """The session's single input row; missing and silent slots are zero-padded."""
    width = len(inputs.feature_names) + 1
    row = np.zeros(len(enst_slots()) * width)
    for k, i in enumerate(slot_indices(slots)):
        if i is None or not math.isfinite(inputs.loudness_lufs[i]):
            continue
        row[k * width : (k + 1) * width - 1] = inputs.features[i]
        row[(k + 1) * width - 1] = inputs.loudness_lufs[i]
    return row


def slot_targets(session: SessionData) -> np.ndarray | None:
    """Slot gains relative to their mean over present slots (0 where absent); None if none."""
    if session.slots is None:
        raise ModelError(f"session {session.session_id} has no slot assignment")
    gains = np.zeros(len(enst_slots()))
    present = np.zeros(len(enst_slots()), dtype=bool)
    for k, i in enumerate(slot_indices(session.slots)):
        if i is not None and math.isfinite(session.target_db[i]):
            gains[k] = session.target_db[i]
            present[k] = True
    if not present.any():
        return None
    gains[present] -= gains[present].mean()
    return gains


@dataclass(frozen=True)
class SlotInputs:
    """What a fixed-slot model reads of a multitrack: track inputs and each track's slot."""

    tracks: TrackInputs
    slots: tuple[str | None, ...]


@dataclass(frozen=True, eq=False)
class SlotModel:
    """A trained slot pipeline (VarianceThreshold, StandardScaler, regressor) and its inputs."""

    pipeline: Any  # sklearn.pipeline.Pipeline
    extractor: str
    extractor_version: str
    feature_names: tuple[str, ...]
    seed: int

    @property
    def forest(self) -> Any:
        """The pipeline's last step: the forest, or the per-output LASSO or SVR wrapper."""
        return estimators.final_step(self.pipeline)

    @property
    def method(self) -> str:
        """``rf-slots``, ``lasso`` or ``svr``, from the pipeline's last step."""
        return slot_method(self.forest)

    def predict(self, inputs: SlotInputs) -> GainPrediction:
        """Raw gains of one multitrack whose tracks fill their slots (see the module doc)."""
        tracks, slots = inputs.tracks, inputs.slots
        self.check_inputs(tracks)
        if len(slots) != len(tracks.roles):
            raise ModelError(f"{len(slots)} slots given for {len(tracks.roles)} tracks")
        rows = estimators.transform(self.pipeline, slot_row(tracks, slots)[None, :])
        if self.method != METHOD:
            # A linear model extrapolates without bound on inputs unlike its training rows.
            slot_db = np.clip(self.forest.predict(rows)[0], -MAX_RELATIVE_DB, MAX_RELATIVE_DB)
            gains = self._gains(tracks, slots, slot_db)
            return GainPrediction(gains, gains.copy(), gains.copy())
        per_tree = np.ascontiguousarray(estimators.per_tree(self.forest, rows)[:, 0])
        gains = self._gains(tracks, slots, per_tree.mean(axis=0))
        # A track with no slot has no range of its own: low = high = its gain.
        slotted = np.zeros(len(gains), dtype=bool)
        slotted[[i for i in slot_indices(slots) if i is not None]] = True

        def bound(percentile: float) -> np.ndarray:
            slot_db = np.percentile(per_tree, percentile, axis=0)
            return np.where(slotted, self._gains(tracks, slots, slot_db), gains)

        return GainPrediction(gains, bound(LOW_PERCENTILE), bound(HIGH_PERCENTILE))

    @staticmethod
    def _gains(inputs: TrackInputs, slots: Sequence[str | None], slot_db: np.ndarray) -> np.ndarray:
        loud = inputs.loudness_lufs
        audible = np.isfinite(loud)
        gains = np.full(len(loud), -math.inf)
        slotted = np.zeros(len(loud), dtype=bool)
        for k, i in enumerate(slot_indices(slots)):
            if i is not None and audible[i]:
                gains[i] = slot_db[k]
                slotted[i] = True
        # Tracks with no slot: loudness-normalised, level with the slotted tracks.
        offset = float((gains[slotted] + loud[slotted]).mean()) if slotted.any() else 0.0
        rest = audible & ~slotted
        gains[rest] = -loud[rest] + offset
        return gains

    def check_inputs(self, inputs: TrackInputs) -> None:
        """ModelError unless ``inputs`` come from the extractor the model was trained on."""
        check_features(self.extractor, self.extractor_version, self.feature_names, inputs)

    def measure(self, multitrack: Multitrack, *, progress: Progress | None = None) -> SlotInputs:
        """Features and loudness of every track, and the ENST slots the corpus would give."""
        from drumassist.learn.corpus.slots import assign_slots

        inputs = track_inputs(multitrack, extractor=self.extractor, workers=None, progress=progress)
        return SlotInputs(inputs, tuple(assign_slots(multitrack.names, multitrack.roles)))

    def inputs_of(self, session: SessionData) -> SlotInputs:
        return SlotInputs(session.inputs, tuple(session.slots or (None,) * len(session.target_db)))

    def describe(self) -> str:
        return f"{self.method} (seed {self.seed}, {forest_size(self.forest)})"

    def card(self) -> dict[str, Any]:
        if self.method == METHOD:
            return {**feature_card(self), **forest_card(self.forest)}
        if not hasattr(self.forest, "estimator"):  # loaded from arrays: no settings kept
            return {**feature_card(self), "regressor": {"class": self.forest.source}}
        # LASSO or SVR per output: the settings, and LASSO's penalties chosen by CV.
        inner = self.forest.estimator
        params = inner.get_params().items()
        card: dict[str, Any] = {
            **feature_card(self),
            "regressor": {k: v for k, v in params if isinstance(v, int | float | str)},
        }
        if hasattr(self.forest.estimators_[0], "alpha_"):
            card["lasso_alphas"] = [float(e.alpha_) for e in self.forest.estimators_]
            card["lasso_nonzero"] = [int((e.coef_ != 0).sum()) for e in self.forest.estimators_]
        return card

    def save(self, folder: Path) -> None:
        save_estimator(self.pipeline, folder)

    def importances(self, sessions: Sequence[SessionData]) -> Importances | None:
        """The forest's impurity importance per slot; for LASSO, the columns it keeps."""
        del sessions  # both are read off the fitted estimator
        if self.method == METHOD:
            title = "Fixed-slot forest, impurity importance per slot:"
            return Importances("impurity", title, slot_importances(self))
        if self.method == "lasso" and hasattr(self.forest, "estimators_"):
            nonzero = [int((e.coef_ != 0).sum()) for e in self.forest.estimators_]
            width = int(self.pipeline[0].get_support().sum())
            return Importances(
                "note",
                f"LASSO keeps {', '.join(map(str, nonzero))} of {width} columns for the slots"
                f" {', '.join(enst_slots())}.",
            )
        return None

    def oob_rows(self, sessions: Sequence[SessionData]) -> tuple[np.ndarray, np.ndarray]:
        """The sessions' rows (selected and scaled) and slot targets, as the forest saw them."""
        usable = [s for s in sessions if slot_targets(s) is not None]
        rows = np.vstack([slot_row(s.inputs, s.slots or ()) for s in usable])
        targets = [slot_targets(s) for s in sessions]
        x = estimators.transform(self.pipeline, rows)
        return x, np.vstack([y for y in targets if y is not None])


def slot_importances(model: SlotModel) -> dict[str, list[Importance]]:
    """The forest's impurity importance of each slot's columns, the top of each slot."""
    if not hasattr(model.forest, "feature_importances_"):
        raise ModelError(f"a {model.method} model has no impurity importances")
    kept = model.pipeline[0].get_support()
    names = np.array(slot_columns(model.feature_names))[kept]
    values = model.forest.feature_importances_
    out = {}
    for slot in enst_slots():
        mine = [i for i, n in enumerate(names) if n.startswith(f"{slot}.")]
        ranked = sorted(mine, key=lambda i: values[i], reverse=True)[:TOP_FEATURES]
        out[slot] = [Importance(str(names[i]).split(".", 1)[1], float(values[i])) for i in ranked]
        out[slot].insert(0, Importance("(all of the slot)", float(values[mine].sum())))
    return out


def slot_method(estimator: Any) -> str:
    """The method name of a slot pipeline's last step; ModelError if it is none of ours."""
    name = estimators.class_name(estimator)
    if name == "MultiOutputRegressor":
        name = type(estimator.estimator).__name__
    methods = {"RandomForestRegressor": METHOD, "LassoCV": "lasso", "SVR": "svr"}
    if name not in methods:
        raise ModelError(f"not a fixed-slot model: its regressor is a {name}")
    return methods[name]


def _regressor(kind: str, seed: int, trees: int, jobs: int) -> Any:
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import LassoCV
    from sklearn.multioutput import MultiOutputRegressor
    from sklearn.svm import SVR

    if kind == METHOD:
        return RandomForestRegressor(n_estimators=trees, random_state=seed, n_jobs=jobs)
    if kind == "lasso":
        lasso = LassoCV(alphas=30, cv=LASSO_FOLDS, max_iter=5000, random_state=seed)
        return MultiOutputRegressor(lasso, n_jobs=jobs)
    if kind == "svr":
        return MultiOutputRegressor(SVR(**SVR_PARAMS), n_jobs=jobs)
    choices = ", ".join(k.method for k in SLOT_KINDS)
    raise ModelError(f"unknown fixed-slot model kind {kind!r}; choose one of {choices}")


def train_slots(
    sessions: Sequence[SessionData],
    *,
    seed: int = 0,
    trees: int = DEFAULT_TREES,
    jobs: int = 1,
    kind: str = METHOD,
) -> SlotModel:
    """Fit the slot pipeline of ``kind`` (``rf-slots``, ``lasso``, ``svr``) on every session
    with a slot target.

    Raises
    ------
    ModelError
        If there are no sessions, none with a slot target, or the sessions' inputs differ.
    """
    from sklearn.feature_selection import VarianceThreshold
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    if not sessions:
        raise ModelError("no training sessions: the corpus has none that are not held out")
    regressor = _regressor(kind, seed, trees, jobs)
    first = sessions[0].inputs
    model = SlotModel(None, first.extractor, first.extractor_version, first.feature_names, seed)
    rows, targets = [], []
    for s in sessions:
        model.check_inputs(s.inputs)
        y = slot_targets(s)
        if y is not None:
            rows.append(slot_row(s.inputs, s.slots or ()))
            targets.append(y)
    if not targets:
        raise ModelError("no training sessions with a slot filled and a defined target gain")
    if kind == "lasso":
        # The penalty is chosen by cross-validation over the training sessions.
        if len(targets) < 3:
            raise ModelError(f"LASSO needs at least 3 training sessions, got {len(targets)}")
        regressor.estimator.set_params(cv=min(LASSO_FOLDS, len(targets)))
    log.info("training the %s slot model on %d sessions", kind, len(targets))
    pipeline = Pipeline(
        [
            ("variance", VarianceThreshold(0.0)),
            ("scale", StandardScaler()),
            ("regressor", regressor),
        ]
    )
    pipeline.fit(np.vstack(rows), np.vstack(targets))
    return SlotModel(pipeline, first.extractor, first.extractor_version, first.feature_names, seed)


@dataclass(frozen=True)
class SlotKind:
    """Trains and loads one fixed-slot kind (a :class:`~.base.ModelKind`)."""

    method: str
    forest: bool = False
    needs_anchor: bool = False
    reads_features: bool = True

    def train(
        self, sessions: Sequence[SessionData], *, seed: int, trees: int, jobs: int
    ) -> SlotModel:
        return train_slots(sessions, seed=seed, trees=trees, jobs=jobs, kind=self.method)

    def load(self, folder: Path, card: Mapping[str, Any]) -> SlotModel:
        current = card_extractor(folder, card)
        path = estimators.model_file(folder)
        pipeline = load_forest(folder, expected="Pipeline")
        steps = estimators.step_classes(pipeline)
        if steps[:-1] != SLOT_STEPS:
            raise ModelError(f"{path}: expected pipeline steps {SLOT_STEPS}, found {steps}")
        if slot_method(estimators.final_step(pipeline)) != self.method:
            raise ModelError(f"{path}: the card says {self.method}, the file holds {steps[-1]}")
        seed = int(card.get("seed", 0))
        return SlotModel(pipeline, current.name, current.version, current.feature_names(), seed)


RF_SLOTS: ModelKind = SlotKind(METHOD, forest=True)
LASSO: ModelKind = SlotKind("lasso")
SVR: ModelKind = SlotKind("svr")
SLOT_KINDS = (RF_SLOTS, LASSO, SVR)
