"""Suggestions that learn the user's taste: the personal corpus, model and commands.

The simulated user always wants the snare 3 dB up and the hi-hat 2 dB down from what
the default model suggests. Their sessions are real stems in tmp_path (the built-in
demo generator with different seeds), and the default model's suggestions are real.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from drumassist.cli import main
from drumassist.core.demo import write_demo
from drumassist.core.multitrack import Multitrack, load_multitrack
from drumassist.core.personal import corpus_path, read_corpus, record_balance
from drumassist.core.roles import Role
from drumassist.errors import PersonalModelError
from drumassist.learn.evaluate.metrics import balance_error_db
from drumassist.learn.evaluate.personal import leave_one_session_out
from drumassist.learn.models.personal import Example, fit_personal, load_personal, model_path
from drumassist.learn.models.registry import unavailable_reason
from drumassist.learn.suggest.personal import load_examples
from drumassist.learn.suggest.suggestion import suggest

TASTE_DB = {Role.SNARE: 3.0, Role.HIHAT: -2.0}


def taste(multitrack: Multitrack) -> np.ndarray:
    return np.array([TASTE_DB.get(role, 0.0) for role in multitrack.roles])


def users_mix(multitrack: Multitrack) -> np.ndarray:
    """What the simulated user settles on: the default suggestion plus their taste."""
    return np.array(suggest(multitrack, method="default").gains_db) + taste(multitrack)


def session(tmp_path: Path, seed: int) -> Multitrack:
    folder = tmp_path / f"session-{seed}"
    write_demo(folder, seed=seed, duration_s=4.0)
    return load_multitrack(folder)


def record(multitrack: Multitrack, gains_db) -> None:
    record_balance(
        [t.path for t in multitrack.tracks],
        multitrack.names,
        multitrack.roles,
        list(gains_db),
        source="export",
    )


@pytest.fixture(scope="module")
def sessions(tmp_path_factory) -> list[Multitrack]:
    base = tmp_path_factory.mktemp("personal")
    return [session(base, seed) for seed in range(1, 9)]


@pytest.mark.slow
def test_five_sessions_halve_the_balance_error_on_new_sessions(sessions, capsys):
    assert unavailable_reason("personal") is not None  # nothing learned yet
    for multitrack in sessions[:5]:
        record(multitrack, users_mix(multitrack))
    assert len(read_corpus()) == 5
    assert main(["train", "--personal"]) == 0
    assert "(from 5 sessions)" in capsys.readouterr().out
    assert unavailable_reason("personal") is None
    model = load_personal()
    assert model.role_offsets_db["snare"] - model.role_offsets_db["kick"] > 1.5
    for multitrack in sessions[5:]:  # never recorded
        wanted = users_mix(multitrack)
        default = np.array(suggest(multitrack, method="default").gains_db)
        personal = suggest(multitrack, method="personal")
        assert personal.method == "personal"
        assert personal.model is not None and personal.model.startswith("personal (")
        error_default = balance_error_db(wanted, default)
        error_personal = balance_error_db(wanted, np.array(personal.gains_db))
        assert error_default > 1.0
        assert error_personal <= 0.5 * error_default, (error_personal, error_default)


def test_evaluate_leaves_one_session_out(sessions, capsys):
    for multitrack in sessions[:4]:
        record(multitrack, users_mix(multitrack))
    assert main(["evaluate", "--personal", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["sessions"] == 4
    medians = doc["balance_median_db"]
    assert medians["personal"] < 0.6 * medians["default"]
    assert all(s["personal_db"] < s["default_db"] for s in doc["per_session"])
    assert main(["evaluate", "--personal"]) == 0
    assert "leave-one-session-out on 4 sessions" in capsys.readouterr().out


def test_recording_the_same_stems_again_replaces_the_balance(sessions):
    multitrack = sessions[0]
    record(multitrack, np.zeros(len(multitrack.tracks)))
    record(multitrack, np.full(len(multitrack.tracks), -3.0))
    (only,) = read_corpus()
    assert [t.gain_db for t in only.tracks] == [-3.0] * len(multitrack.tracks)
    assert [p.name for p in corpus_path().parent.iterdir()] == ["corpus.json"]


def test_a_changed_stem_is_left_out_with_a_reason(tmp_path):
    multitrack = session(tmp_path, 21)
    record(multitrack, np.zeros(len(multitrack.tracks)))
    changed = multitrack.tracks[0].path
    changed.write_bytes(changed.read_bytes()[:-4] + b"\0\0\0\1")
    loaded = load_examples()
    assert loaded.examples == ()
    assert "has changed since the mix was recorded" in loaded.skipped[0]
    with pytest.raises(PersonalModelError, match="no recorded session can be used"):
        main(["--debug", "train", "--personal"])
    assert not model_path().exists()


def test_a_muted_track_is_left_out_of_the_fit():
    roles = (Role.KICK, Role.SNARE, Role.HIHAT)
    chosen = np.array([0.0, 3.0, np.nan])
    model = fit_personal([Example("a", roles, np.zeros(3), chosen)], shrink_sessions=0.0)
    assert set(model.role_offsets_db) == {"kick", "snare"}
    assert model.offset_db(Role.HIHAT, "close") == 0.0


def _examples(n: int) -> list[Example]:
    roles = (Role.KICK, Role.SNARE, Role.HIHAT, Role.TOM)
    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        default = rng.normal(0, 6, 4)
        chosen = default + np.array([0.0, 3.0, -2.0, 0.0]) + rng.normal(0, 0.01) + 5.0 * i
        out.append(Example(str(i), roles, default, chosen))
    return out


def test_offsets_without_shrinkage_recover_the_taste_up_to_a_level():
    model = fit_personal(_examples(3), shrink_sessions=0.0)
    offsets = model.offsets_db((Role.KICK, Role.SNARE, Role.HIHAT, Role.TOM))
    np.testing.assert_allclose(offsets - offsets[0], [0.0, 3.0, -2.0, 0.0], atol=0.05)


@pytest.mark.parametrize("n", [1, 2, 5, 20])
def test_offsets_shrink_by_n_over_n_plus_k(n):
    model = fit_personal(_examples(n), shrink_sessions=2.0)
    offsets = model.offsets_db((Role.KICK, Role.SNARE, Role.HIHAT, Role.TOM))
    spread = offsets[1] - offsets[2]  # 5 dB of taste between snare and hi-hat
    assert spread == pytest.approx(5.0 * n / (n + 2.0), abs=0.05)


def test_leave_one_out_needs_two_sessions():
    with pytest.raises(PersonalModelError, match="needs two recorded sessions"):
        leave_one_session_out(_examples(1))


def test_a_damaged_corpus_names_the_file():
    path = corpus_path()
    path.parent.mkdir(parents=True)
    path.write_text('{"format": "drumassist-personal-corpus", "version": 1, "sessions": [{}]}')
    with pytest.raises(PersonalModelError, match="corpus.json, session 1: 'tracks' is missing"):
        read_corpus()


def test_a_context_keeps_its_own_deviation_shrunk():
    close = (Role.KICK, Role.SNARE)
    ambient = (Role.KICK, Role.SNARE, Role.OVERHEAD)
    # The snare 4 dB up (relative to the kick) in close-only sessions, 0 dB with overheads.
    examples = [Example(f"c{i}", close, np.zeros(2), np.array([0.0, 4.0])) for i in range(2)]
    examples += [Example(f"a{i}", ambient, np.zeros(3), np.zeros(3)) for i in range(2)]
    model = fit_personal(examples, shrink_sessions=2.0)
    snare_close = model.offset_db(Role.SNARE, "close") - model.offset_db(Role.KICK, "close")
    snare_ambient = model.offset_db(Role.SNARE, "ambient") - model.offset_db(Role.KICK, "ambient")
    assert snare_close > snare_ambient
    assert 0.0 < snare_close < 4.0


def test_the_description_counts_sessions_in_words():
    from drumassist.learn.models.personal import PersonalModel

    one = PersonalModel({"snare": 1.0}, {}, sessions=1, shrink_sessions=2.0)
    assert one.describe() == "snare +1.0 dB (from 1 session)"
    assert PersonalModel({}, {}, sessions=3, shrink_sessions=2.0).describe() == (
        "no corrections (from 3 sessions)"
    )


def test_a_personal_model_of_another_default_asks_to_be_learned_again(sessions):
    """A model saved before levels-gb became the default corrects the trim model: its
    offsets would be added to another model's gains, so suggesting with it says so."""
    for multitrack in sessions[:2]:
        record(multitrack, users_mix(multitrack))
    assert main(["train", "--personal"]) == 0
    doc = json.loads(model_path().read_text())
    assert doc["base_method"] == "levels-gb" == load_personal().base_method
    assert suggest(sessions[2], method="personal").method == "personal"
    doc["base_method"] = "default"  # as every file saved before 2026-12-01 says
    model_path().write_text(json.dumps(doc))
    assert load_personal().base_method == "trim"
    with pytest.raises(PersonalModelError, match="corrects the trim model.*learn again"):
        suggest(sessions[2], method="personal")
    assert main(["train", "--personal"]) == 0  # learning again fixes it
    assert suggest(sessions[2], method="personal").method == "personal"
