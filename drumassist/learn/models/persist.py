"""Saving and loading trained gain models: a skops file and a model card beside it.

A model folder holds ``model.skops`` (the forest, or for the fixed-slot kinds
``rf-slots``, ``lasso`` and ``svr`` the pipeline of VarianceThreshold, StandardScaler and
regressor, written with :mod:`skops.io`, never pickle) and ``model_card.json``: the
format version, method, extractor name and version, the sha256 of the feature names,
the training corpus's manifest sha256, the library versions, the seed, the command line
and the metrics measured at training.
Loading checks every type in the skops file against :data:`TRUSTED_TYPES` before
anything is built (skops trusts the pipeline, selector and scaler itself; only the
trees' ``Tree`` must be allowed), and refuses a model whose extractor version or
feature names differ from the running code's, with a :class:`~drumassist.errors.ModelError`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import zipfile
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from drumassist.core.atomic import write_atomically
from drumassist.errors import AnalysisError, ModelError
from drumassist.learn.models.flexible import FlexibleModel
from drumassist.learn.models.levels import LEVELS_VERSION, LevelsModel, load_levels, save_levels
from drumassist.learn.models.levels import METHOD as LEVELS_METHOD
from drumassist.learn.models.shipped import (
    CARD_NAME,
    DEFAULT_METHOD,
    MODEL_NAME,
    is_model_folder,
    shipped_model_dir,
)
from drumassist.learn.models.skopsio import load_trusted
from drumassist.learn.models.slots import KINDS as SLOT_KINDS
from drumassist.learn.models.slots import METHOD as SLOTS_METHOD
from drumassist.learn.models.slots import SlotModel, slot_method
from drumassist.learn.models.trim import METHOD as TRIM_METHOD
from drumassist.learn.models.trim import TrimModel, feature_columns
from drumassist.learn.models.trim_io import TRIM_VERSION, load_trim, save_trim

log = logging.getLogger(__name__)

#: A trained gain model of any kind.
GainModel = FlexibleModel | SlotModel | TrimModel | LevelsModel

CARD_FORMAT = "drumassist-model"
CARD_VERSION = 1
#: Types beyond skops's own defaults that a model file may contain (the same for both
#: kinds: skops already trusts Pipeline, VarianceThreshold and StandardScaler).
TRUSTED_TYPES = ("sklearn.tree._tree.Tree",)
#: The pipeline steps of a fixed-slot model before its regressor, by class name.
SLOT_STEPS = ("VarianceThreshold", "StandardScaler")
#: Forest settings recorded in the model card.
FOREST_PARAMS = ("n_estimators", "min_samples_leaf", "max_features", "random_state")
#: What a levels model's card names as its "extractor": the level measures.
LEVELS_EXTRACTOR = "levels"
#: What a trim model's card names as its "extractor": its own level and bleed measures.
ANCHOR_EXTRACTOR = "anchor"


def feature_names_sha256(names: Sequence[str]) -> str:
    """A stable fingerprint of an ordered list of feature names."""
    return hashlib.sha256("\n".join(names).encode("utf-8")).hexdigest()


def library_versions() -> dict[str, str | None]:
    """Versions of the libraries a model depends on (None if not installed)."""
    versions: dict[str, str | None] = {}
    for package in ("scikit-learn", "numpy", "essentia", "skops", "drumassist"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def method_of(model: GainModel) -> str:
    """The method name of a model: ``trim``, ``flexible``, ``rf-slots``, ``lasso`` or ``svr``."""
    return model.method if isinstance(model, SlotModel | TrimModel | LevelsModel) else "flexible"


def _inputs_of(model: GainModel) -> tuple[str, str, tuple[str, ...]]:
    """The extractor name and version of a model's inputs, and their column names."""
    if isinstance(model, TrimModel):
        return ANCHOR_EXTRACTOR, str(TRIM_VERSION), tuple(model.columns)
    if isinstance(model, LevelsModel):
        return LEVELS_EXTRACTOR, str(LEVELS_VERSION), (model.measure,)
    return model.extractor, model.extractor_version, tuple(model.feature_names)


def describe(model: GainModel) -> str:
    """A short description of ``model`` for suggestions, e.g. ``flexible (seed 0, 200 trees)``."""
    if isinstance(model, TrimModel):
        return f"{TRIM_METHOD} (seed {model.seed}, {model.gain.max_iter} boosting rounds)"
    if isinstance(model, LevelsModel):
        return f"{LEVELS_METHOD} ({model.measure} and {len(model.offsets)} kind offsets)"
    size = (
        f"{len(model.forest.estimators_)} trees"
        if hasattr(model.forest, "n_estimators")
        else f"{len(model.forest.estimators_)} outputs"
    )
    return f"{method_of(model)} (seed {model.seed}, {size})"


