"""The paper's feature set: Essentia's MusicExtractor, flattened to 4,385 named numbers.

Section 3.1 of the paper: frame features on 46 ms frames with a 23 ms hop
(2048/1024 samples at 44.1 kHz), tonal features on 92/46 ms frames (4096/2048),
each summarised by the eleven :data:`~drumassist.analysis.common.STATS`; track-level
features (BS.1770 loudness, BPM, key strength...) as they are.

The track is resampled to 44.1 kHz (soxr) and written to a temporary float WAV,
since MusicExtractor reads files; so a feature means the same for any session
rate. The pool is flattened in the fixed order of :data:`FRAME_DESCRIPTORS`,
:data:`COEFFICIENT_DESCRIPTORS`, :data:`SCALARS` and :data:`VECTORS` (4,385 numbers,
the paper had 4,123 with its Essentia version). Left out: ``metadata.*``, strings
(keys, scales) and ``rhythm.beats_position``, whose length varies with the track.
MFCC and GFCC come as the mean, and the upper triangles of the covariance and of
its inverse (MusicExtractor's own statistics for them). A descriptor missing from
the pool (on a track with under two beats, the beat-loudness skewness and
kurtosis) is 0; a non-finite value is 0.

Silent or near-silent tracks (see
:func:`~drumassist.analysis.common.track_loudness_lufs`) give zeros without running
Essentia, which refuses them; if Essentia still fails on a track, that track gives
zeros too, with a warning in the log.
"""

from __future__ import annotations

import logging
import math
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from drumassist.analysis.common import (
    ANALYSIS_RATE_HZ,
    FRAME_SIZE,
    HOP_SIZE,
    STATS,
    check_mono,
    to_analysis_rate,
    track_loudness_lufs,
)

log = logging.getLogger(__name__)

TONAL_FRAME_SIZE = 4096
TONAL_HOP_SIZE = 2048
#: MusicExtractor needs a few frames; shorter tracks are padded with silence to this.
MIN_FRAMES = TONAL_FRAME_SIZE

