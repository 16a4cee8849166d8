"""Fitted estimators as one ``.npz`` of plain arrays: saved and loaded without scikit-learn.

:func:`compact` turns a fitted scikit-learn estimator into its compact twin (random
forest, histogram gradient boosting of any regression loss, linear models, the
selector and scaler steps, and pipelines of them; see :mod:`~drumassist.learn.models.forest`,
:mod:`~drumassist.learn.models.boosting`, :mod:`~drumassist.learn.models.linear`), whose predictions
are bit-identical. :func:`dumps` writes named compact estimators into one compressed
``.npz``: each array as the member ``NAME/ARRAY`` (``NAME/STEP/ARRAY`` inside a
pipeline), and the member ``structure`` holding a small JSON document that gives each
estimator's kind and settings::

    {"format": "drumassist-arrays", "version": 1,
     "estimators": {"gain": {"kind": "boosting", "params": {"baseline": 0.1, ...}},
                    "pipe": {"kind": "pipeline", "steps": [{"name": "scale",
                             "kind": "scaler", "params": {...}}, ...]}}}

:func:`loads` reads it back with ``allow_pickle=False``, so a model file can never run
code, and raises :class:`~drumassist.errors.ModelError` for anything malformed. Any
model kind that predicts with these estimators can keep them this way.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from drumassist.core.npzread import load_npz
from drumassist.errors import ModelError
from drumassist.learn.models.boosting import CompactBoosting
from drumassist.learn.models.forest import CompactForest
from drumassist.learn.models.linear import (
    CompactLinear,
    CompactPipeline,
    CompactScaler,
    CompactSelector,
)

FORMAT = "drumassist-arrays"
VERSION = 1
STRUCTURE = "structure"
#: Compact estimator classes by the kind named in the structure.
KINDS: dict[str, Any] = {
    "forest": CompactForest,
    "boosting": CompactBoosting,
    "selector": CompactSelector,
    "scaler": CompactScaler,
    "linear": CompactLinear,
}
#: scikit-learn classes by name, and the compact kind each becomes.
SKLEARN_KINDS = {
    "RandomForestRegressor": "forest",
    "ExtraTreesRegressor": "forest",
    "HistGradientBoostingRegressor": "boosting",
    "VarianceThreshold": "selector",
    "StandardScaler": "scaler",
    **dict.fromkeys(
        ("Lasso", "LassoCV", "Ridge", "RidgeCV", "LinearRegression", "ElasticNet"), "linear"
    ),
    **dict.fromkeys(("ElasticNetCV", "MultiOutputRegressor"), "linear"),
}
#: What a damaged .npz raises: not a zip, bad CRC or deflate data, bad header, pickles.
_UNREADABLE = (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile, zlib.error)
_COMPACT = (*KINDS.values(), CompactPipeline)


def compact(estimator: Any) -> Any:
    """The compact twin of a fitted scikit-learn estimator (a compact one is returned as is).

    Raises
    ------
    ModelError
        For an estimator kind that has no compact twin (an SVR, a classifier, ...).
    """
    if isinstance(estimator, _COMPACT):
        return estimator
    name = type(estimator).__name__
    if name == "Pipeline":
        return CompactPipeline(tuple((step, compact(e)) for step, e in estimator.steps))
    if name not in SKLEARN_KINDS:
        raise ModelError(f"a {name} cannot be stored as arrays")
    return KINDS[SKLEARN_KINDS[name]].from_sklearn(estimator)


def kind_of(estimator: Any) -> str:
    """The structure's kind of a compact estimator."""
    if isinstance(estimator, CompactPipeline):
        return "pipeline"
    for kind, cls in KINDS.items():
        if isinstance(estimator, cls):
            return kind
    raise ModelError(f"not a compact estimator: {type(estimator).__name__}")


