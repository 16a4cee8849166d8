"""The window, offscreen: a real drop event, background loading, errors that keep it usable."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from drumassist.ui.mainwindow import MainWindow


@pytest.fixture
def window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1000, 600)
    win.show()
    return win


def drop(window: MainWindow, paths: list[Path]) -> None:
    """Drag ``paths`` over the window and drop them, as a file manager does."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    args = (
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    enter = QDragEnterEvent(QPointF(50, 50), *args)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(50, 50), *args)
    QApplication.sendEvent(window, event)
    assert event.isAccepted()


def test_drop_a_folder_lists_its_tracks(window, qtbot, make_stems, drum_arrays, tmp_path):
    folder = make_stems(drum_arrays)
    with qtbot.waitSignal(window.multitrack_loaded, timeout=30000):
        drop(window, [folder])
    assert window.table.rowCount() == 4
    names = {window.table.item(r, 0).text(): window.table.item(r, 1).text() for r in range(4)}
    assert names == {"Kick In": "kick", "Snare Top": "snare", "HH": "hi-hat", "OH L": "overhead"}
    assert "LUFS" in window.table.item(0, 3).text()
    assert "4 tracks · 44100 Hz · 3.0 s" in window.statusBar().currentMessage()
    window.grab().save(str(tmp_path / "loaded.png"))


def test_bad_folder_shows_an_error_and_stays_usable(window, qtbot, make_stems, drum_arrays):
    bad = make_stems(drum_arrays, folder="bad")
    (bad / "tom.wav").write_bytes(b"garbage")
    drop(window, [bad])
    qtbot.waitUntil(window.error_label.isVisible, timeout=30000)
    assert window.error_label.text().startswith("tom.wav: cannot read audio")
    good = make_stems(drum_arrays, folder="good")
    with qtbot.waitSignal(window.multitrack_loaded, timeout=30000):
        drop(window, [good])
    assert not window.error_label.isVisible()
    assert window.table.rowCount() == 4


def test_demo_is_one_click_away(window, qtbot):
    with qtbot.waitSignal(window.multitrack_loaded, timeout=60000):
        window.open_demo()
    assert window.table.rowCount() == 8
