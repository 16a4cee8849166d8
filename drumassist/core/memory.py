"""Freed memory kept for reuse within a command's process (glibc's allocator only).

Why: an analysis makes many full-length temporaries (a float64 copy of a 3-minute
stem is 63 MB). glibc serves every block over its threshold (which grows to at most
32 MB) with a fresh ``mmap`` and unmaps it on ``free``, so the next temporary of that
size faults its pages in again, one by one, and first-touching memory is slow on
virtual machines (256 MB cost 0.27 s of system time on ours). Served from the heap
and kept there when freed, a temporary reuses pages already faulted in; the
arithmetic is the same, so nothing a measure computes changes. A cold
``drumassist suggest`` of 8 x 3 min stems: 1.86 s with 0.95 s in the kernel before,
1.41 s with 0.26 s after (medians of 10 runs each, alternated, 2026-12-01).

The price: the process keeps its peak heap until it exits, so this is for commands
that end when their work does, not for the window. Worker threads' arenas are mapped
heaps of at most 64 MB, so a larger block made on a worker is still mapped afresh.

:func:`skip_huge_page_advice` is the other half: numpy asks the kernel for 2 MB
transparent huge pages on every array of 4 MB or more, and a huge page comes from
memory the machine has not touched lately, which a virtual machine's host must first
back (the kernel reuses recently freed 4 KB pages instead).
"""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger(__name__)

# mallopt(3) parameters, from glibc's malloc.h.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
#: Blocks up to this size come from the heap (larger ones are mapped, as before).
HEAP_BLOCKS_UP_TO = 1 << 30
#: What older glibc allow at most (half their 64 MB heaps).
CAPPED_THRESHOLD = 32 << 20
#: Free memory at the top of the heap is returned to the system only past this.
KEEP_FREE = 1 << 30


def keep_freed_memory() -> bool:
    """Make this process's allocator keep freed blocks for reuse; True if it could.

    Only glibc's allocator has these settings; elsewhere (macOS, Windows, musl) this
    does nothing and returns False. A glibc that refuses a threshold over 32 MB (older
    ones cap it at half their 64 MB heaps) gets 32 MB: most of a stem's temporaries
    are under it.
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process already runs on
    except (OSError, AttributeError):
        log.debug("no mallopt in this C library: freed memory is returned as it comes")
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    # Worker threads keep their own arenas: one shared arena (M_ARENA_MAX 1) was
    # slower here (1.77 s against 1.45 s, medians of 6 runs each).
    heap = bool(mallopt(M_MMAP_THRESHOLD, HEAP_BLOCKS_UP_TO)) or bool(
        mallopt(M_MMAP_THRESHOLD, CAPPED_THRESHOLD)
    )
    kept = bool(mallopt(M_TRIM_THRESHOLD, KEEP_FREE))
    if not (heap and kept):
        log.debug("mallopt refused: mmap threshold %s, trim threshold %s", heap, kept)
    return heap and kept


#: numpy's own switch (read when numpy is imported); a value the user set is kept.
HUGE_PAGE_VARIABLE = "NUMPY_MADVISE_HUGEPAGE"


def skip_huge_page_advice() -> bool:
    """Stop numpy advising transparent huge pages for large arrays; True if it did.

    Why: a cold ``drumassist suggest`` of 8 x 3 min stems took 1.83 s with the advice
    and 1.52 s without it (medians of 6 runs each, alternated, 2026-12-01, on our
    2-core virtual machine, where the kernel's huge-page setting is "madvise" as on
    Debian and Ubuntu); its system time fell from 0.7-2.3 s to 0.5 s. Nothing a
    measure computes changes, only where its memory comes from. Not measured on bare
    metal, where a huge page can cost less than 512 small ones.

    This sets numpy's ``NUMPY_MADVISE_HUGEPAGE`` switch to 0, which numpy reads when it
    is imported (later in this process, and in the worker processes a command starts),
    and if numpy is imported already, calls what that switch calls. A value the user
    set is left as it is (and False returned), as on platforms other than Linux.
    """
    if not sys.platform.startswith("linux") or HUGE_PAGE_VARIABLE in os.environ:
        return False
    os.environ[HUGE_PAGE_VARIABLE] = "0"  # read by numpy here and in worker processes
    if "numpy" not in sys.modules:
        return True
    from numpy._core import multiarray

    toggle = getattr(multiarray, "_set_madvise_hugepage", None)
    if toggle is None:  # another numpy: its default stays
        log.debug("numpy has no huge-page switch: its default stays")
        return False
    toggle(False)
    return True
