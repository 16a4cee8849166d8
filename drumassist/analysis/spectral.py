"""Frame features of the fast set, vectorised over a chunk of frames.

Each function takes a :class:`Frames` chunk and returns one value per frame
``(frames,)`` or several ``(frames, width)``. Which of them the fast set uses, and
in which order, is decided by the table in :mod:`drumassist.analysis.fast`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from drumassist.analysis.common import ANALYSIS_RATE_HZ, FRAME_SIZE

FLOOR_DB = -120.0
_FLOOR_POWER = 10.0 ** (FLOOR_DB / 10.0)
#: Octave bands centred on 31.5 Hz ... 16 kHz (edges in Hz).
BAND_EDGES_HZ: tuple[float, ...] = (
    22.0, 44.0, 88.0, 177.0, 355.0, 710.0, 1420.0, 2840.0, 5680.0, 11360.0, 22050.0,
)  # fmt: skip
N_BANDS = len(BAND_EDGES_HZ) - 1
#: MFCCs with Essentia's defaults: 40 HTK-mel bands from 0 to 11 kHz, DCT-II, 13 kept.
N_MEL_BANDS = 40
MEL_HIGH_HZ = 11000.0
N_MFCC = 13
ROLLOFF = 0.85
#: Onset picking: the band rises (dB summed over bands) a frame must exceed, and the
#: range below the loudest band level that is ignored as noise.
ONSET_RISE_DB = 12.0
ONSET_RANGE_DB = 50.0
ONSET_MIN_GAP_FRAMES = 2

_BINS = FRAME_SIZE // 2 + 1
_FREQS_HZ = np.arange(_BINS) * (ANALYSIS_RATE_HZ / FRAME_SIZE)


@dataclass(frozen=True)
class Frames:
    """A chunk of frames and their spectra.

    ``power`` is scaled so that its sum over bins is the mean square of the frame
    under the window: a band's power in dB compares with ``rms_db``.
    """

    samples: np.ndarray  # (frames, FRAME_SIZE) float32, as recorded
    weighted: np.ndarray  # (frames, FRAME_SIZE) float32, K-weighted (BS.1770)
    magnitude: np.ndarray  # (frames, bins) |rfft| of the Hann-windowed frame
    power: np.ndarray  # (frames, bins) scaled power spectrum
    previous_magnitude: np.ndarray  # (bins,) the magnitude of the frame before the chunk

    @classmethod
    def compute(cls, samples: np.ndarray, weighted: np.ndarray, previous: np.ndarray) -> Frames:
        from scipy.fft import rfft

        magnitude = np.abs(rfft(samples * _window(), axis=1, workers=1))
        return cls(samples, weighted, magnitude, magnitude**2 * _power_scale(), previous)


@lru_cache(maxsize=1)
def _window() -> np.ndarray:
    # Essentia's normalised Hann: scaled so that it sums to 2 (a sine of amplitude A
    # shows a peak of about A).
    from scipy.signal import get_window

    window = get_window("hann", FRAME_SIZE, fftbins=True).astype(np.float32)
    return window * np.float32(2.0 / window.sum())


@lru_cache(maxsize=1)
def _power_scale() -> np.ndarray:
    """Per-bin factor mapping |X|^2 to a one-sided power that sums to the mean square."""
    window = _window().astype(np.float64)
    scale = np.full(_BINS, 2.0 / (FRAME_SIZE * np.sum(window**2)))
    scale[[0, -1]] /= 2.0
    return scale.astype(np.float32)


def _db(power: np.ndarray) -> np.ndarray:
    return 10.0 * np.log10(np.maximum(power, _FLOOR_POWER))


def _mean_square(samples: np.ndarray) -> np.ndarray:
    # einsum in float32 is 5x faster than squaring in float64, and as exact in dB.
    total = np.einsum("fs,fs->f", samples, samples).astype(np.float64)
    return total / samples.shape[1]


def rms_db(frames: Frames) -> np.ndarray:
    """Level of each frame: RMS in dBFS (floor -120)."""
    return _db(_mean_square(frames.samples))


def frame_lufs(frames: Frames) -> np.ndarray:
    """BS.1770 loudness of each 46 ms frame (K-weighted mean square, in LUFS)."""
    return -0.691 + _db(_mean_square(frames.weighted))


def crest_db(frames: Frames) -> np.ndarray:
    """Peak over RMS of each frame, in dB (0 for a silent frame): how transient it is."""
    peak = np.maximum(frames.samples.max(axis=1), -frames.samples.min(axis=1))
    return _db(peak.astype(np.float64) ** 2) - rms_db(frames)


def zero_crossing_rate(frames: Frames) -> np.ndarray:
    """Fraction of consecutive samples that change sign."""
    signs = np.signbit(frames.samples)
    return np.mean(signs[:, 1:] != signs[:, :-1], axis=1)


def centroid_hz(frames: Frames) -> np.ndarray:
    """Magnitude-weighted mean frequency (0 for a silent frame)."""
    total = frames.magnitude.sum(axis=1)
    return _ratio(_weighted_sum(frames.magnitude, _FREQS_HZ), total)


def spread_hz(frames: Frames) -> np.ndarray:
    """Magnitude-weighted standard deviation of frequency around the centroid."""
    total = frames.magnitude.sum(axis=1)
    centroid = _ratio(_weighted_sum(frames.magnitude, _FREQS_HZ), total)
    second = _ratio(_weighted_sum(frames.magnitude, _FREQS_HZ**2), total)
    return np.sqrt(np.maximum(second - centroid**2, 0.0))


def rolloff_hz(frames: Frames) -> np.ndarray:
    """The frequency below which 85 % of the frame's power lies."""
    cumulative = np.cumsum(frames.power, axis=1)
    threshold = ROLLOFF * cumulative[:, -1:]
    index = np.argmax(cumulative >= threshold, axis=1)
    return np.where(cumulative[:, -1] > 0, _FREQS_HZ[index], 0.0)


