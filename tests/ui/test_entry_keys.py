"""The level entry and the keyboard: Undo and Redo reach the mix once a level is
committed, Tab commits a typed level as Enter does. Typed on the real window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.ui.gestures import click, strip_named, type_text

CTRL = Qt.KeyboardModifier.ControlModifier


def test_undo_in_the_entry_undoes_the_committed_level(loaded):
    window, _ = loaded
    kick = strip_named(window, "Kick In")
    type_text(kick.gain_entry, "-6")  # Enter: the cursor stays in the entry
    assert kick.gain_entry.hasFocus() and kick.gain_db == -6.0
    QTest.keyClick(kick.gain_entry, Qt.Key.Key_Z, CTRL)
    assert kick.gain_db == 0.0 and kick.gain_entry.text() == "0.0"
    QTest.keyClick(kick.gain_entry, Qt.Key.Key_Y, CTRL)  # Redo, as Ctrl+Shift+Z
    assert kick.gain_db == -6.0
    QTest.keyClick(kick.gain_entry, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert kick.gain_db == -6.0  # nothing left to redo
    QTest.keyClick(kick.gain_entry, Qt.Key.Key_Z, CTRL)
    QTest.keyClick(kick.gain_entry, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert kick.gain_db == -6.0


def test_undo_while_typing_undoes_the_typing_only(loaded):
    window, _ = loaded
    kick = strip_named(window, "Kick In")
    type_text(kick.gain_entry, "-6")
    QTest.keyClicks(kick.gain_entry, "0")  # "-6.00": typing, not yet committed
    QTest.keyClick(kick.gain_entry, Qt.Key.Key_Z, CTRL)
    assert kick.gain_entry.text() == "-6.0" and kick.gain_db == -6.0  # the mix is untouched
    assert window.document.undo_stack.canUndo()


def test_tab_commits_a_typed_level(loaded):
    window, _ = loaded
    kick, snare = strip_named(window, "Kick In"), strip_named(window, "Snare Top")
    type_text(kick.gain_entry, "-3", enter=False)
    QTest.keyClick(kick.gain_entry, Qt.Key.Key_Tab)
    assert kick.gain_db == -3.0 and kick.gain_entry.text() == "-3.0"
    assert not kick.gain_entry.hasFocus()
    # Junk is put back when the entry is left, as after Enter.
    type_text(snare.gain_entry, "loud", enter=False)
    click(kick.gain_entry)
    assert snare.gain_db == 0.0 and snare.gain_entry.text() == "0.0"
    # Escape gives up the typing: leaving afterwards commits nothing.
    type_text(snare.gain_entry, "-9", enter=False)
    QTest.keyClick(snare.gain_entry, Qt.Key.Key_Escape)
    click(kick.gain_entry)
    assert snare.gain_db == 0.0


def test_a_run_of_arrow_presses_on_a_fader_is_one_undo_step(loaded):
    window, _ = loaded
    stack = window.document.undo_stack
    kick = strip_named(window, "Kick In")
    click(kick.fader, kick.fader.handle_rect().center().toPoint())  # focus: no move
    assert stack.count() == 0 and kick.fader.hasFocus()
    for _ in range(4):
        QTest.keyClick(kick.fader, Qt.Key.Key_Up)  # 0.5 dB a press
    QTest.keyClick(kick.fader, Qt.Key.Key_Down)
    assert kick.gain_db == 1.5
    assert stack.count() == 1 and stack.undoText() == "Fader Kick In"
    assert not stack.isClean()
    QTest.keyClick(kick.fader, Qt.Key.Key_Z, CTRL)
    assert kick.gain_db == 0.0  # the whole run at once
    QTest.keyClick(kick.fader, Qt.Key.Key_Y, CTRL)
    assert kick.gain_db == 1.5
    # A pause ends the run; so does another control.
    QTest.qWait(1100)
    QTest.keyClick(kick.fader, Qt.Key.Key_Up)
    snare = strip_named(window, "Snare Top")
    click(snare.fader, snare.fader.handle_rect().center().toPoint())
    QTest.keyClick(snare.fader, Qt.Key.Key_Up)
    assert stack.count() == 3 and (kick.gain_db, snare.gain_db) == (2.0, 0.5)
    QTest.keyClick(snare.fader, Qt.Key.Key_Z, CTRL)
    QTest.keyClick(snare.fader, Qt.Key.Key_Z, CTRL)
    assert (kick.gain_db, snare.gain_db) == (1.5, 0.0)


def test_steps_back_to_the_start_leave_no_undo_step(loaded):
    window, _ = loaded
    stack = window.document.undo_stack
    kick = strip_named(window, "Kick In")
    click(kick.fader, kick.fader.handle_rect().center().toPoint())
    QTest.keyClick(kick.fader, Qt.Key.Key_Up)
    QTest.keyClick(kick.fader, Qt.Key.Key_Down)
    assert kick.gain_db == 0.0 and stack.count() == 0 and stack.isClean()
