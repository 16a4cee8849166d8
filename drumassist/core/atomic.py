"""Atomic file writes: a hidden temporary file in the same folder, then a rename.

A crash or an error mid-write leaves the destination as it was, never half-written.
A termination signal (see :mod:`drumassist.core.interrupts`) removes the temporary
file too; one left by a process killed outright (SIGKILL, a power cut) is removed by
:func:`remove_stale_parts` on the next write to that folder.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from drumassist.core.interrupts import deferred

log = logging.getLogger(__name__)

#: Our temporary names: ``.NAME.XXXXXXXX.part``, XXXXXXXX from tempfile's alphabet.
PART_PATTERN = re.compile(r"^\..+\.[a-z0-9_]{8}\.part$")
# When this process started using the writer: a temporary file last written before
# it cannot be one this process is writing.
_STARTED_S = time.time()


def write_atomically(
    target: Path, write: Callable[[BinaryIO], object], *, overwrite: bool, mode: int = 0o644
) -> None:
    """Call ``write(handle)`` on a temporary file and move it to ``target``.

    Raises FileExistsError when ``target`` exists and ``overwrite`` is false (also
    when it appears while writing), and OSError (or whatever ``write`` raises) on
    failure; in every case, a termination signal included, no temporary file is left.
    """
    temp: Path | None = None
    try:
        # Deferred: a signal between creating the file and knowing its name would leak it.
        with deferred():
            fd, temp_name = tempfile.mkstemp(
                dir=target.parent, prefix=f".{target.name}.", suffix=".part"
            )
            temp = Path(temp_name)
        with os.fdopen(fd, "wb") as handle:
            _lock(handle)
            # mkstemp makes the file private (0600); the result is an ordinary file.
            os.fchmod(handle.fileno(), mode)
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        _move_into_place(temp, target, overwrite=overwrite)
    except BaseException:
        if temp is not None:
            with contextlib.suppress(OSError):
                temp.unlink()
        raise


def remove_stale_parts(folder: Path) -> list[Path]:
    """Remove our temporary files in ``folder`` left by killed processes; return them.

    Only names of our pattern (:data:`PART_PATTERN`), last modified before this
    process started, and not locked by a writer that is still running are removed.
    """
    removed: list[Path] = []
    try:
        candidates = [p for p in folder.iterdir() if PART_PATTERN.match(p.name)]
    except OSError:
        return removed
    for path in candidates:
        try:
            if not path.is_file() or path.is_symlink() or path.stat().st_mtime >= _STARTED_S:
                continue
            if _locked_by_other(path):
                continue
            path.unlink()
        except OSError:
            continue
        log.info("removed %s, left by an interrupted write", path.name)
        removed.append(path)
    return removed


def _lock(handle: BinaryIO) -> None:
    """Hold an advisory lock while writing, so no other process takes the file as stale."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; the age test alone applies.
        return
    with contextlib.suppress(OSError):
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _locked_by_other(path: Path) -> bool:
    try:
        import fcntl
    except ImportError:
        return False
    with path.open("rb") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    return False


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


def write_failure(exc: OSError, folder: Path) -> str:
    """What a failed write into ``folder`` means, in words for the user, naming the folder
    ("no space left on the device that holds /music/out")."""
    if exc.errno == errno.ENOSPC:
        return f"no space left on the device that holds {folder}"
    if exc.errno == errno.EDQUOT:
        return f"disk quota exceeded in {folder}"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"not allowed to write in {folder} ({exc.strerror})"
    return f"could not write the file in {folder} ({exc.strerror or exc})"
