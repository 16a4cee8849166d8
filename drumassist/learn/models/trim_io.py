"""Saving and loading a trim model: ``model.skops`` (three estimators) and ``trim.json``.

``model.skops`` holds the three gradient-boosted regressors (skops, never pickle;
loading refuses any type outside :data:`TRUSTED_TYPES`), ``trim.json`` the tables,
offsets, blend, columns and seed, and the sha256 of ``model.skops`` that ties the two
files of one save together.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any

from drumassist.core.atomic import write_atomically
from drumassist.core.jsondoc import is_number
from drumassist.errors import ModelError
from drumassist.learn.bleed.trims import TrimTables
from drumassist.learn.models.shipped import MODEL_NAME
from drumassist.learn.models.skopsio import load_trusted
from drumassist.learn.models.trim import METHOD, TrimModel, feature_columns

TRIM_NAME = "trim.json"
TRIM_FORMAT = "drumassist-trim"
TRIM_VERSION = 1
#: The only types beyond skops's defaults that ``model.skops`` may hold.
TRUSTED_TYPES = ("sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",)
ESTIMATORS = ("gain", "low", "high")


def save_trim(model: TrimModel, out_dir: str | Path) -> list[Path]:
    """Write ``model.skops`` and ``trim.json`` into ``out_dir``; returns their paths."""
    import skops.io as sio

    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    # The trees compress about 3-fold; the shipped default model must stay small.
    blob = sio.dumps(
        {name: getattr(model, name) for name in ESTIMATORS},
        compression=zipfile.ZIP_DEFLATED,
        compresslevel=9,
    )
    doc = {
        "format": TRIM_FORMAT,
        "version": TRIM_VERSION,
        "method": METHOD,
        # Ties the two files together: a save that died half-way is refused, not mixed.
        "model_sha256": hashlib.sha256(blob).hexdigest(),
        "tables": model.tables.to_json(),
        "offsets": {k: float(v) for k, v in sorted(model.offsets.items())},
        "blend": float(model.blend),
        "columns": list(model.columns),
        "seed": int(model.seed),
    }
    text = json.dumps(doc, indent=1).encode("utf-8")
    paths = [folder / MODEL_NAME, folder / TRIM_NAME]
    write_atomically(paths[0], lambda h: h.write(blob), overwrite=True)
    write_atomically(paths[1], lambda h: h.write(text), overwrite=True)
    return paths


def load_trim(out_dir: str | Path) -> TrimModel:
    """Load a model written by :func:`save_trim`.

    Raises
    ------
    ModelError
        If a file is missing, unreadable or malformed, holds a type outside
        :data:`TRUSTED_TYPES`, or does not fit this version's feature columns.
    """
    folder = Path(out_dir)
    doc = _read_doc(folder / TRIM_NAME)
    try:
        digest = hashlib.sha256((folder / MODEL_NAME).read_bytes()).hexdigest()
    except OSError as exc:
        raise ModelError(f"{folder / MODEL_NAME}: cannot read the model ({exc.strerror})") from exc
    if digest != doc.get("model_sha256"):
        raise ModelError(
            f"{folder}: {MODEL_NAME} and {TRIM_NAME} are not from the same save; save it again"
        )
    estimators = load_estimators(folder / MODEL_NAME)
    columns = tuple(doc["columns"])
    for name, estimator in estimators.items():
        if getattr(estimator, "n_features_in_", None) != len(columns):
            raise ModelError(
                f"{folder / MODEL_NAME}: '{name}' does not take {len(columns)} columns"
            )
    return TrimModel(
        estimators["gain"],
        estimators["low"],
        estimators["high"],
        TrimTables.from_json(doc["tables"]),
        doc["offsets"],
        doc["blend"],
        columns,
        doc["seed"],
    )


def _read_doc(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the trim model ({exc.strerror})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("format") != TRIM_FORMAT:
        raise ModelError(f"{path}: not a {TRIM_FORMAT} file")
    if doc.get("version") != TRIM_VERSION:
        raise ModelError(f"{path}: version {doc.get('version')!r}, expected {TRIM_VERSION}")
    columns = doc.get("columns")
    if not isinstance(columns, list) or columns != list(feature_columns()):
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
    """The three regressors of ``model.skops``, refusing types outside :data:`TRUSTED_TYPES`."""
    loaded = load_trusted(path, TRUSTED_TYPES)
    if not isinstance(loaded, dict) or sorted(loaded) != sorted(ESTIMATORS):
        raise ModelError(f"{path}: expected a dict of {', '.join(ESTIMATORS)}")
    for name, estimator in loaded.items():
        # A name check is enough here: skops only built types on the allow-list.
        if type(estimator).__name__ != "HistGradientBoostingRegressor":
            found = type(estimator).__name__
            raise ModelError(f"{path}: '{name}' is a {found}, not a HistGradientBoostingRegressor")
    return loaded
