"""A console-style vertical fader in dB, with a drawn scale and a suggestion marker.

The travel follows a console taper: a piecewise-linear map from dB to height that
gives the range around 0 dB, where balancing happens, the most room, and squeezes
everything below -60 dB into the last few pixels above minus infinity.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import ClassVar

from PySide6.QtCore import QObject, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QFont,
    QKeyEvent,
    QLinearGradient,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from drumassist.ui import theme

MAX_DB = 12.0
#: At or below this the fader reads minus infinity.
FLOOR_DB = -90.0
#: (dB, fraction of the travel from the bottom); minus infinity sits at 0.
TAPER: tuple[tuple[float, float], ...] = (
    (FLOOR_DB, 0.0),
    (-60.0, 0.05),
    (-40.0, 0.15),
    (-30.0, 0.23),
    (-20.0, 0.34),
    (-12.0, 0.46),
    (-6.0, 0.58),
    (0.0, 0.72),
    (6.0, 0.86),
    (MAX_DB, 1.0),
)
#: Scale marks, and the order their labels get space in when the fader is short.
SCALE_MARKS_DB = (12.0, 6.0, 0.0, -6.0, -12.0, -20.0, -30.0, -40.0, -60.0, -math.inf)
_LABEL_PRIORITY_DB = (0.0, 12.0, -math.inf, -12.0, 6.0, -6.0, -20.0, -40.0, -30.0, -60.0)
#: A wheel or key step down from here goes to minus infinity; a step up from there, here.
STEP_FLOOR_DB = -60.0
STEP_DB = 0.5
FINE_STEP_DB = 0.1
FINE_SPEED = 0.1
DRAG_RESOLUTION_DECIMALS = 1
COMMIT_IDLE_MS = 400

_CAP_WIDTH_PX = 26.0
_CAP_HEIGHT_PX = 34.0
_LABEL_WIDTH_PX = 22.0
_MARKER_WIDTH_PX = 8.0
_SCALE_POINT_SIZE = 7.0
_FINE_MODIFIERS = Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier

TOOLTIP = (
    "Level in dB (0 dB = unchanged).\n"
    "Drag the fader to move it (it never jumps); hold Shift or Ctrl for fine moves.\n"
    "Wheel or Up/Down: ±0.5 dB, with Shift ±0.1 dB.\n"
    "Double-click: back to 0 dB.\n"
    "Orange mark: the suggested level; the shaded band is its likely range."
)


def db_to_fraction(gain_db: float) -> float:
    """Map a gain to its height on the fader.

    Parameters
    ----------
    gain_db : float
        Gain in dB; ``-inf`` and anything at or below :data:`FLOOR_DB` give 0, anything
        above :data:`MAX_DB` gives 1.

    Returns
    -------
    float
        Fraction of the travel from the bottom, in [0, 1].
    """
    if math.isnan(gain_db) or gain_db <= FLOOR_DB:
        return 0.0
    for (low_db, low_f), (high_db, high_f) in itertools.pairwise(TAPER):
        if gain_db <= high_db:
            return low_f + (gain_db - low_db) / (high_db - low_db) * (high_f - low_f)
    return 1.0


def fraction_to_db(fraction: float) -> float:
    """Map a height on the fader to a gain; the inverse of :func:`db_to_fraction`.

    Parameters
    ----------
    fraction : float
        Fraction of the travel from the bottom; clamped to [0, 1].

    Returns
    -------
    float
        Gain in dB, ``-inf`` at the bottom.
    """
    if fraction <= 0.0:
        return -math.inf
    for (low_db, low_f), (high_db, high_f) in itertools.pairwise(TAPER):
        if fraction <= high_f:
            return low_db + (fraction - low_f) / (high_f - low_f) * (high_db - low_db)
    return MAX_DB


def clamp_db(gain_db: float) -> float:
    """Clamp a gain to the fader's range, minus infinity to :data:`MAX_DB`."""
    if math.isnan(gain_db):
        raise ValueError("a fader level cannot be NaN")
    return min(gain_db, MAX_DB)


def step_db(gain_db: float, delta_db: float) -> float:
    """Move a gain by one wheel or key step, falling off to and rising from ``-inf``."""
    if not math.isfinite(gain_db):
        return STEP_FLOOR_DB if delta_db > 0 else gain_db
    stepped = round(gain_db + delta_db, 2)
    if delta_db < 0 and stepped < STEP_FLOOR_DB:
        return -math.inf
    return clamp_db(stepped)


class GestureCommit(QObject):
    """Turn a run of live changes into one ``commit(old, new)`` call for the undo stack.

    ``value`` returns the control's current value; ``parent`` owns the idle timer that
    ends a wheel burst.
    """

    def __init__(
        self, value: Callable[[], float], commit: Callable[[float, float], None], parent: QObject
    ) -> None:
        super().__init__(parent)
        self._value = value
        self._commit = commit
        self._start: float | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(COMMIT_IDLE_MS)
        self._timer.timeout.connect(self.finish)

    def begin(self) -> None:
        """Remember the value at the start of a gesture (once per gesture)."""
        if self._start is None:
            self._start = self._value()

    def touch(self) -> None:
        """Begin or extend a burst (wheel) that ends after a short idle time."""
        self.begin()
        self._timer.start()

    def finish(self) -> None:
        """End the gesture and commit if the value changed."""
        self._timer.stop()
        start, self._start = self._start, None
        if start is not None and start != self._value():
            self._commit(start, self._value())


