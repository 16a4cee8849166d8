"""The window's menus and keyboard shortcuts."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence

if TYPE_CHECKING:
    from drumassist.ui.mainwindow import MainWindow


def _action(
    window: MainWindow,
    text: str,
    slot: Callable[..., object],
    shortcut: QKeySequence | QKeySequence.StandardKey | None = None,
    tip: str = "",
) -> QAction:
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(shortcut)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    action.setToolTip(tip or text.replace("&", "").rstrip("…"))
    action.setStatusTip(action.toolTip())
    action.triggered.connect(slot)
    window.addAction(action)
    return action


def build_menus(window: MainWindow) -> dict[str, QAction]:
    """Create the menu bar; returns the actions the window enables and disables."""
    a: dict[str, QAction] = {}
    seq = QKeySequence
    file_menu = window.menuBar().addMenu("&File")
    a["open"] = _action(window, "&Open folder…", window.choose_folder, seq.StandardKey.Open)
    a["open_session"] = _action(window, "Open &session…", window.choose_session)
    a["demo"] = _action(window, "Open the &demo", window.open_demo)
    window.recent_menu = file_menu.addMenu("Open &recent")
    window.recent_menu.aboutToShow.connect(lambda: _fill_recent(window))
    a["save"] = _action(
        window,
        "&Save session",
        lambda: window.save_session(),  # noqa: PLW0108 (triggered passes a bool)
        seq.StandardKey.Save,
    )
    a["save_as"] = _action(
        window, "Save session &as…", lambda: window.save_session(ask=True), seq("Ctrl+Shift+S")
    )
    a["export"] = _action(window, "&Export mix…", window.export_mix, seq("Ctrl+E"))
    a["quit"] = _action(window, "&Quit", window.close, seq.StandardKey.Quit)
    for key in ("open", "open_session", "demo"):
        file_menu.addAction(a[key])
    file_menu.addMenu(window.recent_menu)
    file_menu.addSeparator()
    for key in ("save", "save_as", "export"):
        file_menu.addAction(a[key])
    file_menu.addSeparator()
    file_menu.addAction(a["quit"])
    edit_menu = window.menuBar().addMenu("&Edit")
    a["undo"] = _action(window, "&Undo", lambda: _undo(window, redo=False), seq("Ctrl+Z"))
    a["redo"] = _action(window, "&Redo", lambda: _undo(window, redo=True), seq("Ctrl+Shift+Z"))
    a["apply"] = _action(window, "&Apply suggestion", window.apply_suggestion)
    a["prefs"] = _action(window, "&Preferences…", window.show_preferences)
    for key in ("undo", "redo", "apply", "prefs"):
        edit_menu.addAction(a[key])
    play_menu = window.menuBar().addMenu("&Playback")
    a["play"] = _action(window, "&Play / stop", window.toggle_play, seq(Qt.Key.Key_Space))
    a["ab"] = _action(
        window,
        "Switch &A / B",
        window.toggle_ab,
        seq(Qt.Key.Key_B),
        "Switch between your mix (A) and the suggestion (B)",
    )
    a["suggest"] = _action(window, "&Suggest balance", window.run_suggestion, seq("Ctrl+R"))
    a["reference"] = _action(
        window,
        "Load &reference mix…",
        window.choose_reference,
        tip="Show the balance of an existing mix of these stems as the suggestion (B)",
    )
    a["compare"] = _action(
        window,
        "&Compare methods…",
        window.show_compare,
        tip="Every method's balance side by side; click one to hear it as B",
    )
    for key in ("play", "ab", "suggest", "reference", "compare"):
        play_menu.addAction(a[key])
    _listen_and_tools(window, a)
    help_menu = window.menuBar().addMenu("&Help")
    a["logs"] = _action(window, "Open &log folder", window.open_log_folder)
    a["about"] = _action(window, "&About drumassist", window.show_about)
    for key in ("logs", "about"):
        help_menu.addAction(a[key])
    return a


def _listen_and_tools(window: MainWindow, a: dict[str, QAction]) -> None:
    listen_menu = window.menuBar().addMenu("&Listen")
    a["blind_test"] = _action(
        window,
        "&Blind test…",
        lambda: _blind_test(window),
        tip="Rate the suggestions, your balance and the anchor without knowing which is which",
    )
    a["test_results"] = _action(window, "Test &results…", lambda: _test_results(window))
    for key in ("blind_test", "test_results"):
        listen_menu.addAction(a[key])
    tools_menu = window.menuBar().addMenu("&Tools")
    a["learn"] = _action(
        window,
        "&Learn from my mixes…",
        lambda: _learn(window),
        tip="Fit a correction of the default model to the balances you exported and saved",
    )
    tools_menu.addAction(a["learn"])


# Imported when chosen, not at start-up: the dialogs pull in the statistics and models.
def _blind_test(window: MainWindow) -> None:
    from drumassist.ui.blindsetup import start_blind_test

    start_blind_test(window)


def _test_results(window: MainWindow) -> None:
    from drumassist.ui.listeningresults import show_results

    show_results(window)


def _learn(window: MainWindow) -> None:
    from drumassist.ui.personal import learn_from_my_mixes

    learn_from_my_mixes(window)


def _undo(window: MainWindow, *, redo: bool) -> None:
    if window.document is not None:
        stack = window.document.undo_stack
        stack.redo() if redo else stack.undo()


def _fill_recent(window: MainWindow) -> None:
    menu = window.recent_menu
    menu.clear()
    for path in window.recent.paths():
        action = menu.addAction(path.name)
        action.setToolTip(str(path))
        action.triggered.connect(lambda _checked=False, p=path: window.open_stems([p]))
    if menu.isEmpty():
        menu.addAction("(none)").setEnabled(False)
