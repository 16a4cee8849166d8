"""The top of a strip: its name (elided), a stereo badge, a polarity badge when a flip is
suggested, a bleed badge when the suggestion found only bleed, and the grip that moves it.

Dragging the header sideways moves the strip: the header reports where the mouse
is (global coordinates) while it drags and where it was released; the mixer panel
shows where the strip will land and reorders the document. No QDrag: a plain
mouse gesture stays inside the window and needs no nested event loop.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QWidget

from drumassist.ui.elided import ElidedLabel

HEADER_TOOLTIP = "Drag sideways to move this strip"
#: Wide enough for the longest role, "Overhead", in the role box (92 cut it to "Overheac").
STRIP_WIDTH_PX = 100


class StripHeader(QWidget):
    """The name row of a strip, and the handle that drags it to another place."""

    drag_moved = Signal(QPointF)
    dropped = Signal(QPointF)

    def __init__(self, name: str, *, stereo: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stripHeader")
        self.setToolTip(HEADER_TOOLTIP)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.name_label = ElidedLabel(name, lines=2)
        self.name_label.setObjectName("stripName")
        self.name_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addWidget(self.name_label, 1)
        if stereo:
            badge = QLabel("ST")
            badge.setObjectName("stereoBadge")
            badge.setToolTip("Stereo stem: the pan acts as a balance")
            layout.addWidget(badge)
        # Shown when the suggestion finds this mic inverted against its drum's other mics.
        self.polarity_badge = QLabel("Ø")
        self.polarity_badge.setObjectName("polarityBadge")
        self.polarity_badge.setVisible(False)
        layout.addWidget(self.polarity_badge)
        # Shown when the suggestion found this mic to carry only bleed (levels-gb).
        self.bleed_badge = QLabel("bleed")
        self.bleed_badge.setObjectName("bleedBadge")
        self.bleed_badge.setToolTip(
            "Only bleed: this mic's drum does not seem to play (its loudest moment is far"
            " under the other tracks'). The suggestion keeps it at the session's level"
            " instead of pushing it up."
        )
        self.bleed_badge.setVisible(False)
        layout.addWidget(self.bleed_badge)
        self._flip_reason: str | None = None
        self._inverted = False
        self._press: QPointF | None = None
        self._dragging = False

    def set_polarity_flip(self, reason: str | None) -> None:
        """Show the polarity badge with ``reason`` as its tooltip, or hide it (None).

        Once the track is inverted (:meth:`set_inverted`) the badge says so and stays.
        """
        self._flip_reason = reason
        self._show_polarity()

    def set_inverted(self, inverted: bool) -> None:
        """Tell the badge whether the strip's polarity button is on."""
        self._inverted = inverted
        self._show_polarity()

    def _show_polarity(self) -> None:
        reason, badge = self._flip_reason, self.polarity_badge
        badge.setVisible(reason is not None)
        done = reason is not None and self._inverted
        if badge.property("done") != done:
            badge.setProperty("done", done)
            badge.style().unpolish(badge)
            badge.style().polish(badge)
        if reason is None:
            badge.setToolTip("")
        elif done:
            badge.setToolTip(f"Polarity: {reason}.\nInverted here, as suggested.")
        else:
            badge.setToolTip(
                f"Polarity: {reason}.\nClick Ø below to invert it (heard and exported);"
                " the stem itself is never changed."
            )

    def set_bleed_only(self, bleed_only: bool) -> None:
        """Show or hide the badge saying the suggestion found only bleed on this mic."""
        self.bleed_badge.setVisible(bleed_only)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.globalPosition()
            self._dragging = False
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None:
            return
        moved = (event.globalPosition() - self._press).manhattanLength()
        if not self._dragging and moved >= QApplication.startDragDistance():
            self._dragging = True
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        if self._dragging:
            self.drag_moved.emit(event.globalPosition())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._press is None:
            return
        dragging, self._press, self._dragging = self._dragging, None, False
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        if dragging:
            self.dropped.emit(event.globalPosition())
