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

    ``name`` prefixes the worker threads' names (seen in a debugger or a profile). The
    first exception raised by ``fn`` is raised here, once the other calls are done.
    """
    work = list(items)
    workers = min(len(work), os.cpu_count() or 1)
    if workers <= 1:
        return [fn(item) for item in work]
    with ThreadPoolExecutor(workers, thread_name_prefix=f"drumassist-{name}") as executor:
        return list(executor.map(fn, work))