def _estimator_card(model: GainModel) -> dict[str, Any]:
    if isinstance(model, LevelsModel):
        return {"measure": model.measure, "offsets_db": dict(sorted(model.offsets.items()))}
    if isinstance(model, TrimModel):
        params = model.gain.get_params()
        return {
            "regressor": {k: v for k, v in params.items() if isinstance(v, int | float | str)},
            "blend": model.blend,
            "quantiles": ["low", "high"],
        }
    regressor = model.forest
    if hasattr(regressor, "n_estimators"):
        params = regressor.get_params()
        return {
            "trees": len(regressor.estimators_),
            "forest": {k: params[k] for k in FOREST_PARAMS if k in params},
        }
    # LASSO or SVR per output: the settings, and LASSO's penalties chosen by CV.
    inner = regressor.estimator
    card: dict[str, Any] = {
        "regressor": {
            k: v for k, v in inner.get_params().items() if isinstance(v, int | float | str)
        }
    }
    if hasattr(regressor.estimators_[0], "alpha_"):
        card["lasso_alphas"] = [float(e.alpha_) for e in regressor.estimators_]
        card["lasso_nonzero"] = [int((e.coef_ != 0).sum()) for e in regressor.estimators_]
    return card


def build_card(model: GainModel, **extra: Any) -> dict[str, Any]:
    """The model card of ``model``; ``extra`` adds corpus, metrics, command, ..."""
    extractor, version, names = _inputs_of(model)
    return {
        "format": CARD_FORMAT,
        "version": CARD_VERSION,
        "method": method_of(model),
        "extractor": {"name": extractor, "version": version},
        "feature_count": len(names),
        "feature_names_sha256": feature_names_sha256(names),
        "seed": model.seed,
        **_estimator_card(model),
        "libraries": library_versions(),
        **extra,
    }


def save_model(model: GainModel, out_dir: str | Path, **card_extra: Any) -> Path:
    """Write ``model.skops`` and ``model_card.json`` into ``out_dir``; returns the folder."""
    import skops.io as sio

    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        if isinstance(model, TrimModel):
            save_trim(model, out)
        elif isinstance(model, LevelsModel):
            save_levels(model, out)
        else:
            # Tree arrays compress about 3-fold; the shipped default model must stay small.
            estimator = model.pipeline if isinstance(model, SlotModel) else model.forest
            blob = sio.dumps(estimator, compression=zipfile.ZIP_DEFLATED, compresslevel=9)
            write_atomically(out / MODEL_NAME, lambda f: f.write(blob), overwrite=True)
        card = json.dumps(build_card(model, **card_extra), indent=2, sort_keys=True) + "\n"
        write_atomically(out / CARD_NAME, lambda f: f.write(card.encode("utf-8")), overwrite=True)
    except OSError as exc:
        raise ModelError(f"{out}: cannot write the model ({exc.strerror})") from exc
    return out


def read_card(model_dir: str | Path) -> dict[str, Any]:
    """The model card of a model folder; ModelError if missing or not a model card."""
    path = Path(model_dir) / CARD_NAME
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the model card ({exc.strerror})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(card, dict) or card.get("format") != CARD_FORMAT:
        raise ModelError(f"{path}: not a drumassist model card")
    if not isinstance(card.get("version"), int) or card["version"] > CARD_VERSION:
        raise ModelError(f"{path}: model card version {card.get('version')!r} is not supported")
    return card


