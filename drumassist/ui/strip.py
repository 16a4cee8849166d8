"""One mixer channel strip per track: name, role, mute/solo/polarity, pan, fader, meter, level.

User actions are reported by signals (``*_changed`` live, ``*_committed`` once per
gesture for the undo stack); the ``set_*`` methods never emit, so undo, redo and
session loading can drive the strip without echoing back.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from drumassist.core.roles import Role
from drumassist.ui.fader import Fader
from drumassist.ui.levelentry import (
    ENTRY_TOOLTIP,
    GainEntry,
    clamped_note,
    format_diff_db,
    parse_db,
    suggestion_tooltip,
)
from drumassist.ui.meter import LevelMeter
from drumassist.ui.pan import PanControl
from drumassist.ui.striphead import STRIP_WIDTH_PX, StripHeader
from drumassist.ui.taper import clamp_db, format_db

INVERT_TOOLTIP = (
    "Invert this track's polarity (Ø): heard in A and B and written to every export;"
    " the stem itself is never changed"
)


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
    invert_toggled = Signal(bool)
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
        self.header = StripHeader(name, stereo=stereo)
        self.name_label = self.header.name_label
        self.role_combo = QComboBox()
        self.role_combo.setObjectName("roleCombo")
        self.role_combo.setToolTip("What this track is; the suggestion depends on it")
        for role in Role:
            self.role_combo.addItem(role.value.capitalize(), role)
        self.mute_button = self._toggle("M", "muteButton", "Mute this track")
        self.solo_button = self._toggle("S", "soloButton", "Solo: hear only the soloed tracks")
        self.invert_button = self._toggle("Ø", "invertButton", INVERT_TOOLTIP)
        self.pan_control = PanControl()
        self.fader = Fader()
        self.meter = LevelMeter(channels=2 if stereo else 1)
        self.gain_entry = GainEntry()
        self.gain_entry.setObjectName("gainEntry")
        self.gain_entry.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.gain_entry.setToolTip(ENTRY_TOOLTIP)
        self.diff_label = QLabel()
        self.diff_label.setObjectName("suggestionDiff")
        self.diff_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.diff_label.setMinimumHeight(2 * self.diff_label.fontMetrics().height())
        self._lay_out(stereo)

    def _lay_out(self, stereo: bool) -> None:
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        buttons.addWidget(self.mute_button)
        buttons.addWidget(self.solo_button)
        buttons.addWidget(self.invert_button)
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
        layout.addWidget(self.header)
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
        self.invert_button.clicked.connect(self.invert_toggled)
        self.role_combo.activated.connect(self._on_role_chosen)
        self.gain_entry.returnPressed.connect(self._on_gain_typed)
        self.gain_entry.editingFinished.connect(self._on_entry_left)
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
    def inverted(self) -> bool:
        """True when the polarity button is on."""
        return self.invert_button.isChecked()

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

    def set_heard(self, heard: bool) -> None:
        """Dim the strip while it is not heard (muted, or another strip is soloed)."""
        if self.property("silenced") != (not heard):
            self.setProperty("silenced", not heard)
            for widget in (self, self.name_label):  # the name's colour hangs on the strip's
                widget.style().unpolish(widget)
                widget.style().polish(widget)

    def set_invert(self, inverted: bool) -> None:
        """Turn the polarity inversion on or off."""
        self.invert_button.setChecked(inverted)
        self.header.set_inverted(inverted)

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

    def set_polarity_flip(self, reason: str | None) -> None:
        """Show that a polarity flip is suggested for this track, and why (None: none is)."""
        self.header.set_polarity_flip(reason)

    def set_bleed_only(self, bleed_only: bool) -> None:
        """Show that the suggestion found only bleed on this track (its drum does not play)."""
        self.header.set_bleed_only(bleed_only)

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
        clamped = clamp_db(gain_db)
        self.fader.commit_value_db(clamped)
        self.refresh_gain()
        if clamped != gain_db:  # said, so a typed +20 is not taken for +20
            below = self.gain_entry.mapToGlobal(QPoint(0, self.gain_entry.height()))
            QToolTip.showText(below, clamped_note(gain_db, clamped), self.gain_entry)

    def _on_entry_left(self) -> None:
        """Tab or a click elsewhere commits a typed level, as Enter does (after Enter or
        Escape the text is the fader's again, so nothing more happens); junk reverts."""
        if self.gain_entry.isModified() and parse_db(self.gain_entry.text()) is not None:
            self._on_gain_typed()
        else:
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
            label.setToolTip(suggestion_tooltip(gain_db, low_db, high_db))
            low = low_db if low_db is not None else gain_db
            high = high_db if high_db is not None else gain_db
            outside = not low - 0.05 <= self.gain_db <= high + 0.05
        if label.property("outside") != outside:
            label.setProperty("outside", outside)
            label.style().unpolish(label)
            label.style().polish(label)
