"""What every analysis reads of the audio: the stems without DC and sub-bass rumble.

Why: a DC offset or rumble below about 30 Hz is no part of a drum's balance, yet it
carries energy, so it moved levels, bleed transfers and features (a 0.05 DC offset on
the kick moved the overhead suggestions by 7.6 dB; a stem of pure DC took over the
whole balance). Every method reads its audio through :func:`analysis_view`, which
removes each channel's mean and its zero-phase low band under :data:`HIGHPASS_HZ`
(16th-order slopes). It is applied to analysis only: the mix, the export and the user's
stems are never conditioned.

A pure-DC stem becomes exact silence, so every method treats it as a silent track
(gain ``-inf``: muted, with no level of its own).
"""

from __future__ import annotations

import contextlib
import functools
import threading
import weakref
from collections.abc import Iterator
from dataclasses import replace

import numpy as np

from drumassist.core.multitrack import Multitrack, Track
from drumassist.core.parallel import map_on_cores

HIGHPASS_HZ = 28.0
HIGHPASS_ORDER = 8
#: The low band is found at the sample rate divided by this (block means).
DECIMATION = 8
EDGE_PAD_S = 0.25
#: Everything the conditioned audio depends on: part of every analysis cache key.
RECIPE: dict[str, object] = {
    "version": 1,
    "dc": "channel mean",
    "highpass": "x - zero-phase Butterworth low band (block means, linear interpolation)",
    "highpass_hz": HIGHPASS_HZ,
    "highpass_order": HIGHPASS_ORDER,
    "decimation": DECIMATION,
    "edge_pad_s": EDGE_PAD_S,
}

# Views already conditioned: conditioning one again returns it as it is. Weak, so a
# view lives only as long as its caller keeps it (the window keeps the stems, not this).
_VIEWS: weakref.WeakSet[Multitrack] = weakref.WeakSet()


@functools.lru_cache(maxsize=8)
def _lowpass_sos(low_rate_hz: float) -> np.ndarray:
    from drumassist.core.iir import butter_sos

    return butter_sos(HIGHPASS_ORDER, HIGHPASS_HZ, low_rate_hz)


def _low_band(channel: np.ndarray, sample_rate: int) -> np.ndarray | None:
    """The part of ``channel`` below :data:`HIGHPASS_HZ`, per block; None if too short.

    Found at 1/:data:`DECIMATION` of the rate (block means as the anti-alias filter),
    filtered forwards and backwards (an 8th-order Butterworth twice: 16th-order
    slopes); :func:`_subtract_low` brings it back by linear interpolation. ``x - low
    band`` is then a zero-phase high-pass: -0.24 dB at 35 Hz, -6 dB at 28 Hz, -47 dB
    at 20 Hz and below -75 dB at 15 Hz (interpolation error), flat above 40 Hz.
    """
    from drumassist.core.iir import sosfiltfilt

    blocks = len(channel) // DECIMATION
    sos = _lowpass_sos(sample_rate / DECIMATION)
    if blocks <= 3 * (2 * len(sos) + 1):  # sosfiltfilt's padding needs this many
        return None
    means = block_means(channel, blocks)
    # A long odd extension (a quarter second) lets the filter settle before the stem
    # starts: with the default 27 blocks, a 15 Hz rumble left -24 dB of itself at the
    # ends; with this, -36 dB within 0.1 s of the ends and -80 dB elsewhere.
    pad = min(blocks - 1, round(EDGE_PAD_S * sample_rate / DECIMATION))
    return sosfiltfilt(sos, means, padlen=pad)


#: Blocks averaged or interpolated at a time: 1 MB of float64 per chunk stays in the
#: cache, where a full-length float64 copy of a 3-minute stem (63 MB) cost more in page
#: faults than in arithmetic.
_CHUNK_BLOCKS = 16384


def block_means(channel: np.ndarray, blocks: int) -> np.ndarray:
    """The mean of each of the first ``blocks`` runs of :data:`DECIMATION` samples, float64.

    As ``channel[: blocks * DECIMATION].reshape(blocks, -1).mean(axis=1, dtype=float)``,
    to the bit, the sign of a zero included (numpy sums eight values pairwise; eight
    float32 values are most often summed exactly in float64 anyway), in a third of the
    time: that reduction runs its inner loop once per block.
    """
    d = DECIMATION
    if d != 8:  # the pairwise sum below is written for eight
        return channel[: blocks * d].reshape(blocks, d).mean(axis=1, dtype=float)
    out = np.empty(blocks)
    for start in range(0, blocks, _CHUNK_BLOCKS):
        stop = min(start + _CHUNK_BLOCKS, blocks)
        v = channel[start * d : stop * d].reshape(stop - start, d).astype(np.float64)
        pairs = ((v[:, 0] + v[:, 1]) + (v[:, 2] + v[:, 3])) + (
            (v[:, 4] + v[:, 5]) + (v[:, 6] + v[:, 7])
        )
        pairs += 0.0  # numpy's sum of -0.0s is +0.0 (it starts from +0.0)
        np.divide(pairs, d, out=out[start:stop])
    return out


