"""The window's menus and keyboard shortcuts.

The actions call a :class:`MenuHost` (the main window), named by a protocol so that
this module does not import the window (no import cycle). To hook a new entry in,
add one ``_action`` line and the host method it calls.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from drumassist.ui.settings import recent_label


class MenuHost(Protocol):
    """What the menu actions call."""

    def choose_folder(self) -> None: ...
    def choose_session(self) -> None: ...
    def open_demo(self) -> None: ...
    def open_stems(self, sources: list[Path]) -> None: ...
    def recent_paths(self) -> list[Path]: ...
    def save_session(self, *, ask: bool = False) -> bool: ...
    def export_mix(self) -> None: ...
    def close(self) -> bool: ...
    def undo(self) -> None: ...
    def redo(self) -> None: ...
    def apply_suggestion(self) -> None: ...
    def show_preferences(self) -> None: ...
    def toggle_play(self) -> None: ...
    def toggle_ab(self) -> None: ...
    def run_suggestion(self) -> None: ...
    def choose_reference(self) -> None: ...
    def open_log_folder(self) -> None: ...
    def show_about(self) -> None: ...
    def start_blind_test(self) -> None: ...
    def show_test_results(self) -> None: ...
    def learn_from_my_mixes(self) -> None: ...


def _action(
    window: QMainWindow,
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
    # triggered passes a bool: never hand it on to a slot as an argument.
    action.triggered.connect(lambda _checked=False: slot())
    window.addAction(action)
    return action


def build_menus(window: QMainWindow, host: MenuHost) -> tuple[dict[str, QAction], dict[str, QMenu]]:
    """Create the menu bar of ``window`` calling ``host``.

    Returns
    -------
    actions, menus
        The actions by name (the window enables and disables them) and the menus by
        name (``"file"``, ``"edit"``, ``"playback"``, ``"listen"``, ``"tools"``, ``"help"``,
        ``"recent"``), so other parts can add entries.
    """
    a: dict[str, QAction] = {}
    bar = window.menuBar()
    menus = {
        "file": bar.addMenu("&File"),
        "edit": bar.addMenu("&Edit"),
        "playback": bar.addMenu("&Playback"),
        "listen": bar.addMenu("&Listen"),
        "tools": bar.addMenu("&Tools"),
        "help": bar.addMenu("&Help"),
    }
    menus["recent"] = _file_menu(window, host, menus["file"], a)
    _edit_menu(window, host, menus["edit"], a)
    _playback_menu(window, host, menus["playback"], a)
    _listen_and_tools_menus(window, host, menus, a)
    a["logs"] = _action(window, "Open &log folder", host.open_log_folder)
    a["about"] = _action(window, "&About drumassist", host.show_about)
    _add(menus["help"], a, "logs", "about")
    return a, menus


def _file_menu(window: QMainWindow, host: MenuHost, menu: QMenu, a: dict[str, QAction]) -> QMenu:
    """Fill the File menu; returns its "Open recent" submenu."""
    seq = QKeySequence
    a["open"] = _action(window, "&Open folder…", host.choose_folder, seq.StandardKey.Open)
    a["open_session"] = _action(window, "Open &session…", host.choose_session)
    a["demo"] = _action(window, "Open the &demo", host.open_demo)
    recent = QMenu("Open &recent", window)
    recent.aboutToShow.connect(lambda: _fill_recent(recent, host))
    a["save"] = _action(window, "&Save session", host.save_session, seq.StandardKey.Save)
    a["save_as"] = _action(
        window, "Save session &as…", lambda: host.save_session(ask=True), seq("Ctrl+Shift+S")
    )
    a["export"] = _action(window, "&Export mix…", host.export_mix, seq("Ctrl+E"))
    a["quit"] = _action(window, "&Quit", host.close, seq.StandardKey.Quit)
    _add(menu, a, "open", "open_session", "demo", recent, "-", "save", "save_as")
    _add(menu, a, "export", "-", "quit")
    return recent


def _edit_menu(window: QMainWindow, host: MenuHost, menu: QMenu, a: dict[str, QAction]) -> None:
    a["undo"] = _action(window, "&Undo", host.undo, QKeySequence("Ctrl+Z"))
    a["redo"] = _action(window, "&Redo", host.redo, QKeySequence("Ctrl+Shift+Z"))
    a["redo"].setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    a["apply"] = _action(window, "&Apply suggestion", host.apply_suggestion)
    a["prefs"] = _action(window, "&Preferences…", host.show_preferences)
    _add(menu, a, "undo", "redo", "apply", "prefs")


def _playback_menu(window: QMainWindow, host: MenuHost, menu: QMenu, a: dict[str, QAction]) -> None:
    seq = QKeySequence
    a["play"] = _action(window, "&Play / stop", host.toggle_play, seq(Qt.Key.Key_Space))
    a["ab"] = _action(
        window,
        "Switch &A / B",
        host.toggle_ab,
        seq(Qt.Key.Key_B),
        "Switch between your mix (A) and the suggestion (B)",
    )
    a["suggest"] = _action(window, "&Suggest balance", host.run_suggestion, seq("Ctrl+R"))
    a["reference"] = _action(
        window,
        "Load &reference mix…",
        host.choose_reference,
        tip="Show the balance of an existing mix of these stems as the suggestion (B)",
    )
    _add(menu, a, "play", "ab", "suggest", "reference")


def _listen_and_tools_menus(
    window: QMainWindow, host: MenuHost, menus: dict[str, QMenu], a: dict[str, QAction]
) -> None:
    a["blind_test"] = _action(
        window,
        "&Blind test…",
        host.start_blind_test,
        tip="Rate the suggestions, your balance and the anchor without knowing which is which",
    )
    a["test_results"] = _action(window, "Test &results…", host.show_test_results)
    _add(menus["listen"], a, "blind_test", "test_results")
    a["learn"] = _action(
        window,
        "&Learn from my mixes…",
        host.learn_from_my_mixes,
        tip="Fit a correction of the default model to the balances you exported and saved",
    )
    _add(menus["tools"], a, "learn")


def _add(menu: QMenu, actions: dict[str, QAction], *items: str | QMenu) -> None:
    for item in items:
        if isinstance(item, QMenu):
            menu.addMenu(item)
        elif item == "-":
            menu.addSeparator()
        else:
            menu.addAction(actions[item])


def _fill_recent(menu: QMenu, host: MenuHost) -> None:
    menu.clear()
    for path in host.recent_paths():
        action = menu.addAction(recent_label(path))
        action.setToolTip(str(path))
        action.triggered.connect(lambda _checked=False, p=path: host.open_stems([p]))
    if menu.isEmpty():
        menu.addAction("(none)").setEnabled(False)
