"""Per-track work on up to one thread per core.

numpy's reductions and FFTs and scipy's filter kernel release the GIL on long arrays,
so threads give most of a second core to work done track by track (conditioning,
hashing, level measures, spectra), with no process start-up and no copies.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

_In = TypeVar("_In")
_Out = TypeVar("_Out")


def map_on_cores(fn: Callable[[_In], _Out], items: Iterable[_In], name: str) -> list[_Out]:
    """``[fn(item) for item in items]``, in order, on up to one thread per core.

    ``name`` prefixes the worker threads' names (seen in a debugger or a profile). An
    exception raised by ``fn`` (the first in item order) is raised here once the calls
    already running have ended; the items not yet started are dropped.
    """
    work = list(items)
    workers = min(len(work), os.cpu_count() or 1)
    if workers <= 1:
        return [fn(item) for item in work]
    executor = ThreadPoolExecutor(workers, thread_name_prefix=f"drumassist-{name}")
    try:
        return list(executor.map(fn, work))
    finally:
        # On an error or a cancel, the items not started are dropped, not run first.
        executor.shutdown(wait=True, cancel_futures=True)
