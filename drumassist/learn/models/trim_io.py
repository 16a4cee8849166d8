"""Saving and loading a trim model: ``model.npz`` (three estimators) and ``trim.json``.

``model.npz`` holds the three gradient-boosted regressors as plain arrays, loaded
without scikit-learn (:mod:`~drumassist.learn.models.arrayio`; a model saved before the
arrays has ``model.skops`` instead: skops, never pickle, loading refuses any type
outside :data:`TRUSTED_TYPES`); ``trim.json`` the tables, offsets, blend, columns and
seed, and the sha256 of the estimator file that ties the two files of one save together.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from drumassist.core.atomic import write_atomically
from drumassist.core.jsondoc import is_number, read_json_doc
from drumassist.errors import ModelError
from drumassist.learn.bleed.trims import TrimTables
from drumassist.learn.models import estimators as stored

TRIM_NAME = "trim.json"
TRIM_FORMAT = "drumassist-trim"
TRIM_VERSION = 1
#: The only types beyond skops's defaults that ``model.skops`` may hold.
TRUSTED_TYPES = ("sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",)
ESTIMATORS = ("gain", "low", "high")


def write_trim(
    folder: Path, estimators: Mapping[str, Any], fields: Mapping[str, Any]
) -> list[Path]:
    """Write the :data:`ESTIMATORS` as ``model.npz`` and ``fields`` as ``trim.json``.

    ``trim.json`` also gets the format, version and the sha256 of ``model.npz``.
    Returns both paths.
    """
    folder.mkdir(parents=True, exist_ok=True)
    regressors = {name: estimators[name] for name in ESTIMATORS}
    name, blob = stored.dumps(regressors, regressors)
    doc = {
        "format": TRIM_FORMAT,
        "version": TRIM_VERSION,
        "method": fields["method"],
        # Ties the two files together: a save that died half-way is refused, not mixed.
        "model_sha256": hashlib.sha256(blob).hexdigest(),
        **{k: v for k, v in fields.items() if k != "method"},
    }
    text = json.dumps(doc, indent=1).encode("utf-8")
    paths = [stored.write(folder, name, blob), folder / TRIM_NAME]
    write_atomically(paths[1], lambda h: h.write(text), overwrite=True)
    return paths


def read_trim(folder: Path, *, columns: Sequence[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The estimators and the checked ``trim.json`` of a folder written by :func:`write_trim`.

    Raises
    ------
    ModelError
        If a file is missing, unreadable or malformed, the two are not of one save,
        a ``model.skops`` holds a type outside :data:`TRUSTED_TYPES`, or the columns
        are not ``columns``.
    """
    doc = _read_doc(folder / TRIM_NAME, columns)
    path = stored.model_file(folder)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the model ({exc.strerror})") from exc
    if digest != doc.get("model_sha256"):
        raise ModelError(
            f"{folder}: {path.name} and {TRIM_NAME} are not from the same save; save it again"
        )
    estimators = load_estimators(path)
    for name, estimator in estimators.items():
        if stored.n_features(estimator) != len(columns):
            raise ModelError(f"{path}: '{name}' does not take {len(columns)} columns")
    return estimators, doc


def _read_doc(path: Path, columns: Sequence[str]) -> dict[str, Any]:
    try:
        doc = read_json_doc(path, what="trim model", error=ModelError)
    except ModelError as exc:
        raise ModelError(f"{path.parent}: {exc}") from exc
    if doc.get("format") != TRIM_FORMAT:
        raise ModelError(f"{path}: not a {TRIM_FORMAT} file")
    if doc.get("version") != TRIM_VERSION:
        raise ModelError(f"{path}: version {doc.get('version')!r}, expected {TRIM_VERSION}")
    found = doc.get("columns")
    if not isinstance(found, list) or found != list(columns):
        raise ModelError(f"{path}: its feature columns differ from this version's")
    offsets = doc.get("offsets")
    if not isinstance(offsets, dict):
        offsets = {"": None}
    blend, seed = doc.get("blend"), doc.get("seed")
    if (
        not all(map(is_number, (*offsets.values(), blend)))
        or not 0.0 <= float(blend or 0.0) <= 1.0
        or not isinstance(seed, int)
        or isinstance(seed, bool)
    ):
        raise ModelError(f"{path}: 'offsets', 'blend' or 'seed' missing or malformed")
    try:
        TrimTables.from_json(doc.get("tables"))
    except ModelError as exc:
        raise ModelError(f"{path}: {exc}") from exc
    doc["offsets"] = {str(k): float(v) for k, v in offsets.items()}
    return doc


def load_estimators(path: Path) -> dict[str, Any]:
    """The three regressors of ``model.npz`` (or of a ``model.skops``, refusing types
    outside :data:`TRUSTED_TYPES`)."""
    loaded = stored.read(path, TRUSTED_TYPES)
    if not isinstance(loaded, dict) or sorted(loaded) != sorted(ESTIMATORS):
        raise ModelError(f"{path}: expected a dict of {', '.join(ESTIMATORS)}")
    for name, estimator in loaded.items():
        # A name check is enough here: skops only built types on the allow-list, and
        # arrays only ever build compact estimators.
        if stored.class_name(estimator) != "HistGradientBoostingRegressor":
            found = stored.class_name(estimator)
            raise ModelError(f"{path}: '{name}' is a {found}, not a HistGradientBoostingRegressor")
    return loaded
