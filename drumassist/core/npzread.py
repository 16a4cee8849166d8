"""Reading ``.npz`` files from several threads at once.

numpy parses every array's header with :func:`ast.literal_eval`. Before CPython
3.11.8 the AST constructor kept its recursion depth in state shared by all threads,
and a garbage collection in the middle of one parse can hand the interpreter to
another thread's parse, which resets that depth: the first parse then fails with
"SystemError: AST constructor recursion depth mismatch" (CPython gh-106905, fixed by
gh-113035). The feature cache is looked up on several threads, so every ``.npz`` is
read here, under one lock. Reading is a small part of a look-up: the hashing of the
audio, the larger part, is not under the lock.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

import numpy as np

_LOCK = threading.Lock()


def load_npz(source: str | Path | io.BytesIO) -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` ``source`` (a path or bytes), read in full.

    Raises what :func:`numpy.load` raises for a missing or unreadable file. Pickled
    objects are refused.
    """
    with _LOCK, np.load(source, allow_pickle=False) as npz:
        return {name: np.asarray(npz[name]) for name in npz.files}