def load_model(model_dir: str | Path) -> GainModel:
    """Load a model folder written by :func:`save_model`, checked against the running code.

    Raises
    ------
    ModelError
        If a file is missing or unreadable, the skops file holds an untrusted type,
        the method is unknown, or the extractor version or feature names differ from
        the running code's.
    """
    from drumassist.analysis import get_extractor

    card = read_card(model_dir)
    extractor = _card_field(card, "extractor", model_dir)
    if card.get("method") == TRIM_METHOD:
        return _load_trim(model_dir, card, extractor)
    if card.get("method") == LEVELS_METHOD:
        if (extractor.get("name"), str(extractor.get("version"))) != (
            LEVELS_EXTRACTOR,
            str(LEVELS_VERSION),
        ):
            raise ModelError(f"{model_dir}: not a levels model of this version; retrain it")
        return load_levels(model_dir)
    try:
        current = get_extractor(str(extractor["name"]))
    except (AnalysisError, KeyError) as exc:
        raise ModelError(f"{model_dir}: unknown extractor in the model card ({exc})") from exc
    if str(extractor.get("version")) != current.version:
        raise ModelError(
            f"{model_dir}: trained on {current.name} features version {extractor.get('version')},"
            f" but this drumassist extracts version {current.version}; retrain the model"
        )
    names = current.feature_names()
    if card.get("feature_names_sha256") != feature_names_sha256(names):
        raise ModelError(
            f"{model_dir}: trained on other {current.name} feature names than this drumassist"
            " extracts; retrain the model"
        )
    method = card.get("method", "flexible")
    seed = int(card.get("seed", 0))
    path = Path(model_dir) / MODEL_NAME
    if method in SLOT_KINDS:
        pipeline = load_forest(path, expected="Pipeline")
        steps = tuple(type(step).__name__ for _, step in pipeline.steps)
        if steps[:-1] != SLOT_STEPS:
            raise ModelError(f"{path}: expected pipeline steps {SLOT_STEPS}, found {steps}")
        if slot_method(pipeline[-1]) != method:
            raise ModelError(f"{path}: the card says {method}, the file holds {steps[-1]}")
        return SlotModel(pipeline, current.name, current.version, names, seed)
    if method != "flexible":
        raise ModelError(f"{model_dir}: unknown model method {method!r} in the model card")
    forest = load_forest(path)
    return FlexibleModel(forest, current.name, current.version, names, seed)


def _load_trim(model_dir: str | Path, card: Mapping[str, Any], extractor: Any) -> TrimModel:
    if (extractor.get("name"), str(extractor.get("version"))) != (
        ANCHOR_EXTRACTOR,
        str(TRIM_VERSION),
    ):
        raise ModelError(
            f"{model_dir}: trained on {extractor.get('name')} inputs version"
            f" {extractor.get('version')}, but this drumassist measures {ANCHOR_EXTRACTOR}"
            f" version {TRIM_VERSION}; retrain the model"
        )
    if card.get("feature_names_sha256") != feature_names_sha256(feature_columns()):
        raise ModelError(
            f"{model_dir}: trained on other input columns than this drumassist measures;"
            " retrain the model"
        )
    model = load_trim(model_dir)
    if tuple(model.columns) != feature_columns():
        raise ModelError(f"{model_dir}: the model's columns differ from its card's")
    return model


def load_forest(path: Path, *, expected: str = "RandomForestRegressor") -> Any:
    """The estimator in a skops file, refusing any type not in :data:`TRUSTED_TYPES`."""
    forest = load_trusted(path, TRUSTED_TYPES)
    # A name check is enough here: skops only built types on the allow-list.
    if type(forest).__name__ != expected:
        raise ModelError(f"{path}: expected a {expected}, found {type(forest).__name__}")
    return forest


def _card_field(card: Mapping[str, Any], key: str, model_dir: str | Path) -> Any:
    value = card.get(key)
    if not isinstance(value, Mapping):
        raise ModelError(f"{model_dir}: the model card has no valid '{key}'")
    return value


def default_model_dir() -> Path:
    """Where the shipped default model lives: ``resources/models/default``."""
    return shipped_model_dir(DEFAULT_METHOD)


def slot_model_dir() -> Path:
    """Where the shipped ``rf-slots`` model lives: ``resources/models/rf-slots``."""
    return shipped_model_dir(SLOTS_METHOD)


def load_method_model(method: str, folder: Path) -> GainModel:
    """The model in ``folder``, which must be a ``method`` model; says how to train one."""
    if not is_model_folder(folder):
        kind = "default" if method == DEFAULT_METHOD else method
        option = f" --method {method}"
        raise ModelError(
            f"no {kind} model in {folder}; train one with 'drumassist train --corpus CORPUS"
            f" --out {folder}{option}' (build a corpus with 'drumassist corpus render')"
        )
    model = load_model(folder)
    if method_of(model) != method:
        raise ModelError(f"{folder}: holds a {method_of(model)} model, not {method}")
    return model


@functools.lru_cache(maxsize=1)
def load_default_model() -> GainModel:
    """The shipped default model, loaded once; ModelError saying how to train it if absent."""
    return load_method_model(DEFAULT_METHOD, default_model_dir())


@functools.lru_cache(maxsize=1)
def load_slot_model() -> GainModel:
    """The shipped ``rf-slots`` model, loaded once; ModelError saying how to train it."""
    return load_method_model(SLOTS_METHOD, slot_model_dir())


@functools.lru_cache(maxsize=4)
def load_shipped_model(method: str) -> GainModel:
    """The shipped model of ``method`` (``lasso``, ``svr``, ...), loaded once."""
    if method == DEFAULT_METHOD:
        return load_default_model()
    if method == SLOTS_METHOD:
        return load_slot_model()
    return load_method_model(method, shipped_model_dir(method))
