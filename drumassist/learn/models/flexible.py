"""The flexible per-track gain model: any number of tracks, in any order.

Each track is one row: its extractor features, its role one-hot, and context from the
whole multitrack (its loudness relative to the others, how many tracks of each role
there are). A random forest predicts the gain relative to loudness normalisation,
``target_db + loudness_lufs``, centred per session, since only the balance is defined.
The gain is then ``-loudness_lufs + prediction`` (``-inf`` for a silent track), and the
10th to 90th percentile of the trees' predictions is its confidence range.
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
from drumassist.learn.data.inputs import TrackInputs, track_inputs
from drumassist.learn.data.sessions import SessionData
from drumassist.learn.models import estimators
from drumassist.learn.models.base import GainPrediction, Importances, ModelKind
from drumassist.learn.models.importance import permutation_importances, track_rows
from drumassist.learn.models.persist import (
    card_extractor,
    feature_names_sha256,
    load_forest,
    save_estimator,
)

log = logging.getLogger(__name__)

ROLES = tuple(Role)
CONTEXT_NAMES = (
    "ctx.loudness_rel_db",
    "ctx.loudness_rel_role_db",
    "ctx.loudness_rank",
    "ctx.tracks",
    *(f"ctx.count.{role.value}" for role in ROLES),
)
DEFAULT_TREES = 200
#: Forest settings recorded in the model card.
FOREST_PARAMS = ("n_estimators", "min_samples_leaf", "max_features", "random_state")
#: Columns the permutation importance tries: the forest's most used.
IMPORTANCE_CANDIDATES = 40
LOW_PERCENTILE = 10.0
HIGH_PERCENTILE = 90.0


def column_names(feature_names: Sequence[str]) -> tuple[str, ...]:
    """The model's input columns: features, role one-hot, context."""
    return (*feature_names, *(f"role.{role.value}" for role in ROLES), *CONTEXT_NAMES)


def design_matrix(inputs: TrackInputs) -> np.ndarray:
    """One row per track: features, role one-hot and context (silent tracks zero context)."""
    loud = inputs.loudness_lufs
    audible = np.isfinite(loud)
    mean = float(loud[audible].mean()) if audible.any() else 0.0
    roles = np.array([ROLES.index(r) for r in inputs.roles], dtype=int)
    onehot = np.zeros((len(roles), len(ROLES)))
    onehot[np.arange(len(roles)), roles] = 1.0
    counts = onehot.sum(axis=0)
    context = np.zeros((len(roles), len(CONTEXT_NAMES)))
    order = np.argsort(np.argsort(np.where(audible, loud, -np.inf), kind="stable"), kind="stable")
    for i in np.flatnonzero(audible):
        same = audible & (roles == roles[i])
        context[i, 0] = loud[i] - mean
        context[i, 1] = loud[i] - float(loud[same].mean())
        context[i, 2] = order[i] / max(len(roles) - 1, 1)
    context[:, 3] = len(roles)
    context[:, 4:] = counts
    return np.hstack([inputs.features, onehot, context])


def training_rows(session: SessionData) -> tuple[np.ndarray, np.ndarray]:
    """Rows and centred targets of the tracks with a defined target and loudness."""
    relative = session.target_db + session.inputs.loudness_lufs
    valid = np.isfinite(relative)
    if not valid.any():
        return np.zeros((0, 0)), np.zeros(0)
    rows = design_matrix(session.inputs)[valid]
    return rows, relative[valid] - relative[valid].mean()


@dataclass(frozen=True, eq=False)
class FlexibleModel:
    """A trained forest and what it was trained on (the inputs must match)."""

    forest: Any  # sklearn.ensemble.RandomForestRegressor
    extractor: str
    extractor_version: str
    feature_names: tuple[str, ...]
    seed: int

    def predict(self, inputs: TrackInputs) -> GainPrediction:
        """Raw gains for one multitrack's inputs."""
        self.check_inputs(inputs)
        rows = design_matrix(inputs)
        per_tree = estimators.per_tree(self.forest, rows)
        loud = inputs.loudness_lufs
        audible = np.isfinite(loud)

        def gains(relative: np.ndarray) -> np.ndarray:
            return np.where(audible, -np.where(audible, loud, 0.0) + relative, -math.inf)

        return GainPrediction(
            gains(per_tree.mean(axis=0)),
            gains(np.percentile(per_tree, LOW_PERCENTILE, axis=0)),
            gains(np.percentile(per_tree, HIGH_PERCENTILE, axis=0)),
        )

    def check_inputs(self, inputs: TrackInputs) -> None:
        """ModelError unless ``inputs`` come from the extractor the model was trained on."""
        check_features(self.extractor, self.extractor_version, self.feature_names, inputs)

    @property
    def method(self) -> str:
        return "flexible"

    def measure(self, multitrack: Multitrack, *, progress: Progress | None = None) -> TrackInputs:
        """Features (through the cache) and loudness of every track."""
        return track_inputs(multitrack, extractor=self.extractor, workers=None, progress=progress)

    def inputs_of(self, session: SessionData) -> TrackInputs:
        return session.inputs

    def describe(self) -> str:
        return f"{self.method} (seed {self.seed}, {forest_size(self.forest)})"

    def card(self) -> dict[str, Any]:
        return {**feature_card(self), **forest_card(self.forest)}

    def save(self, folder: Path) -> None:
        save_estimator(self.forest, folder)

    def importances(self, sessions: Sequence[SessionData]) -> Importances | None:
        """Permutation importance per role of the forest's most used columns."""
        if not sessions:
            return None
        title = "Flexible model, permutation importance per role of its most used columns"
        rows = track_rows(
            sessions, lambda s: s.inputs.loudness_lufs, lambda s: design_matrix(s.inputs)
        )
        if rows is None:
            return Importances("permutation", title)
        top = np.argsort(self.forest.feature_importances_)[::-1][:IMPORTANCE_CANDIDATES]
        names = column_names(self.feature_names)
        groups = permutation_importances(self.forest.predict, rows, names, top.tolist())
        return Importances("permutation", title, groups)

    def oob_rows(self, sessions: Sequence[SessionData]) -> tuple[np.ndarray, np.ndarray]:
        """Every usable track's row and centred target, as the forest was fitted on."""
        pairs = [training_rows(s) for s in sessions]
        usable = [(x, y) for x, y in pairs if y.size]
        return np.vstack([x for x, _ in usable]), np.concatenate([y for _, y in usable])


