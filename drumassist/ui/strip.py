"""One mixer channel strip per track: name, role, mute/solo, pan, fader, meter, level.

User actions are reported by signals (``*_changed`` live, ``*_committed`` once per
gesture for the undo stack); the ``set_*`` methods never emit, so undo, redo and
session loading can drive the strip without echoing back.
"""

from __future__ import annotations

import math
import re
from typing import ClassVar

from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from drumassist.core.roles import Role
from drumassist.ui import theme
from drumassist.ui.fader import DragControl, Fader, clamp_db, format_db
from drumassist.ui.meter import LevelMeter

STRIP_WIDTH_PX = 92
PAN_STEP = 0.05
PAN_FINE_STEP = 0.01
_DB_SUFFIX_RE = re.compile(r"\s*db\s*$", re.IGNORECASE)

ENTRY_TOOLTIP = "Type a level in dB and press Enter: -6, -6.5 dB, +3 or -inf.\nEscape cancels."
PAN_TOOLTIP = (
    "Pan: L100 (left) to R100 (right), C = centre.\n"
    "Drag sideways (Shift or Ctrl: fine), wheel or Left/Right keys; double-click: centre."
)


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
        # Centre notches at the edges, clear of the text.
        for y in (inner.top(), inner.bottom() - 2):
            painter.fillRect(QRectF(centre - 0.5, y, 1, 2), QColor(theme.MUTED_TEXT))
        font = QFont(self.font())
        font.setPointSizeF(8.0)
        painter.setFont(font)
        painter.setPen(QColor(theme.TEXT))
        painter.drawText(body, Qt.AlignmentFlag.AlignCenter, format_pan(self._value))
        painter.end()


