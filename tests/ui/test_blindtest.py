"""The blind listening test and its results view, driven through their widgets.

Playback is checked on the player's published state (what the audio callback reads):
the test machine has no sound card, so Play is not pressed here; tests/audio covers
the callback's ramped switches and a real stream on the null device.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from drumassist.core.mix import channel_factors, mix
from drumassist.learn.evaluate.listening.ratings import (
    COLUMNS,
    Rating,
    append_ratings,
    ratings_path,
)
from drumassist.ui.mainwindow import MainWindow
from drumassist.ui.settings import open_settings
from tests.ui.gestures import choose_in_combo, click_menu, type_file_name, when_dialog

TIMEOUT_MS = 60000


def open_window(qtbot) -> MainWindow:
    win = MainWindow(settings=open_settings())
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


def close_window(win: MainWindow) -> None:
    if win.document is not None:
        win.document.undo_stack.setClean()
    win.close()
    win.deleteLater()


def drop_folder(window: MainWindow, qtbot, folder: Path) -> None:
    """Drag a stem folder over the window and drop it, as a file manager does."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    args = (
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QApplication.sendEvent(window, QDragEnterEvent(QPoint(50, 50), *args))
    with qtbot.waitSignal(window.multitrack_loaded, timeout=TIMEOUT_MS):
        QApplication.sendEvent(window, QDropEvent(QPointF(50, 50), *args))


@pytest.fixture
def window(qtbot):
    win = open_window(qtbot)
    yield win
    close_window(win)


@pytest.fixture
def loaded(window, qtbot, make_stems, drum_arrays):
    drop_folder(window, qtbot, make_stems(drum_arrays))
    return window