def forest_size(estimator: Any) -> str:
    """``200 trees`` for a forest, ``8 outputs`` for a per-output wrapper."""
    noun = "trees" if hasattr(estimator, "n_estimators") else "outputs"
    return f"{estimators.tree_count(estimator)} {noun}"


def forest_card(forest: Any) -> dict[str, Any]:
    """What a model card records of a random forest: its trees and settings."""
    # A forest loaded from arrays keeps no training settings (its card has them).
    params = forest.get_params() if hasattr(forest, "get_params") else {}
    return {
        "trees": estimators.tree_count(forest),
        "forest": {k: params[k] for k in FOREST_PARAMS if k in params},
    }


def feature_card(model: FlexibleModel | Any) -> dict[str, Any]:
    """What a model card records of a feature model's inputs: extractor and feature names."""
    return {
        "extractor": {"name": model.extractor, "version": model.extractor_version},
        "feature_count": len(model.feature_names),
        "feature_names_sha256": feature_names_sha256(model.feature_names),
    }


def check_features(
    extractor: str, extractor_version: str, feature_names: Sequence[str], inputs: TrackInputs
) -> None:
    """ModelError unless ``inputs`` come from the extractor a model was trained on."""
    if (inputs.extractor, inputs.extractor_version) != (extractor, extractor_version):
        raise ModelError(
            f"the model expects features of extractor {extractor!r} version"
            f" {extractor_version}, got {inputs.extractor!r} version"
            f" {inputs.extractor_version}"
        )
    if tuple(inputs.feature_names) != tuple(feature_names):
        raise ModelError("the model was trained on other feature names than these inputs")


def train_flexible(
    sessions: Sequence[SessionData], *, seed: int = 0, trees: int = DEFAULT_TREES, jobs: int = 1
) -> FlexibleModel:
    """Fit the forest on every track with a defined target.

    Raises
    ------
    ModelError
        If there are no sessions, no usable tracks, or the sessions' inputs differ.
    """
    from sklearn.ensemble import RandomForestRegressor

    if not sessions:
        raise ModelError("no training sessions: the corpus has none that are not held out")
    first = sessions[0].inputs
    pairs = [training_rows(s) for s in sessions]
    usable = [(x, y) for x, y in pairs if y.size]
    if not usable:
        raise ModelError("no training tracks with a defined target gain in the corpus")
    model = FlexibleModel(None, first.extractor, first.extractor_version, first.feature_names, seed)
    for s in sessions:
        model.check_inputs(s.inputs)
    rows = np.vstack([x for x, _ in usable])
    targets = np.concatenate([y for _, y in usable])
    log.info("training on %d tracks of %d sessions", len(targets), len(usable))
    forest = RandomForestRegressor(
        n_estimators=trees, min_samples_leaf=2, max_features=0.33, random_state=seed, n_jobs=jobs
    )
    forest.fit(rows, targets)
    return FlexibleModel(
        forest, first.extractor, first.extractor_version, first.feature_names, seed
    )


@dataclass(frozen=True)
class FlexibleKind:
    """Trains and loads flexible models (see :class:`~drumassist.learn.models.base.ModelKind`)."""

    method: str = "flexible"
    forest: bool = True
    needs_anchor: bool = False
    reads_features: bool = True

    def train(
        self, sessions: Sequence[SessionData], *, seed: int, trees: int, jobs: int
    ) -> FlexibleModel:
        return train_flexible(sessions, seed=seed, trees=trees, jobs=jobs)

    def load(self, folder: Path, card: Mapping[str, Any]) -> FlexibleModel:
        current = card_extractor(folder, card)
        forest = load_forest(folder)
        seed = int(card.get("seed", 0))
        return FlexibleModel(forest, current.name, current.version, current.feature_names(), seed)


FLEXIBLE: ModelKind = FlexibleKind()
