"""The published fixed-slot model (``rf-slots``): slot rows, training, persistence."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from drumassist.analysis import get_extractor
from drumassist.cli import main
from drumassist.core.roles import Role
from drumassist.errors import ModelError
from drumassist.learn.corpus import ENST_SLOTS
from drumassist.learn.data.inputs import TrackInputs
from drumassist.learn.data.sessions import SessionData
from drumassist.learn.models import persist as modelio
from drumassist.learn.models.slots import (
    SlotModel,
    slot_columns,
    slot_row,
    slot_targets,
    train_slots,
)
from drumassist.learn.suggest.suggestion import METHODS

# A five-piece layout: no toms, plus a room mic that fills no slot.
SLOTS = ("snare", "kick", "hi-hat", "overhead_L", "overhead_R", None)
ROLES = (Role.SNARE, Role.KICK, Role.HIHAT, Role.OVERHEAD, Role.OVERHEAD, Role.ROOM)


def random_inputs(rng: np.random.Generator) -> TrackInputs:
    ext = get_extractor("fast")
    names = ext.feature_names()
    loudness = rng.uniform(-26, -24, len(ROLES))  # narrow: the forest sees raw gains
    features = rng.standard_normal((len(ROLES), len(names)))
    return TrackInputs(features, names, ext.name, ext.version, loudness, ROLES)


def random_sessions(count: int, seed: int = 0) -> list[SessionData]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        inputs = random_inputs(rng)
        # The kick (track 1) sits 6 dB above loudness normalisation.
        target = -inputs.loudness_lufs + np.array([0, 6.0, 0, 0, 0, 0]) + rng.normal(0, 0.3, 6)
        out.append(SessionData(f"s{i}", "g", inputs, target, SLOTS))
    return out


@pytest.fixture(scope="module")
def model() -> SlotModel:
    return train_slots(random_sessions(30), seed=1, trees=20)


def test_slot_row_is_in_enst_order_with_missing_toms_zero_padded() -> None:
    inputs = random_inputs(np.random.default_rng(2))
    width = len(inputs.feature_names) + 1
    row = slot_row(inputs, SLOTS)
    assert row.shape == (len(slot_columns(inputs.feature_names)),) == (8 * width,)
    blocks = row.reshape(len(ENST_SLOTS), width)
    np.testing.assert_array_equal(blocks[0, :-1], inputs.features[1])  # kick first
    assert blocks[0, -1] == inputs.loudness_lufs[1]
    np.testing.assert_array_equal(blocks[1, :-1], inputs.features[0])
    assert not blocks[5:].any()  # tom_1..tom_3 missing


def test_a_silent_slot_is_zero_padded() -> None:
    inputs = random_inputs(np.random.default_rng(3))
    loud = inputs.loudness_lufs.copy()
    loud[2] = -math.inf
    silent = TrackInputs(
        inputs.features, inputs.feature_names, inputs.extractor, "1", loud, inputs.roles
    )
    width = len(inputs.feature_names) + 1
    assert not slot_row(silent, SLOTS)[2 * width : 3 * width].any()


def test_targets_are_relative_to_the_mean_of_present_slots() -> None:
    session = random_sessions(1)[0]
    targets = slot_targets(session)
    assert targets is not None
    assert abs(targets[:5].mean()) < 1e-9 and not targets[5:].any()
    assert targets[0] - targets[1] == pytest.approx(session.target_db[1] - session.target_db[0])


def test_training_is_deterministic_and_learns_the_kick(model: SlotModel) -> None:
    inputs = random_inputs(np.random.default_rng(4))
    again = train_slots(random_sessions(30), seed=1, trees=20).predict(inputs, SLOTS)
    prediction = model.predict(inputs, SLOTS)
    np.testing.assert_array_equal(prediction.gains_db, again.gains_db)
    relative = prediction.gains_db + inputs.loudness_lufs
    assert relative[1] - relative[[0, 2, 3, 4]].mean() > 3.0
    assert np.all(prediction.low_db <= prediction.high_db)
    steps = [type(step).__name__ for _, step in model.pipeline.steps]
    assert steps == [*modelio.SLOT_STEPS, "RandomForestRegressor"]


def test_a_track_with_no_slot_is_loudness_normalised_level_with_the_rest(model) -> None:
    inputs = random_inputs(np.random.default_rng(5))
    gains = model.predict(inputs, SLOTS).gains_db
    relative = gains + inputs.loudness_lufs
    assert relative[5] == pytest.approx(relative[:5].mean())
    prediction = model.predict(inputs, SLOTS)
    assert prediction.low_db[5] == prediction.high_db[5] == gains[5]


def test_round_trip(model: SlotModel, tmp_path: Path) -> None:
    modelio.save_model(model, tmp_path, metrics={"r2": 0.5})
    loaded = modelio.load_model(tmp_path)
    assert isinstance(loaded, SlotModel)
    inputs = random_inputs(np.random.default_rng(6))
    np.testing.assert_array_equal(
        loaded.predict(inputs, SLOTS).gains_db, model.predict(inputs, SLOTS).gains_db
    )
    card = json.loads((tmp_path / modelio.CARD_NAME).read_text())
    assert card["method"] == "rf-slots" and card["trees"] == 20 and card["seed"] == 1


def test_a_pipeline_of_other_steps_is_refused(model: SlotModel, tmp_path: Path) -> None:
    import skops.io as sio

    modelio.save_model(model, tmp_path)
    sio.dump(model.pipeline[1:], tmp_path / modelio.MODEL_NAME)
    with pytest.raises(ModelError, match="pipeline steps"):
        modelio.load_model(tmp_path)


def test_sessions_without_slots_are_a_model_error() -> None:
    session = random_sessions(1)[0]
    bare = SessionData(session.session_id, "g", session.inputs, session.target_db)
    with pytest.raises(ModelError, match="no slot assignment"):
        train_slots([bare])


def test_method_is_registered_after_flexible_and_says_how_to_train(monkeypatch, tmp_path) -> None:
    names = list(METHODS)
    assert names.index("rf-slots") == names.index("flexible") + 1
    monkeypatch.setattr(modelio, "slot_model_dir", lambda: tmp_path / "none")
    modelio.load_slot_model.cache_clear()
    with pytest.raises(ModelError, match="--method rf-slots"):
        modelio.load_slot_model()
    modelio.load_slot_model.cache_clear()


def test_train_and_evaluate_commands(tmp_path: Path, capsys) -> None:
    from drumassist.learn.corpus import render_corpus
    from tests.learn.corpus.test_corpus_kit import make_kit

    make_kit(tmp_path / "kits")
    corpus = tmp_path / "corpus"
    assert (
        len(
            render_corpus(
                corpus, sessions=3, kit_dirs=[tmp_path / "kits"], seed=2, duration_s=2.0
            ).built
        )
        == 3
    )
    out = tmp_path / "m"
    args = ["train", "--corpus", str(corpus), "--trees", "5", "--method", "rf-slots"]
    assert main([*args, "--out", str(out)]) == 0
    assert modelio.read_card(out)["method"] == "rf-slots"
    capsys.readouterr()
    evaluate = ["evaluate", "--pretrained", "--corpus", str(corpus), "--json", "--all-sessions"]
    assert main([*evaluate, "--method", "rf-slots", "--model", str(out)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc["scores"]) == {"rf-slots"} and doc["sessions"] == 3
