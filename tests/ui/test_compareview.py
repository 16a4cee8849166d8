"""The compare view, driven as a user drives it: open it, click a method, hear it as B.

Real demo stems written to tmp_path, the real window offscreen, real methods run in
the background; the numbers shown are checked against the methods and the metrics
run here, independently of the view.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from drumassist.core.demo import write_demo
from drumassist.core.loudness import integrated_loudness
from drumassist.core.mix import channel_factors, mix, peak_dbfs
from drumassist.core.mixloudness import MixLoudness
from drumassist.core.multitrack import Multitrack
from drumassist.learn.evaluate.compare_table import installed_methods
from drumassist.learn.evaluate.metrics import compare_session, score
from drumassist.learn.models.registry import DEFAULT_METHOD
from drumassist.learn.suggest.suggestion import suggest
from drumassist.ui.compareview import CompareView
from drumassist.ui.mainwindow import MainWindow
from drumassist.ui.settings import open_settings
from tests.ui.gestures import (
    choose_in_combo,
    click_menu,
    drag_header_to,
    type_file_name,
    when_dialog,
)

TIMEOUT_MS = 120000
DURATION_S = 4.0
#: Faders of the reference mix, in the demo folder's (file-name) track order.
KNOWN_DB = (-9.0, -1.0, -7.0, -6.0, -2.5, -4.0, -5.0, -3.5)


@pytest.fixture
def window(qtbot, tmp_path):
    folder = tmp_path / "demo"
    write_demo(folder, duration_s=DURATION_S)
    win = MainWindow(settings=open_settings())
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    with qtbot.waitSignal(win.multitrack_loaded, timeout=TIMEOUT_MS):
        win.open_stems([folder])
    yield win
    if win.document is not None:
        win.document.undo_stack.setClean()  # no save prompt when the test closes it
    win.close()
    win.deleteLater()


def open_view(window: MainWindow, qtbot, progress: list[int] | None = None) -> CompareView:
    """Click the window's Compare button and wait for every method's balance.

    ``progress`` collects the progress bar's values as they are shown.
    """
    QTest.mouseClick(window.compare_button, Qt.MouseButton.LeftButton)
    views = window.findChildren(CompareView)
    assert len(views) == 1 and views[0].isVisible()
    view = views[0]
    assert view.progress.isVisible() and view.cancel_button.isVisible()
    if progress is not None:
        view.progress.valueChanged.connect(progress.append)
    qtbot.waitUntil(lambda: bool(view.rows) and not view.busy, timeout=TIMEOUT_MS)
    return view


def click_row(view: CompareView, label: str) -> None:
    """Click the first track's cell of the row labelled ``label``."""
    table = view.table
    rows = [table.item(r, 0).text() for r in range(table.rowCount())]
    column = table.columnCount() - len(view.document.multitrack.names)
    rect = table.visualItemRect(table.item(rows.index(label), column))
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def track_headers(view: CompareView) -> list[str]:
    """The table's track column headers, left to right."""
    table = view.table
    first = table.columnCount() - len(view.document.multitrack.names)
    return [table.horizontalHeaderItem(c).text() for c in range(first, table.columnCount())]


def strip_order(window: MainWindow) -> list[str]:
    """The loaded tracks' strips as they stand in the window, left to right."""
    return [n for n in window.mixer.visible_order() if n in window.document.multitrack.names]


def in_strip_order(window: MainWindow, values) -> list:
    """``values`` (one per track, in the multitrack's order) in the strips' order."""
    names = window.document.multitrack.names
    return [values[names.index(n)] for n in strip_order(window)]


def track_cells(view: CompareView, row: int) -> list[str]:
    table = view.table
    first = table.columnCount() - len(view.document.multitrack.names)
    return [table.item(row, c).text().split("\n")[0] for c in range(first, table.columnCount())]


def expected_suggestions(multitrack: Multitrack) -> dict[str, tuple[float, ...]]:
    meter = MixLoudness(multitrack)
    return {m: suggest(multitrack, method=m, meter=meter).gains_db for m in installed_methods()}