#: Frame descriptors summarised by every statistic in STATS: (pool name, values per frame).
FRAME_DESCRIPTORS: tuple[tuple[str, int], ...] = (
    ("lowlevel.barkbands", 27),
    ("lowlevel.barkbands_crest", 1),
    ("lowlevel.barkbands_flatness_db", 1),
    ("lowlevel.barkbands_kurtosis", 1),
    ("lowlevel.barkbands_skewness", 1),
    ("lowlevel.barkbands_spread", 1),
    ("lowlevel.dissonance", 1),
    ("lowlevel.erbbands", 40),
    ("lowlevel.erbbands_crest", 1),
    ("lowlevel.erbbands_flatness_db", 1),
    ("lowlevel.erbbands_kurtosis", 1),
    ("lowlevel.erbbands_skewness", 1),
    ("lowlevel.erbbands_spread", 1),
    ("lowlevel.hfc", 1),
    ("lowlevel.loudness_ebu128.momentary", 1),
    ("lowlevel.loudness_ebu128.short_term", 1),
    ("lowlevel.melbands", 40),
    ("lowlevel.melbands128", 128),
    ("lowlevel.melbands_crest", 1),
    ("lowlevel.melbands_flatness_db", 1),
    ("lowlevel.melbands_kurtosis", 1),
    ("lowlevel.melbands_skewness", 1),
    ("lowlevel.melbands_spread", 1),
    ("lowlevel.pitch_salience", 1),
    ("lowlevel.silence_rate_20dB", 1),
    ("lowlevel.silence_rate_30dB", 1),
    ("lowlevel.silence_rate_60dB", 1),
    ("lowlevel.spectral_centroid", 1),
    ("lowlevel.spectral_complexity", 1),
    ("lowlevel.spectral_contrast_coeffs", 6),
    ("lowlevel.spectral_contrast_valleys", 6),
    ("lowlevel.spectral_decrease", 1),
    ("lowlevel.spectral_energy", 1),
    ("lowlevel.spectral_energyband_high", 1),
    ("lowlevel.spectral_energyband_low", 1),
    ("lowlevel.spectral_energyband_middle_high", 1),
    ("lowlevel.spectral_energyband_middle_low", 1),
    ("lowlevel.spectral_entropy", 1),
    ("lowlevel.spectral_flux", 1),
    ("lowlevel.spectral_kurtosis", 1),
    ("lowlevel.spectral_rms", 1),
    ("lowlevel.spectral_rolloff", 1),
    ("lowlevel.spectral_skewness", 1),
    ("lowlevel.spectral_spread", 1),
    ("lowlevel.spectral_strongpeak", 1),
    ("lowlevel.zerocrossingrate", 1),
    ("rhythm.beats_loudness", 1),
    ("rhythm.beats_loudness_band_ratio", 6),
    ("tonal.chords_strength", 1),
    ("tonal.hpcp", 36),
    ("tonal.hpcp_crest", 1),
    ("tonal.hpcp_entropy", 1),
)
#: Cepstral descriptors: (pool name, coefficients); each gives .mean, .cov and .icov.
COEFFICIENT_DESCRIPTORS: tuple[tuple[str, int], ...] = (
    ("lowlevel.mfcc", 13),
    ("lowlevel.gfcc", 13),
)
#: Track-level numbers.
SCALARS: tuple[str, ...] = (
    "lowlevel.average_loudness",
    "lowlevel.dynamic_complexity",
    "lowlevel.loudness_ebu128.integrated",
    "lowlevel.loudness_ebu128.loudness_range",
    "rhythm.beats_count",
    "rhythm.bpm",
    "rhythm.bpm_histogram_first_peak_bpm",
    "rhythm.bpm_histogram_first_peak_weight",
    "rhythm.bpm_histogram_second_peak_bpm",
    "rhythm.bpm_histogram_second_peak_spread",
    "rhythm.bpm_histogram_second_peak_weight",
    "rhythm.danceability",
    "rhythm.onset_rate",
    "tonal.chords_changes_rate",
    "tonal.chords_number_rate",
    "tonal.key_edma.strength",
    "tonal.key_krumhansl.strength",
    "tonal.key_temperley.strength",
    "tonal.tuning_diatonic_strength",
    "tonal.tuning_equal_tempered_deviation",
    "tonal.tuning_frequency",
    "tonal.tuning_nontempered_energy_ratio",
)
#: Track-level vectors of fixed length.
VECTORS: tuple[tuple[str, int], ...] = (
    ("rhythm.bpm_histogram", 250),
    ("tonal.chords_histogram", 24),
    ("tonal.thpcp", 36),
)


class Slot(NamedTuple):
    """One pool entry in the vector: ``kind`` is "scalar", "vector" or "triu" (n x n)."""

    key: str
    kind: str
    size: int

    def names(self) -> list[str]:
        if self.kind == "scalar":
            return [self.key]
        if self.kind == "vector":
            return [f"{self.key}[{i}]" for i in range(self.size)]
        rows, cols = np.triu_indices(self.size)
        return [f"{self.key}[{i},{j}]" for i, j in zip(rows, cols, strict=True)]

    def width(self) -> int:
        return self.size * (self.size + 1) // 2 if self.kind == "triu" else self.size


@lru_cache(maxsize=1)
def slots() -> tuple[Slot, ...]:
    """Every pool entry the vector holds, in vector order."""
    out: list[Slot] = []
    for key, width in FRAME_DESCRIPTORS:
        kind = "scalar" if width == 1 else "vector"
        out += [Slot(f"{key}.{stat}", kind, width) for stat in STATS]
    for key, count in COEFFICIENT_DESCRIPTORS:
        out.append(Slot(f"{key}.mean", "vector", count))
        out += [Slot(f"{key}.{stat}", "triu", count) for stat in ("cov", "icov")]
    out += [Slot(key, "scalar", 1) for key in SCALARS]
    out += [Slot(key, "vector", size) for key, size in VECTORS]
    return tuple(out)


