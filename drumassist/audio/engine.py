"""The real-time mix engine: the audio callback and the state the GUI publishes to it.

Threading (after the python-sounddevice examples): the GUI builds an immutable
:class:`PlaybackState` and publishes it with one attribute assignment; the callback
reads that attribute once per block. Assigning and reading a Python attribute is
atomic under the GIL, so neither side takes a lock. The callback writes only
:attr:`MixEngine.position`, :attr:`MixEngine.seek_serial`, :attr:`MixEngine.sounding`,
:attr:`MixEngine.underflows` and :attr:`MixEngine.meter` (each one assignment of an
immutable value) and the GUI only reads them. A seek is a one-slot command carried
by the published state (``seek_to`` with a new ``seek_serial``): the callback takes
it once, so the GUI never writes the position the callback owns.

Stopping fades the next block out and then outputs silence with ``sounding`` False,
which tells the GUI it may stop the stream without a click.

The callback does not allocate arrays, log, take locks, touch files or emit Qt
signals: every buffer is allocated up front for the largest block size, and numpy
writes into them with ``out=``. A change of factors (a fader move, an A/B switch)
is ramped linearly over one block, so it never clicks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from drumassist.core.multitrack import Multitrack

#: Largest block the engine accepts; PortAudio blocks are usually 256 to 2048 frames.
MAX_BLOCK_FRAMES = 8192
OUT_CHANNELS = 2


@dataclass(frozen=True, eq=False)
class PlaybackState:
    """What the callback plays. Immutable: the GUI replaces it, never edits it.

    ``factors_a`` and ``factors_b`` are routing matrices ``(tracks, 2, 2)`` from
    :func:`drumassist.core.mix.channel_factors` with ``stereo=True``; B is already
    loudness-matched to A by the GUI. ``loop`` is a frame range or None.
    """

    factors_a: np.ndarray
    factors_b: np.ndarray
    use_b: bool = False
    playing: bool = False
    loop: tuple[int, int] | None = None
    seek_to: int | None = None
    seek_serial: int = 0
    # Derived on the publishing (GUI) thread, so the callback does no such work.
    live_active: tuple[bool, ...] = field(init=False)
    live_peak_gain: tuple[float, ...] = field(init=False)

    def __post_init__(self) -> None:
        live = self.live_factors
        object.__setattr__(self, "live_active", tuple(bool(m.any()) for m in live))
        object.__setattr__(self, "live_peak_gain", tuple(float(np.abs(m).max()) for m in live))

    @property
    def live_factors(self) -> np.ndarray:
        return self.factors_b if self.use_b else self.factors_a


@dataclass(frozen=True)
class Meter:
    """Peaks of the last block: per track (post-fader) and per output channel."""

    track_peaks: tuple[float, ...]
    out_peaks: tuple[float, float]


class MixEngine:
    """Mixes the preloaded float32 tracks into the output buffer, block by block."""

    def __init__(self, multitrack: Multitrack, state: PlaybackState) -> None:
        self.frames = multitrack.frames
        self.sample_rate = multitrack.sample_rate
        self._tracks = [t.audio for t in multitrack.tracks]
        # Published by the GUI thread (one assignment), read once per block.
        self.state = state
        # Written by the callback only (one assignment each), read by the GUI timer.
        self.position = 0
        self.underflows = 0
        self.meter: Meter | None = None
        # The serial of the last seek taken, so the GUI knows when position is current.
        self.seek_serial = 0
        # True from the first block played until the block that faded out after a stop.
        self.sounding = False
        self._applied = np.array(state.live_factors, dtype=np.float32)
        self._target = np.array(self._applied)
        self._seen_state: PlaybackState | None = None
        self._ramp_pending = False
        self._applied_active = state.live_active
        self._target_active = state.live_active
        self._target_peak_gain = state.live_peak_gain
        self._acc = np.zeros((MAX_BLOCK_FRAMES, OUT_CHANNELS), dtype=np.float32)
        self._old = np.zeros_like(self._acc)
        self._tmp = np.zeros_like(self._acc)
        # Both columns hold the ramp: broadcasting one column into an in-place multiply
        # makes numpy copy the operand.
        self._ramp = np.zeros((MAX_BLOCK_FRAMES, OUT_CHANNELS), dtype=np.float32)
        self._index = np.arange(1, MAX_BLOCK_FRAMES + 1, dtype=np.float32)
        self._fade = np.zeros((MAX_BLOCK_FRAMES, OUT_CHANNELS), dtype=np.float32)
        self._peaks = np.zeros(len(self._tracks))

    def callback(self, outdata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        """The sounddevice ``OutputStream`` callback (also called directly by tests)."""
        del time
        if status is not None and getattr(status, "output_underflow", False):
            self.underflows += 1
        state = self.state
        if state is not self._seen_state:
            self._take(state)
        if frames > MAX_BLOCK_FRAMES or not (state.playing or self.sounding):
            outdata.fill(0.0)
            return
        if not self.sounding:
            # Nothing was heard before this block: start on the new factors, no ramp.
            np.copyto(self._applied, self._target)
            self._applied_active = self._target_active
            self._ramp_pending = False
            self.sounding = True
        self._play(outdata, frames, state)
        if not state.playing:
            self._fade_out(outdata, frames)
            self.sounding = False

    def _play(self, outdata: np.ndarray, frames: int, state: PlaybackState) -> None:
        ramping = self._ramp_pending
        done = 0
        self._peaks.fill(0.0)
        while done < frames:
            done += self._render(
                outdata, done, frames - done, loop=state.loop, ramping=ramping, block=frames
            )
        if ramping:
            np.copyto(self._applied, self._target)
            self._applied_active = self._target_active
            self._ramp_pending = False
        self._publish_meter(outdata, frames)

    def _fade_out(self, outdata: np.ndarray, frames: int) -> None:
        """Ramp the block down to silence, so a stop never clicks."""
        fade = self._fade[:frames]
        np.divide(self._index[:frames], frames, out=fade[:, 0])
        np.subtract(1.0, fade[:, 0], out=fade[:, 0])
        fade[:, 1] = fade[:, 0]
        np.multiply(outdata[:frames], fade, out=outdata[:frames])

    def _take(self, state: PlaybackState) -> None:
        """Adopt a newly published state (runs at most once per published state)."""
        self._seen_state = state
        np.copyto(self._target, state.live_factors)
        # Every new state is ramped to, even an unchanged one: one block of double work
        # is cheaper than comparing the factors here.
        self._ramp_pending = True
        self._target_active = state.live_active
        self._target_peak_gain = state.live_peak_gain
        if state.seek_to is not None and state.seek_serial != self.seek_serial:
            self.seek_serial = state.seek_serial
            self.position = min(max(0, state.seek_to), self.frames)

    def _render(
        self,
        outdata: np.ndarray,
        offset: int,
        wanted: int,
        *,
        loop: tuple[int, int] | None,
        ramping: bool,
        block: int,
    ) -> int:
        """Render up to ``wanted`` frames into ``outdata[offset:]``; returns frames written."""
        position = self.position
        looping = loop is not None and loop[1] > loop[0] and position < loop[1]
        end = loop[1] if looping and loop is not None else self.frames
        count = min(wanted, end - position)
        if count <= 0:
            return self._silence(outdata, offset, wanted)
        acc = self._mix(self._acc, self._target, self._target_active, position, count, meter=True)
        if ramping:
            old = self._mix(
                self._old, self._applied, self._applied_active, position, count, meter=False
            )
            ramp = self._ramp[:count]
            # Linear ramp across the whole block, whatever piece of it this is.
            np.divide(self._index[offset : offset + count], block, out=ramp[:, 0])
            ramp[:, 1] = ramp[:, 0]
            np.subtract(acc, old, out=acc)
            np.multiply(acc, ramp, out=acc)
            np.add(acc, old, out=acc)
        outdata[offset : offset + count] = acc
        self.position = position + count
        if looping and loop is not None and self.position >= loop[1]:
            self.position = loop[0]
        return count

    def _mix(
        self,
        acc_full: np.ndarray,
        factors: np.ndarray,
        active: tuple[bool, ...],
        start: int,
        count: int,
        *,
        meter: bool,
    ) -> np.ndarray:
        acc = acc_full[:count]
        acc.fill(0.0)
        tmp = self._tmp[:count]
        for t, audio in enumerate(self._tracks):
            channels = audio.shape[1]
            if not active[t]:
                continue
            matrix = factors[t, :channels]
            segment = audio[start : start + count]
            np.matmul(segment, matrix, out=tmp)
            np.add(acc, tmp, out=acc)
            if meter:
                level = max(float(segment.max()), -float(segment.min()))
                self._peaks[t] = max(self._peaks[t], level * self._target_peak_gain[t])
        return acc

    def _silence(self, outdata: np.ndarray, offset: int, wanted: int) -> int:
        outdata[offset : offset + wanted] = 0.0
        return wanted

    def _publish_meter(self, outdata: np.ndarray, frames: int) -> None:
        block = outdata[:frames]
        out_peaks = (
            max(float(block[:, 0].max()), -float(block[:, 0].min())),
            max(float(block[:, 1].max()), -float(block[:, 1].min())),
        )
        # One assignment of an immutable value: the GUI timer polls it (a one-slot queue).
        self.meter = Meter(tuple(float(p) for p in self._peaks), out_peaks)
