"""Connects the document to the audio engine: publishes what to play, polls meters.

Thread contract (see drumassist.audio.engine): the GUI thread builds a new immutable
PlaybackState on every change and assigns it to ``engine.state``; that one attribute
assignment is atomic under the GIL and the callback reads it once per block. The
GUI never writes what the callback owns (position, meter, underflows, sounding); it
only reads them in a 30 Hz timer. A seek travels inside the published state as a
one-slot command (``seek_to`` plus a new ``seek_serial``), taken once by the callback.

The stream runs only while something plays: stopping publishes ``playing=False``,
the callback fades out one block, and the timer then stops the stream.
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
        # What the transport shows: the engine's position once it has taken the last
        # seek, the seek target before that.
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

    @property
    def stream_active(self) -> bool:
        """True while the audio stream runs (it is stopped when nothing plays)."""
        return self._playback is not None and self._playback.active

    def _state(self) -> PlaybackState:
        doc = self.document
        heard = {"pans": doc.pans(), "mutes": ~doc.audible(), "inverted": doc.inverted()}
        factors_a = channel_factors(doc.multitrack, doc.gains_a(), stereo=True, **heard)
        gains_b = doc.gains_b() if self.audition_db is None else self.audition_db
        factors_b = (
            factors_a
            if gains_b is None
            else channel_factors(doc.multitrack, gains_b, stereo=True, **heard)
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
        """Hand the engine a new state.

        Safe across threads: one assignment of a new immutable object, which the
        callback reads once per block (it never sees a half-built state).
        """
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
        if self._shown_position >= self.engine.frames:
            self.seek(0.0 if self.loop is None else self.loop[0] / self.sample_rate)
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
        """Stop: the callback fades out, then the timer stops the stream."""
        self.playing = False
        self.publish()
        self.playing_changed.emit(False)

    def toggle_play(self) -> None:
        self.stop() if self.playing else self.play()

    def set_use_b(self, use_b: bool) -> None:
        self.use_b = use_b
        self.publish()
        self.ab_changed.emit(use_b)

    def seek(self, seconds: float) -> None:
        """Move the playhead: a one-slot command in the published state, never a
        write to ``engine.position`` (the callback owns it)."""
        self._seek = min(int(max(0.0, seconds) * self.sample_rate), self.engine.frames)
        self._seek_serial += 1
        self._shown_position = self._seek
        self.publish()
        self.position_changed.emit(self.position_s)

    def set_loop(self, loop_s: tuple[float, float] | None) -> None:
        """Loop between two times in seconds (the transport's region), or not (None)."""
        rate = self.sample_rate
        self.loop = None if loop_s is None else (int(loop_s[0] * rate), int(loop_s[1] * rate))
        self.publish()

    def _poll(self) -> None:
        # Reading the callback's attributes is safe: each is one immutable value
        # assigned by the callback; a stale read is one block late, never torn.
        if self.engine.seek_serial == self._seek_serial:
            self._shown_position = self.engine.position
        self.position_changed.emit(self.position_s)
        meter = self.engine.meter
        if meter is not None and self.playing:  # once stopped, the last block's peaks stay
            self.meter_changed.emit(meter)
        if self.engine.underflows != self._underflows:
            self._underflows = self.engine.underflows
            self.underflows_changed.emit(self._underflows)
        # A loop wraps before the end, so reaching the end means nothing more will sound
        # (also when the playhead was past the loop): stop rather than play zeros.
        if self.playing and self.engine.position >= self.engine.frames:
            self.stop()
        if not self.playing and not (self.engine.sounding and self.stream_active):
            # The callback has faded out: stop the stream instead of playing zeros.
            if self._playback is not None:
                self._playback.stop()
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
