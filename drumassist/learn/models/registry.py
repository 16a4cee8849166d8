"""The model kinds by method name, and where their shipped models live; light to import.

Every trained method is one line of :data:`KINDS`: its name, the module and attribute
of its :class:`~drumassist.learn.models.base.ModelKind` (``"module:ATTRIBUTE"``,
imported on first use), a description, and the folder of its shipped model under
``drumassist/resources/models``. ``suggest``, ``train``, ``evaluate``, ``compare``, the report and
the window ask this module; none of them names a model class. Adding a model kind is
one new module in this package (a model class following
:class:`~drumassist.learn.models.base.GainModel` and a ``ModelKind`` to train and load
it) and one line here.

The window asks at start-up which methods can run (:func:`unavailable_reason`); this
module answers from the file system without importing any model.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from drumassist.errors import ModelError

if TYPE_CHECKING:
    from drumassist.learn.models.base import ModelKind

#: The estimators as plain arrays (no scikit-learn needed to load them).
MODEL_NAME = "model.npz"
#: The estimators as skops: an SVR (no array twin), or a model saved before arrays.
SKOPS_NAME = "model.skops"
CARD_NAME = "model_card.json"
#: The model files of the kinds that keep no estimator, only a JSON table (levels).
TABLE_NAMES = ("levels.json",)
#: The method of the default model (what ``suggest``, ``quickstart`` and the window use).
DEFAULT_METHOD = "levels-gb"
#: The name that stands for :data:`DEFAULT_METHOD` in method lists.
DEFAULT_ALIAS = "default"
#: The default model with the user's personal correction (models/personal.py): not a
#: kind trained on a corpus, so not in :data:`KINDS`, but it needs a learned model.
PERSONAL = "personal"


@dataclass(frozen=True)
class KindEntry:
    """One model kind: its method name, where it is implemented, and its shipped model."""

    method: str
    target: str  # "module:ATTRIBUTE" of its ModelKind
    description: str
    shipped: str  # its folder under drumassist/resources/models


#: Every model kind, in the order of method lists and reports (the default first).
KINDS: tuple[KindEntry, ...] = (
    KindEntry(
        "levels-gb",
        "drumassist.learn.models.trim:LEVELS_GB",
        "Levels-GB model: each track's own level (90th percentile of its momentary"
        " loudness) corrected by gradient boosting on level and bleed measures; trained on"
        " real multi-mic kits and calibrated simulation; any tracks, any order",
        "default",
    ),
    KindEntry(
        "trim",
        "drumassist.learn.models.trim:TRIM",
        "Trim model: each mic's input trim read from the bleed between mics, corrected"
        " by gradient boosting on level and bleed measures; trained on simulation only;"
        " any tracks, any order",
        "trim",
    ),
    KindEntry(
        "levels",
        "drumassist.learn.models.levels:LEVELS_KIND",
        "Levels model: each track's level (90th percentile of its momentary loudness)"
        " plus a learned offset per kind of mic; reads no bleed, any tracks, any order",
        "levels",
    ),
    KindEntry(
        "flexible",
        "drumassist.learn.models.flexible:FLEXIBLE",
        "Flexible per-track model: a random forest on features, role and context",
        "flexible",
    ),
    KindEntry(
        "rf-slots",
        "drumassist.learn.models.slots:RF_SLOTS",
        "Fixed-slot model as published: a random forest on the eight ENST mic slots"
        " (tracks with no slot are loudness-normalised)",
        "rf-slots",
    ),
    KindEntry(
        "lasso",
        "drumassist.learn.models.slots:LASSO",
        "Fixed-slot LASSO as published: a sparse linear model on the eight ENST mic slots",
        "lasso",
    ),
    KindEntry(
        "svr",
        "drumassist.learn.models.slots:SVR",
        "Fixed-slot SVR as published: one support-vector regressor per ENST mic slot",
        "svr",
    ),
)


def _by_method() -> dict[str, KindEntry]:
    return {line.method: line for line in KINDS}


def model_methods() -> tuple[str, ...]:
    """The method names of every model kind, the default first."""
    return tuple(line.method for line in KINDS)


def resolve(method: str) -> str:
    """The method ``method`` stands for: :data:`DEFAULT_METHOD` for ``default``, else itself."""
    return DEFAULT_METHOD if method == DEFAULT_ALIAS else method


def is_model_method(method: str) -> bool:
    """True if ``method`` (or the ``default`` alias) names a model kind."""
    return resolve(method) in _by_method()


def entry(method: str) -> KindEntry:
    """The registry line of ``method``; ModelError naming the choices if there is none."""
    found = _by_method().get(resolve(method))
    if found is None:
        raise ModelError(
            f"unknown model method {method!r}; choose one of {', '.join(model_methods())}"
        )
    return found


def kind(method: str) -> ModelKind:
    """The :class:`~drumassist.learn.models.base.ModelKind` of ``method`` (imports its module)."""
    module, attribute = entry(method).target.split(":")
    return cast("ModelKind", getattr(importlib.import_module(module), attribute))


def shipped_model_dir(method: str) -> Path:
    """Where the shipped model of ``method`` lives (``drumassist/resources/models/<folder>``)."""
    from drumassist.core.paths import resources_dir

    return resources_dir() / "models" / entry(method).shipped


def is_model_folder(folder: Path) -> bool:
    """True if ``folder`` holds a model file (estimators, or a levels table) and its card."""
    files = (MODEL_NAME, SKOPS_NAME, *TABLE_NAMES)
    return (folder / CARD_NAME).is_file() and any((folder / f).is_file() for f in files)


def unavailable_reason(method: str) -> str | None:
    """Why ``method`` cannot run with what is installed (no shipped model), or None.

    None too for a method that needs no model (a baseline).
    """
    if method == PERSONAL:
        from drumassist.core.personal import has_personal_model, personal_model_path

        if not has_personal_model():
            return f"no personal model in {personal_model_path()}: use Tools > Learn from my mixes"
        method = DEFAULT_ALIAS
    if not is_model_method(method):
        return None
    name = resolve(method)
    folder = shipped_model_dir(name)
    if is_model_folder(folder):
        return None
    return (
        f"no {name} model is installed in {folder}; train one with 'drumassist train"
        f" --method {name} --corpus CORPUS --out MODEL_DIR' and use it with"
        " 'drumassist suggest --model MODEL_DIR'"
    )
