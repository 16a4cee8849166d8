"""Models trained on the level and bleed measures name their version, and an older one
is refused (the percentiles left digital silence out from version 2: a model trained on
version 1 would read measures that mean something else)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from drumassist.errors import ModelError
from drumassist.learn.data.anchor import MEASURES_VERSION
from drumassist.learn.models.persist import load_model, read_card
from drumassist.learn.models.registry import CARD_NAME, shipped_model_dir

MEASURED = ("levels-gb", "trim", "levels")


@pytest.mark.parametrize("method", MEASURED)
def test_the_shipped_model_was_trained_on_the_running_measures(method: str) -> None:
    card = read_card(shipped_model_dir(method))
    assert card["extractor"]["version"] == str(MEASURES_VERSION)
    load_model(shipped_model_dir(method))  # and loads


@pytest.mark.parametrize("method", MEASURED)
def test_a_model_of_older_measures_is_refused(method: str, tmp_path: Path) -> None:
    folder = tmp_path / method
    shutil.copytree(shipped_model_dir(method), folder)
    card = json.loads((folder / CARD_NAME).read_text())
    card["extractor"]["version"] = str(MEASURES_VERSION - 1)
    (folder / CARD_NAME).write_text(json.dumps(card))
    with pytest.raises(ModelError, match=f"version {MEASURES_VERSION - 1}.*retrain the model"):
        load_model(folder)
