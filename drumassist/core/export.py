"""Write a mix to WAV or FLAC atomically, optionally normalised to a loudness target.

The file is written to a hidden temporary file in the destination folder and then
renamed into place, so a failure (a full disk, a crash, a cancel) never leaves a
half-written export, and an existing file is replaced only when asked to.
16-bit output is dithered with TPDF noise of +-1 LSB; quantisation is done here,
not by libsndfile, so a file read back as float equals ``round(x * 2**(bits-1))``.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile as sf

from drumassist.core.atomic import remove_stale_parts, write_atomically, write_failure
from drumassist.core.loudness import (
    MAX_TARGET_LUFS,
    MIN_TARGET_LUFS,
    integrated_loudness,
    is_silent,
    too_short_message,
)
from drumassist.core.mix import MAX_GAIN_DB, db_to_lin, mix, peak_dbfs
from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress, check_cancelled
from drumassist.core.soundio import MIX_COMMENT, write_sound
from drumassist.errors import ExportError, GainsError

log = logging.getLogger(__name__)

#: The loudness target users pick most: EBU R128 broadcast.
EBU_R128_LUFS = -23.0
DEFAULT_PEAK_CEILING_DBFS = -1.0
#: Peak ceilings accepted: above 0 dBFS fixed-point files clip; below -60 is a typo.
MIN_CEILING_DBFS, MAX_CEILING_DBFS = -60.0, 0.0
BIT_DEPTHS = (16, 24, 32)
_FORMATS = {".wav": "WAV", ".flac": "FLAC"}
_SUBTYPES = {16: "PCM_16", 24: "PCM_24", 32: "FLOAT"}


@dataclass(frozen=True)
class ExportResult:
    """What was written: where, how loud, how hot, and anything the user should know."""

    path: Path
    loudness_lufs: float
    peak_dbfs: float
    gain_db: float
    warnings: tuple[str, ...]


def export_audio(
    audio: np.ndarray,
    sample_rate: int,
    path: str | Path,
    *,
    bit_depth: int = 24,
    loudness_lufs: float | None = None,
    peak_ceiling_dbfs: float = DEFAULT_PEAK_CEILING_DBFS,
    overwrite: bool = False,
    protected: Collection[Path] = (),
    dither_seed: int = 0,
    progress: Progress | None = None,
) -> ExportResult:
    """Write ``audio`` (``(frames, channels)`` float) to ``path`` (.wav or .flac).

    Parameters
    ----------
    loudness_lufs
        If given, the mix is scaled to this integrated loudness, unless that would
        put its sample peak above ``peak_ceiling_dbfs``: then it is scaled to the
        ceiling instead and a warning says so.
    overwrite
        Replace an existing file. Without it an existing file is an ExportError.
    protected
        Files that must never be written over, such as the session's stems.
    """
    target = Path(path)
    fmt = check_destination(target, bit_depth=bit_depth, overwrite=overwrite, protected=protected)
    _check_levels(target, loudness_lufs, peak_ceiling_dbfs)
    data = np.asarray(audio, dtype=np.float64)
    data = data[:, None] if data.ndim == 1 else data
    if not np.isfinite(data).all():
        raise ExportError(f"{target.name}: the mix holds NaN or infinite samples; nothing written")
    gain_db, warnings = _level(data, sample_rate, loudness_lufs, peak_ceiling_dbfs)
    data = data * db_to_lin(gain_db)
    check_cancelled(progress)
    quantised, clip_warnings = _quantise(data, bit_depth, dither_seed)
    warnings += clip_warnings
    _write_file(
        target, quantised, sample_rate, fmt=fmt, subtype=_SUBTYPES[bit_depth], overwrite=overwrite
    )
    if progress is not None:
        progress.report(1.0, f"wrote {target.name}")
    for warning in warnings:
        # Info, not warning: the warnings are returned for the caller to show once.
        log.info("%s: %s", target.name, warning)
    # Of the samples written: a clipped mix peaks at full scale, not where it would have
    # (the "wrote" line said +0.9 dBFS beside "20 samples clipped"; a new-user trial).
    written = _as_written(quantised)
    return ExportResult(
        path=target,
        loudness_lufs=integrated_loudness(written, sample_rate),
        peak_dbfs=peak_dbfs(written),
        gain_db=gain_db,
        warnings=tuple(warnings),
    )


def check_destination(
    target: Path, *, bit_depth: int, overwrite: bool, protected: Collection[Path]
) -> str:
    """The format (``"WAV"``, ``"FLAC"``) of an export to ``target``; raises ExportError
    naming the file for a destination the export would refuse."""
    if target.is_dir():
        raise ExportError(f"{target}: is a folder; give a file name ending in .wav or .flac")
    fmt = _FORMATS.get(target.suffix.lower())
    if fmt is None:
        given = f"not '{target.suffix}'" if target.suffix else "the name has no extension"
        raise ExportError(f"{target.name}: export as .wav or .flac; {given}")
    if bit_depth not in BIT_DEPTHS:
        raise ExportError(f"{target.name}: bit depth {bit_depth}; choose 16, 24 or 32 (float)")
    if fmt == "FLAC" and bit_depth == 32:
        raise ExportError(f"{target.name}: FLAC stores 16 or 24 bit, not 32-bit float")
    if not target.parent.is_dir():
        raise ExportError(f"{target.name}: the folder {target.parent} does not exist")
    resolved = target.resolve()
    if any(resolved == Path(p).resolve() for p in protected):
        raise ExportError(f"{target.name}: refusing to write over one of the session's stems")
    if target.exists() and not overwrite:
        raise ExportError(f"{target.name}: the file exists; pass --force to replace it")
    return fmt


def _check_levels(target: Path, loudness_lufs: float | None, ceiling_dbfs: float) -> None:
    if loudness_lufs is not None and not MIN_TARGET_LUFS <= loudness_lufs <= MAX_TARGET_LUFS:
        raise ExportError(
            f"{target.name}: loudness target {loudness_lufs:.6g} LUFS is outside"
            f" {MIN_TARGET_LUFS:g} to {MAX_TARGET_LUFS:g} LUFS"
        )
    if not MIN_CEILING_DBFS <= ceiling_dbfs <= MAX_CEILING_DBFS:
        raise ExportError(
            f"{target.name}: peak ceiling {ceiling_dbfs:.6g} dBFS is outside"
            f" {MIN_CEILING_DBFS:g} to {MAX_CEILING_DBFS:g} dBFS"
        )


def _level(
    data: np.ndarray, sample_rate: int, loudness_lufs: float | None, ceiling_dbfs: float
) -> tuple[float, list[str]]:
    """The gain in dB to apply, and warnings about the level."""
    if loudness_lufs is None:
        return 0.0, []
    short = too_short_message(data, sample_rate)
    if short is not None:
        return 0.0, [f"the mix {short}; it was not normalised"]
    measured = integrated_loudness(data, sample_rate)
    if is_silent(measured):
        return 0.0, ["the mix is silent; it was not normalised"]
    gain_db = loudness_lufs - measured
    peak_after = peak_dbfs(data) + gain_db
    if peak_after > ceiling_dbfs:
        limited = gain_db - (peak_after - ceiling_dbfs)
        return limited, [
            f"reaching {loudness_lufs:.1f} LUFS would put the peak at {peak_after:+.1f} dBFS,"
            f" above the {ceiling_dbfs:.1f} dBFS ceiling; exported at"
            f" {measured + limited:.1f} LUFS instead"
        ]
    return gain_db, []


def _quantise(data: np.ndarray, bit_depth: int, seed: int) -> tuple[np.ndarray, list[str]]:
    peak = peak_dbfs(data)
    if bit_depth == 32:
        warnings = [f"the mix peaks at {peak:+.1f} dBFS (above full scale)"] if peak > 0 else []
        return data.astype(np.float32), warnings
    scale = 2.0 ** (bit_depth - 1)
    scaled = data * scale
    if bit_depth == 16:
        rng = np.random.default_rng(seed)
        # TPDF dither: the difference of two uniform variables, +-1 LSB peak.
        scaled += rng.uniform(-0.5, 0.5, data.shape) + rng.uniform(-0.5, 0.5, data.shape)
    quantised = np.round(scaled)
    clipped = int(np.count_nonzero((quantised > scale - 1) | (quantised < -scale)))
    np.clip(quantised, -scale, scale - 1, out=quantised)
    warnings = []
    if clipped:
        warnings.append(
            f"the mix peaks at {peak:+.1f} dBFS; {clipped} samples clipped at {bit_depth} bit"
        )
    if bit_depth == 16:
        return quantised.astype(np.int16), warnings
    # libsndfile keeps the top 24 bits of int32 data for PCM_24.
    return quantised.astype(np.int32) << 8, warnings


def _as_written(quantised: np.ndarray) -> np.ndarray:
    """The samples :func:`_quantise` made, as the file holds them, in float (full scale 1)."""
    if quantised.dtype == np.int16:
        return quantised / 32768.0
    if quantised.dtype == np.int32:  # 24 bits in the top of 32
        return quantised / 2.0**31
    return quantised.astype(np.float64)


def _write_file(
    target: Path, data: np.ndarray, sample_rate: int, *, fmt: str, subtype: str, overwrite: bool
) -> None:
    def write(handle: BinaryIO) -> None:
        write_sound(handle, data, sample_rate, fmt=fmt, subtype=subtype, comment=MIX_COMMENT)

    for stale in remove_stale_parts(target.parent):
        log.info("%s: removed %s, left by an interrupted export", target.name, stale.name)
    try:
        write_atomically(target, write, overwrite=overwrite)
    except FileExistsError as exc:
        raise ExportError(f"{target.name}: the file exists; pass --force to replace it") from exc
    except OSError as exc:
        raise ExportError(f"{target.name}: {write_failure(exc, target.parent)}") from exc
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise ExportError(f"{target.name}: could not write the file ({exc})") from exc


def export_mix(
    multitrack: Multitrack,
    gains_db: Sequence[float] | np.ndarray,
    path: str | Path,
    *,
    pans: Sequence[float] | np.ndarray | None = None,
    mutes: Sequence[bool] | np.ndarray | None = None,
    inverted: Sequence[bool] | np.ndarray | None = None,
    stereo: bool = True,
    bit_depth: int = 24,
    loudness_lufs: float | None = None,
    peak_ceiling_dbfs: float = DEFAULT_PEAK_CEILING_DBFS,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> ExportResult:
    """Mix ``multitrack`` and export it; the stems themselves are never written over.

    Tracks flagged in ``inverted`` are mixed with their polarity inverted.

    Gains beyond +-:data:`~drumassist.core.mix.MAX_GAIN_DB` are a GainsError: they
    would overflow to noise at full scale.
    """
    _check_gains(multitrack, gains_db)
    if progress is not None:
        progress.report(0.1, "mixing")
    audio = mix(multitrack, gains_db, pans=pans, mutes=mutes, stereo=stereo, inverted=inverted)
    check_cancelled(progress)
    if progress is not None:
        progress.report(0.5, "writing")
    return export_audio(
        audio,
        multitrack.sample_rate,
        path,
        bit_depth=bit_depth,
        loudness_lufs=loudness_lufs,
        peak_ceiling_dbfs=peak_ceiling_dbfs,
        overwrite=overwrite,
        protected=[t.path for t in multitrack.tracks if t.path is not None],
        progress=progress,
    )


def _check_gains(multitrack: Multitrack, gains_db: Sequence[float] | np.ndarray) -> None:
    gains = np.asarray(gains_db, dtype=np.float64)
    if gains.shape != (len(multitrack.tracks),):
        return  # mix() names the mismatch
    for name, gain in zip(multitrack.names, gains, strict=True):
        if np.isnan(gain) or gain > MAX_GAIN_DB or -MAX_GAIN_DB > gain > -np.inf:
            raise GainsError(
                f"{name}: gain {gain:.6g} dB is outside -{MAX_GAIN_DB:g} to +{MAX_GAIN_DB:g} dB"
                " (or -inf, muted)"
            )
