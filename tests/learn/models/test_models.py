"""The flexible per-track model, its persistence and the ``train`` command."""

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
from drumassist.learn.corpus import load_corpus
from drumassist.learn.data.inputs import TrackInputs
from drumassist.learn.data.sessions import SessionData, session_data
from drumassist.learn.models import persist as modelio
from drumassist.learn.models import registry
from drumassist.learn.models.flexible import column_names, design_matrix, train_flexible
from drumassist.learn.models.registry import SKOPS_NAME

ROLES = (Role.KICK, Role.SNARE, Role.HIHAT, Role.OVERHEAD, Role.OVERHEAD)


def _inputs(rng: np.random.Generator, roles: tuple[Role, ...] = ROLES) -> TrackInputs:
    ext = get_extractor("fast")
    names = ext.feature_names()
    loudness = rng.uniform(-40, -15, len(roles))
    features = rng.standard_normal((len(roles), len(names)))
    features[:, names.index("integrated_lufs")] = loudness
    return TrackInputs(features, names, ext.name, ext.version, loudness, roles)


def _sessions(count: int, seed: int = 0) -> list[SessionData]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        inputs = _inputs(rng)
        # The mix puts the kick 6 dB above loudness normalisation.
        target = -inputs.loudness_lufs + np.array([6.0, 0, 0, 0, 0]) + rng.normal(0, 0.5, 5)
        out.append(SessionData(f"s{i}", "g", inputs, target))
    return out


@pytest.fixture(scope="module")
def model():
    return train_flexible(_sessions(30), seed=1, trees=20)


def test_design_matrix_has_one_row_per_track_in_any_order() -> None:
    inputs = _inputs(np.random.default_rng(2))
    rows = design_matrix(inputs)
    assert rows.shape == (5, len(column_names(inputs.feature_names)))
    order = [3, 0, 4, 1, 2]
    permuted = TrackInputs(
        inputs.features[order],
        inputs.feature_names,
        inputs.extractor,
        inputs.extractor_version,
        inputs.loudness_lufs[order],
        tuple(inputs.roles[i] for i in order),
    )
    np.testing.assert_allclose(design_matrix(permuted), rows[order])


def test_model_learns_the_balance_and_gives_a_range(model) -> None:
    inputs = _inputs(np.random.default_rng(9))
    prediction = model.predict(inputs)
    balance = prediction.gains_db + inputs.loudness_lufs
    assert balance[0] - balance[1:].mean() == pytest.approx(6.0, abs=2.0)
    assert np.all(prediction.low_db <= prediction.gains_db + 1e-9)
    assert np.all(prediction.high_db >= prediction.gains_db - 1e-9)


def test_silent_tracks_get_minus_infinity(model) -> None:
    inputs = _inputs(np.random.default_rng(3))
    inputs.loudness_lufs[2] = -math.inf
    inputs.features[2] = 0.0
    prediction = model.predict(inputs)
    assert prediction.gains_db[2] == -math.inf
    assert np.isfinite(np.delete(prediction.gains_db, 2)).all()


def test_training_is_deterministic_for_a_seed() -> None:
    inputs = _inputs(np.random.default_rng(4))
    a = train_flexible(_sessions(10), seed=5, trees=10).predict(inputs)
    b = train_flexible(_sessions(10), seed=5, trees=10).predict(inputs)
    np.testing.assert_array_equal(a.gains_db, b.gains_db)


def test_no_sessions_is_a_model_error() -> None:
    with pytest.raises(ModelError, match="no training sessions"):
        train_flexible([])


def test_round_trip(model, tmp_path: Path) -> None:
    modelio.save_model(model, tmp_path, metrics={"r2": 0.5})
    loaded = modelio.load_model(tmp_path)
    inputs = _inputs(np.random.default_rng(6))
    np.testing.assert_array_equal(loaded.predict(inputs).gains_db, model.predict(inputs).gains_db)
    card = modelio.read_card(tmp_path)
    assert card["metrics"] == {"r2": 0.5} and card["seed"] == 1
    assert card["libraries"]["scikit-learn"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("feature_names_sha256", "0" * 64, "other fast feature names"),
        ("extractor", {"name": "fast", "version": "0"}, "features version 0"),
        ("format", "pickle", "not a drumassist model card"),
    ],
)
def test_a_model_that_does_not_fit_is_refused(model, tmp_path, field, value, message) -> None:
    modelio.save_model(model, tmp_path)
    card_path = tmp_path / modelio.CARD_NAME
    card = json.loads(card_path.read_text())
    card[field] = value
    card_path.write_text(json.dumps(card))
    with pytest.raises(ModelError, match=message):
        modelio.load_model(tmp_path)


