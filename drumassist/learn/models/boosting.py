"""A fitted gradient-boosting regressor as flat numpy arrays: run without scikit-learn.

:class:`CompactBoosting` holds the trees of a fitted ``HistGradientBoostingRegressor``
(any loss: squared error, absolute error, quantile, Poisson, gamma) in the node arrays
of a :class:`~drumassist.learn.models.forest.CompactForest`, with the baseline and the link.
Its predictions are bit-identical to scikit-learn's, because it does the same float64
arithmetic in the same order (``sklearn/ensemble/_hist_gradient_boosting``):

- rows are float64 (not float32 as in a random forest); ``x <= threshold`` goes left,
  a NaN goes where the node learned missing values go, and infinities compare as
  numbers;
- the raw prediction starts at ``0.0 + baseline`` and adds each iteration's tree in
  order, one float64 addition per tree;
- the link's inverse comes last: none for identity losses, ``exp`` for log-link ones.

Models with categorical features (whose splits are bitsets over an ordinal encoding
of the raw values) are refused: none of drumassist's models uses them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from drumassist.errors import ModelError
from drumassist.learn.models.forest import CompactForest, param

#: The links of scikit-learn's regression losses, by the class name of ``_loss.link``.
LINKS = {"IdentityLink": "identity", "LogLink": "log"}


@dataclass(frozen=True, eq=False)
class CompactBoosting:
    """Baseline plus the sum of the trees' leaf values, through the link's inverse."""

    trees: CompactForest
    baseline: float
    link: str
    #: The scikit-learn class and loss it came from, for model cards and descriptions.
    loss: str = "squared_error"
    source: str = "HistGradientBoostingRegressor"

    def __post_init__(self) -> None:
        if self.link not in LINKS.values():
            raise ModelError(
                f"unknown link {self.link!r}; expected one of {sorted(LINKS.values())}"
            )
        if self.trees.n_outputs != 1:
            raise ModelError(
                f"boosted trees predict one value per leaf, not {self.trees.n_outputs}"
            )
        if not np.isfinite(self.baseline):
            raise ModelError(f"baseline {self.baseline} is not finite")

    @classmethod
    def from_sklearn(cls, model: Any) -> CompactBoosting:
        """Flatten a fitted ``HistGradientBoostingRegressor``."""
        predictors = getattr(model, "_predictors", None)
        if not predictors:
            raise ModelError("expected a fitted HistGradientBoostingRegressor")
        if model.n_trees_per_iteration_ != 1 or any(len(it) != 1 for it in predictors):
            raise ModelError("expected a regressor (one tree per iteration), not a classifier")
        if getattr(model, "is_categorical_", None) is not None and np.any(model.is_categorical_):
            raise ModelError("models with categorical features cannot be flattened")
        link = LINKS.get(type(model._loss.link).__name__)
        if link is None:
            raise ModelError(f"unsupported link {type(model._loss.link).__name__}")
        baseline = np.asarray(model._baseline_prediction, dtype=np.float64)
        if baseline.shape != (1, 1):
            raise ModelError(f"expected one baseline value, got shape {baseline.shape}")
        nodes = [it[0].nodes for it in predictors]
        if any(n["is_categorical"].any() for n in nodes):
            raise ModelError("models with categorical splits cannot be flattened")
        return cls(
            trees=_flatten(nodes, int(model.n_features_in_), type(model).__name__),
            baseline=float(baseline[0, 0]),
            link=link,
            loss=str(model.loss),
            source=type(model).__name__,
        )

    @property
    def n_features(self) -> int:
        """How many columns a row must have."""
        return self.trees.n_features

    @property
    def n_iter(self) -> int:
        """How many boosting iterations (trees) the model has."""
        return self.trees.n_estimators

    def raw_predict(self, x: np.ndarray) -> np.ndarray:
        """The sum of the baseline and every tree's leaf value, before the link."""
        rows = np.ascontiguousarray(x, dtype=np.float64)
        if rows.ndim != 2 or rows.shape[1] != self.n_features:
            raise ValueError(f"expected rows of {self.n_features} features, got shape {rows.shape}")
        per_tree = self.trees.leaf_values(rows)
        raw = np.zeros(len(rows))
        raw += self.baseline
        for values in per_tree:  # in iteration order: float addition is not associative
            raw += values
        return raw

    def predict(self, x: np.ndarray) -> np.ndarray:
        """What ``HistGradientBoostingRegressor.predict`` gives for rows ``x``."""
        raw = self.raw_predict(x)
        return np.exp(raw) if self.link == "log" else raw

    def to_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The node arrays and the settings (JSON-able) that :meth:`from_arrays` takes."""
        arrays, params = self.trees.to_arrays()
        params.update(baseline=self.baseline, link=self.link, loss=self.loss, source=self.source)
        return arrays, params

    @classmethod
    def from_arrays(
        cls, arrays: Mapping[str, np.ndarray], params: Mapping[str, Any]
    ) -> CompactBoosting:
        """Rebuild from :meth:`to_arrays`'s output; ModelError if inconsistent."""
        return cls(
            trees=CompactForest.from_arrays(arrays, params),
            baseline=param(params, "baseline", float),
            link=param(params, "link", str),
            loss=param(params, "loss", str),
            source=param(params, "source", str),
        )


def _flatten(nodes: list[np.ndarray], n_features: int, source: str) -> CompactForest:
    """Concatenate the nodes of every iteration's tree into CompactForest arrays."""
    sizes = np.array([len(n) for n in nodes], dtype=np.int64)
    if sizes.sum() >= np.iinfo(np.int32).max:
        raise ModelError(f"a model of {sizes.sum()} nodes is too large to flatten")
    roots = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)

    def children(side: str) -> np.ndarray:
        parts = [
            np.where(n["is_leaf"] != 0, -1, n[side].astype(np.int64) + start)
            for n, start in zip(nodes, roots, strict=True)
        ]
        return np.concatenate(parts).astype(np.int32)

    leaf = np.concatenate([n["is_leaf"] != 0 for n in nodes])
    return CompactForest(
        left=children("left"),
        right=children("right"),
        # A leaf's feature and threshold are never read; zero keeps the arrays valid.
        feature=np.where(leaf, 0, np.concatenate([n["feature_idx"] for n in nodes])).astype(
            np.int32
        ),
        threshold=np.concatenate([n["num_threshold"] for n in nodes]).astype(np.float64),
        missing_left=np.concatenate([n["missing_go_to_left"] != 0 for n in nodes]),
        value=np.concatenate([n["value"] for n in nodes]).astype(np.float64)[:, None],
        roots=roots,
        n_features=n_features,
        source=source,
    )
