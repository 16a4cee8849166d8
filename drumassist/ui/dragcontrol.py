"""A value set by relative mouse drags, the wheel and arrow keys, committed once per
gesture for the undo stack: the base of the fader and the pan control."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import ClassVar

from PySide6.QtCore import QObject, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QWidget

FINE_SPEED = 0.1
COMMIT_IDLE_MS = 400
_FINE_MODIFIERS = Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier


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
        self._gesture = GestureCommit(lambda: self._value, self._committed, self)
        # Whether the gesture under way is made of steps (keys, wheel), not a drag or a
        # typed value; read from committed_by_steps once it is committed.
        self._stepping = False
        #: True if the last commit was of steps: the undo stack merges a run of those.
        self.committed_by_steps = False
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

    def _committed(self, old: float, new: float) -> None:
        self.committed_by_steps, self._stepping = self._stepping, False
        self.value_committed.emit(old, new)

    def _begin(self, *, steps: bool) -> None:
        """Start a gesture (ending one of another kind first) or go on with one."""
        if self._stepping != steps:
            self._gesture.finish()
        self._stepping = steps
        self._gesture.begin()

    def commit_value(self, value: float) -> None:
        """Set ``value`` as one complete user gesture (a typed value or a reset)."""
        self._gesture.finish()
        self._begin(steps=False)
        self.set_value(value, emit=True)
        self._gesture.finish()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self._gesture.finish()
        self._begin(steps=False)
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
            self._begin(steps=True)
            self._gesture.touch()
            fine = bool(event.modifiers() & _FINE_MODIFIERS)
            self.set_value(self._stepped(self._value, notches, fine=fine), emit=True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        direction = self.STEP_KEYS.get(Qt.Key(event.key()))
        if direction is None:
            super().keyPressEvent(event)
            return
        self._begin(steps=True)
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