class Hostile:
    """Not a type any model file may hold."""


def test_an_untrusted_type_is_refused(model, tmp_path: Path) -> None:
    import skops.io as sio

    modelio.save_model(model, tmp_path)
    # A model saved as skops (before the arrays, or an SVR): its types are checked.
    (tmp_path / modelio.MODEL_NAME).unlink()
    sio.dump({"forest": Hostile()}, tmp_path / SKOPS_NAME)
    with pytest.raises(ModelError, match="untrusted types .*Hostile"):
        modelio.load_model(tmp_path)


def test_inputs_of_other_features_are_refused(model) -> None:
    inputs = _inputs(np.random.default_rng(7))
    other = TrackInputs(
        inputs.features, inputs.feature_names, "fast", "99", inputs.loudness_lufs, inputs.roles
    )
    with pytest.raises(ModelError, match="version 99"):
        model.predict(other)


def test_missing_default_model_says_how_to_train(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(registry, "shipped_model_dir", lambda method: tmp_path / "none")
    modelio.load_shipped_model.cache_clear()
    with pytest.raises(ModelError, match="no default model .*drumassist train --corpus"):
        modelio.load_shipped_model("default")
    modelio.load_shipped_model.cache_clear()


def test_train_command_is_reproducible_for_a_seed(tiny_corpus: Path, tmp_path: Path) -> None:
    args = ["train", "--corpus", str(tiny_corpus), "--method", "flexible", "--trees", "8"]
    args += ["--seed", "3"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    a, b = modelio.load_model(tmp_path / "a"), modelio.load_model(tmp_path / "b")
    inputs = session_data(load_corpus(tiny_corpus).sessions[0]).inputs
    np.testing.assert_array_equal(a.predict(inputs).gains_db, b.predict(inputs).gains_db)
    card = modelio.read_card(tmp_path / "a")
    assert card["corpus"]["manifest_sha256"] == load_corpus(tiny_corpus).manifest_sha256
    assert card["corpus"]["audio_sha256"] == load_corpus(tiny_corpus).audio_sha256()
    assert card["command"][:2] == ["drumassist", "train"] and card["seed"] == 3


@pytest.mark.parametrize("content", [b"not a zip", b"PK\x03\x04 truncated"])
@pytest.mark.parametrize("name", [modelio.MODEL_NAME, SKOPS_NAME])
def test_a_damaged_model_file_is_a_model_error(
    model, tmp_path: Path, content: bytes, name: str
) -> None:
    modelio.save_model(model, tmp_path)
    (tmp_path / modelio.MODEL_NAME).unlink()
    (tmp_path / name).write_bytes(content)
    with pytest.raises(ModelError, match=name.replace(".", r"\.")):
        modelio.load_model(tmp_path)


def test_saved_as_arrays_and_predicts_the_same(model, tmp_path: Path) -> None:
    from drumassist.learn.models.forest import CompactForest

    modelio.save_model(model, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [modelio.MODEL_NAME, modelio.CARD_NAME]
    loaded = modelio.load_model(tmp_path)
    assert isinstance(loaded.forest, CompactForest)
    inputs = _inputs(np.random.default_rng(11))
    a, b = model.predict(inputs), loaded.predict(inputs)
    for field in ("gains_db", "low_db", "high_db"):
        assert np.array_equal(getattr(a, field), getattr(b, field))
    assert loaded.describe() == model.describe()


def test_a_missing_card_is_a_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="cannot read the model card"):
        modelio.load_model(tmp_path)
    # A folder not there, or a file, is said so (it was "no such model card").
    with pytest.raises(ModelError, match="nothere: no such folder$"):
        modelio.load_model(tmp_path / "nothere")
    (tmp_path / "card.json").write_text("{}")
    with pytest.raises(ModelError, match="card.json: is a file, not a model folder$"):
        modelio.load_model(tmp_path / "card.json")


def test_evaluate_command_scores_methods(tiny_corpus: Path, tmp_path: Path, capsys) -> None:
    train = ["train", "--corpus", str(tiny_corpus), "--method", "flexible", "--trees", "5"]
    train += ["--out", str(tmp_path / "m")]
    assert main(train) == 0
    capsys.readouterr()
    args = ["evaluate", "--pretrained", "--corpus", str(tiny_corpus), "--json"]
    args += ["--method", "loudness"]
    assert main([*args, "--method", "flexible", "--model", str(tmp_path / "m")]) == 1
    assert "no held-out sessions" in capsys.readouterr().err
    assert (
        main([*args, "--method", "flexible", "--model", str(tmp_path / "m"), "--all-sessions"]) == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert set(doc["scores"]) == {"loudness", "flexible"} and doc["sessions"] == 4
    assert doc["scores"]["flexible"]["tracks"] > 0


def test_evaluate_pretrained_scores_what_is_installed(tiny_corpus: Path, capsys) -> None:
    # --heldout alone is enough, and a method with no installed model (svr ships none,
    # personal needs one learned) is named and left out instead of stopping the rest.
    assert main(["evaluate", "--pretrained", "--heldout", str(tiny_corpus), "--json"]) == 0
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc["sessions"] == 4 and doc["corpus_sha256"] is None
    assert "svr: not scored: no svr model is installed" in err
    assert "personal: not scored" in err
    assert {"levels-gb", "trim", "lasso", "sum", "loudness"} <= set(doc["scores"])
    assert not {"svr", "personal", "default"} & set(doc["scores"])
    assert all(row["tracks"] > 0 for row in doc["scores"].values())
    assert main(["evaluate", "--pretrained"]) == 1
    assert "--corpus or --heldout required" in capsys.readouterr().err


@pytest.mark.slow
def test_train_command_makes_the_default_model_reproducibly(tiny_corpus, tmp_path) -> None:
    from drumassist.learn.data.anchor import anchor_inputs
    from drumassist.learn.models.trim import TrimModel

    args = ["train", "--corpus", str(tiny_corpus), "--seed", "4"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    a, b = modelio.load_model(tmp_path / "a"), modelio.load_model(tmp_path / "b")
    assert isinstance(a, TrimModel) and isinstance(b, TrimModel)
    inputs = anchor_inputs(load_corpus(tiny_corpus).sessions[0].load_multitrack())
    np.testing.assert_array_equal(a.predict(inputs).gains_db, b.predict(inputs).gains_db)
    card = modelio.read_card(tmp_path / "a")
    # The default kind, levels-gb: the trim machinery on each track's own level.
    assert card["method"] == "levels-gb" and card["extractor"]["name"] == "anchor"
    assert a.reference == "m90" and card["reference"] == "m90"
    assert "--trees" not in card["command"] and card["seed"] == 4


def test_a_trim_model_with_other_columns_is_refused(tiny_corpus, tmp_path) -> None:
    assert main(["train", "--corpus", str(tiny_corpus), "--out", str(tmp_path / "m")]) == 0
    card_path = tmp_path / "m" / modelio.CARD_NAME
    card = json.loads(card_path.read_text())
    card["feature_names_sha256"] = "0" * 64
    card_path.write_text(json.dumps(card))
    with pytest.raises(ModelError, match="other input columns"):
        modelio.load_model(tmp_path / "m")
    card["extractor"]["version"] = "99"
    card_path.write_text(json.dumps(card))
    with pytest.raises(ModelError, match="version 99"):
        modelio.load_model(tmp_path / "m")


def test_evaluate_pretrained_scores_each_set_apart_and_says_what_it_is(
    tiny_corpus: Path, tmp_path: Path, capsys
) -> None:
    """`evaluate --pretrained --heldout A --heldout B` pooled the sets into one figure,
    real and simulated together, and took --out without writing anything (found by a
    researcher's trial). Each set is scored apart and named simulated or real."""
    import shutil

    real = tmp_path / "real"
    shutil.copytree(tiny_corpus, real)
    for path in real.rglob("session.json"):  # as `corpus folder` writes a user's sessions
        doc = json.loads(path.read_text())
        path.write_text(json.dumps({**doc, "source": "folder"}))
    args = ["evaluate", "--pretrained", "--heldout", str(tiny_corpus), "--heldout", str(real)]
    assert main([*args, "--method", "sum", "--method", "loudness", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [(s["name"], s["kind"], s["sessions"]) for s in doc["sets"]] == [
        (str(tiny_corpus), "simulated", 4), (str(real), "real", 4),
    ]  # fmt: skip
    assert "scores" not in doc  # no pooled figure
    assert doc["sets"][0]["scores"] == doc["sets"][1]["scores"]  # the same audio
    assert main([*args, "--method", "sum"]) == 0
    text = capsys.readouterr().out
    assert f"4 sessions of {tiny_corpus} (simulated)" in text
    assert f"4 sessions of {real} (real)" in text
    assert main([*args, "--method", "sum", "--out", str(tmp_path / "EV")]) == 1
    assert "--out writes the report of a training run" in capsys.readouterr().err
