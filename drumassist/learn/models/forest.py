"""A fitted random forest as flat numpy arrays: loaded and run without scikit-learn.

Importing scikit-learn and building a forest from a skops file costs most of a second
in a fresh process. :class:`CompactForest` holds every tree of a fitted
``RandomForestRegressor`` in concatenated node arrays, saves them as one compressed
``.npz`` (read with ``allow_pickle=False``, so a file can never run code) and walks all
trees for all rows at once. Its predictions are bit-identical to scikit-learn's: rows
are cast to float32 and compared with the float64 thresholds (``x <= threshold`` goes
left), and a NaN follows the node's learned missing-value direction, as in
``sklearn/tree/_tree.pyx``.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from drumassist.core.atomic import write_atomically
from drumassist.errors import ModelError

FORMAT_VERSION = 1
#: The members of a saved forest and the dtype each must have.
MEMBERS = {
    "format_version": np.dtype(np.int64),
    "n_features": np.dtype(np.int64),
    "left": np.dtype(np.int32),
    "right": np.dtype(np.int32),
    "feature": np.dtype(np.int32),
    "threshold": np.dtype(np.float64),
    "missing_left": np.dtype(np.bool_),
    "value": np.dtype(np.float64),
    "roots": np.dtype(np.int64),
}
_NODE_ARRAYS = ("left", "right", "feature", "threshold", "missing_left")
#: What a damaged .npz raises: not a zip, bad CRC or deflate data, bad header, pickles.
_UNREADABLE = (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile, zlib.error)


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
        rows = self._rows(x)
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

    def save(self, path: str | Path) -> None:
        """Write the forest to one compressed ``.npz`` file, atomically."""
        target = Path(path)
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            format_version=np.int64(FORMAT_VERSION),
            n_features=np.int64(self.n_features),
            **{name: getattr(self, name) for name in (*_NODE_ARRAYS, "value", "roots")},
        )
        try:
            write_atomically(target, lambda f: f.write(buffer.getvalue()), overwrite=True)
        except OSError as exc:
            raise ModelError(f"{target}: cannot write the forest ({exc.strerror})") from exc

    @classmethod
    def load(cls, path: str | Path) -> CompactForest:
        """Read a forest written by :meth:`save`; ModelError if unreadable or inconsistent."""
        source = Path(path)
        try:
            with np.load(source, allow_pickle=False) as npz:
                missing = sorted(set(MEMBERS) - set(npz.files))
                if missing:
                    raise ModelError(f"{source}: not a compact forest (no {', '.join(missing)})")
                arrays = {name: npz[name] for name in MEMBERS}
        except ModelError:
            raise
        except _UNREADABLE as exc:
            raise ModelError(f"{source}: cannot read the forest ({exc})") from exc
        for name, dtype in MEMBERS.items():
            if arrays[name].dtype != dtype:
                raise ModelError(f"{source}: {name} is {arrays[name].dtype}, expected {dtype}")
        for name in ("format_version", "n_features"):
            if arrays[name].shape != ():
                raise ModelError(f"{source}: {name} is not a scalar")
        if int(arrays["format_version"]) != FORMAT_VERSION:
            raise ModelError(f"{source}: forest format {int(arrays['format_version'])} unsupported")
        del arrays["format_version"]
        try:
            return cls(**{**arrays, "n_features": int(arrays["n_features"])})
        except ModelError as exc:
            raise ModelError(f"{source}: {exc}") from exc


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
