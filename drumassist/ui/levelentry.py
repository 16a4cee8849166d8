"""The strip's typed level: parsing what is typed, the entry, the difference label."""

from __future__ import annotations

import math
import re

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QLineEdit

from drumassist.ui.taper import FLOOR_DB, MAX_DB, format_db

_DB_SUFFIX_RE = re.compile(r"\s*db\s*$", re.IGNORECASE)

ENTRY_TOOLTIP = "Type a level in dB and press Enter: -6, -6.5 dB, +3 or -inf.\nEscape cancels."


def parse_db(text: str) -> float | None:
    """Read a typed level such as ``"-6"``, ``"-6.5 dB"``, ``"+3"`` or ``"-inf"``.

    Returns None when ``text`` is not a level. A comma works as the decimal point.
    """
    cleaned = _DB_SUFFIX_RE.sub("", text.strip()).replace("−", "-").replace(",", ".")
    cleaned = cleaned.replace(" ", "").lower().replace("∞", "inf")
    if cleaned in ("-inf", "-infinity"):
        return -math.inf
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def clamped_note(typed_db: float, set_db: float) -> str:
    """What the entry says when a typed level lies outside the fader's range."""
    if set_db == -math.inf:
        return (
            f"{format_db(typed_db)} dB is at or below {format_db(FLOOR_DB)} dB,"
            " where the fader reads −∞: set to −∞."
        )
    return f"The fader goes up to {format_db(MAX_DB)} dB: set to {format_db(set_db)} dB."


#: Keys the entry leaves to the window's Undo and Redo unless something is being typed.
_UNDO_KEYS = (QKeySequence.StandardKey.Undo, QKeySequence.StandardKey.Redo)


class GainEntry(QLineEdit):
    """The typed level: Enter commits, Escape gives up the typing.

    Undo and Redo (Ctrl+Z, Ctrl+Shift+Z, Ctrl+Y) undo the typing while there is some,
    and otherwise go to the mix's undo: the cursor stays in the entry after Enter, the
    moment a user is most likely to undo what the entry did.
    """

    cancelled = Signal()

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and not self.isModified()
            and (any(event.matches(k) for k in _UNDO_KEYS) or _is_ctrl_y(event))
        ):
            event.ignore()  # not the entry's: the window's shortcut takes it
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            self.clearFocus()
        else:
            super().keyPressEvent(event)


def _is_ctrl_y(event: QKeyEvent) -> bool:
    return event.key() == Qt.Key.Key_Y and event.modifiers() == Qt.KeyboardModifier.ControlModifier


def format_diff_db(diff_db: float) -> str:
    """A level difference: ``"+2.1 dB"``, ``"-0.4 dB"``, ``"0.0 dB"``, ``"−∞ dB"`` (as the
    fader's scale writes it)."""
    if math.isnan(diff_db):
        return "0.0 dB"  # both at -inf
    if math.isinf(diff_db):
        return "−∞ dB" if diff_db < 0 else "+∞ dB"
    return f"{format_db(diff_db)} dB"


def suggestion_tooltip(gain_db: float, low_db: float | None, high_db: float | None) -> str:
    text = f"The suggestion for this track is {format_db(gain_db)} dB"
    if low_db is not None and high_db is not None:
        text += f",\nlikely between {format_db(low_db)} and {format_db(high_db)} dB"
    return text + ".\nOrange on the fader: the suggestion; it does not move your fader."
