"""Block-wise sums of the least-squares normal equations, for :mod:`.engineer`.

The stems never become one big matrix. Each block of ``block_frames`` frames is turned
into a small float64 matrix of regressor columns, and XᵀX, Xᵀy and yᵀy are summed in
float64, so memory stays O(columns² + columns × block) however long the session is.

The first pass also sums, per column and mix side, the cross-spectrum of the stem
block against the mix block widened by the latency search range. One inverse FFT at
the end turns it into the cross-correlation at every lag, from which the latency is
chosen. That part uses float32 FFTs: it only ranks lags. The exact Xᵀy at a non-zero
lag comes from a second pass that reads the stems once more.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress, check_cancelled
from drumassist.errors import InvalidStemError


@dataclass(frozen=True)
class Layout:
    """Which regressor columns a fit uses and which mix signal each side fits.

    Attributes
    ----------
    columns
        ``(track index, channel)`` per column; channel ``None`` is the mean of the
        track's channels.
    sides
        Per mix side, the column index of each track.
    stereo
        True when side 0 fits the mix's left channel and side 1 its right channel;
        False when the only side fits the mean of the mix's channels.
    """

    columns: tuple[tuple[int, int | None], ...]
    sides: tuple[tuple[int, ...], ...]
    stereo: bool


@dataclass(frozen=True)
class Sums:
    """Accumulated normal equations: ``gram`` (m, m), ``cross`` (sides, m), ``energy`` (sides,)."""

    gram: np.ndarray
    cross: np.ndarray
    energy: np.ndarray


def make_layout(multitrack: Multitrack, *, stereo: bool) -> Layout:
    """Columns and sides of a fit.

    Mono fit: one column per track, the mean of its channels. Stereo fit: a mono stem
    feeds both sides, a stereo stem feeds each side its own channel.
    """
    if not stereo:
        count = len(multitrack.tracks)
        return Layout(tuple((t, None) for t in range(count)), (tuple(range(count)),), False)
    columns: list[tuple[int, int | None]] = []
    left: list[int] = []
    right: list[int] = []
    for t, track in enumerate(multitrack.tracks):
        if track.channels == 1:
            left.append(len(columns))
            right.append(len(columns))
            columns.append((t, None))
        else:
            left.append(len(columns))
            right.append(len(columns) + 1)
            columns.extend([(t, 0), (t, 1)])
    return Layout(tuple(columns), (tuple(left), tuple(right)), True)


def first_pass(
    multitrack: Multitrack,
    mix: np.ndarray,
    layout: Layout,
    *,
    stop: int,
    lag_frames: int,
    block_frames: int,
    progress: Progress | None,
    share: float,
) -> tuple[Sums, np.ndarray | None]:
    """Sums at lag 0 over stem frames ``[0, stop)``, and the cross-correlation at every lag.

    Returns the sums and, when ``lag_frames > 0``, an array ``(sides, m, 2 L + 1)``
    whose last index ``k`` is the lag ``k - L`` (positive: the mix is late).
    """
    import scipy.fft

    m, sides, lag = len(layout.columns), len(layout.sides), lag_frames
    gram = np.zeros((m, m))
    cross = np.zeros((sides, m))
    energy = np.zeros(sides)
    fft_len = scipy.fft.next_fast_len(block_frames + 2 * lag, real=True)
    spectra = np.zeros((sides, m, fft_len // 2 + 1), dtype=np.complex128) if lag else None
    for start, end in _blocks(
        0, stop, block_frames=block_frames, progress=progress, share=share, offset=0.0
    ):
        x = _columns(multitrack, layout, start, end)
        gram += x @ x.T
        x_spec = scipy.fft.rfft(x.astype(np.float32), n=fft_len, axis=1) if lag else None
        for side in range(sides):
            y = target(mix, layout, side, start, end)
            cross[side] += x @ y
            energy[side] += y @ y
            if spectra is not None and x_spec is not None:
                wide = target(mix, layout, side, start - lag, end + lag).astype(np.float32)
                spectra[side] += np.conj(x_spec) * scipy.fft.rfft(wide, n=fft_len)
    if spectra is None:
        return Sums(gram, cross, energy), None
    xcorr = scipy.fft.irfft(spectra, n=fft_len, axis=-1)[..., : 2 * lag + 1]
    return Sums(gram, cross, energy), xcorr


def cross_at_lag(
    multitrack: Multitrack,
    mix: np.ndarray,
    layout: Layout,
    *,
    lag: int,
    start: int,
    stop: int,
    block_frames: int,
    progress: Progress | None,
    offset: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact Xᵀy and yᵀy over stem frames ``[start, stop)`` against the mix ``lag`` frames later."""
    m, sides = len(layout.columns), len(layout.sides)
    cross = np.zeros((sides, m))
    energy = np.zeros(sides)
    for begin, end in _blocks(
        start, stop, block_frames=block_frames, progress=progress, share=1.0 - offset, offset=offset
    ):
        x = _columns(multitrack, layout, begin, end)
        for side in range(sides):
            y = target(mix, layout, side, begin + lag, end + lag)
            cross[side] += x @ y
            energy[side] += y @ y
    return cross, energy


def gram_between(
    multitrack: Multitrack, layout: Layout, start: int, stop: int, *, block_frames: int
) -> np.ndarray:
    """XᵀX over stem frames ``[start, stop)`` (the edges a non-zero lag leaves out)."""
    m = len(layout.columns)
    gram = np.zeros((m, m))
    for begin in range(start, stop, block_frames):
        x = _columns(multitrack, layout, begin, min(stop, begin + block_frames))
        gram += x @ x.T
    return gram


def target(mix: np.ndarray, layout: Layout, side: int, start: int, stop: int) -> np.ndarray:
    """The mix signal fitted by ``side`` over ``[start, stop)`` as float64, zero outside the mix."""
    out = np.zeros(stop - start)
    lo, hi = max(start, 0), min(stop, mix.shape[0])
    if hi > lo:
        block = mix[lo:hi]
        if layout.stereo or block.shape[1] == 1:
            values = block[:, side]
        else:
            values = block.mean(axis=1, dtype=np.float64)
        out[lo - start : hi - start] = values
        if not np.isfinite(out[lo - start : hi - start]).all():
            raise InvalidStemError("the mix holds NaN or infinite samples")
    return out


def _columns(multitrack: Multitrack, layout: Layout, start: int, stop: int) -> np.ndarray:
    """The regressor columns over ``[start, stop)`` as a float64 ``(m, frames)`` matrix."""
    out = np.empty((len(layout.columns), stop - start))
    for i, (t, channel) in enumerate(layout.columns):
        audio = multitrack.tracks[t].audio[start:stop]
        if channel is None:
            out[i] = audio[:, 0] if audio.shape[1] == 1 else audio.mean(axis=1, dtype=np.float64)
        else:
            out[i] = audio[:, channel]
    return out


def _blocks(
    start: int,
    stop: int,
    *,
    block_frames: int,
    progress: Progress | None,
    share: float,
    offset: float,
) -> Iterator[tuple[int, int]]:
    """Yield block bounds; report progress after each block and honour cancellation before it."""
    count = max(1, -(-(stop - start) // block_frames))
    for i, begin in enumerate(range(start, stop, block_frames)):
        check_cancelled(progress)
        yield begin, min(stop, begin + block_frames)
        if progress is not None:
            progress.report(offset + share * (i + 1) / count, f"reverse: block {i + 1}/{count}")
