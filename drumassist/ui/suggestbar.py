"""The bar above the strips: Suggest balance, the method, Apply suggestion, progress, Cancel."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QProgressBar, QPushButton, QWidget

from drumassist.learn.models.registry import unavailable_reason
from drumassist.learn.suggest.suggestion import method_description, method_names
from drumassist.ui.theme import MUTED_TEXT


class SuggestBar(QWidget):
    """Asks for a suggestion with the chosen method, applies it, shows work in progress.

    ``suggest_clicked``, ``apply_clicked`` and ``cancel_clicked`` report the buttons;
    :attr:`method` is the chosen method's name. Other widgets (a compare view) can be
    added at the right with :meth:`add_widget`.
    """

    suggest_clicked = Signal()
    apply_clicked = Signal()
    cancel_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.suggest_button = QPushButton("Suggest balance")
        self.suggest_button.setObjectName("primary")
        self.suggest_button.setToolTip("Analyse the tracks and suggest a gain for each")
        self.suggest_button.clicked.connect(self.suggest_clicked)
        self.method_box = _method_box()
        self.apply_button = QPushButton("Apply suggestion")
        self.apply_button.setToolTip("Move every fader to the suggestion (undoable)")
        self.apply_button.clicked.connect(self.apply_clicked)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(240)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the work in progress")
        self.cancel_button.clicked.connect(self.cancel_clicked)
        self.cancel_button.hide()
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        for widget in (self.suggest_button, self.method_box, self.apply_button):
            self._row.addWidget(widget)
        self._row.addStretch(1)
        self._row.addWidget(self.progress)
        self._row.addWidget(self.cancel_button)

    @property
    def method(self) -> str:
        """The method chosen in the box."""
        return str(self.method_box.currentData())

    def add_widget(self, widget: QWidget) -> None:
        """Put ``widget`` after Apply suggestion (before the progress bar)."""
        self._row.insertWidget(3, widget)

    def show_busy(self, busy: bool) -> None:
        """Show or hide the progress bar and Cancel."""
        if busy:
            self.progress.setValue(0)
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)

    def show_progress(self, fraction: float) -> None:
        self.progress.setValue(round(fraction * 100))


def _method_box() -> QComboBox:
    box = QComboBox()
    for name in method_names():
        description = method_description(name)
        box.addItem(name, name)
        index = box.count() - 1
        reason = unavailable_reason(name)
        if reason is not None:  # listed, greyed out, saying how to get it
            box.model().item(index).setEnabled(False)  # type: ignore[attr-defined]
            box.setItemData(index, QColor(MUTED_TEXT), Qt.ItemDataRole.ForegroundRole)
            box.setItemText(index, f"{name} (not installed)")
            description = f"{description}\n\nUnavailable: {reason}"
        box.setItemData(index, description, Qt.ItemDataRole.ToolTipRole)
    box.setToolTip("Which method suggests the balance")
    return box
