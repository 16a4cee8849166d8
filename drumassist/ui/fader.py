"""A console-style vertical fader in dB, with a drawn scale and a suggestion marker.

The taper (dB to height) lives in :mod:`drumassist.ui.taper`, the drag, wheel and key
gestures in :mod:`drumassist.ui.dragcontrol`.
"""

from __future__ import annotations

import math
from typing import ClassVar

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QLinearGradient,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from drumassist.ui import theme
from drumassist.ui.dragcontrol import DragControl
from drumassist.ui.taper import (
    FINE_STEP_DB,
    MAX_DB,
    SCALE_MARKS_DB,
    STEP_DB,
    clamp_db,
    db_to_fraction,
    format_db,
    fraction_to_db,
    step_db,
)

#: The order scale labels get space in when the fader is short.
_LABEL_PRIORITY_DB = (0.0, 12.0, -math.inf, -12.0, 6.0, -6.0, -20.0, -40.0, -30.0, -60.0)
DRAG_RESOLUTION_DECIMALS = 1
#: Page Up / Page Down move this many steps: 6 dB.
PAGE_STEPS = round(6.0 / STEP_DB)

_CAP_WIDTH_PX = 26.0
_CAP_HEIGHT_PX = 34.0
_LABEL_WIDTH_PX = 22.0
_MARKER_WIDTH_PX = 8.0
_SCALE_POINT_SIZE = 7.0

TOOLTIP = (
    "Level in dB (0 dB = unchanged).\n"
    "Drag the fader to move it (it never jumps); hold Shift or Ctrl for fine moves.\n"
    "Wheel or Up/Down: ±0.5 dB, with Shift ±0.1 dB.\n"
    "Double-click: back to 0 dB.\n"
    "Orange mark: the suggested level; the shaded band is its likely range."
)


