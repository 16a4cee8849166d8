"""Encode audio into a file handle with libsndfile, with failures that can be reported.

libsndfile writes through soundfile's virtual-IO callbacks. An exception raised in
one of them is printed ("Exception ignored from cffi callback ... OSError: [Errno
28]") and lost, and the short write then surfaces as a bare AssertionError. The
handle given to soundfile is therefore wrapped: it keeps the first OSError and
stops writing, termination signals are deferred
(:func:`drumassist.core.interrupts.deferred`), and both are raised afterwards.
"""

from __future__ import annotations

from typing import BinaryIO

import numpy as np
import soundfile as sf

from drumassist import __version__
from drumassist.core import interrupts

#: The comment every mix drumassist writes carries (WAV's INFO chunk, FLAC's tags):
#: a folder of stems holding one is told apart from its stems (core.stemread).
MIX_COMMENT = "drumassist mix"


def write_sound(
    handle: BinaryIO,
    data: np.ndarray,
    sample_rate: int,
    *,
    fmt: str,
    subtype: str,
    comment: str | None = None,
) -> None:
    """Encode ``data`` into ``handle`` with libsndfile; a failed write raises its OSError.

    ``comment`` goes into the file's tags (with drumassist as the software). A
    termination signal during the encoding raises
    :class:`~drumassist.core.interrupts.Interrupted` once libsndfile has returned.
    """
    guarded = _GuardedHandle(handle)
    frames = np.asarray(data)
    channels = 1 if frames.ndim == 1 else frames.shape[1]
    with interrupts.deferred():
        try:
            with sf.SoundFile(
                guarded, "w", sample_rate, channels, subtype=subtype, format=fmt
            ) as out:
                if comment is not None:
                    out.comment = comment
                    out.software = f"drumassist {__version__}"
                out.write(frames)
        except (AssertionError, sf.LibsndfileError, RuntimeError):
            guarded.raise_failure()
            raise
        guarded.raise_failure()


class _GuardedHandle:
    """A binary file for soundfile's virtual IO that never raises inside a callback."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self.failure: OSError | None = None

    def write(self, data: bytes) -> int:
        if self.failure is not None or interrupts.pending():
            return 0  # a short write: libsndfile stops writing
        try:
            return self._handle.write(data)
        except OSError as exc:
            self.failure = exc
            return 0

    def seek(self, offset: int, whence: int = 0) -> int:
        try:
            return self._handle.seek(offset, whence)
        except OSError as exc:
            self.failure = self.failure or exc
            return -1

    def tell(self) -> int:
        return self._handle.tell()

    def read(self, size: int = -1) -> bytes:
        try:
            return self._handle.read(size)
        except OSError as exc:
            self.failure = self.failure or exc
            return b""

    def raise_failure(self) -> None:
        if self.failure is not None:
            raise self.failure
        if interrupts.pending():
            # Leaving deferred() raises the signal; this stops the AssertionError first.
            raise interrupts.Interrupted(interrupts.pending())