class DragControl(QWidget):
    """A value set by relative drags, the wheel, arrow keys, and double-click to reset.

    Subclasses map values to positions along their travel and say how a step works.
    ``value_changed(value)`` is emitted live; ``value_committed(old, new)`` once per
    gesture: mouse release, the end of a wheel burst, key release, reset.
    """

    value_changed = Signal(float)
    value_committed = Signal(float, float)
    #: Keys that step the value, and their direction.
    STEP_KEYS: ClassVar[dict[Qt.Key, int]] = {}

    def __init__(self, parent: QWidget | None, *, default: float) -> None:
        super().__init__(parent)
        self._value = self.default_value = default
        self._drag_from: QPointF | None = None
        self._drag_position = 0.0
        self._wheel_remainder = 0.0
        self._gesture = GestureCommit(lambda: self._value, self.value_committed.emit, self)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def _clamp(self, value: float) -> float:
        return value

    def _position(self, value: float) -> float:
        """Where ``value`` sits along the travel, 0 to 1."""
        raise NotImplementedError

    def _value_at(self, position: float) -> float:
        raise NotImplementedError

    def _drag_px(self, delta: QPointF) -> float:
        """How far a mouse movement goes along the travel, in pixels."""
        raise NotImplementedError

    def _travel_px(self) -> float:
        raise NotImplementedError

    def _stepped(self, value: float, steps: int, *, fine: bool) -> float:
        raise NotImplementedError

    def set_value(self, value: float, *, emit: bool = False) -> None:
        """Set the value (clamped); emit ``value_changed`` only if ``emit``."""
        value = self._clamp(value)
        if value != self._value:
            self._value = value
            self.update()
            if emit:
                self.value_changed.emit(value)

    def commit_value(self, value: float) -> None:
        """Set ``value`` as one complete user gesture (a typed value or a reset)."""
        self._gesture.finish()
        self._gesture.begin()
        self.set_value(value, emit=True)
        self._gesture.finish()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self._gesture.finish()
        self._gesture.begin()
        self._drag_from = event.position()
        self._drag_position = self._position(self._value)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is None:
            return
        speed = FINE_SPEED if event.modifiers() & _FINE_MODIFIERS else 1.0
        # Relative: the control follows the mouse's movement, it never jumps to it.
        delta = self._drag_px(event.position() - self._drag_from) / max(1.0, self._travel_px())
        self._drag_from = event.position()
        self._drag_position = min(1.0, max(0.0, self._drag_position + delta * speed))
        self.set_value(self._value_at(self._drag_position), emit=True)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._drag_from is not None:
            self._drag_from = None
            self._gesture.finish()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag_from = None
            self.commit_value(self.default_value)

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        # Some systems turn Shift+wheel into a horizontal scroll.
        self._wheel_remainder += (delta.y() or delta.x()) / 120.0
        notches = math.trunc(self._wheel_remainder)
        self._wheel_remainder -= notches
        event.accept()
        if notches:
            self._gesture.touch()
            fine = bool(event.modifiers() & _FINE_MODIFIERS)
            self.set_value(self._stepped(self._value, notches, fine=fine), emit=True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        direction = self.STEP_KEYS.get(Qt.Key(event.key()))
        if direction is None:
            super().keyPressEvent(event)
            return
        self._gesture.begin()
        fine = bool(event.modifiers() & _FINE_MODIFIERS)
        self.set_value(self._stepped(self._value, direction, fine=fine), emit=True)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if Qt.Key(event.key()) in self.STEP_KEYS and not event.isAutoRepeat():
            self._gesture.finish()
        else:
            super().keyReleaseEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self._drag_from = None
        self._gesture.finish()
        super().focusOutEvent(event)


class Fader(DragControl):
    """A vertical fader from -inf to +12 dB with a console taper and a drawn scale.

    ``value_changed(db)`` follows every move; ``value_committed(old_db, new_db)`` comes
    once per gesture, for the undo stack.
    """

    STEP_KEYS: ClassVar[dict[Qt.Key, int]] = {Qt.Key.Key_Up: 1, Qt.Key.Key_Down: -1}
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


def format_db(gain_db: float) -> str:
    """Format a level as the strip shows and accepts it: ``"+3.0"``, ``"0.0"``, ``"-inf"``."""
    if not math.isfinite(gain_db):
        return "-inf"
    if abs(gain_db) < 0.05:
        return "0.0"
    return f"{gain_db:+.1f}"


def _scale_label(mark_db: float) -> str:
    if not math.isfinite(mark_db):
        return "−∞"
    return f"{mark_db:+.0f}".replace("-", "−") if mark_db else "0"


def _crisp(y: float) -> float:
    """Put a one-pixel line on the pixel grid so it is not blurred over two rows."""
    return math.floor(y) + 0.5