@lru_cache(maxsize=1)
def _feature_names() -> tuple[str, ...]:
    return tuple(name for slot in slots() for name in slot.names())


class PaperExtractor:
    """The paper's feature set (see the module docstring); satisfies ``Extractor``."""

    name = "paper"
    version = "1"

    def params(self) -> dict[str, object]:
        return {**_extractor_params(), "essentia": _essentia_version()}

    def feature_names(self) -> tuple[str, ...]:
        return _feature_names()

    def extract(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        """MusicExtractor's features of a mono track (zeros for a silent one)."""
        mono = to_analysis_rate(check_mono(audio, sample_rate), sample_rate)
        if not math.isfinite(track_loudness_lufs(mono, ANALYSIS_RATE_HZ)):
            return np.zeros(len(_feature_names()))
        if mono.size < MIN_FRAMES:
            mono = np.pad(mono, (0, MIN_FRAMES - mono.size))
        pool = _run_music_extractor(mono)
        if pool is None:
            return np.zeros(len(_feature_names()))
        return flatten_pool(pool)


def flatten_pool(pool: Any) -> np.ndarray:
    """The numbers of a MusicExtractor pool in :func:`slots` order (0 where missing)."""
    present = set(pool.descriptorNames())
    parts: list[np.ndarray] = []
    missing: list[str] = []
    for slot in slots():
        value = _slot_values(pool[slot.key], slot) if slot.key in present else None
        if value is None:
            missing.append(slot.key)
            value = np.zeros(slot.width())
        parts.append(value)
    if missing:
        log.debug("MusicExtractor gave no %s; filled with 0", ", ".join(missing))
    values = np.concatenate(parts)
    if not np.isfinite(values).all():
        log.debug(
            "MusicExtractor gave %d non-finite values; set to 0", (~np.isfinite(values)).sum()
        )
    return np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)


def _slot_values(raw: object, slot: Slot) -> np.ndarray | None:
    data = np.asarray(raw, dtype=np.float64)
    if slot.kind == "triu":
        if data.shape != (slot.size, slot.size):
            return None
        return data[np.triu_indices(slot.size)]
    flat = data.ravel()
    return flat if flat.size == slot.size else None


def _run_music_extractor(mono: np.ndarray) -> Any | None:
    """The statistics pool of MusicExtractor on ``mono`` (44.1 kHz); None if it fails."""
    import soundfile as sf

    with tempfile.TemporaryDirectory(prefix="drumassist-features-") as folder:
        path = Path(folder) / "track.wav"
        sf.write(str(path), mono, ANALYSIS_RATE_HZ, subtype="FLOAT")
        try:
            pool, _frames = _music_extractor()(str(path))
        except RuntimeError as exc:
            # Essentia refuses (near-)silent files and a few odd signals: such a track
            # carries no balance information, so it is treated as silent.
            log.warning("MusicExtractor failed (%s); the track is treated as silent", exc)
            return None
    return pool


def _extractor_params() -> dict[str, object]:
    return {
        "lowlevelFrameSize": FRAME_SIZE,
        "lowlevelHopSize": HOP_SIZE,
        "tonalFrameSize": TONAL_FRAME_SIZE,
        "tonalHopSize": TONAL_HOP_SIZE,
        "lowlevelStats": list(STATS),
        "tonalStats": list(STATS),
        "rhythmStats": list(STATS),
        "analysisSampleRate": float(ANALYSIS_RATE_HZ),
    }


@lru_cache(maxsize=1)
def _music_extractor() -> Any:
    """One configured MusicExtractor per process (configuring it is cheap, importing is not)."""
    import essentia

    # Essentia logs every processing step at INFO level on stderr.
    essentia.log.infoActive = False
    import essentia.standard as es

    return es.MusicExtractor(**_extractor_params())


@lru_cache(maxsize=1)
def _essentia_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("essentia")
    except PackageNotFoundError:
        return "unknown"
