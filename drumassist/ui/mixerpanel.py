"""The row of channel strips, bound to a MixDocument in both directions."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QScrollArea, QWidget

from drumassist.audio.engine import Meter
from drumassist.ui.document import MixDocument
from drumassist.ui.strip import ChannelStrip


class MixerPanel(QScrollArea):
    """One ChannelStrip per track, scrolling sideways when they do not fit."""

    def __init__(self, document: MixDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = QWidget()
        row = QHBoxLayout(inner)
        row.setContentsMargins(8, 8, 8, 8)
        row.setSpacing(6)
        self.strips: list[ChannelStrip] = []
        for index, track in enumerate(document.multitrack.tracks):
            strip = ChannelStrip(track.name, stereo=track.is_stereo, role=track.role)
            self._connect(index, strip)
            row.addWidget(strip)
            self.strips.append(strip)
        row.addStretch(1)
        self.setWidget(inner)
        document.strip_changed.connect(self._show_strip)
        document.suggestion_changed.connect(self._show_suggestion)
        for index in range(len(self.strips)):
            self._show_strip(index)

    def _connect(self, index: int, strip: ChannelStrip) -> None:
        doc = self.document
        strip.gain_changed.connect(lambda db: doc.set_gain(index, db))
        strip.gain_committed.connect(lambda old, new: doc.commit_gain(index, old, new))
        strip.pan_changed.connect(lambda pan: doc.set_pan(index, pan))
        strip.pan_committed.connect(lambda old, new: doc.commit_pan(index, old, new))
        strip.mute_toggled.connect(lambda on: doc.toggle_mute(index, on))
        strip.solo_toggled.connect(lambda on: doc.toggle_solo(index, on))
        strip.role_committed.connect(lambda _old, new: doc.change_role(index, new))

    def _show_strip(self, index: int) -> None:
        state = self.document.strips[index]
        strip = self.strips[index]
        strip.set_gain_db(state.gain_db)
        strip.set_pan(state.pan)
        strip.set_mute(state.mute)
        strip.set_solo(state.solo)
        strip.set_role(state.role)

    def _show_suggestion(self) -> None:
        suggestion = self.document.suggestion
        for index, strip in enumerate(self.strips):
            if suggestion is None or not math.isfinite(suggestion.gains_db[index]):
                strip.set_suggestion(None)
            else:
                strip.set_suggestion(
                    suggestion.gains_db[index], suggestion.low_db[index], suggestion.high_db[index]
                )

    def show_meter(self, meter: Meter | None) -> None:
        for index, strip in enumerate(self.strips):
            strip.set_meter(meter.track_peaks[index] if meter is not None else 0.0)