def b_gains_db(window: MainWindow, method_db) -> np.ndarray:
    """B's gains in the published playback state, given that it plays ``method_db``.

    Checks that every track of B is the method's gain plus one common offset, and
    returns the method's gains plus that offset.
    """
    doc = window.document
    state = window.player.engine.state
    unit = channel_factors(doc.multitrack, method_db, pans=doc.pans(), stereo=True)
    heard = unit[:, 0, 0] > 0
    ratio = state.factors_b[heard, 0, 0] / unit[heard, 0, 0]
    assert ratio == pytest.approx(np.full(ratio.size, ratio[0]), rel=1e-5)
    assert state.factors_b[~heard].max(initial=0.0) == 0.0
    return np.asarray(method_db) + 20.0 * math.log10(float(ratio[0]))


def test_open_button_shows_every_installed_method(window, qtbot):
    steps: list[int] = []
    view = open_view(window, qtbot, steps)
    expected = expected_suggestions(window.document.multitrack)
    labels = [r.label for r in view.rows]
    assert labels == [f"{m} (default)" if m == DEFAULT_METHOD else m for m in expected]
    assert view.table.rowCount() == len(expected)
    # Columns in the window's strip order (by role), not the files' order.
    assert strip_order(window) == [
        "kick", "snare", "hi-hat", "tom_1", "tom_2", "tom_3", "overhead_L", "overhead_R"
    ]  # fmt: skip
    assert track_headers(view) == strip_order(window)
    for r, gains in enumerate(expected.values()):
        cells = track_cells(view, r)
        shown = in_strip_order(window, gains)
        assert cells == [f"{g:+.1f}" if math.isfinite(g) else "off" for g in shown]
    # Every method has bars in the chart; the models that give ranges have error bars.
    assert set(view.chart.bars) == set(range(len(expected)))
    ranged = {i for i, row in enumerate(view.rows) if row.has_range}
    assert ranged and set(view.chart.ranges) == ranged
    assert not view.progress.isVisible() and not view.cancel_button.isVisible()
    assert len(set(steps)) >= len(expected) and steps == sorted(steps) and steps[-1] == 100
    # Without a reference mix there is no score column.
    headers = [view.table.horizontalHeaderItem(c).text() for c in range(view.table.columnCount())]
    assert "Balance error (dB)" not in headers


def test_columns_and_bars_follow_a_dragged_strip(window, qtbot):
    view = open_view(window, qtbot)
    drag_header_to(window, "overhead_R", "kick", x_fraction=0.2)
    order = strip_order(window)
    assert order[:2] == ["overhead_R", "kick"]
    # The open view follows the drag: headers, cells and bars, without computing again.
    assert not view.busy
    assert track_headers(view) == order
    names = window.document.multitrack.names
    for r, row in enumerate(view.rows):
        gains = in_strip_order(window, row.suggestion.gains_db)
        assert track_cells(view, r) == [f"{g:+.1f}" if math.isfinite(g) else "off" for g in gains]
        bars = view.chart.bars[r].opts["y1"]
        floor = float(view.chart.bars[r].opts["y0"])
        np.testing.assert_allclose(bars, [max(g, floor) for g in gains])
        x_oh, _ = view.chart.bar_centre(r, names.index("overhead_R"))
        x_kick, _ = view.chart.bar_centre(r, names.index("kick"))
        assert x_oh < x_kick  # the overhead's bar now stands left of the kick's
    # Edit ▸ Undo in the window (the view keeps the focus) puts the strip, and its column, back.
    click_menu(window, "Edit", "Undo")
    assert strip_order(window)[0] == "kick" and track_headers(view) == strip_order(window)


