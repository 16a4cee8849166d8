"""The strip of a track whose stem was not found: its settings, kept, and "Locate…"."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from drumassist.core.session import TrackState
from drumassist.ui.pan import format_pan
from drumassist.ui.striphead import STRIP_WIDTH_PX, StripHeader
from drumassist.ui.taper import format_db


class MissingStrip(QFrame):
    """Shows a missing track in its place among the strips; Locate… finds its file.

    Nothing here changes the track: it is saved back as it was read.
    """

    locate_clicked = Signal()

    def __init__(self, state: TrackState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("missingStrip")
        self.setFixedWidth(STRIP_WIDTH_PX)
        self.state = state
        self.header = StripHeader(state.name, stereo=False)
        badge = QLabel("MISSING")
        badge.setObjectName("missingBadge")
        self.file_label = QLabel(state.path.name)
        self.file_label.setWordWrap(True)
        self.settings_label = QLabel(describe_settings(state))
        self.settings_label.setWordWrap(True)
        self.locate_button = QPushButton("Locate…")
        self.locate_button.setToolTip(f"Find {state.path.name}; its settings are kept")
        self.locate_button.clicked.connect(self.locate_clicked)
        self.setToolTip(
            f"{state.path} was not found.\nIts settings stay in the session until you locate it."
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(5, 6, 5, 6)
        layout.setSpacing(5)
        layout.addWidget(self.header)
        for label in (badge, self.file_label, self.settings_label):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(label)
        layout.addStretch(1)
        layout.addWidget(self.locate_button)

    @property
    def name(self) -> str:
        return self.state.name


def describe_settings(state: TrackState) -> str:
    """The kept settings in a few words: role, level, pan, mute and solo."""
    lines = [state.role.value, f"{format_db(state.gain_db)} dB", f"pan {format_pan(state.pan)}"]
    lines += ["muted"] * state.mute + ["solo"] * state.solo
    return "\n".join(lines)