def _subtract_low(channel: np.ndarray, low: np.ndarray) -> None:
    """``channel -= low`` interpolated linearly from block centres to every frame.

    As ``np.interp`` on the regular grid (held constant past the first and last
    centres), rounded to float32 and subtracted; the weights repeat every block. In
    chunks, one phase of the block at a time (long inner loops), with the arithmetic
    of one full-length interpolation, so the result is the same to the bit (tested).
    """
    d = DECIMATION
    half = d // 2  # frames 0 .. half-1 lie before the first centre, (d - 1) / 2
    weights = (np.arange(d) + 0.5) / d
    before = 1.0 - weights
    channel[:half] -= np.float32(low[0])
    inner = len(low) - 1
    values = np.empty((d, min(inner, _CHUNK_BLOCKS)))  # phase by phase
    scratch = np.empty(values.shape[1])
    for start in range(0, inner, _CHUNK_BLOCKS):
        stop = min(start + _CHUNK_BLOCKS, inner)
        k = stop - start
        for j in range(d):
            np.multiply(low[start:stop], before[j], out=values[j, :k])
            np.multiply(low[start + 1 : stop + 1], weights[j], out=scratch[:k])
            values[j, :k] += scratch[:k]
        frames = channel[half + start * d : half + stop * d].reshape(k, d)
        frames -= values[:, :k].T.astype(np.float32)
    channel[half + inner * d :] -= np.float32(low[-1])


def condition_audio(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """``audio`` (``(frames, channels)`` or 1-D) without DC and rumble, as float32.

    Each channel's mean is removed (so pure DC becomes exact zeros), then its part
    below :data:`HIGHPASS_HZ` (see :func:`_low_band`): a zero-phase high-pass, the
    same for every track, so the timing and polarity between tracks are kept. A
    channel too short for the filter (under about 5 ms) only loses its mean.
    """
    data = np.asarray(audio, dtype=np.float32)
    out = data - data.mean(axis=0, dtype=np.float64).astype(np.float32)
    if data.size == 0 or not out.any():
        return out
    columns = out.reshape(len(out), -1)  # a view: written in place
    for c in range(columns.shape[1]):
        low = _low_band(columns[:, c], int(sample_rate))
        if low is not None:
            _subtract_low(columns[:, c], low)
    return out


# Views made inside a conditioning_scope, by the id of the multitrack they condition.
# Thread-local: each worker thread has its own scope, so no lock is needed; the scope
# ends with the call that opened it, so a view never outlives that work (a window
# keeping its stems does not also keep a conditioned copy of them).
_SCOPE = threading.local()


@contextlib.contextmanager
def conditioning_scope() -> Iterator[None]:
    """Within this block, :func:`analysis_view` conditions each multitrack once.

    The conditioning is still lazy: a multitrack is conditioned only when a measure
    asks for it (a suggestion whose measures all come from caches conditions nothing).
    Nested scopes share the outermost one.
    """
    if getattr(_SCOPE, "views", None) is not None:
        yield
        return
    _SCOPE.views = {}
    try:
        yield
    finally:
        _SCOPE.views = None


def analysis_view(multitrack: Multitrack) -> Multitrack:
    """The multitrack as every analysis reads it: each track conditioned.

    A copy (names, roles, paths and notices kept); a view given again is returned as
    it is, and inside a :func:`conditioning_scope` the same multitrack is conditioned
    once, so nested and sibling analyses condition once.
    """
    if multitrack in _VIEWS:
        return multitrack
    views: dict[int, tuple[Multitrack, Multitrack]] | None = getattr(_SCOPE, "views", None)
    known = None if views is None else views.get(id(multitrack))
    if known is not None and known[0] is multitrack:
        return known[1]
    view = replace(multitrack, tracks=_conditioned_tracks(multitrack))
    _VIEWS.add(view)
    if views is not None:
        views[id(multitrack)] = (multitrack, view)  # the raw one kept: its id stays its own
    return view


def _conditioned_tracks(multitrack: Multitrack) -> tuple[Track, ...]:
    """Every track conditioned, on up to one thread per core (numpy and scipy's filters
    release the GIL on long arrays: 8 stems of 3 minutes take about 60 % of the time
    on two cores)."""
    rate = multitrack.sample_rate

    def one(track: Track) -> Track:
        return replace(track, audio=condition_audio(track.audio, rate))

    return tuple(map_on_cores(one, multitrack.tracks, "condition"))


def is_analysis_view(multitrack: Multitrack) -> bool:
    """True if ``multitrack`` came from :func:`analysis_view`."""
    return multitrack in _VIEWS
