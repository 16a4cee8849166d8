"""The evaluation protocol and its report, on corpora rendered from two small kits."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

from drumassist.cli import main
from drumassist.errors import ModelError
from drumassist.learn.corpus import load_corpus, render_corpus
from drumassist.learn.evaluate import protocol as evaluation
from drumassist.learn.evaluate.protocol import evaluate as score_method
from drumassist.learn.evaluate.report import REPORT_NAME, write_report
from drumassist.learn.evaluate.residuals import role_residuals
from drumassist.learn.suggest.baselines import loudness_normalised_gains
from tests.learn.corpus.test_corpus_kit import TINY_INSTRUMENTS, make_kit

# Every test here shares a rendered corpus and trained models (about 30 s in all).
pytestmark = pytest.mark.slow

PNG = b"\x89PNG\r\n\x1a\n"
# A second kit of other samples and balances: another recording group.
OTHER = {name: (vol * 0.7, (f * 1.3, d, n)) for name, (vol, (f, d, n)) in TINY_INSTRUMENTS.items()}


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> tuple[Path, Path]:
    kits = tmp_path_factory.mktemp("kits")
    make_kit(kits, name="TinyKit")
    make_kit(kits, name="OtherKit", instruments=OTHER)
    third = tmp_path_factory.mktemp("third")
    make_kit(third, name="ThirdKit", instruments={k: (v * 0.9, p) for k, (v, p) in OTHER.items()})
    train, test = tmp_path_factory.mktemp("train"), tmp_path_factory.mktemp("test")
    assert len(render_corpus(train, sessions=6, kit_dirs=[kits], seed=1, duration_s=2.0).built)
    assert len(render_corpus(test, sessions=2, kit_dirs=[third], seed=5, duration_s=2.0).built)
    return train, test


@pytest.fixture(scope="module")
def prepared(corpora) -> tuple[list[evaluation.EvalSession], list[evaluation.EvalSession]]:
    train, test = corpora
    return (
        evaluation.prepare(load_corpus(train).sessions),
        evaluation.prepare(load_corpus(test).sessions),
    )


@pytest.fixture(scope="module")
def result(prepared) -> evaluation.Evaluation:
    train, test = prepared
    return evaluation.run(train, {"third": test}, trees={"flexible": 10, "rf-slots": 10})


def test_the_corpus_has_two_groups(prepared) -> None:
    train, _ = prepared
    assert len({s.group for s in train}) == 2


def test_prepared_baselines_score_as_the_methods_do_on_the_audio(corpora, result) -> None:
    # The same score through the slow path: reading each session and running the baseline.
    sessions = load_corpus(corpora[1]).sessions
    slow = score_method(sessions, loudness_normalised_gains)
    fast = result.methods["loudness"].heldout["third"]
    assert fast.r2 == pytest.approx(slow.r2, abs=1e-9)
    assert fast.balance_median_db == pytest.approx(slow.balance_median_db, abs=1e-9)
    assert fast.tracks == slow.tracks > 0


def test_every_method_is_scored_three_ways(result) -> None:
    assert list(result.methods) == [*evaluation.MODEL_KINDS, *evaluation.BASELINES]
    for name, row in result.methods.items():
        assert row.train is not None and row.cross_validated is not None, name
        assert set(row.heldout) == {"third"}
        assert row.heldout["third"].sessions == 2
    assert set(result.models) == set(evaluation.MODEL_KINDS)
    # A baseline is not fitted: its leave-one-group-out score is its score.
    assert result.methods["sum"].cross_validated == result.methods["sum"].train
    assert result.trees == {"flexible": 10, "rf-slots": 10}


def test_cross_validation_never_trains_on_the_group_it_tests(prepared, monkeypatch) -> None:
    train, _ = prepared
    seen: list[set[str]] = []
    real = evaluation.train_kind

    def recording(kind, sessions, **kw):  # records, then trains for real
        seen.append({s.group for s in sessions})
        return real(kind, sessions, **kw)

    monkeypatch.setattr(evaluation, "train_kind", recording)
    scores, per_group = evaluation.cross_validate("lasso", train, seed=0, trees=1)
    groups = {s.group for s in train}
    assert scores is not None and scores.sessions == len(train)
    # Each group's own row holds exactly its sessions, scored by the fold without it.
    assert sorted(per_group) == sorted(groups)
    assert sum(g.sessions for g in per_group.values()) == len(train)
    assert sorted(map(sorted, seen)) == sorted([sorted(groups - {g}) for g in groups])


def test_one_group_cannot_be_cross_validated(prepared) -> None:
    train, _ = prepared
    one = [s for s in train if s.group == train[0].group]
    assert evaluation.cross_validate("lasso", one, seed=0, trees=1) == (None, {})


def test_oob_curve_grows_one_forest(prepared) -> None:
    train, _ = prepared
    data = [s.data for s in train]
    curve = evaluation.oob_curve("rf-slots", data, [10, 20, 40], seed=0)
    assert [n for n, _ in curve] == [10, 20, 40]
    assert all(math.isfinite(err) and err > 0 for _, err in curve)
    with pytest.raises(ModelError, match="not a forest"):
        evaluation.oob_curve("lasso", data, [5])


def test_choose_trees_takes_the_fewest_near_the_best() -> None:
    curve = [(25, 40.0), (50, 34.0), (100, 33.0), (200, 32.1), (400, 32.0), (600, 32.05)]
    assert evaluation.choose_trees(curve) == 200
    assert evaluation.choose_trees(curve, tolerance=0.0) == 400


def test_role_residuals_remove_each_sessions_mean(prepared, result) -> None:
    _, test = prepared
    residuals = role_residuals(test, result.methods["sum"].comparisons["third"])
    total = sum(len(v) for v in residuals.values())
    assert total == result.methods["sum"].heldout["third"].tracks
    assert "kick" in residuals and "snare" in residuals
    # Per session the residuals sum to zero, so over all sessions too.
    assert sum(float(v.sum()) for v in residuals.values()) == pytest.approx(0.0, abs=1e-6)


def test_report_has_the_table_goal_figures_and_importances(prepared, result, tmp_path) -> None:
    _, test = prepared
    curves = {"rf-slots": [(5, 30.0), (10, 28.0)], "flexible": [(5, 9.0), (10, 8.5)]}
    path = write_report(
        tmp_path / "r",
        result,
        heldout={"third": test},
        importance_sessions=test,
        curves=curves,
        corpora={"training corpus": "tiny"},
        command=["drumassist", "evaluate"],
    )
    text = path.read_text()
    assert path.name == REPORT_NAME
    for name in result.methods:
        assert f"| {name}" in text
    assert "| levels-gb (default) |" in text and "| trim |" in text and "0.98 / 0.89" in text
    assert "Trim model, permutation importance per role" in text
    assert "Goal for the default model on **third**" in text
    assert "## Feature importance" in text and "**kick**" in text
    for figure in ("oob-curve.png", "errors-by-role-third.png"):
        assert f"]({figure})" in text
        assert (tmp_path / "r" / figure).read_bytes().startswith(PNG)
    assert not list((tmp_path / "r").glob("*.tmp*"))


def test_report_without_matplotlib_keeps_its_tables(
    prepared, result, tmp_path, monkeypatch
) -> None:
    _, test = prepared
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if not installed
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    monkeypatch.setitem(sys.modules, "matplotlib.backends.backend_agg", None)
    path = write_report(
        tmp_path, result, heldout={"third": test}, importance_sessions=test, curves={},
        corpora={}, command=[],
    )  # fmt: skip
    assert "Figures need matplotlib" in path.read_text()
    assert not list(tmp_path.glob("*.png"))


def test_evaluate_command_writes_the_report_and_json(corpora, tmp_path, capsys) -> None:
    train, test = corpora
    args = ["evaluate", "--corpus", str(train), "--heldout", str(test), "--trees", "5"]
    assert main([*args, "--out", str(tmp_path / "rep"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert set(doc["methods"]) == {*evaluation.MODEL_KINDS, *evaluation.BASELINES}
    assert doc["methods"]["lasso"]["heldout"][test.name]["sessions"] == 2
    assert doc["trees"] == {"flexible": 5, "rf-slots": 5}
    # Every method has a row per training group left out; rendered kits are simulated.
    assert doc["real_groups"] == []
    for row in doc["methods"].values():
        assert sorted(row["group_out"]) == sorted(doc["groups"])
        assert not any(g["real"] for g in row["group_out"].values())
    assert (tmp_path / "rep" / REPORT_NAME).is_file()
    assert main([*args, "--method", "sum", "--method", "loudness"]) == 0
    out = capsys.readouterr().out
    assert "sum" in out and "lasso" not in out
    assert all(f"{g} (simulated)" in out for g in doc["groups"])


def test_evaluate_command_refuses_overlapping_groups_and_bad_options(corpora, capsys) -> None:
    train, _ = corpora
    assert main(["evaluate", "--corpus", str(train), "--heldout", str(train)]) == 1
    assert "shares recording groups" in capsys.readouterr().err
    assert main(["evaluate", "--corpus", str(train), "--trees", "many"]) == 1
    assert "--trees must be a number or auto" in capsys.readouterr().err
    assert main(["evaluate", "--corpus", str(train), "--method", "default"]) == 1
    assert "trains its own models" in capsys.readouterr().err


def test_unknown_kinds_baselines_and_empty_training_are_model_errors(corpora, prepared) -> None:
    train, _ = prepared
    with pytest.raises(ModelError, match="unknown model kind"):
        evaluation.train_kind("gbm", [s.data for s in train], seed=0, trees=1)
    one = load_corpus(corpora[0]).sessions[:1]
    with pytest.raises(ModelError, match="unknown baseline"):
        evaluation.prepare(one, baselines=["magic"])
    with pytest.raises(ModelError, match="no training sessions"):
        evaluation.run([], {})


def test_a_fold_too_small_to_fit_gives_no_test_score(prepared) -> None:
    train, _ = prepared
    groups = sorted({s.group for s in train})
    # Two sessions of one group: leaving the other out leaves LASSO too few to fit.
    few = [s for s in train if s.group == groups[0]][:2] + [
        s for s in train if s.group == groups[1]
    ]
    assert evaluation.cross_validate("lasso", few, seed=0, trees=1) == (None, {})


def test_each_group_left_out_has_its_row_and_real_groups_are_marked(prepared) -> None:
    import dataclasses

    from drumassist.learn.evaluate.groups import group_section

    train, _ = prepared
    groups = sorted({s.group for s in train})
    # Say the second group is a real multi-mic kit, as `corpus render --multimic-kit` does.
    marked = [
        dataclasses.replace(s, source="multimic") if s.group == groups[1] else s for s in train
    ]
    result = evaluation.run(marked, {}, kinds=["levels"], baselines=["sum"])
    assert result.real_groups == {groups[1]}
    for name in ("levels", "sum"):
        per_group = result.methods[name].per_group
        assert sorted(per_group) == groups
        assert sum(s.sessions for s in per_group.values()) == len(train)
    table = [
        line
        for line in group_section(result)
        if line.startswith(f"| {groups[0]}") or line.startswith(f"| {groups[1]}")
    ]
    assert table[0].startswith(f"| {groups[1]} | real |")  # real recordings first
    assert table[1].startswith(f"| {groups[0]} | simulated |")


def test_evaluate_keeps_an_earlier_report_unless_forced(corpora, tmp_path, capsys) -> None:
    train, test = corpora
    rep = tmp_path / "rep"
    rep.mkdir()
    (rep / REPORT_NAME).write_text("an earlier run's report\n")
    (rep / "errors-by-role-gone.png").write_bytes(b"an earlier run's figure")
    (rep / "notes.txt").write_text("the researcher's own file\n")
    args = ["evaluate", "--corpus", str(train), "--heldout", str(test), "--trees", "5"]
    args += ["--method", "levels", "--method", "sum", "--out", str(rep)]
    # Refused before any training, naming the report, and nothing is touched.
    assert main(args) == 1
    err = capsys.readouterr().err
    assert f"{rep / REPORT_NAME} exists" in err and "--force" in err
    assert "reading" not in err
    assert (rep / REPORT_NAME).read_text() == "an earlier run's report\n"
    assert (rep / "errors-by-role-gone.png").exists()
    # --force replaces it; the earlier run's figure goes, the researcher's file stays.
    assert main([*args, "--force"]) == 0
    assert "an earlier run" not in (rep / REPORT_NAME).read_text()
    assert not (rep / "errors-by-role-gone.png").exists()
    assert (rep / "notes.txt").read_text() == "the researcher's own file\n"
    assert sorted(p.name for p in rep.glob("*.png")) == [f"errors-by-role-{test.name}.png"]
    # A file for --out is named as such.
    assert main([*args[:-1], str(rep / "notes.txt")]) == 1
    assert "names a folder for the report, and this is a file" in capsys.readouterr().err


def test_evaluate_refuses_out_where_it_writes_no_report(corpora, tmp_path, capsys) -> None:
    assert main(["evaluate", "--personal", "--out", str(tmp_path / "rep")]) == 1
    assert "not with --personal" in capsys.readouterr().err
    _, test = corpora
    pretrained = ["evaluate", "--pretrained", "--heldout", str(test), "--method", "sum"]
    assert main([*pretrained, "--out", str(tmp_path / "rep")]) == 1
    assert "not with --pretrained" in capsys.readouterr().err
    assert not (tmp_path / "rep").exists()