@pytest.mark.slow  # a second Python runs every method again
def test_the_view_shows_what_drumassist_compare_prints(window, qtbot, tmp_path):
    view = open_view(window, qtbot)
    folder = tmp_path / "demo"
    proc = subprocess.run(
        [sys.executable, "-m", "drumassist", "compare", str(folder), "--json"],
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    cli = {m["method"]: m for m in json.loads(proc.stdout)["methods"]}
    # The CLI lists "default" besides the default model's method; the view once.
    assert set(cli) - {"default"} == {r.method for r in view.rows}
    for row in view.rows:
        for field in ("gains_db", "low_db", "high_db"):
            shown = [
                round(g, 3) if math.isfinite(g) else None for g in getattr(row.suggestion, field)
            ]
            assert shown == pytest.approx(cli[row.method][field], abs=2e-3)


def test_clicking_a_row_plays_it_as_b_loudness_matched(window, qtbot, tmp_path):
    view = open_view(window, qtbot)
    doc = window.document
    for method in ("loudness", DEFAULT_METHOD):
        label = f"{method} (default)" if method == DEFAULT_METHOD else method
        click_row(view, label)
        row = next(r for r in view.rows if r.label == label)
        assert doc.suggestion is row.suggestion
        state = window.player.engine.state
        assert state.use_b
        assert window.transport.b_button.isChecked()
        assert window.method_box.currentData() == method
        assert view.status.text().startswith(f"B: {label}")
        gains_b = b_gains_db(window, row.suggestion.gains_db)
        # Loudness-matched: B's mix measures what the user's mix A measures.
        loud_a = integrated_loudness(
            mix(doc.multitrack, doc.gains_a(), pans=doc.pans(), stereo=True), 44100
        )
        loud_b = integrated_loudness(
            mix(doc.multitrack, gains_b, pans=doc.pans(), stereo=True), 44100
        )
        assert loud_b == pytest.approx(loud_a, abs=0.05)
        assert view.chart.bars[view.rows.index(row)].opts["pen"].widthF() == 2
    # The arrow keys step through the methods, each heard as B in turn.
    current = view.table.selectionModel().selectedRows()[0].row()
    QTest.keyClick(view.table, Qt.Key.Key_Down)
    assert doc.suggestion is view.rows[current + 1].suggestion
    b_gains_db(window, view.rows[current + 1].suggestion.gains_db)
    view.grab().save(str(tmp_path / "compare.png"))


def test_switching_methods_while_b_plays_is_ramped(window, qtbot):
    """From one method to the next, the callback crossfades over one block: no click.

    No sound card here, so the test plays by handing the engine the published state
    with ``playing`` set, and calls the callback with a buffer, as the stream would.
    """
    view = open_view(window, qtbot)
    engine = window.player.engine
    block = 512
    out = np.zeros((block, 2), dtype=np.float32)

    def play_block(seek_to: int | None = None) -> np.ndarray:
        state = replace(engine.state, playing=True)
        if seek_to is not None:  # into the groove: the demo starts with a moment of silence
            state = replace(state, seek_to=seek_to, seek_serial=engine.seek_serial + 1)
        engine.state = state
        engine.callback(out, block, None, None)
        return out.copy()

    tracks = [t.audio[:, 0] for t in window.document.multitrack.tracks]

    def mix_of(factors: np.ndarray, start: int) -> np.ndarray:
        return sum(
            a[start : start + block, None] * f[0] for a, f in zip(tracks, factors, strict=True)
        )

    click_row(view, "sum")
    play_block(seek_to=engine.frames // 2)
    old = engine.state.factors_b
    click_row(view, "loudness")
    new = engine.state.factors_b
    assert not np.allclose(old, new)
    start = engine.position
    heard = play_block()
    ramp = (np.arange(1, block + 1, dtype=np.float64) / block)[:, None]
    expected = mix_of(old, start) * (1 - ramp) + mix_of(new, start) * ramp
    np.testing.assert_allclose(heard, expected, atol=1e-5)
    assert np.abs(heard - mix_of(new, start)).max() > 1e-3  # a jump, had it not been ramped
    # The next block is the new method alone.
    start = engine.position
    np.testing.assert_allclose(play_block(), mix_of(new, start), atol=1e-5)


def test_clicking_a_bar_plays_that_method(window, qtbot):
    view = open_view(window, qtbot)
    row = next(i for i, r in enumerate(view.rows) if r.method == "sum")
    chart = view.chart
    x, y = chart.bar_centre(row, track=1)  # the snare (second in file and strip order)
    scene = chart.plotItem.vb.mapViewToScene(QPointF(x, y))
    pos = chart.mapFromScene(scene)
    QTest.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert view.table.selectionModel().selectedRows()[0].row() == row
    assert window.document.suggestion.method == "sum"
    assert window.player.engine.state.use_b
    b_gains_db(window, view.rows[row].suggestion.gains_db)


def test_balance_error_column_against_a_reference_mix(window, qtbot, tmp_path):
    multitrack = window.document.multitrack
    audio = mix(multitrack, KNOWN_DB)
    assert peak_dbfs(audio) < 0.0
    reference = tmp_path / "mixes" / "engineer.wav"
    reference.parent.mkdir()
    sf.write(str(reference), audio, multitrack.sample_rate, subtype="FLOAT")
    with qtbot.waitSignal(window.suggestion_ready, timeout=TIMEOUT_MS):
        window.load_reference(reference)  # what Playback ▸ Load reference mix… does
    view = open_view(window, qtbot)
    table = view.table
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert headers[:3] == ["Method", "Balance error (dB)", "R²"]
    assert table.item(0, 0).text() == "reference: engineer.wav"
    # The reference's row is the known balance (up to the loudness offset).
    ref_db = np.array(view.rows[0].suggestion.gains_db)
    np.testing.assert_allclose(ref_db - ref_db[0], np.subtract(KNOWN_DB, KNOWN_DB[0]), atol=0.01)
    meter = MixLoudness(multitrack)
    expected = expected_suggestions(multitrack)
    for r, (method, gains) in enumerate(expected.items(), start=1):
        truth = score([compare_session(meter, KNOWN_DB, gains)])
        assert view.rows[r].method == method
        assert float(table.item(r, 1).text()) == pytest.approx(truth.balance_median_db, abs=0.011)
        assert float(table.item(r, 2).text()) == pytest.approx(truth.r2, abs=0.002)
    best = min(range(1, table.rowCount()), key=lambda r: float(table.item(r, 1).text()))
    assert table.item(best, 1).font().bold()


def test_loading_a_reference_while_the_view_is_open_adds_the_scores(window, qtbot, tmp_path):
    view = open_view(window, qtbot)
    assert view.table.horizontalHeaderItem(1).text() != "Balance error (dB)"
    reference = tmp_path / "mix.wav"
    audio = mix(window.document.multitrack, KNOWN_DB)
    sf.write(str(reference), audio, window.document.multitrack.sample_rate, subtype="FLOAT")
    window.load_reference(reference)
    qtbot.waitUntil(
        lambda: not view.busy and bool(view.rows) and view.rows[0].is_reference,
        timeout=TIMEOUT_MS,
    )
    assert view.reference == reference
    assert view.table.horizontalHeaderItem(1).text() == "Balance error (dB)"
    assert all(math.isfinite(r.balance_error_db) for r in view.rows[1:])


def test_cancel_stops_the_comparison(window, qtbot):
    QTest.mouseClick(window.compare_button, Qt.MouseButton.LeftButton)
    view = window.findChild(CompareView)
    assert view.busy and view.cancel_button.isVisible()
    QTest.mouseClick(view.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.busy, timeout=TIMEOUT_MS)
    assert view.status.text() == "Comparison cancelled"
    assert view.rows == () and view.table.rowCount() == 0
    assert not view.cancel_button.isVisible()
    # Opening it again computes what was cancelled.
    QTest.mouseClick(window.compare_button, Qt.MouseButton.LeftButton)
    assert view.busy
    qtbot.waitUntil(lambda: bool(view.rows), timeout=TIMEOUT_MS)


def test_recompute_keeps_the_method_being_heard_marked(window, qtbot):
    view = open_view(window, qtbot)
    click_row(view, "lasso")
    heard = window.document.suggestion
    QTest.mouseClick(view.recompute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.busy, timeout=TIMEOUT_MS)
    row = view.table.selectionModel().selectedRows()[0].row()
    assert view.rows[row].label == "lasso"
    assert window.document.suggestion is heard  # not auditioned again by the refill
    assert view.chart.bars[row].opts["pen"].widthF() == 2


def test_an_unreadable_reference_is_left_out_and_reported(window, qtbot, tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_text("not audio")
    window.load_reference(bad)  # what Playback ▸ Load reference mix… does; it fails there too
    qtbot.waitUntil(window.error_label.isVisible, timeout=TIMEOUT_MS)
    QTest.mouseClick(window.compare_button, Qt.MouseButton.LeftButton)
    view = window.findChild(CompareView)
    qtbot.waitUntil(lambda: not view.busy and bool(view.rows), timeout=TIMEOUT_MS)
    # The methods are still compared, without the scores, and the view says why.
    assert "Reference mix left out: broken.wav: cannot read audio" in view.status.text()
    assert not any(r.is_reference for r in view.rows)
    assert [r.method for r in view.rows] == list(installed_methods())
    assert view.recompute_button.isEnabled()


def test_opening_other_stems_closes_the_view(window, qtbot, tmp_path):
    view = open_view(window, qtbot)
    folder = tmp_path / "other"
    write_demo(folder, duration_s=2.0, seed=1)
    with qtbot.waitSignal(window.multitrack_loaded, timeout=TIMEOUT_MS):
        window.open_stems([folder])
    qtbot.waitUntil(lambda: not window.findChildren(CompareView), timeout=5000)
    del view
    assert window.reference_path is None


def test_the_row_marked_is_what_b_plays_after_a_reference_or_a_suggestion(window, qtbot, tmp_path):
    view = open_view(window, qtbot)
    click_row(view, "lasso")
    assert window.document.suggestion.method == "lasso"
    reference = tmp_path / "mix.wav"
    audio = mix(window.document.multitrack, KNOWN_DB)
    sf.write(str(reference), audio, window.document.multitrack.sample_rate, subtype="FLOAT")
    when_dialog(type_file_name(reference))
    click_menu(window, "Playback", "Load reference mix…")
    qtbot.waitUntil(
        lambda: window.document.suggestion.method == "reference: mix.wav", timeout=TIMEOUT_MS
    )
    qtbot.waitUntil(
        lambda: not view.busy and bool(view.rows) and view.rows[0].is_reference,
        timeout=TIMEOUT_MS,
    )
    # B is the reference's balance now, so its row is marked, not lasso's.
    selected = view.table.selectionModel().selectedRows()
    assert [view.rows[s.row()].label for s in selected] == ["reference: mix.wav"]
    # Suggest balance in the window with another method: the view follows B there too.
    choose_in_combo(window.method_box, "trim")
    with qtbot.waitSignal(window.suggestion_ready, timeout=TIMEOUT_MS):
        QTest.mouseClick(window.suggest_bar.suggest_button, Qt.MouseButton.LeftButton)
    selected = view.table.selectionModel().selectedRows()
    assert [view.rows[s.row()].label for s in selected] == ["trim"]
    assert view.chart.bars[selected[0].row()].opts["pen"].widthF() == 2
    assert window.document.suggestion.method == "trim"  # marking did not audition anything


def test_the_view_fits_the_screen_it_opens_on(window, qtbot):
    # The offscreen screen is 800 x 600, smaller than the view's preferred 1100 x 720.
    view = open_view(window, qtbot)
    room = view.screen().availableGeometry()
    assert room.width() < 1100 or room.height() < 720  # else this checks nothing
    assert view.width() <= room.width() and view.height() <= room.height()
    assert view.table.rowCount() == len(view.rows) > 0


def test_a_saved_session_keeps_the_reference_mix_compare_scores_against(window, qtbot, tmp_path):
    """Found by a new-user trial: the B marks came back, but Compare had no reference row,
    and the user had to load the reference again every time."""
    from tests.ui.gestures import drop
    from tests.ui.test_personal_window import save_session_by_menu

    multitrack = window.document.multitrack
    reference = tmp_path / "mixes" / "engineer.wav"
    reference.parent.mkdir()
    sf.write(str(reference), mix(multitrack, KNOWN_DB), multitrack.sample_rate, subtype="FLOAT")
    when_dialog(type_file_name(reference))
    with qtbot.waitSignal(window.suggestion_ready, timeout=TIMEOUT_MS):
        click_menu(window, "Playback", "Load reference mix…")
    session = tmp_path / "demo" / "song.drumassist"
    save_session_by_menu(window, session)
    assert json.loads(session.read_text())["reference"] == {"path": str(reference)}
    other = tmp_path / "other"
    write_demo(other, duration_s=2.0, seed=1)
    with qtbot.waitSignal(window.multitrack_loaded, timeout=TIMEOUT_MS):
        drop(window, [other])
    assert window.reference_path is None  # other stems, no reference
    with qtbot.waitSignal(window.multitrack_loaded, timeout=TIMEOUT_MS):
        drop(window, [session])
    assert window.reference_path == reference
    view = open_view(window, qtbot)
    assert view.rows[0].is_reference and view.rows[0].label == "reference: engineer.wav"
    assert view.table.horizontalHeaderItem(1).text() == "Balance error (dB)"
    view.close()
    # The reference gone: the session opens, says so, and saving keeps it.
    reference.unlink()
    with qtbot.waitSignal(window.multitrack_loaded, timeout=TIMEOUT_MS):
        drop(window, [session])
    assert window.reference_path is None
    assert "The reference mix engineer.wav is missing" in window.error_label.text()
    click_menu(window, "File", "Save session")
    assert json.loads(session.read_text())["reference"] == {"path": str(reference)}
