"""Connects the document to the audio engine: publishes what to play, polls meters.

The GUI thread builds a new immutable PlaybackState on every change and assigns it
to the engine (see drumassist.audio.engine for why that is thread-safe); a 30 Hz
timer reads the engine's position, meter and underflow count.
"""

from __future__ import annotations

import logging

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from drumassist.audio.device import Playback, unavailable_reason
from drumassist.audio.engine import MixEngine, PlaybackState
from drumassist.core.mix import channel_factors
from drumassist.errors import PlaybackError
from drumassist.ui.document import MixDocument

log = logging.getLogger(__name__)

METER_REFRESH_MS = 33


class PlayerController(QObject):
    """Play/stop, A/B, seek and loop for one document."""

    position_changed = Signal(float)
    meter_changed = Signal(object)
    underflows_changed = Signal(int)
    playing_changed = Signal(bool)
    ab_changed = Signal(bool)
    unavailable = Signal(str)

    def __init__(
        self,
        document: MixDocument,
        *,
        device: int | str | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.device = device
        self.use_b = False
        self.playing = False
        self.loop: tuple[int, int] | None = None
        self._seek: int | None = None
        self._seek_serial = 0
        self._underflows = 0
        self._shown_position = 0
        # The blind test's candidate, played as B while set (GUI thread only).
        self.audition_db: np.ndarray | None = None
        self.engine = MixEngine(document.multitrack, self._state())
        self._playback: Playback | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(METER_REFRESH_MS)
        self._timer.timeout.connect(self._poll)
        document.strip_changed.connect(lambda _index: self.publish())
        document.suggestion_changed.connect(self.publish)

    @property
    def sample_rate(self) -> int:
        return self.document.multitrack.sample_rate

    @property
    def position_s(self) -> float:
        """Where playback is, or where it will start after a seek."""
        return self._shown_position / self.sample_rate

    def _state(self) -> PlaybackState:
        doc = self.document
        mutes = ~doc.audible()
        factors_a = channel_factors(
            doc.multitrack, doc.gains_a(), pans=doc.pans(), mutes=mutes, stereo=True
        )
        gains_b = doc.gains_b() if self.audition_db is None else self.audition_db
        factors_b = (
            factors_a
            if gains_b is None
            else channel_factors(doc.multitrack, gains_b, pans=doc.pans(), mutes=mutes, stereo=True)
        )
        return PlaybackState(
            factors_a=factors_a.astype(np.float32),
            factors_b=factors_b.astype(np.float32),
            use_b=(self.use_b or self.audition_db is not None) and gains_b is not None,
            playing=self.playing,
            loop=self.loop,
            seek_to=self._seek,
            seek_serial=self._seek_serial,
        )

    def publish(self) -> None:
        """Hand the engine a new state (one attribute assignment)."""
        self.engine.state = self._state()

    def audition(self, gains_db: np.ndarray | None) -> None:
        """Play ``gains_db`` as B from the same position (ramped); None ends the audition."""
        self.audition_db = None if gains_db is None else np.asarray(gains_db, dtype=np.float64)
        self.publish()

    def play(self) -> None:
        reason = unavailable_reason(self.device)
        if reason is not None:
            self.unavailable.emit(reason)
            return
        if self._shown_position >= self.engine.frames and self.loop is None:
            self.seek(0.0)
        self.playing = True
        self.publish()
        try:
            if self._playback is None:
                self._playback = Playback(self.engine, device=self.device)
            self._playback.start()
        except PlaybackError as exc:
            self.playing = False
            self.publish()
            self.unavailable.emit(str(exc))
            return
        self._timer.start()
        self.playing_changed.emit(True)

    def stop(self) -> None:
        self.playing = False
        self.publish()
        self.playing_changed.emit(False)

    def toggle_play(self) -> None:
        self.stop() if self.playing else self.play()

    def set_use_b(self, use_b: bool) -> None:
        self.use_b = use_b
        self.publish()
        self.ab_changed.emit(use_b)

    def toggle_ab(self) -> None:
        self.set_use_b(not self.use_b)

    def seek(self, seconds: float) -> None:
        self._seek = int(max(0.0, seconds) * self.sample_rate)
        self._seek_serial += 1
        self.engine.position = (
            min(self._seek, self.engine.frames) if not self.playing else (self.engine.position)
        )
        self.publish()
        self.position_changed.emit(self._seek / self.sample_rate)

    def set_loop(self, loop_s: tuple[float, float] | None) -> None:
        rate = self.sample_rate
        self.loop = None if loop_s is None else (int(loop_s[0] * rate), int(loop_s[1] * rate))
        self.publish()

    def _poll(self) -> None:
        if self.engine.seek_serial == self._seek_serial:
            self._shown_position = self.engine.position
        self.position_changed.emit(self.position_s)
        meter = self.engine.meter
        if meter is not None:
            self.meter_changed.emit(meter)
        if self.engine.underflows != self._underflows:
            self._underflows = self.engine.underflows
            self.underflows_changed.emit(self._underflows)
        if self.playing and self.loop is None and self.engine.position >= self.engine.frames:
            self.stop()
        if not self.playing:
            self._timer.stop()

    def set_device(self, device: int | str | None) -> None:
        """Play through ``device`` from now on (reopens the stream if it is open)."""
        was_playing = self.playing
        self.stop()
        self.close()
        self.device = device
        if was_playing:
            self.play()

    def close(self) -> None:
        self._timer.stop()
        if self._playback is not None:
            self._playback.close()
            self._playback = None
