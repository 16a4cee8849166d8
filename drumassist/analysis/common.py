"""What every extractor shares: the protocol, input checks, silence, the frame statistics.

Both feature sets analyse at :data:`ANALYSIS_RATE_HZ`: a track at another rate is
resampled with soxr first, so a feature means the same thing (the same frame
duration, the same 0-22.05 kHz band) whatever rate the session was recorded at.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from drumassist.core.loudness import integrated_loudness
from drumassist.errors import AnalysisError

#: The rate both feature sets analyse at; other rates are resampled to it.
ANALYSIS_RATE_HZ = 44100
#: 46 ms frames with a 23 ms hop at 44.1 kHz, as in the paper (section 3.1).
FRAME_SIZE = 2048
HOP_SIZE = 1024
#: A track whose peak is below this is silent, whatever its loudness.
SILENCE_PEAK_DBFS = -80.0
#: The statistics that summarise a frame feature over a track, in this order
#: (the names of Essentia's PoolAggregator, with its definitions).
STATS: tuple[str, ...] = (
    "mean", "var", "skew", "kurt", "median", "dmean", "dmean2", "dvar", "dvar2", "max", "min",
)  # fmt: skip


@dataclass(frozen=True, eq=False)
class TrackFeatures:
    """The features of one track, and how they were obtained."""

    name: str
    values: np.ndarray  # float64, one per feature name
    silent: bool  # True: values are all zero
    seconds: float  # wall time spent on this track (extraction, or the cache read)
    cached: bool


@dataclass(frozen=True, eq=False)
class Analysis:
    """The features of every track of a multitrack, in track order."""

    extractor: str
    version: str
    feature_names: tuple[str, ...]
    tracks: tuple[TrackFeatures, ...]

    def matrix(self) -> np.ndarray:
        """The feature vectors as rows: ``(tracks, features)`` float64."""
        if not self.tracks:
            return np.zeros((0, len(self.feature_names)))
        return np.vstack([t.values for t in self.tracks])


class Extractor(Protocol):
    """A feature set: one fixed-length vector of named numbers per mono track.

    An extractor may also set ``releases_gil = True`` when its work runs outside the
    GIL and it is safe on several threads at once: :func:`~drumassist.analysis.analyse`
    then extracts on threads instead of processes.
    """

    #: "paper" or "fast".
    name: str
    #: Bumped whenever the output changes; part of the cache key.
    version: str

    def params(self) -> dict[str, object]:
        """The settings that shape the output (JSON-serialisable); part of the cache key."""
        ...

    def feature_names(self) -> tuple[str, ...]:
        """The name of every number, in order; the same for any input length or rate."""
        ...

    def extract(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        """Features of a mono float32 1-D track as float64, one per name.

        A track the extractor finds silent gives a vector of zeros.
        """
        ...


def check_mono(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Validate a mono track and return it as contiguous float32.

    Raises
    ------
    AnalysisError
        The audio is not 1-D, holds NaN or infinity, or the rate is not positive.
    """
    data = np.asarray(audio)
    if data.ndim != 1:
        raise AnalysisError(f"expected mono audio (1-D), got an array of shape {data.shape}")
    if sample_rate <= 0:
        raise AnalysisError(f"expected a positive sample rate, got {sample_rate} Hz")
    data = np.ascontiguousarray(data, dtype=np.float32)
    if not np.isfinite(data).all():
        raise AnalysisError("the audio holds NaN or infinite samples")
    return data


def to_analysis_rate(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """``audio`` resampled (soxr, high quality) to :data:`ANALYSIS_RATE_HZ`, as float32."""
    if sample_rate == ANALYSIS_RATE_HZ or audio.size == 0:
        return audio
    import soxr

    resampled = soxr.resample(audio, sample_rate, ANALYSIS_RATE_HZ, quality="HQ")
    return np.ascontiguousarray(resampled, dtype=np.float32)


def track_loudness_lufs(audio: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness, or ``-inf`` for silence: empty, or peaking below -80 dBFS.

    Noise at -90 dBFS peaks above -80 dBFS but falls under the BS.1770 absolute
    gate (-70 LUFS), so it measures ``-inf`` too.
    """
    if audio.size == 0 or float(np.max(np.abs(audio))) < 10.0 ** (SILENCE_PEAK_DBFS / 20.0):
        return -math.inf
    return integrated_loudness(audio, sample_rate)


def is_silent_audio(audio: np.ndarray, sample_rate: int) -> bool:
    """True for a track that :func:`track_loudness_lufs` measures as ``-inf``."""
    return not math.isfinite(track_loudness_lufs(audio, sample_rate))


def stat_names(feature: str, width: int) -> list[str]:
    """``feature.stat`` (or ``feature.stat[i]`` for a vector) for every statistic."""
    if width == 1:
        return [f"{feature}.{stat}" for stat in STATS]
    return [f"{feature}.{stat}[{i}]" for stat in STATS for i in range(width)]


def frame_statistics(values: np.ndarray) -> np.ndarray:
    """The :data:`STATS` of each column of ``values`` ``(frames, columns)``.

    Returns ``(len(STATS), columns)``. Definitions follow Essentia's PoolAggregator:
    population variance, skewness and excess kurtosis (0 and -3 for a constant),
    ``dmean``/``dvar`` over the absolute first difference and ``dmean2``/``dvar2``
    over the absolute second difference (0 where there are too few frames).
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    mean = x.mean(axis=0)
    centred = x - mean
    var = (centred**2).mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        skew = np.where(var > 0, (centred**3).mean(axis=0) / var**1.5, 0.0)
        kurt = np.where(var > 0, (centred**4).mean(axis=0) / var**2, 0.0) - 3.0
    dmean, dvar = _mean_var(np.abs(np.diff(x, axis=0)))
    dmean2, dvar2 = _mean_var(np.abs(np.diff(x, n=2, axis=0)))
    median = np.median(x, axis=0)
    rows = (mean, var, skew, kurt, median, dmean, dmean2, dvar, dvar2, x.max(axis=0), x.min(axis=0))
    return np.stack(rows)


def _mean_var(diffs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if diffs.shape[0] == 0:
        zeros = np.zeros(diffs.shape[1])
        return zeros, zeros
    return diffs.mean(axis=0), diffs.var(axis=0)
