"""The row of channel strips, bound to a MixDocument in both directions.

Strips stand in the document's order (by role at first); dragging a strip's header
sideways moves it, and a missing stem has a placeholder strip with "Locate…".
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QScrollArea, QWidget

from drumassist.audio.engine import Meter
from drumassist.ui.document import MixDocument
from drumassist.ui.missingstrip import MissingStrip
from drumassist.ui.strip import ChannelStrip
from drumassist.ui.striphead import StripHeader

DROP_MARKER_WIDTH_PX = 3


class MixerPanel(QScrollArea):
    """One ChannelStrip per track, scrolling sideways when they do not fit."""

    locate_requested = Signal(str)

    def __init__(self, document: MixDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._inner = QWidget()
        self._row = QHBoxLayout(self._inner)
        self._row.setContentsMargins(8, 8, 8, 8)
        self._row.setSpacing(6)
        #: The strips of the loaded tracks, in the multitrack's order (index = track).
        self.strips: list[ChannelStrip] = []
        for index, track in enumerate(document.multitrack.tracks):
            strip = ChannelStrip(track.name, stereo=track.is_stereo, role=track.role)
            self._connect(index, strip)
            self._connect_header(track.name, strip.header)
            self.strips.append(strip)
        self.missing_strips: dict[str, MissingStrip] = {}
        self.drop_marker = QFrame(self._inner)
        self.drop_marker.setObjectName("dropMarker")
        self.drop_marker.hide()
        self.setWidget(self._inner)
        document.strip_changed.connect(self._show_strip)
        document.suggestion_changed.connect(self._show_suggestion)
        document.order_changed.connect(self._lay_out)
        self._lay_out()
        for index in range(len(self.strips)):
            self._show_strip(index)
        self._show_suggestion()  # a session may bring one

    def visible_order(self) -> list[str]:
        """The track names of the strips as they stand, left to right."""
        return [w.name for w in self._widgets()]

    def _widgets(self) -> list[ChannelStrip | MissingStrip]:
        items = (self._row.itemAt(i) for i in range(self._row.count()))
        widgets = (item.widget() for item in items if item is not None)
        return [w for w in widgets if isinstance(w, ChannelStrip | MissingStrip)]

    def _lay_out(self) -> None:
        """Put the strips in the document's order (missing ones get a placeholder)."""
        while self._row.count():
            self._row.takeAt(0)
        by_name = {s.name: s for s in self.strips}
        for name, state in self.document.missing.items():
            if name not in self.missing_strips:
                strip = MissingStrip(state)
                strip.locate_clicked.connect(lambda n=name: self.locate_requested.emit(n))
                self._connect_header(name, strip.header)
                self.missing_strips[name] = strip
        for name in self.document.order:
            widget = by_name.get(name) or self.missing_strips.get(name)
            if widget is not None:
                self._row.addWidget(widget)
        self._row.addStretch(1)
        # Place the strips now, not at the next event: a drop right after uses their places.
        self._row.activate()

    def _connect(self, index: int, strip: ChannelStrip) -> None:
        doc = self.document
        strip.gain_changed.connect(lambda db: doc.set_gain(index, db))
        # A run of key or wheel steps on one control is one undo step (the document merges).
        strip.gain_committed.connect(
            lambda old, new: doc.commit_gain(index, old, new, steps=strip.fader.committed_by_steps)
        )
        strip.pan_changed.connect(lambda pan: doc.set_pan(index, pan))
        strip.pan_committed.connect(
            lambda old, new: doc.commit_pan(
                index, old, new, steps=strip.pan_control.committed_by_steps
            )
        )
        strip.mute_toggled.connect(lambda on: doc.toggle_mute(index, on))
        strip.solo_toggled.connect(lambda on: doc.toggle_solo(index, on))
        strip.invert_toggled.connect(lambda on: doc.toggle_invert(index, on))
        strip.role_committed.connect(lambda _old, new: doc.change_role(index, new))

    def _connect_header(self, name: str, header: StripHeader) -> None:
        header.drag_moved.connect(lambda pos: self._show_drop(name, pos))
        header.dropped.connect(lambda pos: self._drop(name, pos))

    def _drop_index(self, name: str, global_pos: QPointF) -> tuple[int, int]:
        """Where a strip dragged to ``global_pos`` lands: its new index, and the x of the gap."""
        x = self._inner.mapFromGlobal(global_pos.toPoint()).x()
        others = [w for w in self._widgets() if w.name != name]
        index = sum(1 for w in others if w.geometry().center().x() < x)
        if index < len(others):
            gap_x = others[index].geometry().left() - self._row.spacing() // 2
        elif others:
            gap_x = others[-1].geometry().right() + self._row.spacing() // 2
        else:
            gap_x = 0
        return index, gap_x

    def _show_drop(self, name: str, global_pos: QPointF) -> None:
        _index, gap_x = self._drop_index(name, global_pos)
        top = self._row.contentsMargins().top()
        height = self._inner.height() - top - self._row.contentsMargins().bottom()
        self.drop_marker.setGeometry(
            gap_x - DROP_MARKER_WIDTH_PX // 2, top, DROP_MARKER_WIDTH_PX, height
        )
        self.drop_marker.raise_()
        self.drop_marker.show()

    def _drop(self, name: str, global_pos: QPointF) -> None:
        self.drop_marker.hide()
        index, _gap_x = self._drop_index(name, global_pos)
        self.document.move_strip(name, index)

    def _show_strip(self, index: int) -> None:
        state = self.document.strips[index]
        strip = self.strips[index]
        strip.set_gain_db(state.gain_db)
        strip.set_pan(state.pan)
        strip.set_mute(state.mute)
        strip.set_solo(state.solo)
        strip.set_invert(state.invert)
        strip.set_role(state.role)
        # A solo changes what every other strip is: each is dimmed while not heard.
        for other, heard in zip(self.strips, self.document.audible(), strict=True):
            other.set_heard(bool(heard))
        self._place_suggestion()  # B follows A's loudness

    def _show_suggestion(self) -> None:
        suggestion = self.document.suggestion
        flips = set() if suggestion is None else set(suggestion.polarity.flips)
        bleed_only = set() if suggestion is None else set(suggestion.bleed_only)
        for strip in self.strips:
            name = strip.name
            strip.set_bleed_only(name in bleed_only)
            strip.set_polarity_flip(
                suggestion.polarity.reason(name)
                if suggestion is not None and name in flips
                else None
            )
        self._place_suggestion()

    def _place_suggestion(self) -> None:
        """The markers: the suggested balance at the loudness of the user's faders (over the
        unmuted tracks, solo or not; MixState.b_offset_db),
        so "vs suggestion" reads as balance, not as the level of the whole mix (the
        suggestion itself is made at -23 LUFS). A fader move moves them with A."""
        suggestion = self.document.suggestion
        offset = self.document.b_offset_db()
        for index, strip in enumerate(self.strips):
            if suggestion is None or not math.isfinite(suggestion.gains_db[index]):
                strip.set_suggestion(None)
                continue
            gain, low, high = (
                float(v[index]) + offset
                for v in (suggestion.gains_db, suggestion.low_db, suggestion.high_db)
            )
            strip.set_suggestion(gain, low, high)

    def show_meter(self, meter: Meter | None) -> None:
        """Show the callback's latest peaks; None (playback stopped) clears the bars and
        holds, keeping any clip light (the meters stayed lit at their last levels after
        playback reached the end: new-user trial)."""
        for index, strip in enumerate(self.strips):
            if meter is None:
                strip.meter.fall_silent()
            else:
                strip.set_meter(meter.track_peaks[index])
