"""Saving and loading trained gain models: the model's files and a model card beside them.

A model folder holds ``model.npz`` (the forest, the fixed-slot pipeline, or the trim
model's three regressors, beside its ``trim.json``, as plain arrays loaded without
scikit-learn: :mod:`~drumassist.learn.models.estimators`; an SVR pipeline, and models
saved before the arrays, are in ``model.skops``, written with :mod:`skops.io`, never
pickle) and ``model_card.json``: the format version, method, the name and
version of what the model reads (an extractor, or the trim model's ``anchor``
measures), the sha256 of its input names, the training corpus's manifest sha256, the
library versions, the seed, the command line and the metrics measured at training.

Which kind a folder holds comes from its card's ``method``, through the
:mod:`~drumassist.learn.models.registry`; the kind checks the rest. Loading checks
every type in a skops file against an allow-list before anything is built, and
refuses a model whose inputs differ from what the running code measures, with a
:class:`~drumassist.errors.ModelError`.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drumassist.core.atomic import write_atomically
from drumassist.core.jsondoc import field_str, read_json_doc
from drumassist.errors import AnalysisError, ModelError
from drumassist.learn.models import estimators, registry
from drumassist.learn.models.base import GainModel
from drumassist.learn.models.registry import CARD_NAME, MODEL_NAME

if TYPE_CHECKING:
    from drumassist.analysis.common import Extractor

CARD_FORMAT = "drumassist-model"
CARD_VERSION = 1
#: Types beyond skops's own defaults that a forest or pipeline file may contain (skops
#: already trusts Pipeline, VarianceThreshold and StandardScaler).
TRUSTED_TYPES = ("sklearn.tree._tree.Tree",)


def feature_names_sha256(names: Sequence[str]) -> str:
    """A stable fingerprint of an ordered list of feature names."""
    return hashlib.sha256("\n".join(names).encode("utf-8")).hexdigest()


def library_versions() -> dict[str, str | None]:
    """Versions of the libraries a model depends on (None if not installed)."""
    from importlib import metadata  # 13 ms to import: only saving a model needs it

    versions: dict[str, str | None] = {}
    for package in ("scikit-learn", "numpy", "essentia", "skops", "drumassist"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions


def build_card(model: GainModel, **extra: Any) -> dict[str, Any]:
    """The model card of ``model``; ``extra`` adds corpus, metrics, command, ..."""
    own = model.card()
    return {
        "format": CARD_FORMAT,
        "version": CARD_VERSION,
        "method": model.method,
        "extractor": own.pop("extractor"),
        "feature_count": own.pop("feature_count"),
        "feature_names_sha256": own.pop("feature_names_sha256"),
        "seed": model.seed,
        **own,
        "libraries": library_versions(),
        **extra,
    }


def save_model(model: GainModel, out_dir: str | Path, **card_extra: Any) -> Path:
    """Write the model's files and ``model_card.json`` into ``out_dir``; returns the folder."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        model.save(out)
        card = json.dumps(build_card(model, **card_extra), indent=2, sort_keys=True) + "\n"
        write_atomically(out / CARD_NAME, lambda f: f.write(card.encode("utf-8")), overwrite=True)
    except OSError as exc:
        raise ModelError(f"{out}: cannot write the model ({exc.strerror})") from exc
    return out


def save_estimator(estimator: Any, folder: Path) -> None:
    """Write one estimator into ``folder``, atomically: as arrays in ``model.npz``, or
    for one with no array form (an SVR) as ``model.skops``."""
    name, blob = estimators.dumps({estimators.ESTIMATOR: estimator}, estimator)
    estimators.write(folder, name, blob)


def read_card(model_dir: str | Path) -> dict[str, Any]:
    """The model card of a model folder; ModelError if missing or not a model card."""
    path = Path(model_dir) / CARD_NAME
    if not Path(model_dir).is_dir():  # it said "no such model card" of a folder not there
        what = "is a file, not a model folder" if Path(model_dir).exists() else "no such folder"
        raise ModelError(f"{model_dir}: {what}")
    try:
        card = read_json_doc(path, what="model card", error=ModelError)
    except ModelError as exc:
        raise ModelError(f"{model_dir}: cannot read the model card: {exc}") from exc
    if card.get("format") != CARD_FORMAT:
        raise ModelError(f"{path}: not a drumassist model card")
    version = card.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version > CARD_VERSION:
        raise ModelError(f"{path}: model card version {version!r} is not supported")
    return card