def _describe(estimator: Any, prefix: str, members: dict[str, np.ndarray]) -> dict[str, Any]:
    """The structure entry of ``estimator``; its arrays go into ``members`` under ``prefix``."""
    kind = kind_of(estimator)
    if kind == "pipeline":
        steps = []
        for name, step in estimator.steps:
            steps.append({"name": name, **_describe(step, f"{prefix}/{name}", members)})
        return {"kind": kind, "steps": steps}
    arrays, params = estimator.to_arrays()
    for key, array in arrays.items():
        members[f"{prefix}/{key}"] = array
    return {"kind": kind, "params": params}


def dumps(estimators: Mapping[str, Any]) -> bytes:
    """The compressed ``.npz`` bytes of named estimators (compacted if need be)."""
    members: dict[str, np.ndarray] = {}
    described = {}
    for name, estimator in estimators.items():
        if "/" in name or not name or name == STRUCTURE:
            raise ModelError(f"{name!r} cannot name an estimator")
        described[name] = _describe(compact(estimator), name, members)
    doc = {"format": FORMAT, "version": VERSION, "estimators": described}
    buffer = io.BytesIO()
    members[STRUCTURE] = np.array(json.dumps(doc))
    np.savez_compressed(buffer, allow_pickle=False, **members)
    return buffer.getvalue()


def loads(blob: bytes, source: str | Path) -> dict[str, Any]:
    """The estimators in ``.npz`` bytes written by :func:`dumps`; errors name ``source``."""
    try:
        arrays = load_npz(io.BytesIO(blob))
    except _UNREADABLE as exc:
        raise ModelError(f"{source}: cannot read the model arrays ({exc})") from exc
    doc = _structure(arrays.pop(STRUCTURE, None), source)
    estimators = doc.get("estimators")
    if not isinstance(estimators, dict) or not estimators:
        raise ModelError(f"{source}: the structure names no estimators")
    try:
        return {name: _build(entry, name, arrays) for name, entry in estimators.items()}
    except ModelError as exc:
        raise ModelError(f"{source}: {exc}") from exc


def load(path: str | Path) -> dict[str, Any]:
    """The estimators in the ``.npz`` file ``path``."""
    source = Path(path)
    try:
        blob = source.read_bytes()
    except OSError as exc:
        raise ModelError(f"{source}: cannot read the model ({exc.strerror})") from exc
    return loads(blob, source)


def _structure(member: np.ndarray | None, source: str | Path) -> dict[str, Any]:
    if member is None or member.dtype.kind != "U" or member.shape != ():
        raise ModelError(f"{source}: not a {FORMAT} file (no structure)")

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not a number JSON allows")

    try:
        doc = json.loads(str(member), parse_constant=refuse)
    except ValueError as exc:
        raise ModelError(f"{source}: the structure is not valid JSON ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ModelError(f"{source}: not a {FORMAT} file")
    if doc.get("version") != VERSION:
        raise ModelError(f"{source}: {FORMAT} version {doc.get('version')!r}, expected {VERSION}")
    return doc


def _build(entry: Any, prefix: str, arrays: Mapping[str, np.ndarray]) -> Any:
    if not isinstance(entry, dict):
        raise ModelError(f"estimator {prefix!r} is not described by an object")
    kind = entry.get("kind")
    if kind == "pipeline":
        steps = entry.get("steps")
        if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
            raise ModelError(f"pipeline {prefix!r} has no list of steps")
        names = [str(s.get("name")) for s in steps]
        built = [_build(s, f"{prefix}/{n}", arrays) for s, n in zip(steps, names, strict=True)]
        return CompactPipeline(tuple(zip(names, built, strict=True)))
    if kind not in KINDS:
        raise ModelError(f"estimator {prefix!r} is of unknown kind {kind!r}")
    params = entry.get("params")
    if not isinstance(params, dict):
        raise ModelError(f"estimator {prefix!r} has no settings")
    mine = {k[len(prefix) + 1 :]: v for k, v in arrays.items() if k.startswith(prefix + "/")}
    try:
        return KINDS[kind].from_arrays(mine, params)
    except ModelError as exc:
        raise ModelError(f"estimator {prefix!r}: {exc}") from exc
