"""Fitted estimators on disk and at prediction time, as arrays or (legacy) skops.

A model folder keeps its estimators in ``model.npz``, plain arrays read without
scikit-learn (:mod:`~drumassist.learn.models.arrayio`); an estimator with no compact
twin (an SVR) and models saved before the arrays existed are in ``model.skops``,
which needs scikit-learn and skops to load. The model kinds hold whichever was loaded
(or, just after training, the scikit-learn estimator itself) and call the helpers here,
which give bit-identical results for both.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from drumassist.core.atomic import write_atomically
from drumassist.errors import ModelError
from drumassist.learn.models import arrayio
from drumassist.learn.models.forest import CompactForest
from drumassist.learn.models.linear import CompactLinear, CompactPipeline
from drumassist.learn.models.registry import MODEL_NAME, SKOPS_NAME
from drumassist.learn.models.skopsio import load_trusted

#: The name of the one estimator of a non-trim model in ``model.npz``.
ESTIMATOR = "model"


def dumps(estimators: dict[str, Any], skops_object: Any) -> tuple[str, bytes]:
    """The file name and bytes that keep ``estimators``: arrays if every one has a
    compact twin, else ``skops_object`` as skops (compressed: trees shrink 3-fold)."""
    try:
        return MODEL_NAME, arrayio.dumps(estimators)
    except ModelError:
        import zipfile

        import skops.io as sio

        blob = sio.dumps(skops_object, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
        return SKOPS_NAME, blob


def write(folder: Path, name: str, blob: bytes) -> Path:
    """Write ``blob`` as ``folder/name`` atomically and delete the other format's file,
    so a folder never holds two models."""
    path = folder / name
    write_atomically(path, lambda f: f.write(blob), overwrite=True)
    other = folder / (SKOPS_NAME if name == MODEL_NAME else MODEL_NAME)
    other.unlink(missing_ok=True)
    return path


def model_file(folder: Path) -> Path:
    """The estimator file of a model folder: ``model.npz``, else ``model.skops``."""
    for name in (MODEL_NAME, SKOPS_NAME):
        if (folder / name).is_file():
            return folder / name
    raise ModelError(f"{folder}: no {MODEL_NAME} (or {SKOPS_NAME})")


def read(path: Path, trusted: Sequence[str]) -> Any:
    """What ``path`` holds: a dict of compact estimators from ``model.npz``, or the
    object in a skops file (refusing types outside skops's defaults and ``trusted``)."""
    if path.name == SKOPS_NAME:
        return load_trusted(path, trusted)
    return arrayio.load(path)


def class_name(estimator: Any) -> str:
    """The scikit-learn class an estimator is (or was converted from)."""
    source = getattr(estimator, "source", None)
    return source if isinstance(source, str) else type(estimator).__name__


def per_tree(forest: Any, rows: np.ndarray) -> np.ndarray:
    """Each tree's prediction for ``rows``: ``(trees, rows)`` or ``(trees, rows, outputs)``."""
    if isinstance(forest, CompactForest):
        return np.ascontiguousarray(forest.predict_per_tree(rows))
    return np.stack([tree.predict(rows) for tree in forest.estimators_])


def tree_count(forest: Any) -> int:
    """How many trees (or, for a per-output wrapper, estimators) ``forest`` has."""
    if isinstance(forest, CompactForest):
        return forest.n_estimators
    if isinstance(forest, CompactLinear):
        return len(forest.coef)
    return len(forest.estimators_)


def final_step(pipeline: Any) -> Any:
    """A pipeline's last step (its regressor)."""
    return pipeline.final if isinstance(pipeline, CompactPipeline) else pipeline[-1]


def transform(pipeline: Any, x: np.ndarray) -> np.ndarray:
    """``x`` through every step of ``pipeline`` but the last."""
    if isinstance(pipeline, CompactPipeline):
        return pipeline.transform(x)
    rows: np.ndarray = pipeline[:-1].transform(x)
    return rows


def step_classes(pipeline: Any) -> tuple[str, ...]:
    """The scikit-learn class of every step of ``pipeline``."""
    return tuple(class_name(step) for _, step in pipeline.steps)


def n_features(estimator: Any) -> int | None:
    """How many columns ``estimator`` takes (None if it does not say)."""
    value = getattr(estimator, "n_features_in_", getattr(estimator, "n_features", None))
    return None if value is None else int(value)
