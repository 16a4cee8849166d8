"""Atomic file writes: a hidden temporary file in the same folder, then a rename.

A crash or an error mid-write leaves the destination as it was, never half-written.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def write_atomically(
    target: Path, write: Callable[[BinaryIO], object], *, overwrite: bool, mode: int = 0o644
) -> None:
    """Call ``write(handle)`` on a temporary file and move it to ``target``.

    Raises FileExistsError when ``target`` exists and ``overwrite`` is false (also
    when it appears while writing), and OSError (or whatever ``write`` raises) on
    failure; in every case no temporary file is left behind.
    """
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            # mkstemp makes the file private (0600); the result is an ordinary file.
            os.fchmod(handle.fileno(), mode)
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        _move_into_place(temp, target, overwrite=overwrite)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def _move_into_place(temp: Path, target: Path, *, overwrite: bool) -> None:
    if overwrite:
        temp.replace(target)
        return
    try:
        # link() fails if the target appeared meanwhile: never clobber silently.
        os.link(temp, target)
    except FileExistsError:
        raise
    except OSError:
        # Some file systems (FAT, some network shares) have no hard links.
        if target.exists():
            raise FileExistsError(target) from None
        temp.replace(target)
        return
    temp.unlink()