class Fader(DragControl):
    """A vertical fader from -inf to +12 dB with a console taper and a drawn scale.

    ``value_changed(db)`` follows every move; ``value_committed(old_db, new_db)`` comes
    once per gesture, for the undo stack.
    """

    #: Up and Down move one step (0.5 dB, 0.1 dB with Shift); Page Up and Page Down 6 dB.
    STEP_KEYS: ClassVar[dict[Qt.Key, int]] = {
        Qt.Key.Key_Up: 1,
        Qt.Key.Key_Down: -1,
        Qt.Key.Key_PageUp: PAGE_STEPS,
        Qt.Key.Key_PageDown: -PAGE_STEPS,
    }
    #: Distance from the widget's top and bottom edges to the ends of the scale.
    TRAVEL_MARGIN_PX = _CAP_HEIGHT_PX / 2 + 2

    def __init__(self, parent: QWidget | None = None, *, default_db: float = 0.0) -> None:
        super().__init__(parent, default=default_db)
        self._suggestion: tuple[float, float | None, float | None] | None = None
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Fader")
        self.setToolTip(TOOLTIP)

    @property
    def value_db(self) -> float:
        """The level in dB (``-inf`` at the bottom)."""
        return self._value

    def set_value_db(self, db: float, *, emit: bool = False) -> None:
        """Move the handle to ``db`` (clamped); emit ``value_changed`` only if ``emit``."""
        self.set_value(db, emit=emit)

    def commit_value_db(self, db: float) -> None:
        """Set ``db`` as one complete user gesture (a typed value or a reset)."""
        self.commit_value(db)

    @property
    def default_db(self) -> float:
        """The level a double-click resets to."""
        return self.default_value

    @default_db.setter
    def default_db(self, db: float) -> None:
        self.default_value = clamp_db(db)

    def set_suggestion(
        self, gain_db: float | None, low_db: float | None = None, high_db: float | None = None
    ) -> None:
        """Draw the suggested level and its likely range beside the handle; None clears."""
        self._suggestion = None if gain_db is None else (gain_db, low_db, high_db)
        tip = TOOLTIP
        if gain_db is not None:
            tip += f"\n\nSuggested: {format_db(gain_db)} dB"
            if low_db is not None and high_db is not None:
                tip += f" (likely {format_db(low_db)} to {format_db(high_db)} dB)"
            if gain_db > MAX_DB:  # the marker is an arrow at the top
                tip += f",\nabove the fader's top ({format_db(MAX_DB)} dB)"
        self.setToolTip(tip)
        self.update()

    @property
    def suggestion_db(self) -> float | None:
        """The suggested level, None when there is none."""
        return None if self._suggestion is None else self._suggestion[0]

    # -- travel ----------------------------------------------------------------------------

    def _clamp(self, value: float) -> float:
        return clamp_db(value)

    def _position(self, value: float) -> float:
        return db_to_fraction(value)

    def _value_at(self, position: float) -> float:
        gain_db = fraction_to_db(position)
        return round(gain_db, DRAG_RESOLUTION_DECIMALS) if math.isfinite(gain_db) else gain_db

    def _drag_px(self, delta: QPointF) -> float:
        return -delta.y()

    def _travel_px(self) -> float:
        return self.height() - 2 * self.TRAVEL_MARGIN_PX

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Home sets 0 dB, End minus infinity, each one undo step; see STEP_KEYS."""
        ends = {Qt.Key.Key_Home: self.default_value, Qt.Key.Key_End: -math.inf}
        if Qt.Key(event.key()) in ends and not event.isAutoRepeat():
            self.commit_value_db(ends[Qt.Key(event.key())])
        else:
            super().keyPressEvent(event)

    def _stepped(self, value: float, steps: int, *, fine: bool) -> float:
        size_db = math.copysign(FINE_STEP_DB if fine else STEP_DB, steps)
        for _ in range(abs(steps)):
            value = step_db(value, size_db)
        return value

    def sizeHint(self) -> QSize:
        return QSize(round(_LABEL_WIDTH_PX + 6 + _CAP_WIDTH_PX + _MARKER_WIDTH_PX + 2), 260)

    def minimumSizeHint(self) -> QSize:
        return QSize(self.sizeHint().width(), 120)

    def y_of_db(self, gain_db: float) -> float:
        """The y coordinate of the handle's centre line at ``gain_db``."""
        return self.height() - self.TRAVEL_MARGIN_PX - db_to_fraction(gain_db) * self._travel_px()

    def handle_rect(self) -> QRectF:
        """Where the handle (fader cap) is drawn."""
        x, y = self._slot_x() - _CAP_WIDTH_PX / 2, self.y_of_db(self._value) - _CAP_HEIGHT_PX / 2
        return QRectF(x, y, _CAP_WIDTH_PX, _CAP_HEIGHT_PX)

    def _slot_x(self) -> float:
        return _LABEL_WIDTH_PX + 6 + _CAP_WIDTH_PX / 2

    # -- painting --------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_scale(painter)
        self._paint_slot(painter)
        self._paint_suggestion(painter)
        self._paint_cap(painter)
        painter.end()

    def _paint_scale(self, painter: QPainter) -> None:
        font = QFont(self.font())
        font.setPointSizeF(_SCALE_POINT_SIZE)
        painter.setFont(font)
        text_height = painter.fontMetrics().height()
        slot_x = self._slot_x()
        painter.setPen(QPen(QColor(theme.FADER_TICK), 1.0))
        for mark_db in SCALE_MARKS_DB:
            y = _crisp(self.y_of_db(mark_db))
            half = _CAP_WIDTH_PX / 2 - (0 if mark_db == 0 else 4)
            painter.drawLine(QPointF(slot_x - half, y), QPointF(slot_x - 5, y))
            painter.drawLine(QPointF(slot_x + 5, y), QPointF(slot_x + half, y))
        taken: list[float] = []
        for mark_db in _LABEL_PRIORITY_DB:
            y = self.y_of_db(mark_db)
            if any(abs(y - other) < text_height * 0.9 for other in taken):
                continue
            taken.append(y)
            colour = theme.TEXT if mark_db == 0 else theme.MUTED_TEXT
            painter.setPen(QColor(colour))
            rect = QRectF(0, y - text_height / 2, _LABEL_WIDTH_PX, text_height)
            flags = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
            painter.drawText(rect, flags, _scale_label(mark_db))

    def _paint_slot(self, painter: QPainter) -> None:
        top = self.TRAVEL_MARGIN_PX
        slot = QRectF(self._slot_x() - 2.5, top - 4, 5, self._travel_px() + 8)
        painter.setPen(QPen(QColor("#000000"), 1.0))
        painter.setBrush(QColor(theme.FADER_SLOT))
        painter.drawRoundedRect(slot, 2.5, 2.5)

    def _paint_suggestion(self, painter: QPainter) -> None:
        if self._suggestion is None:
            return
        gain_db, low_db, high_db = self._suggestion
        x = self._slot_x() + _CAP_WIDTH_PX / 2 + 1
        if low_db is not None and high_db is not None:
            y_low, y_high = self.y_of_db(low_db), self.y_of_db(high_db)
            band = QRectF(x + 2, y_high, _MARKER_WIDTH_PX - 3, y_low - y_high)
            painter.fillRect(band, QColor(*theme.SUGGESTION_BAND))
            ends = QColor(theme.SUGGESTION)
            ends.setAlpha(150)
            for y_end in (band.top(), band.bottom() - 1):
                painter.fillRect(QRectF(band.left(), y_end, band.width(), 1), ends)
        y = self.y_of_db(gain_db)
        accent = QColor(theme.SUGGESTION)
        painter.setPen(QPen(accent, 1.5))
        painter.drawLine(QPointF(self._slot_x() - 8, y), QPointF(x, y))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(accent)
        tip_x = x + _MARKER_WIDTH_PX
        if gain_db > MAX_DB:  # off the scale: an arrow pointing up, past the top
            mid = (x + tip_x) / 2
            top = max(1.0, y - 9)
            painter.drawPolygon(
                QPolygonF([QPointF(mid, top), QPointF(x - 1, top + 8), QPointF(tip_x + 1, top + 8)])
            )
            return
        painter.drawPolygon(
            QPolygonF([QPointF(x, y), QPointF(tip_x, y - 5), QPointF(tip_x, y + 5)])
        )

    def _paint_cap(self, painter: QPainter) -> None:
        rect = self.handle_rect()
        gradient = QLinearGradient(rect.topLeft(), rect.bottomLeft())
        gradient.setColorAt(0.0, QColor(theme.FADER_CAP))
        gradient.setColorAt(0.45, QColor(theme.FADER_CAP_DARK))
        gradient.setColorAt(0.55, QColor(theme.FADER_CAP_DARK))
        gradient.setColorAt(1.0, QColor(theme.FADER_CAP))
        border = QColor(theme.ACCENT) if self.hasFocus() else QColor("#0b0c0d")
        painter.setPen(QPen(border, 1.0))
        painter.setBrush(gradient)
        painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)
        y = _crisp(rect.center().y())
        painter.setPen(QPen(QColor(theme.FADER_CAP_LINE), 2.0))
        painter.drawLine(QPointF(rect.left() + 2, y), QPointF(rect.right() - 2, y))


def _scale_label(mark_db: float) -> str:
    if not math.isfinite(mark_db):
        return "−∞"
    return f"{mark_db:+.0f}".replace("-", "−") if mark_db else "0"


def _crisp(y: float) -> float:
    """Put a one-pixel line on the pixel grid so it is not blurred over two rows."""
    return math.floor(y) + 0.5
