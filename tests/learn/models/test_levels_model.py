"""The levels model: learned per-kind offsets on one level measure, saved as JSON."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from drumassist.errors import ModelError
from drumassist.learn.corpus import load_corpus
from drumassist.learn.data.anchor import LEVELS, level_inputs
from drumassist.learn.models.levels import (
    LEVELS_NAME,
    LevelsModel,
    load_levels,
    save_levels,
    train_levels,
)
from drumassist.learn.models.persist import load_model, save_model

M90 = LEVELS.index("m90")


def _item(kinds: list[str], m90_db: list[float], target_db: list[float]):
    levels = np.zeros((len(kinds), len(LEVELS)))
    levels[:, M90] = m90_db
    return kinds, levels, np.array(target_db)


def test_offsets_are_learned_per_kind_with_the_session_level_taken_out() -> None:
    # Each session: a trim per track; the "engineer" puts the kick 4 dB over the snare.
    rng = np.random.default_rng(0)
    items = []
    for _ in range(20):
        trims = rng.uniform(-10, 10, 3)
        session = rng.uniform(-6, 6)  # an arbitrary level per session
        m90 = [-20 + trims[0], -22 + trims[1], -30 + trims[2]]
        balance = np.array([4.0, 0.0, -3.0])  # kick, snare, hi-hat over their own level
        target = list(balance - np.array(m90) + session)
        items.append(_item(["kick", "snare", "hi-hat"], m90, target))
    model = train_levels(items)
    offsets = model.offsets
    assert offsets["kick"] - offsets["snare"] == pytest.approx(4.0, abs=1e-6)
    assert offsets["hi-hat"] - offsets["snare"] == pytest.approx(-3.0, abs=1e-6)
    kinds, levels, target = items[0]
    gains = model.predict_levels(kinds, levels).gains_db
    np.testing.assert_allclose(gains - gains.mean(), target - target.mean(), atol=1e-6)


def test_silent_tracks_are_muted_and_unknown_kinds_get_no_offset() -> None:
    model = LevelsModel("m90", {"kick": 2.0}, {"kick": -1.0}, {"kick": 1.5})
    kinds, levels, _ = _item(["kick", "cowbell", "snare"], [-20.0, -30.0, -math.inf], [0, 0, 0])
    prediction = model.predict_levels(kinds, levels)
    assert prediction.gains_db[0] == pytest.approx(22.0)
    assert prediction.gains_db[1] == pytest.approx(30.0)
    assert prediction.gains_db[2] == -math.inf
    assert prediction.low_db[0] == pytest.approx(21.0) and prediction.high_db[0] == 23.5
    assert prediction.low_db[1] < prediction.gains_db[1] < prediction.high_db[1]


def test_training_on_a_rendered_corpus_saves_and_loads(tiny_corpus: Path, tmp_path: Path) -> None:
    items = []
    for session in load_corpus(tiny_corpus).sessions:
        multitrack = session.load_multitrack()
        kinds, levels = level_inputs(multitrack)
        gains = session.target_gains_db
        target = np.array([math.nan if gains[n] is None else gains[n] for n in multitrack.names])
        items.append((kinds, levels, target))
    model = train_levels(items)
    folder = save_model(model, tmp_path / "levels")
    loaded = load_model(folder)
    assert loaded == model
    kinds, levels, _ = items[0]
    np.testing.assert_array_equal(
        loaded.predict_levels(kinds, levels).gains_db, model.predict_levels(kinds, levels).gains_db
    )
    assert (folder / LEVELS_NAME).stat().st_size < 4000  # a few hundred bytes of JSON


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "other"}, "not a drumassist-levels file"),
        ({"version": 9}, "version 9"),
        ({"measure": "loudest"}, "unknown level measure"),
        ({"offsets": {"kick": "loud"}}, "'offsets' must map kinds to numbers"),
        ({"low_db": [1, 2]}, "'low_db' must map kinds to numbers"),
    ],
)
def test_a_malformed_levels_file_is_refused(tmp_path: Path, change: dict, message: str) -> None:
    path = save_levels(LevelsModel("m90", {"kick": 1.0}, {}, {}), tmp_path)
    doc = json.loads(path.read_text())
    doc.update(change)
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelError, match=message) as info:
        load_levels(tmp_path)
    assert LEVELS_NAME in str(info.value)


def test_an_unknown_measure_is_refused_at_training() -> None:
    with pytest.raises(ModelError, match="unknown level measure"):
        train_levels([_item(["kick"], [-20.0], [0.0])], measure="loudest")


def test_predicting_needs_no_scikit_learn(tmp_path: Path) -> None:
    save_levels(LevelsModel("m90", {"kick": 1.0}, {}, {}), tmp_path)
    code = (
        "import sys, numpy as np\n"
        "from drumassist.learn.models.levels import load_levels\n"
        "from drumassist.learn.data.anchor import LEVELS\n"
        f"m = load_levels({str(tmp_path)!r})\n"
        "m.predict_levels(['kick'], np.zeros((1, len(LEVELS))))\n"
        "print('sklearn' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_folder_that_cannot_be_written_is_a_model_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the model folder should be", encoding="utf-8")
    with pytest.raises(ModelError, match="not-a-folder.*cannot write the levels model"):
        save_levels(LevelsModel("m90", {"kick": 1.0}, {}, {}), blocker / "model")