def load_model(model_dir: str | Path) -> GainModel:
    """Load a model folder written by :func:`save_model`, checked against the running code.

    Raises
    ------
    ModelError
        If a file is missing or unreadable, the skops file holds an untrusted type,
        the method is unknown, or what the model reads differs from what the running
        code measures.
    """
    card = read_card(model_dir)
    # A card from before the fixed-slot and trim kinds names no method: a flexible forest.
    where = str(Path(model_dir) / CARD_NAME)
    method = field_str(card, "method", where=where, error=ModelError, default="flexible")
    try:
        kind = registry.kind(method)
    except ModelError as exc:
        raise ModelError(f"{model_dir}: {exc} (in the model card)") from exc
    return kind.load(Path(model_dir), card)


def card_extractor(model_dir: Path, card: Mapping[str, Any]) -> Extractor:
    """The running extractor a feature model's card names, refusing other versions and
    feature names than the running code extracts."""
    from drumassist.analysis import get_extractor

    extractor = card.get("extractor")
    if not isinstance(extractor, Mapping):
        raise ModelError(f"{model_dir}: the model card has no valid 'extractor'")
    try:
        current = get_extractor(str(extractor["name"]))
    except (AnalysisError, KeyError) as exc:
        raise ModelError(f"{model_dir}: unknown extractor in the model card ({exc})") from exc
    if str(extractor.get("version")) != current.version:
        raise ModelError(
            f"{model_dir}: trained on {current.name} features version {extractor.get('version')},"
            f" but this drumassist extracts version {current.version}; retrain the model"
        )
    if card.get("feature_names_sha256") != feature_names_sha256(current.feature_names()):
        raise ModelError(
            f"{model_dir}: trained on other {current.name} feature names than this drumassist"
            " extracts; retrain the model"
        )
    return current


def load_forest(folder: Path, *, expected: str = "RandomForestRegressor") -> Any:
    """The estimator of a model folder: from ``model.npz`` (compact, no scikit-learn)
    or ``model.skops`` (refusing any type not in :data:`TRUSTED_TYPES`); it must be
    (or come from) an ``expected``."""
    path = estimators.model_file(folder)
    loaded = estimators.read(path, TRUSTED_TYPES)
    if path.name == MODEL_NAME:
        if sorted(loaded) != [estimators.ESTIMATOR]:
            raise ModelError(f"{path}: expected one estimator named {estimators.ESTIMATOR!r}")
        loaded = loaded[estimators.ESTIMATOR]
    # A name check is enough here: skops only built types on the allow-list, and
    # arrays only ever build compact estimators.
    if estimators.class_name(loaded) != expected:
        raise ModelError(f"{path}: expected a {expected}, found {estimators.class_name(loaded)}")
    return loaded


def load_method_model(method: str, folder: Path) -> GainModel:
    """The model in ``folder``, which must be a ``method`` model; says how to train one."""
    if not registry.is_model_folder(folder):
        name = "default" if method == registry.DEFAULT_METHOD else method
        raise ModelError(
            f"no {name} model in {folder}; train one with 'drumassist train --corpus CORPUS"
            f" --out MODEL_DIR --method {method}' (build a corpus with 'drumassist corpus"
            " render') and suggest with it with '--model MODEL_DIR'"
        )
    model = load_model(folder)
    if model.method != method:
        raise ModelError(f"{folder}: holds a {model.method} model, not {method}")
    return model


@functools.lru_cache(maxsize=8)
def load_shipped_model(method: str) -> GainModel:
    """The shipped model of ``method`` (``default`` for the default's), loaded once.

    Raises
    ------
    ModelError
        If none is installed (saying how to train it), or it cannot be loaded.
    """
    name = registry.resolve(method)
    return load_method_model(name, registry.shipped_model_dir(name))