class _ElidedLabel(QLabel):
    """A label that elides its text to its width and shows the whole text as a tooltip."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full_text = text
        self.setToolTip(text)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        elided = self.fontMetrics().elidedText(
            self._full_text, Qt.TextElideMode.ElideRight, self.width()
        )
        self.setText(elided)


class _GainEntry(QLineEdit):
    """The typed level: Enter commits, Escape gives up the typing."""

    cancelled = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            self.clearFocus()
        else:
            super().keyPressEvent(event)


class ChannelStrip(QFrame):
    """The controls of one track, laid out top to bottom like a console channel.

    Parameters
    ----------
    name : str
        The track name, shown elided, in full in its tooltip.
    stereo : bool
        A stereo stem gets an "ST" badge and a two-bar meter.
    role : Role
        The drum the track holds, shown in the role box.
    parent : QWidget, optional
        The parent widget.
    """

    gain_changed = Signal(float)
    gain_committed = Signal(float, float)
    pan_changed = Signal(float)
    pan_committed = Signal(float, float)
    mute_toggled = Signal(bool)
    solo_toggled = Signal(bool)
    role_committed = Signal(object, object)

    def __init__(
        self, name: str, *, stereo: bool, role: Role, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("channelStrip")
        self.setFixedWidth(STRIP_WIDTH_PX)
        self._name = name
        self._role = role
        self._suggestion: tuple[float, float | None, float | None] | None = None
        self._build(name, stereo)
        self._connect()
        self.set_role(role)
        self.refresh_gain()

    # -- building --------------------------------------------------------------------------

    def _build(self, name: str, stereo: bool) -> None:
        self.name_label = _ElidedLabel(name)
        self.name_label.setObjectName("stripName")
        self.name_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.role_combo = QComboBox()
        self.role_combo.setObjectName("roleCombo")
        self.role_combo.setToolTip("What this track is; the suggestion depends on it")
        for role in Role:
            self.role_combo.addItem(role.value.capitalize(), role)
        self.mute_button = self._toggle("M", "muteButton", "Mute this track")
        self.solo_button = self._toggle("S", "soloButton", "Solo: hear only the soloed tracks")
        self.pan_control = PanControl()
        self.fader = Fader()
        self.meter = LevelMeter(channels=2 if stereo else 1)
        self.gain_entry = _GainEntry()
        self.gain_entry.setObjectName("gainEntry")
        self.gain_entry.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.gain_entry.setToolTip(ENTRY_TOOLTIP)
        self.diff_label = QLabel()
        self.diff_label.setObjectName("suggestionDiff")
        self.diff_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.diff_label.setMinimumHeight(2 * self.diff_label.fontMetrics().height())
        self._lay_out(stereo)

    def _lay_out(self, stereo: bool) -> None:
        header = QHBoxLayout()
        header.setSpacing(3)
        header.addWidget(self.name_label, 1)
        if stereo:
            badge = QLabel("ST")
            badge.setObjectName("stereoBadge")
            badge.setToolTip("Stereo stem: the pan acts as a balance")
            header.addWidget(badge)
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        buttons.addWidget(self.mute_button)
        buttons.addWidget(self.solo_button)
        # The meter spans the fader's travel, so both scales start and end level.
        meter_column = QVBoxLayout()
        margin = round(Fader.TRAVEL_MARGIN_PX)
        meter_column.setContentsMargins(0, margin - round(LevelMeter.BAR_TOP_PX), 0, margin)
        meter_column.addWidget(self.meter)
        faders = QHBoxLayout()
        faders.setSpacing(2)
        faders.addStretch(1)
        faders.addWidget(self.fader)
        faders.addLayout(meter_column)
        faders.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(5, 6, 5, 6)
        layout.setSpacing(5)
        layout.addLayout(header)
        layout.addWidget(self.role_combo)
        layout.addLayout(buttons)
        layout.addWidget(self.pan_control)
        layout.addLayout(faders, 1)
        layout.addWidget(self.gain_entry)
        layout.addWidget(self.diff_label)

    @staticmethod
    def _toggle(text: str, object_name: str, tooltip: str) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(object_name)
        button.setCheckable(True)
        button.setToolTip(tooltip)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        return button

    def _connect(self) -> None:
        self.fader.value_changed.connect(self._on_fader_moved)
        self.fader.value_committed.connect(self.gain_committed)
        self.pan_control.value_changed.connect(self.pan_changed)
        self.pan_control.value_committed.connect(self.pan_committed)
        # clicked, unlike toggled, fires only for the user, never for set_mute/set_solo.
        self.mute_button.clicked.connect(self.mute_toggled)
        self.solo_button.clicked.connect(self.solo_toggled)
        self.role_combo.activated.connect(self._on_role_chosen)
        self.gain_entry.returnPressed.connect(self._on_gain_typed)
        self.gain_entry.editingFinished.connect(self.refresh_gain)
        self.gain_entry.cancelled.connect(self.refresh_gain)

    # -- getters ---------------------------------------------------------------------------

    @property
    def name(self) -> str:
        """The track name."""
        return self._name

    @property
    def gain_db(self) -> float:
        """The fader level in dB."""
        return self.fader.value_db

    @property
    def pan(self) -> float:
        """The pan, -1 (left) to +1 (right)."""
        return self.pan_control.value

    @property
    def muted(self) -> bool:
        """True when the mute button is on."""
        return self.mute_button.isChecked()

    @property
    def soloed(self) -> bool:
        """True when the solo button is on."""
        return self.solo_button.isChecked()

    @property
    def role(self) -> Role:
        """The role chosen in the role box."""
        return self._role

    # -- setters (never emit) --------------------------------------------------------------

    def set_gain_db(self, gain_db: float) -> None:
        """Move the fader to ``gain_db``."""
        self.fader.set_value_db(gain_db)
        self.refresh_gain()

    def set_pan(self, pan: float) -> None:
        """Set the pan, -1 (left) to +1 (right)."""
        self.pan_control.set_value(pan)

    def set_mute(self, muted: bool) -> None:
        """Turn mute on or off."""
        self.mute_button.setChecked(muted)

    def set_solo(self, soloed: bool) -> None:
        """Turn solo on or off."""
        self.solo_button.setChecked(soloed)

    def set_role(self, role: Role) -> None:
        """Show ``role`` in the role box."""
        self._role = role
        self.role_combo.setCurrentIndex(self.role_combo.findData(role))

    def set_suggestion(
        self, gain_db: float | None, low_db: float | None = None, high_db: float | None = None
    ) -> None:
        """Mark the suggested level (and its likely range) beside the fader; None clears it."""
        self._suggestion = None if gain_db is None else (gain_db, low_db, high_db)
        self.fader.set_suggestion(gain_db, low_db, high_db)
        self._refresh_diff()

    def set_meter(self, peak_lin: float, right_lin: float | None = None) -> None:
        """Show the latest peak (linear); give ``right_lin`` too for separate stereo bars."""
        if right_lin is None:
            self.meter.set_peak(peak_lin)
        else:
            self.meter.set_peaks(peak_lin, right_lin)

    # -- reactions -------------------------------------------------------------------------

    def refresh_gain(self) -> None:
        """Show the fader level in the entry, and its distance to the suggestion."""
        self.gain_entry.setText(format_db(self.fader.value_db))
        self._refresh_diff()

    def _on_fader_moved(self, gain_db: float) -> None:
        self.refresh_gain()
        self.gain_changed.emit(gain_db)

    def _on_gain_typed(self) -> None:
        gain_db = parse_db(self.gain_entry.text())
        if gain_db is None:
            self.refresh_gain()
            below = self.gain_entry.mapToGlobal(QPoint(0, self.gain_entry.height()))
            QToolTip.showText(below, ENTRY_TOOLTIP, self.gain_entry)
            return
        self.fader.commit_value_db(clamp_db(gain_db))
        self.refresh_gain()

    def _on_role_chosen(self, index: int) -> None:
        # PySide hands a str-based enum back as a plain str.
        role = Role(self.role_combo.itemData(index))
        if role != self._role:
            old, self._role = self._role, role
            self.role_committed.emit(old, role)

    def _refresh_diff(self) -> None:
        label = self.diff_label
        if self._suggestion is None:
            label.setText("")
            label.setToolTip("")
            outside = False
        else:
            gain_db, low_db, high_db = self._suggestion
            label.setText(f"{format_diff_db(self.gain_db - gain_db)}\nvs suggestion")
            label.setToolTip(_suggestion_tooltip(gain_db, low_db, high_db))
            low = low_db if low_db is not None else gain_db
            high = high_db if high_db is not None else gain_db
            outside = not low - 0.05 <= self.gain_db <= high + 0.05
        if label.property("outside") != outside:
            label.setProperty("outside", outside)
            label.style().unpolish(label)
            label.style().polish(label)


def format_diff_db(diff_db: float) -> str:
    """A level difference: ``"+2.1 dB"``, ``"-0.4 dB"``, ``"0.0 dB"``, ``"-inf dB"``."""
    if math.isnan(diff_db):
        return "0.0 dB"  # both at -inf
    return f"{format_db(diff_db) if diff_db < math.inf else '+inf'} dB"


def _suggestion_tooltip(gain_db: float, low_db: float | None, high_db: float | None) -> str:
    text = f"The suggestion for this track is {format_db(gain_db)} dB"
    if low_db is not None and high_db is not None:
        text += f",\nlikely between {format_db(low_db)} and {format_db(high_db)} dB"
    return text + ".\nOrange on the fader: the suggestion; it does not move your fader."
