"""Where the shipped models live, and whether one is installed; light to import.

The window asks at start-up which methods can run; this module answers without
importing the models themselves (:mod:`drumassist.learn.models.persist` pulls in the corpus
and feature code, about a second).
"""

from __future__ import annotations

from pathlib import Path

from drumassist.errors import ModelError

MODEL_NAME = "model.skops"
CARD_NAME = "model_card.json"
#: The method of the default model (what ``suggest``, ``quickstart`` and the window use).
DEFAULT_METHOD = "trim"
#: Every model method, and the folder of its shipped model under ``resources/models``.
SHIPPED = {
    DEFAULT_METHOD: "default",
    "flexible": "flexible",
    "rf-slots": "rf-slots",
    "lasso": "lasso",
    "svr": "svr",
    "levels": "levels",
}
#: The model file of the kinds that keep no estimator (a JSON table instead).
TABLE_NAMES = ("levels.json",)


def shipped_model_dir(method: str) -> Path:
    """Where the shipped model of ``method`` lives (the default's: ``resources/models/default``)."""
    from drumassist.core.paths import resources_dir

    if method not in SHIPPED:
        raise ModelError(f"unknown model method {method!r}; choose one of {', '.join(SHIPPED)}")
    return resources_dir() / "models" / SHIPPED[method]


def is_model_folder(folder: Path) -> bool:
    """True if ``folder`` holds a model file (or a levels table) and its card."""
    files = (MODEL_NAME, *TABLE_NAMES)
    return (folder / CARD_NAME).is_file() and any((folder / f).is_file() for f in files)
