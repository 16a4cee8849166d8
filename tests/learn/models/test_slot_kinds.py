"""The published LASSO and SVR fixed-slot models: training, prediction, persistence, use."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from drumassist.cli import main
from drumassist.core.demo import write_demo
from drumassist.errors import ModelError
from drumassist.learn.models import persist as modelio
from drumassist.learn.models.slots import KINDS, SlotModel, slot_method, train_slots
from drumassist.learn.suggest.suggestion import METHODS
from tests.learn.models.test_slots_model import SLOTS, random_inputs, random_sessions


@pytest.fixture(scope="module", params=["lasso", "svr"])
def model(request) -> SlotModel:
    return train_slots(random_sessions(40), seed=1, kind=request.param)


def test_kinds_are_the_published_three_and_registered() -> None:
    assert KINDS == ("rf-slots", "lasso", "svr")
    assert {"lasso", "svr"} <= set(METHODS)


def test_each_kind_learns_the_kick_and_gives_no_range(model: SlotModel) -> None:
    inputs = random_inputs(np.random.default_rng(4))
    prediction = model.predict(inputs, SLOTS)
    relative = prediction.gains_db + inputs.loudness_lufs
    # The training sessions put the kick 6 dB above the rest; the features are noise.
    assert relative[1] - relative[[0, 2, 3, 4]].mean() == pytest.approx(6.0, abs=1.5)
    np.testing.assert_array_equal(prediction.low_db, prediction.gains_db)
    np.testing.assert_array_equal(prediction.high_db, prediction.gains_db)
    assert slot_method(model.forest) == model.method


def test_training_is_deterministic(model: SlotModel) -> None:
    inputs = random_inputs(np.random.default_rng(5))
    again = train_slots(random_sessions(40), seed=1, kind=model.method)
    np.testing.assert_array_equal(
        again.predict(inputs, SLOTS).gains_db, model.predict(inputs, SLOTS).gains_db
    )


def test_round_trip_with_its_card(model: SlotModel, tmp_path: Path) -> None:
    modelio.save_model(model, tmp_path)
    loaded = modelio.load_model(tmp_path)
    assert isinstance(loaded, SlotModel) and loaded.method == model.method
    inputs = random_inputs(np.random.default_rng(6))
    np.testing.assert_array_equal(
        loaded.predict(inputs, SLOTS).gains_db, model.predict(inputs, SLOTS).gains_db
    )
    card = json.loads((tmp_path / modelio.CARD_NAME).read_text())
    assert card["method"] == model.method and "trees" not in card
    if model.method == "lasso":
        assert len(card["lasso_alphas"]) == 8 and all(a > 0 for a in card["lasso_alphas"])
    else:
        assert card["regressor"]["C"] == 10.0 and card["regressor"]["kernel"] == "rbf"


def test_a_card_naming_another_kind_is_refused(model: SlotModel, tmp_path: Path) -> None:
    modelio.save_model(model, tmp_path)
    card_path = tmp_path / modelio.CARD_NAME
    card = json.loads(card_path.read_text())
    card["method"] = "svr" if model.method == "lasso" else "lasso"
    card_path.write_text(json.dumps(card))
    with pytest.raises(ModelError, match="the card says"):
        modelio.load_model(tmp_path)


def test_an_unknown_kind_is_a_model_error() -> None:
    with pytest.raises(ModelError, match="unknown fixed-slot model kind"):
        train_slots(random_sessions(3), kind="gbm")


def test_suggest_command_uses_a_trained_model(model: SlotModel, tmp_path: Path, capsys) -> None:
    modelio.save_model(model, tmp_path / "m")
    demo = tmp_path / "demo"
    write_demo(demo, duration_s=4.0)
    args = ["suggest", str(demo), "--model", str(tmp_path / "m"), "--json"]
    assert main(args) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["method"] == model.method and doc["model"].startswith(model.method)
    assert doc["loudness_lufs"] == pytest.approx(-23.0, abs=0.1)
    assert len(doc["tracks"]) == 8
    other = "svr" if model.method == "lasso" else "lasso"
    assert main([*args, "--method", other]) == 1
    assert f"is a {model.method} model" in capsys.readouterr().err