def click(widget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def published_b(window) -> np.ndarray:
    state = window.player.engine.state
    assert state.use_b
    return state.factors_b


def factors_of(window, gains) -> np.ndarray:
    doc = window.document
    return channel_factors(
        doc.multitrack, gains, pans=doc.pans(), mutes=~doc.audible(), stereo=True
    ).astype(np.float32)


def start_test(window, qtbot, *, listener: str, trials: int):
    window.blind_seed = 3  # a fixed shuffle, so the run is reproducible
    click_menu(window, "Listen", "Blind test…")
    setup = window.blind_setup
    qtbot.waitExposed(setup)
    box = setup.boxes["loudness"]  # add a baseline to the default and my balance
    QTest.mouseClick(
        box, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(8, box.height() // 2)
    )
    assert box.isChecked()
    setup.listener.clear()
    QTest.keyClicks(setup.listener, listener)
    setup.trials.selectAll()
    QTest.keyClicks(setup.trials, str(trials))
    assert not setup.boxes["sum"].isEnabled() and setup.boxes["sum"].isChecked()
    assert not setup.boxes["reference"].isEnabled()  # no reference mix loaded
    click(setup.buttons.button(QDialogButtonBox.StandardButton.Ok))
    qtbot.waitUntil(lambda: hasattr(window, "blind_dialog"), timeout=TIMEOUT_MS)
    dialog = window.blind_dialog
    qtbot.waitExposed(dialog)
    return dialog


def test_blind_test_switches_rates_and_saves(loaded, qtbot, tmp_path):
    window = loaded
    window.player.set_loop((0.5, 2.0))
    dialog = start_test(window, qtbot, listener="ann", trials=2)
    test = dialog.test
    assert set(test.candidates) == {"mine", "default", "loudness", "sum"}
    # Every candidate at the loudness of my own mix.
    doc = window.document
    target = doc.meter.loudness(doc.gains_a(), pans=doc.pans(), stereo=True)
    for gains in test.candidates.values():
        assert doc.meter.loudness(gains, pans=doc.pans(), stereo=True) == pytest.approx(
            target, abs=0.01
        )
    # Candidate 1 plays from the start; the names are nowhere on screen.
    np.testing.assert_allclose(published_b(window), factors_of(window, test.gains_of(0, 0)))
    assert [b.text() for b in dialog.buttons] == ["1", "2", "3", "4"]
    serial = window.player.engine.state.seek_serial
    QTest.keyClick(dialog, Qt.Key.Key_2)
    assert dialog.buttons[1].isChecked()
    np.testing.assert_allclose(published_b(window), factors_of(window, test.gains_of(0, 1)))
    state = window.player.engine.state
    assert state.seek_serial == serial  # no seek: the same play position
    assert state.loop == (int(0.5 * 44100), int(2.0 * 44100))  # loop region kept
    focused = QApplication.focusWidget()
    assert focused is dialog.sliders[1]
    for _ in range(3):
        QTest.keyClick(focused, Qt.Key.Key_Up)
    QTest.keyClick(focused, Qt.Key.Key_PageUp)
    assert dialog.sliders[1].value() == 63 and dialog.values[1].text() == "63"
    click(dialog.buttons[3])
    np.testing.assert_allclose(published_b(window), factors_of(window, test.gains_of(0, 3)))
    QTest.keyClick(dialog.sliders[3], Qt.Key.Key_Down)
    QTest.keyClick(dialog, Qt.Key.Key_9)  # no ninth candidate: nothing happens
    assert dialog.buttons[3].isChecked()
    assert dialog.next_button.text() == "Next trial"
    # A slider nobody moved is no rating: Next asks for mixes 1 and 3 and goes to 1.
    click(dialog.next_button)
    assert dialog.title.text() == "Trial 1 of 2: rate every mix first (not yet: 1, 3)"
    assert dialog.buttons[0].isChecked()
    QTest.keyClick(dialog.sliders[0], Qt.Key.Key_Up)
    QTest.keyClick(dialog.sliders[0], Qt.Key.Key_Down)  # a 50 the listener chose
    QTest.keyClick(dialog.sliders[2], Qt.Key.Key_Home)  # 0
    click(dialog.next_button)
    assert dialog.title.text() == "Trial 2 of 2" and dialog.next_button.text() == "Finish"
    assert [s.value() for s in dialog.sliders] == [50] * 4
    np.testing.assert_allclose(published_b(window), factors_of(window, test.gains_of(1, 0)))
    QTest.keyClick(dialog.sliders[0], Qt.Key.Key_End)  # 100
    for i in (1, 2, 3):
        QTest.keyClick(dialog.sliders[i], Qt.Key.Key_Up)  # 51
    click(dialog.next_button)
    assert window.player.audition_db is None
    assert not window.player.engine.state.use_b  # back to my mix A
    with ratings_path().open() as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == COLUMNS and len(rows) == 8
    got = {(int(r["trial"]), int(r["candidate"])): (r["method"], float(r["rating"])) for r in rows}
    assert got[1, 2] == (test.orders[0][1], 63.0)
    assert got[1, 4] == (test.orders[0][3], 49.0)
    assert got[2, 1] == (test.orders[1][0], 100.0)
    assert got[1, 1][1] == 50.0
    assert {r["listener"] for r in rows} == {"ann"} and {r["session"] for r in rows} == {"stems"}
    assert sorted(m for (t, _c), (m, _r) in got.items() if t == 2) == sorted(test.candidates)
    results = window.results_dialog
    qtbot.waitExposed(results)
    assert results.analysis is not None and not results.figure.pixmap().isNull()
    results.grab().save(str(tmp_path / "results.png"))


def test_cancel_saves_nothing_and_ends_the_audition(loaded, qtbot):
    dialog = start_test(loaded, qtbot, listener="bob", trials=1)
    assert loaded.player.audition_db is not None
    QTest.keyClick(dialog, Qt.Key.Key_Escape)
    assert loaded.player.audition_db is None
    assert not ratings_path().exists()


def _rating(listener, trial, method, value) -> Rating:
    candidate = ("reference", "default", "sum").index(method) + 1  # one button per mix
    return Rating(
        "t-" + listener, "2026-12-01T08:00:00Z", "demo", listener, trial, candidate, method, value
    )


def test_results_view_says_who_was_screened_out(window, qtbot, tmp_path):
    rows = []
    for trial in range(1, 5):
        for listener, ref in (("ann", 95.0), ("bob", 96.0), ("cid", 40.0)):
            rows += [
                _rating(listener, trial, "reference", ref),
                _rating(listener, trial, "default", 70.0 + trial),
                _rating(listener, trial, "sum", 20.0 + trial),
            ]
    append_ratings(ratings_path(), rows)
    click_menu(window, "Listen", "Test results…")
    dialog = window.results_dialog
    qtbot.waitExposed(dialog)
    text = dialog.text.toPlainText()
    assert "cid: excluded; rated the hidden reference below 90 in 4 of 4 trials" in text
    assert "Kruskal-Wallis" in text and "H(2) = " in text
    assert not dialog.figure.pixmap().isNull()


def test_results_view_without_ratings_says_so(window, qtbot):
    click_menu(window, "Listen", "Test results…")
    dialog = window.results_dialog
    assert "no ratings yet" in dialog.figure.text()


def test_blind_test_needs_stems(window):
    click_menu(window, "Listen", "Blind test…")
    assert "Open a multitrack first" in window.error_label.text()


def test_ratings_file_is_in_the_data_folder():
    assert ratings_path().parent.name == "listening"
    assert Path(str(ratings_path())).name == "ratings.csv"


def test_the_hidden_reference_stays_after_other_methods_were_heard(loaded, qtbot, tmp_path):
    window = loaded
    doc = window.document
    known = np.linspace(-9.0, -2.0, len(doc.multitrack.names))
    reference = tmp_path / "engineer.wav"
    sf.write(
        str(reference), mix(doc.multitrack, known), doc.multitrack.sample_rate, subtype="FLOAT"
    )
    when_dialog(type_file_name(reference))
    with qtbot.waitSignal(window.suggestion_ready, timeout=TIMEOUT_MS):
        click_menu(window, "Playback", "Load reference mix…")
    # Then B plays a method: the reference's balance is no longer the suggestion.
    choose_in_combo(window.method_box, "loudness")
    with qtbot.waitSignal(window.suggestion_ready, timeout=TIMEOUT_MS):
        click(window.suggest_bar.suggest_button)
    assert doc.suggestion.method == "loudness"
    click_menu(window, "Listen", "Blind test…")
    setup = window.blind_setup
    qtbot.waitExposed(setup)
    box = setup.boxes["reference"]
    assert box.isEnabled() and box.isChecked()  # in by default once a reference is loaded
    click(setup.buttons.button(QDialogButtonBox.StandardButton.Ok))
    qtbot.waitUntil(lambda: hasattr(window, "blind_dialog"), timeout=TIMEOUT_MS)
    hidden = np.asarray(window.blind_dialog.test.candidates["reference"])
    # The engineer's balance (loudness-matched: up to one offset), not loudness's.
    np.testing.assert_allclose(hidden - hidden[0], known - known[0], atol=0.05)
    window.blind_dialog.reject()


def test_start_waits_for_a_listener_and_a_mix_to_rate(loaded, qtbot):
    window = loaded
    click_menu(window, "Listen", "Blind test…")
    setup = window.blind_setup
    qtbot.waitExposed(setup)
    start = setup.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert start.isEnabled()
    setup.listener.selectAll()
    QTest.keyClick(setup.listener, Qt.Key.Key_Delete)
    QTest.keyClicks(setup.listener, "   ")
    assert not start.isEnabled() and "who is listening" in start.toolTip()
    click(start)  # a click on the greyed button does nothing: the setup stays
    assert setup.isVisible() and not hasattr(window, "blind_dialog")
    QTest.keyClicks(setup.listener, "bo")
    assert start.isEnabled()
    for box in setup.boxes.values():
        if box.isEnabled() and box.isChecked():  # untick every mix but the anchor
            QTest.mouseClick(
                box,
                Qt.MouseButton.LeftButton,
                Qt.KeyboardModifier.NoModifier,
                QPoint(8, box.height() // 2),
            )
    assert not start.isEnabled() and "at least one mix" in start.toolTip()
    setup.reject()


def test_the_test_says_when_nothing_can_be_heard(loaded, qtbot):
    from drumassist.audio.device import unavailable_reason

    window = loaded
    # The tests play into an ALSA file device; a sound card that is gone is one that
    # PortAudio does not list (what Preferences keeps after the card was unplugged).
    window.player.set_device("a sound card that was unplugged")
    reason = unavailable_reason(window.player.device)
    assert reason is not None
    dialog = start_test(window, qtbot, listener="cy", trials=1)
    assert dialog.sound_note.isVisible()
    assert dialog.sound_note.text() == f"No sound, so the mixes cannot be heard: {reason}"
    dialog.sound_note.hide()
    with qtbot.waitSignal(window.player.unavailable):
        click(dialog.play_button)  # Play says it again, in the dialog the listener looks at
    assert dialog.sound_note.isVisible() and dialog.play_button.text() == "Play"
    dialog.reject()
    window.player.set_device(None)


def test_no_note_when_there_is_sound(loaded, qtbot):
    dialog = start_test(loaded, qtbot, listener="di", trials=1)
    assert not dialog.sound_note.isVisible()
    dialog.reject()