def flatness_db(frames: Frames) -> np.ndarray:
    """Geometric over arithmetic mean of the power spectrum, in dB (0 = white noise)."""
    log_power = np.log(np.maximum(frames.power, _FLOOR_POWER))
    geometric = np.exp(log_power.mean(axis=1))
    arithmetic = np.maximum(frames.power.mean(axis=1), _FLOOR_POWER)
    return 10.0 * np.log10(np.maximum(geometric / arithmetic, 1e-12))


def flux(frames: Frames) -> np.ndarray:
    """L2 norm of the change in magnitude spectrum from the previous frame (Essentia's Flux)."""
    previous = np.vstack([frames.previous_magnitude[None, :], frames.magnitude[:-1]])
    return np.linalg.norm(frames.magnitude - previous, axis=1)


def band_db(frames: Frames) -> np.ndarray:
    """Power in each octave band of :data:`BAND_EDGES_HZ`, in dB."""
    bands = np.add.reduceat(frames.power, _band_start_bins(), axis=1, dtype=np.float64)
    return _db(bands[:, :N_BANDS])


def mfcc(frames: Frames) -> np.ndarray:
    """13 MFCCs: DCT-II (orthonormal) of the 40 mel-band powers in dB."""
    from scipy.fft import dct

    # A sparse product: a dense one goes through multithreaded BLAS, whose thread
    # wake-ups cost more than the product on matrices this small.
    mel_db = _db((_mel_matrix_sparse() @ frames.power.T).T)
    return dct(mel_db, type=2, norm="ortho", axis=1)[:, :N_MFCC]


def count_onsets(band_levels_db: np.ndarray) -> int:
    """Count drum hits: peaks of the summed rise in band level, frame to frame.

    Levels within :data:`ONSET_RANGE_DB` below the loudest band level count; the
    rest is floor, so noise between hits does not trigger onsets.
    """
    if band_levels_db.shape[0] < 2:
        return 0
    floor = band_levels_db.max() - ONSET_RANGE_DB
    levels = np.maximum(band_levels_db, floor)
    rise = np.maximum(np.diff(levels, axis=0), 0.0).sum(axis=1)
    rise = np.concatenate([[0.0], rise])
    gap = ONSET_MIN_GAP_FRAMES
    padded = np.pad(rise, gap)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * gap + 1)
    is_peak = (rise >= windows.max(axis=1)) & (rise > ONSET_RISE_DB)
    return int(np.count_nonzero(is_peak))


def _weighted_sum(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    # einsum rather than a BLAS product: see mfcc().
    return np.einsum("fb,b->f", values, weights.astype(values.dtype))


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    safe = np.where(denominator > 0, denominator, 1.0)
    return np.where(denominator > 0, numerator / safe, 0.0)


@lru_cache(maxsize=1)
def _band_start_bins() -> np.ndarray:
    """The first bin of each band, then the Nyquist bin (which closes the top band)."""
    starts = np.searchsorted(_FREQS_HZ, BAND_EDGES_HZ[:-1], side="left")
    return np.append(starts, _BINS - 1)


@lru_cache(maxsize=1)
def _mel_matrix_sparse() -> Any:
    """:func:`mel_matrix` transposed, as a CSR matrix ``(N_MEL_BANDS, bins)``."""
    from scipy.sparse import csr_array

    return csr_array(mel_matrix().T.astype(np.float32))


@lru_cache(maxsize=1)
def mel_matrix() -> np.ndarray:
    """``(bins, N_MEL_BANDS)`` unit-sum triangular HTK-mel filters from 0 to 11 kHz."""
    mel_edges = np.linspace(0.0, _hz_to_mel(MEL_HIGH_HZ), N_MEL_BANDS + 2)
    edges_hz = _mel_to_hz(mel_edges)
    mel = _hz_to_mel(_FREQS_HZ)[:, None]
    lower, centre, upper = (_hz_to_mel(edges_hz[i : i + N_MEL_BANDS])[None, :] for i in range(3))
    rising = (mel - lower) / (centre - lower)
    falling = (upper - mel) / (upper - centre)
    weights = np.maximum(0.0, np.minimum(rising, falling))
    return weights / np.maximum(weights.sum(axis=0, keepdims=True), 1e-12)


def _hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + np.asarray(hz) / 700.0)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)
