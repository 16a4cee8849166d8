"""Measures of a multitrack's audio kept in the cache folder, keyed by that audio.

A measure (the trim model's level and bleed measures, the polarity checks, the block
energies of a mix) is a function of the audio of every track and of the settings it
was made with. Each entry is one ``.npz`` of arrays under ``cache_dir()/<kind>/``,
named by the sha256 of those settings (the *recipe*) and of every track's samples, so
the same stems are measured once, whichever command or window asks. A recipe names
every setting its measure depends on: change one and old entries are simply not found.

The samples are hashed once per :class:`~drumassist.core.multitrack.Multitrack`
object (its audio never changes) however many measures ask. Entries are written
atomically; an entry that cannot be read, or is not what its reader expects, is
deleted and measured again, never trusted. A cache that cannot be written is logged,
never raised: it is only a cache.

Each kind's folder is kept under :data:`KIND_LIMIT_BYTES` on disk: once a day, the
first write of a kind in a process prunes the entries used longest ago (a read marks
an entry used), down to :data:`PRUNE_TO` of the limit, so the cache cannot grow
without end. Every ``*/*.npz`` under a kind's folder counts as an entry.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import threading
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from drumassist.core.atomic import write_atomically
from drumassist.core.memo import PerMultitrack
from drumassist.core.multitrack import Multitrack
from drumassist.core.npzread import load_npz
from drumassist.core.parallel import map_on_cores

log = logging.getLogger(__name__)

#: The most a kind's folder keeps (an entry of 8 stems is 1 to 30 KB, so about 10 000
#: sessions fit), and the share of it pruning leaves.
KIND_LIMIT_BYTES = 256 << 20
PRUNE_TO = 0.8
#: A kind's folder is scanned at most this often (its ``pruned`` file says when it was).
PRUNE_EVERY_S = 24 * 3600.0
PRUNE_STAMP = "pruned"
# Kind folders already pruned by this process.
_PRUNED: set[Path] = set()
_PRUNED_LOCK = threading.Lock()

# Digests already made, by multitrack object (they go with their stems).
_DIGESTS: PerMultitrack[tuple[bytes, ...]] = PerMultitrack()


def audio_digests(multitrack: Multitrack) -> tuple[bytes, ...]:
    """The sha256 of every track's float32 samples, once per multitrack object.

    Hashed on up to one thread per core (hashlib releases the GIL: 8 stems of 3
    minutes hash in half the time on two).
    """

    def one(audio: np.ndarray) -> bytes:
        return hashlib.sha256(np.ascontiguousarray(audio, dtype=np.float32).data).digest()

    def make() -> tuple[bytes, ...]:
        return tuple(map_on_cores(one, [track.audio for track in multitrack.tracks], "hash"))

    return _DIGESTS.get_or_make(multitrack, make)


def entry_key(recipe: Mapping[str, Any], multitrack: Multitrack) -> str:
    """The name of the entry for ``recipe`` (JSON-able settings) measured on ``multitrack``.

    The track shapes and the sample rate are always part of it.
    """
    settings = {
        **recipe,
        "sample_rate": multitrack.sample_rate,
        "shapes": [list(t.audio.shape) for t in multitrack.tracks],
    }
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    for track_digest in audio_digests(multitrack):
        digest.update(track_digest)
    return digest.hexdigest()


def entry_path(kind: str, key: str) -> Path:
    """Where the entry ``key`` of ``kind`` (a folder name: ``anchor``, ``polarity``...) lives."""
    from drumassist.core.paths import cache_dir

    return cache_dir() / kind / key[:2] / f"{key}.npz"


def load_entry(
    kind: str, key: str, valid: Callable[[Mapping[str, np.ndarray]], bool]
) -> dict[str, np.ndarray] | None:
    """The arrays of an entry, or None when there is none or it is bad.

    ``valid`` says whether the arrays are what the caller stored (names, shapes); an
    entry that is unreadable or not valid is deleted, so it is measured again.
    """

    def problem(arrays: Mapping[str, np.ndarray]) -> str:
        return "" if valid(arrays) else "not what was stored"

    return read_arrays(entry_path(kind, key), problem, what=f"{kind} cache")


def store_entry(kind: str, key: str, arrays: Mapping[str, np.ndarray]) -> None:
    """Write an entry atomically; a failure is logged, never raised."""
    write_arrays(entry_path(kind, key), arrays, what=f"{kind} cache")


def read_arrays(
    path: Path,
    problem: Callable[[Mapping[str, np.ndarray]], str],
    *,
    what: str,
    logger: logging.Logger = log,
) -> dict[str, np.ndarray] | None:
    """The arrays of the cache file ``path``, or None when it is absent or bad.

    ``problem`` says what is wrong with the arrays ("" when nothing is); a file that
    cannot be read or has a problem is logged to ``logger``, deleted and not trusted.
    """
    if not path.is_file():
        return None
    try:
        arrays = load_npz(path)
    except FileNotFoundError:  # pruned by another process since the check above
        return None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        reason = f"unreadable ({type(exc).__name__}: {exc})"
    else:
        try:
            reason = problem(arrays)
        except (KeyError, ValueError, TypeError, IndexError) as exc:
            reason = f"not what was stored ({type(exc).__name__}: {exc})"
    if not reason:
        _mark_used(path)
        return arrays
    logger.warning("ignoring the %s entry %s: %s; recomputing", what, path.name, reason)
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:  # a read-only folder must not stop the work
        logger.debug("cannot delete %s: %s", path, exc)
    return None


def write_arrays(
    path: Path, arrays: Mapping[str, np.ndarray], *, what: str, logger: logging.Logger = log
) -> None:
    """Write ``arrays`` as the ``.npz`` ``path``, atomically; a failure is logged to
    ``logger``, never raised (it is only a cache)."""
    buffer = io.BytesIO()
    np.savez(buffer, **dict(arrays))  # type: ignore[arg-type]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, lambda h: h.write(buffer.getvalue()), overwrite=True)
    except OSError as exc:
        logger.warning("cannot write the %s entry %s: %s", what, path, exc)
        return
    root = path.parent.parent  # entries live in <kind>/<two hex digits>/<key>.npz
    with _PRUNED_LOCK:
        if root in _PRUNED:
            return
        _PRUNED.add(root)
    _prune_now_and_then(root, logger)


def _prune_now_and_then(root: Path, logger: logging.Logger) -> None:
    """:func:`prune` ``root`` if it was not pruned in the last :data:`PRUNE_EVERY_S`
    (a scan of a full folder takes most of a second: not on every command)."""
    import time

    stamp = root / PRUNE_STAMP
    try:
        # A stamp from the future (a clock set wrong, a restored copy) does not count.
        if 0 <= time.time() - stamp.stat().st_mtime < PRUNE_EVERY_S:
            return
    except OSError:  # never pruned
        pass
    prune(root, KIND_LIMIT_BYTES, logger=logger)
    try:
        stamp.touch()
    except OSError as exc:
        logger.debug("cannot write %s: %s", stamp, exc)


def disk_bytes(path: Path) -> int:
    """What a file takes on disk (its blocks where the system says, else its size)."""
    info = path.stat()
    blocks = getattr(info, "st_blocks", None)
    return info.st_size if blocks is None else max(info.st_size, blocks * 512)


def _mark_used(path: Path) -> None:
    """Set an entry's modification time to now: pruning keeps the entries used last.

    ``os.utime``, not ``Path.touch``: an entry pruned meanwhile by another process
    must not come back as an empty file.
    """
    try:
        os.utime(path)
    except OSError as exc:  # pruned meanwhile, or a read-only cache (still read)
        log.debug("cannot mark %s used: %s", path, exc)


def prune(root: Path, limit_bytes: int, *, logger: logging.Logger = log) -> int:
    """Delete the entries under ``root`` used longest ago while they hold more than
    ``limit_bytes``, down to :data:`PRUNE_TO` of it; returns how many were deleted."""
    entries = []
    for entry in root.glob("*/*.npz"):
        try:
            entries.append((entry.stat().st_mtime, disk_bytes(entry), entry))
        except OSError:  # deleted meanwhile (another process pruning)
            continue
    total = sum(size for _, size, _ in entries)
    if total <= limit_bytes:
        return 0
    deleted = 0
    for _, size, entry in sorted(entries, key=lambda e: e[0]):
        if total <= limit_bytes * PRUNE_TO:
            break
        try:
            entry.unlink(missing_ok=True)
        except OSError as exc:
            logger.debug("cannot prune %s: %s", entry, exc)
            continue
        total -= size
        deleted += 1
    logger.info("pruned %d entries from %s (%d bytes kept)", deleted, root, total)
    return deleted
