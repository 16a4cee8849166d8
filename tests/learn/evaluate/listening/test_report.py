"""The ratings CSV, the report files and ``drumassist listening-report``."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from drumassist.cli import main
from drumassist.errors import ListeningTestError
from drumassist.learn.evaluate.listening.ratings import (
    COLUMNS,
    Rating,
    append_ratings,
    read_ratings,
)
from drumassist.learn.evaluate.listening.report import analyse, ratings_figure, write_report


def _test(listener: str, *, reference: float, good: float, bad: float, seed: int) -> list[Rating]:
    """Ten trials of one listener: reference, a good and a bad method, and the anchor."""
    rng = np.random.default_rng(seed)
    rows = []
    for trial in range(1, 11):
        values = {"reference": reference, "default": good, "loudness": bad, "sum": 30.0}
        order = rng.permutation(len(values)) + 1
        for (method, value), candidate in zip(values.items(), order, strict=True):
            jitter = float(rng.uniform(-5, 5))
            rows.append(
                Rating(
                    f"test-{listener}",
                    "2026-12-01T08:00:00Z",
                    "demo",
                    listener,
                    trial,
                    int(candidate),
                    method,
                    float(np.clip(value + jitter, 0, 100)),
                )
            )
    return rows


@pytest.fixture
def ratings() -> list[Rating]:
    rows = _test("ann", reference=97, good=80, bad=25, seed=1)
    rows += _test("bob", reference=96, good=75, bad=30, seed=2)
    # Cid cannot tell the reference: rated about 60, so screened out.
    rows += _test("cid", reference=60, good=10, bad=95, seed=3)
    return rows


def test_append_and_read_back(tmp_path, ratings):
    path = tmp_path / "listening" / "ratings.csv"
    append_ratings(path, ratings[:10])
    append_ratings(path, ratings[10:])
    assert read_ratings([path]) == ratings
    with path.open() as handle:
        assert tuple(next(csv.reader(handle))) == COLUMNS
    assert [p.name for p in path.parent.iterdir()] == ["ratings.csv"]


def test_analysis_screens_and_finds_the_difference(ratings):
    analysis = analyse(ratings)
    assert analysis.screening.kept == ("ann", "bob")
    assert "hidden reference below 90 in 10 of 10 trials" in analysis.screening.excluded["cid"][0]
    assert all(r.listener != "cid" for r in analysis.kept)
    medians = {m.method: m.median for m in analysis.summaries}
    assert medians["reference"] > medians["default"] > medians["sum"] > medians["loudness"]
    assert analysis.omnibus.df == 3 and analysis.omnibus.p < 1e-6
    pairs = {(t.a, t.b): t for t in analysis.pairs}
    assert pairs["default", "loudness"].p_holm < 0.05


def test_cli_writes_report_and_figure(tmp_path, ratings, capsys):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    append_ratings(first, ratings[:40])
    append_ratings(second, ratings[40:])
    out = tmp_path / "report"
    assert main(["listening-report", str(first), str(second), "--out", str(out)]) == 0
    text = (out / "report.md").read_text()
    assert "| default | 20 |" in text
    assert "H(3) = " in text
    assert "**cid**: excluded; rated the hidden reference below 90 in 10 of 10 trials" in text
    assert "default vs loudness" in text
    png = (out / "ratings.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    assert sorted(p.name for p in out.iterdir()) == ["ratings.png", "report.md"]
    assert "excluded cid" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a,b\n", "expected the header"),
        (",".join(COLUMNS) + "\nt,now,s,ann,1,1,default,101\n", "line 2: rating must be 0 to 100"),
        (",".join(COLUMNS) + "\nt,now,s,ann,x,1,default,50\n", "line 2: trial must be a whole"),
        (",".join(COLUMNS) + "\nt,now,s,ann,1,1,default\n", "line 2: expected 8 fields"),
        (",".join(COLUMNS) + "\nt,now,s,,1,1,default,50\n", "line 2: listener is empty"),
        # A candidate or a method rated twice in one trial (a row copied, two buttons
        # of one mix): accepted, they changed the screening (a researcher's trial).
        (
            ",".join(COLUMNS) + "\nt,now,s,ann,1,1,default,50\nt,now,s,ann,1,1,default,70\n",
            r"line 3: ann rated candidate 1 in trial 1 of test t already \(bad.csv line 2\)",
        ),
        (
            ",".join(COLUMNS) + "\nt,now,s,ann,1,1,default,50\nt,now,s,ann,1,2,default,70\n",
            r"line 3: ann rated method default in trial 1 of test t already",
        ),
    ],
)
def test_bad_ratings_name_file_and_line(tmp_path, content, message, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(ListeningTestError, match=message) as info:
        read_ratings([path])
    assert "bad.csv" in str(info.value)
    assert main(["listening-report", str(path), "--out", str(tmp_path / "out")]) == 1
    assert "bad.csv" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    with pytest.raises(ListeningTestError):
        append_ratings(path, [])  # a damaged file is not appended to
    assert path.read_text() == content


def test_a_ratings_file_given_twice_is_refused(tmp_path, ratings, capsys):
    """The same CSV twice, or a backup copy beside it, doubled every rating: the
    Kruskal-Wallis p fell from 6e-4 to 9e-8 with nothing said (a researcher's trial)."""
    path = tmp_path / "ratings.csv"
    append_ratings(path, ratings)
    copy = tmp_path / "ratings (copy).csv"
    copy.write_bytes(path.read_bytes())
    for given in ([path, path], [path, copy]):
        with pytest.raises(ListeningTestError, match="line 2: ann rated candidate") as info:
            read_ratings(given)
        assert f"{given[1].name} line 2" in str(info.value) and "give each ratings file once" in (
            str(info.value)
        )
    assert main(["listening-report", str(path), str(copy), "--out", str(tmp_path / "o")]) == 1
    assert "already (ratings.csv line 2)" in capsys.readouterr().err
    # A spreadsheet's "CSV UTF-8" (a byte-order mark first) reads as the file it is.
    marked = tmp_path / "excel.csv"
    marked.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert read_ratings([marked]) == ratings


def test_report_into_a_file_fails_cleanly(tmp_path, ratings):
    blocker = tmp_path / "out"
    blocker.write_text("not a folder")
    with pytest.raises(ListeningTestError, match="cannot write the report"):
        write_report(ratings, blocker)
    assert blocker.read_text() == "not a folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_no_ratings_is_an_error(tmp_path):
    with pytest.raises(ListeningTestError, match="no ratings"):
        analyse([])


def test_the_figure_says_when_every_listener_was_excluded(ratings):
    everyone = analyse(ratings)
    assert [t.get_text() for t in ratings_figure(everyone).axes[0].texts] == []
    only_cid = analyse([r for r in ratings if r.listener == "cid"])  # screened out
    assert only_cid.screening.kept == () and only_cid.kept == ()
    (text,) = ratings_figure(only_cid).axes[0].texts
    assert "every listener was excluded" in text.get_text()
