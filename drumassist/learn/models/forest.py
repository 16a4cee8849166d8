"""A fitted random forest as flat numpy arrays: loaded and run without scikit-learn.

Importing scikit-learn and building a forest from a skops file costs most of a second
in a fresh process. :class:`CompactForest` holds every tree of a fitted
``RandomForestRegressor`` in concatenated node arrays (kept in a model file by
:mod:`~drumassist.learn.models.arrayio`, like every compact estimator) and walks all
trees for all rows at once. Its predictions are bit-identical to scikit-learn's: rows
are cast to float32 and compared with the float64 thresholds (``x <= threshold`` goes
left), and a NaN follows the node's learned missing-value direction, as in
``sklearn/tree/_tree.pyx``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from drumassist.errors import ModelError

#: The arrays of a forest and the dtype each must have.
MEMBERS = {
    "left": np.dtype(np.int32),
    "right": np.dtype(np.int32),
    "feature": np.dtype(np.int32),
    "threshold": np.dtype(np.float64),
    "missing_left": np.dtype(np.bool_),
    "value": np.dtype(np.float64),
    "roots": np.dtype(np.int64),
}
_NODE_ARRAYS = ("left", "right", "feature", "threshold", "missing_left")


@dataclass(frozen=True, eq=False)
class CompactForest:
    """Every tree of a fitted forest regressor in concatenated node arrays.

    Node ``i`` of the concatenation is a leaf when ``left[i] == -1``; otherwise a row
    goes to ``left[i]`` when ``x[feature[i]] <= threshold[i]`` (x as float32), to
    ``right[i]`` when not, and where ``x[feature[i]]`` is NaN to ``left[i]`` exactly when
    ``missing_left[i]``. Child indices point into the concatenation and always lie after
    their parent within its own tree, so a walk ends. ``value`` is ``(nodes, n_outputs)``
    and ``roots`` holds the first node of each tree.
    """

    left: np.ndarray
    right: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    missing_left: np.ndarray
    value: np.ndarray
    roots: np.ndarray
    n_features: int
    #: The scikit-learn class it came from, for model cards and descriptions.
    source: str = "RandomForestRegressor"

    def __post_init__(self) -> None:
        problem = _problem(self)
        if problem is not None:
            raise ModelError(f"invalid compact forest: {problem}")
        for name in (*_NODE_ARRAYS, "value", "roots"):
            getattr(self, name).setflags(write=False)

    @classmethod
    def from_sklearn(cls, forest: Any) -> CompactForest:
        """Flatten a fitted ``RandomForestRegressor`` (or any ensemble of regression trees)."""
        trees = [estimator.tree_ for estimator in forest.estimators_]
        if not trees or any(t.value.ndim != 3 or t.value.shape[2] != 1 for t in trees):
            raise ModelError("expected a fitted forest of regression trees")
        sizes = np.array([t.node_count for t in trees], dtype=np.int64)
        if sizes.sum() >= np.iinfo(np.int32).max:
            raise ModelError(f"a forest of {sizes.sum()} nodes is too large to flatten")
        roots = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)

        def children(kids: np.ndarray, start: int) -> np.ndarray:
            return np.where(kids < 0, -1, kids + start)

        return cls(
            left=_cat([children(t.children_left, s) for t, s in zip(trees, roots, strict=True)]),
            right=_cat([children(t.children_right, s) for t, s in zip(trees, roots, strict=True)]),
            feature=_cat([t.feature for t in trees]),
            threshold=np.concatenate([t.threshold for t in trees]).astype(np.float64),
            missing_left=np.concatenate([_missing_left(t) for t in trees]),
            value=np.concatenate([t.value[:, :, 0] for t in trees]).astype(np.float64),
            roots=roots,
            n_features=int(forest.n_features_in_),
            source=type(forest).__name__,
        )

    @property
    def n_outputs(self) -> int:
        """How many values each tree predicts per row."""
        return int(self.value.shape[1])

    @property
    def n_estimators(self) -> int:
        """How many trees the forest has."""
        return len(self.roots)

    def __len__(self) -> int:
        return self.n_estimators

    def predict_per_tree(self, x: np.ndarray) -> np.ndarray:
        """Each tree's prediction for rows ``x`` of shape ``(rows, n_features)``.

        Returns ``(trees, rows)`` for one output or ``(trees, rows, outputs)``, exactly
        ``np.stack([t.predict(x) for t in forest.estimators_])``.

        Raises
        ------
        ValueError
            If ``x`` is not 2-D with ``n_features`` columns, or a value is infinite or
            too large for float32 (scikit-learn refuses those too).
        """
        return self.leaf_values(self._rows(x))

    def leaf_values(self, rows: np.ndarray) -> np.ndarray:
        """Each tree's leaf value for ``rows`` as given (float32 for a forest, float64 for
        gradient boosting: the caller casts as its estimator does); see
        :meth:`predict_per_tree` for the shape."""
        count = len(rows)
        flat = rows.reshape(-1)
        leaf_of = np.repeat(self.roots, count)  # tree-major: (tree, row) -> leaf
        row_base = np.tile(np.arange(count, dtype=np.int64) * self.n_features, len(self.roots))
        # Walk only the (tree, row) pairs not yet at a leaf; each step goes one level down.
        pending = np.flatnonzero(self.left[leaf_of] >= 0)
        node = leaf_of[pending]
        while pending.size:
            values = flat[row_base[pending] + self.feature[node]]
            # float32 <= float64 compares in float64, as the Cython code does.
            go_left = values <= self.threshold[node]
            missing = np.isnan(values)
            if missing.any():
                go_left = np.where(missing, self.missing_left[node], go_left)
            node = np.where(go_left, self.left[node], self.right[node])
            done = self.left[node] < 0
            leaf_of[pending[done]] = node[done]
            pending, node = pending[~done], node[~done]
        per_tree = self.value[leaf_of].reshape(len(self.roots), count, self.n_outputs)
        return per_tree[:, :, 0] if self.n_outputs == 1 else per_tree

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The mean over trees, as ``RandomForestRegressor.predict`` gives it."""
        # A running sum in tree order, then one division: scikit-learn's arithmetic
        # (np.mean may sum pairwise, which differs in the last bits).
        return np.cumsum(self.predict_per_tree(x), axis=0)[-1] / self.n_estimators

    def _rows(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            rows = np.ascontiguousarray(x, dtype=np.float32)
        if rows.ndim != 2 or rows.shape[1] != self.n_features:
            raise ValueError(f"expected rows of {self.n_features} features, got shape {rows.shape}")
        if np.isinf(rows).any():
            raise ValueError("rows contain infinity or a value too large for float32")
        return rows

    def to_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """The node arrays and the settings (JSON-able) that :meth:`from_arrays` takes."""
        arrays = {name: getattr(self, name) for name in (*_NODE_ARRAYS, "value", "roots")}
        return arrays, {"n_features": self.n_features, "source": self.source}

    @classmethod
    def from_arrays(
        cls, arrays: Mapping[str, np.ndarray], params: Mapping[str, Any]
    ) -> CompactForest:
        """Rebuild from :meth:`to_arrays`'s output; ModelError if inconsistent."""
        names = (*_NODE_ARRAYS, "value", "roots")
        missing = [name for name in names if name not in arrays]
        if missing:
            raise ModelError(f"no {', '.join(missing)} arrays")
        return cls(
            **{name: arrays[name] for name in names},
            n_features=param(params, "n_features", int),
            source=param(params, "source", str),
        )


def param(params: Mapping[str, Any], key: str, kind: type) -> Any:
    """``params[key]`` if it is a ``kind`` (a float may be given as an int, a bool is
    neither); ModelError naming the key if not."""
    value = params.get(key)
    accepted = (int, float) if kind is float else kind
    if isinstance(value, bool) or not isinstance(value, accepted):
        raise ModelError(f"setting {key!r} is {value!r}, expected {kind.__name__}")
    return kind(value)


def _cat(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts).astype(np.int32)


def _missing_left(tree: Any) -> np.ndarray:
    # scikit-learn before 1.3 had no missing-value support: NaN compared false, went right.
    flags = getattr(tree, "missing_go_to_left", None)
    return np.zeros(tree.node_count, bool) if flags is None else np.asarray(flags, dtype=bool)


def _problem(forest: CompactForest) -> str | None:
    """What is wrong with the arrays of ``forest``, or None if they make a valid forest."""
    for name, dtype in MEMBERS.items():
        array = getattr(forest, name, None)
        if isinstance(array, np.ndarray) and array.dtype != dtype:
            return f"{name} is {array.dtype}, expected {dtype}"
    nodes = len(forest.left)
    if any(getattr(forest, name).shape != (nodes,) for name in _NODE_ARRAYS):
        return f"node arrays {', '.join(_NODE_ARRAYS)} must all have shape ({nodes},)"
    if forest.value.ndim != 2 or len(forest.value) != nodes or forest.value.shape[1] < 1:
        return f"value has shape {forest.value.shape}, expected ({nodes}, outputs)"
    if forest.n_features < 1:
        return f"{forest.n_features} features"
    roots = forest.roots
    if roots.ndim != 1 or len(roots) == 0 or roots[0] != 0 or np.any(np.diff(roots) <= 0):
        return "roots must start at 0 and increase"
    if roots[-1] >= nodes:
        return f"root {roots[-1]} is beyond the {nodes} nodes"
    return _tree_problem(forest, nodes)


def _tree_problem(forest: CompactForest, nodes: int) -> str | None:
    """Children inside their own tree and after their parent; features in range."""
    index = np.arange(nodes)
    # The first node of the next tree (or the end) bounds every child of this one.
    tree_end = np.append(forest.roots[1:], nodes)[np.searchsorted(forest.roots, index, "right") - 1]
    split = forest.left >= 0
    if np.any((forest.right >= 0) != split) or np.any(forest.left[~split] != -1):
        return "a node has one child, or a child index below -1"
    for name in ("left", "right"):
        kids = getattr(forest, name)[split]
        if np.any(kids <= index[split]) or np.any(kids >= tree_end[split]):
            return f"a {name} child lies outside its tree or before its parent"
    features = forest.feature[split]
    if np.any(features < 0) or np.any(features >= forest.n_features):
        return f"a split feature is outside 0 to {forest.n_features - 1}"
    return None
