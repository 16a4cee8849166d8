"""What the blind test and the personal-model hooks need of the main window.

A structural type, so those modules do not import :mod:`drumassist.ui.mainwindow`
(which imports them through its menus): no cycle, and a smaller surface to keep.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QComboBox, QStatusBar, QWidget

from drumassist.learn.suggest.suggestion import Suggestion
from drumassist.ui.document import MixDocument
from drumassist.ui.player import PlayerController


class HostWindow(Protocol):
    """The main window, as the Listen and Tools menus' dialogs use it."""

    document: MixDocument | None
    player: PlayerController | None
    settings: QSettings
    method_box: QComboBox
    suggest_bar: QWidget
    #: The balance of the last reference mix loaded for these stems, or None.
    reference_balance: Suggestion | None

    def show_error(self, message: str, *, warning: bool = False) -> None: ...

    def statusBar(self) -> QStatusBar: ...

    def window(self) -> QWidget:
        """The window as a widget (Qt's ``QWidget.window()``): the parent of dialogs."""
        ...
