"""Reading stems from disk: one file checked (:func:`read_checked`), or many at once.

Every stem is read as float32 ``(frames, channels)``. A file that cannot be used raises
:class:`~drumassist.errors.InvalidStemError` naming it and the problem; a file that
ends before its header says (an interrupted copy or export) is read as far as it goes
and gets a notice saying how much is missing (WAV and AIFF, whose headers say how
many bytes of samples follow). A mix drumassist exported is marked (its comment tag
says so), so a folder of stems can leave out a mix saved into it.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import numpy as np
import soundfile as sf

from drumassist.core.progress import Progress, check_cancelled
from drumassist.core.soundio import MIX_COMMENT
from drumassist.errors import InvalidStemError

MAX_CHANNELS = 2
MIN_SAMPLE_RATE = 8000
MAX_SAMPLE_RATE = 384000
#: Largest sample magnitude taken from a float file (+60 dBFS): beyond it the file is
#: not audio, and mixing it could overflow float32.
MAX_SAMPLE_ABS = 1000.0
#: libsndfile's header log for a WAV or AIFF whose sample chunk runs past the end of
#: the file: "data : 352800 (should be 176378)" (bytes announced, bytes there; "SSND"
#: in an AIFF). Only that chunk: a wrong RIFF size or a cut chunk after the samples
#: leaves every sample there.
_SHORT_DATA = re.compile(r"^\s*(?:data|SSND)\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)
#: Sizes a writer puts in a header it cannot go back to (a WAV streamed to a pipe):
#: they announce nothing.
_PLACEHOLDER_SIZES = frozenset({0, 0xFFFFFFFF, 0x7FFFFFFF, 0x7FFFF000})
#: A file short of its header by less than this is not worth a notice (a writer's
#: rounding, a padding byte).
MIN_MISSING_S = 0.01


class StemRead(NamedTuple):
    """One file read: its samples, rate and peak, and a notice if it ends early.

    ``exported_mix``: the file is a mix drumassist wrote (its comment says so). A
    folder of stems leaves it out; named on its own (a reference mix, a submix used as
    a stem) it is read as any file.
    """

    audio: np.ndarray
    rate: int
    peak: float
    ends_early: str | None
    exported_mix: bool = False


def read_stem(path: Path) -> tuple[np.ndarray, int]:
    """Read one audio file as float32 ``(frames, channels)`` and its sample rate."""
    read = read_checked(path)
    return read.audio, read.rate


def read_checked(path: Path, *, skip_mixes: bool = False) -> StemRead:
    """:func:`read_stem`, the stem's peak (largest sample magnitude) and whether it is cut.

    With ``skip_mixes``, a mix drumassist exported is told from its header and not read
    (``audio`` empty): a folder of stems leaves it out.
    """
    try:
        with sf.SoundFile(str(path)) as handle:
            rate, header_log = int(handle.samplerate), handle.extra_info
            exported_mix = handle.comment.startswith(MIX_COMMENT)
            if exported_mix and skip_mixes:
                return StemRead(np.zeros((0, 1), np.float32), rate, 0.0, None, exported_mix)
            audio = handle.read(dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as exc:
        raise InvalidStemError(f"{path.name}: cannot read audio ({_why(path, exc)})") from exc
    except MemoryError as exc:  # a damaged header can claim billions of frames
        raise InvalidStemError(
            f"{path.name}: too large to read into memory (its header may be damaged)"
        ) from exc
    if audio.shape[0] == 0:
        raise InvalidStemError(f"{path.name}: the file holds no samples (zero length)")
    if audio.shape[1] > MAX_CHANNELS:
        raise InvalidStemError(
            f"{path.name}: {audio.shape[1]} channels; drumassist takes mono or stereo stems"
        )
    if not MIN_SAMPLE_RATE <= rate <= MAX_SAMPLE_RATE:
        raise InvalidStemError(f"{path.name}: sample rate {rate} Hz is outside 8-384 kHz")
    # Two reductions, no temporary array: a NaN makes both NaN, an infinity one of them.
    highest, lowest = float(audio.max()), float(audio.min())
    if not (math.isfinite(highest) and math.isfinite(lowest)):
        raise InvalidStemError(f"{path.name}: holds NaN or infinite samples")
    peak = max(highest, -lowest)
    if peak > MAX_SAMPLE_ABS:
        raise InvalidStemError(
            f"{path.name}: samples reach {20 * np.log10(peak):+.0f} dBFS; audio stays below"
            f" {20 * np.log10(MAX_SAMPLE_ABS):+.0f} dBFS"
        )
    cut = ends_early(path.name, header_log, len(audio) / rate)
    return StemRead(np.ascontiguousarray(audio), rate, peak, cut, exported_mix)


def ends_early(name: str, header_log: str, held_s: float) -> str | None:
    """A notice if libsndfile's ``header_log`` says the file stops short of its header.

    The audio there is kept; the notice says how long the file was meant to be, so a
    user knows the stem is incomplete rather than just shorter than the others.
    """
    found = _SHORT_DATA.search(header_log)
    if found is None:
        return None
    announced, present = int(found.group(1)), int(found.group(2))
    if announced in _PLACEHOLDER_SIZES or not 0 < present < announced:
        return None
    meant_s = held_s * announced / present
    if meant_s - held_s < MIN_MISSING_S:
        return None
    digits = 1 if meant_s - held_s >= 1 else 3  # a few ms missing: said in ms
    return (
        f"{name}: the file ends early: {meant_s - held_s:.{digits}f} s of the"
        f" {meant_s:.{digits}f} s its header announces are missing (an interrupted copy or"
        " export?)"
    )


def read_stems(
    files: Sequence[Path], progress: Progress | None, *, skip_mixes: bool = False
) -> list[StemRead]:
    """:func:`read_checked` of every file, in order, on up to one thread per core.

    libsndfile and numpy release the GIL, so on two cores 8 stems of 3 minutes read in
    about half the time. Progress is reported and cancellation checked file by file,
    in order; the first file that cannot be used raises, as when reading one by one.
    """
    threads = min(len(files), os.cpu_count() or 1)
    if threads <= 1:
        results = []
        for i, path in enumerate(files):
            check_cancelled(progress)
            results.append(read_checked(path, skip_mixes=skip_mixes))
            _report(progress, i, files)
        return results
    with ThreadPoolExecutor(threads, thread_name_prefix="drumassist-read") as executor:
        futures = [executor.submit(read_checked, path, skip_mixes=skip_mixes) for path in files]
        try:
            for i, future in enumerate(futures):
                check_cancelled(progress)
                future.result()
                _report(progress, i, files)
        finally:
            for future in futures:
                future.cancel()
    return [future.result() for future in futures]


def _report(progress: Progress | None, index: int, files: Sequence[Path]) -> None:
    if progress is not None:
        progress.report((index + 1) / len(files), f"read {files[index].name}")


def _why(path: Path, exc: Exception) -> str:
    """Why ``path`` could not be read: libsndfile's reason, or what it does not say (an
    empty file, which a failed export leaves, reads as "Format not recognised")."""
    try:
        if path.stat().st_size == 0:
            return "the file is empty, 0 bytes: an export that failed?"
    except OSError:
        pass
    return _reason(exc)


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    # libsndfile prefixes its messages with the full path; the caller names the file.
    return text.split(": ", 1)[-1] if text.startswith(("Error opening", "<")) else text
