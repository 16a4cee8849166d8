"""The strip's pan control: -1 (left) to +1 (right), dragged sideways, in 1 % steps."""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from drumassist.ui import theme
from drumassist.ui.dragcontrol import DragControl

PAN_STEP = 0.05
PAN_FINE_STEP = 0.01

PAN_TOOLTIP = (
    "Pan: L100 (left) to R100 (right), C = centre.\n"
    "Drag sideways (Shift or Ctrl: fine), wheel or Left/Right keys; double-click: centre."
)


def format_pan(pan: float) -> str:
    """``"C"`` at the centre, else ``"L30"`` or ``"R100"`` (percent of the way out)."""
    percent = round(abs(pan) * 100)
    if percent == 0:
        return "C"
    return f"{'L' if pan < 0 else 'R'}{percent}"


class PanControl(DragControl):
    """A compact horizontal pan control from -1 (left) to +1 (right), in 1 % steps."""

    STEP_KEYS: ClassVar[dict[Qt.Key, int]] = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1}

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, default=0.0)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Pan")
        self.setToolTip(PAN_TOOLTIP)

    @property
    def value(self) -> float:
        """The pan, -1 (left) to +1 (right)."""
        return self._value

    def _clamp(self, value: float) -> float:
        return round(min(1.0, max(-1.0, value)), 2) + 0.0  # + 0.0 turns -0.0 into 0.0

    def _position(self, value: float) -> float:
        return (value + 1.0) / 2.0

    def _value_at(self, position: float) -> float:
        return position * 2.0 - 1.0

    def _drag_px(self, delta: QPointF) -> float:
        return delta.x()

    def _travel_px(self) -> float:
        # Dragging across the whole control sweeps from hard left to hard right.
        return float(self.width())

    def _stepped(self, value: float, steps: int, *, fine: bool) -> float:
        # Wheel up turns right, as a knob turned clockwise does.
        return value + steps * (PAN_FINE_STEP if fine else PAN_STEP)

    def sizeHint(self) -> QSize:
        return QSize(80, 20)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        body = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        border = theme.ACCENT if self.hasFocus() else "#3a3f45"
        painter.setPen(QColor(border))
        painter.setBrush(QColor(theme.FADER_SLOT))
        painter.drawRoundedRect(body, 3, 3)
        centre = body.center().x()
        end = centre + self._value * (body.width() / 2 - 1)
        fill = QColor(theme.PAN_FILL)
        fill.setAlpha(140)
        inner = body.adjusted(0, 2, 0, -2)
        painter.fillRect(
            QRectF(min(centre, end), inner.top(), abs(end - centre), inner.height()), fill
        )
        # Centre notches at the edges when panned; at the centre the label says "C", and
        # the notches touching it read as a cedilla ("Ç").
        if format_pan(self._value) != "C":
            for y in (inner.top(), inner.bottom() - 2):
                painter.fillRect(QRectF(centre - 0.5, y, 1, 2), QColor(theme.MUTED_TEXT))
        font = QFont(self.font())
        font.setPointSizeF(8.0)
        painter.setFont(font)
        painter.setPen(QColor(theme.TEXT))
        painter.drawText(body, Qt.AlignmentFlag.AlignCenter, format_pan(self._value))
        painter.end()
