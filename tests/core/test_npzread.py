"""Reading cache and model files from several threads (CPython gh-106905).

CI once failed with "SystemError: AST constructor recursion depth mismatch" while the
feature cache was read on several threads: numpy parses each array header with
``ast.literal_eval``, whose state Python before 3.11.8 shares between threads. These
tests reproduce the conditions (a garbage collection inside a parse that runs a
finaliser which lets another thread run, threads at different stack depths) on the
real reader and real files.
"""

from __future__ import annotations

import gc
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from drumassist.core.npzread import load_npz


class _YieldsOnCollection:
    """Garbage in a reference cycle whose finaliser lets another thread run."""

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        time.sleep(0)


def _at_depth(depth: int, call):
    return call() if depth == 0 else _at_depth(depth - 1, call)


def _read_from_threads(path: Path, rounds: int) -> list[BaseException]:
    errors: list[BaseException] = []

    def work(depth: int) -> None:
        for i in range(rounds):
            if i % 3 == 0:
                _YieldsOnCollection()
            try:
                _at_depth(depth, lambda: load_npz(path))
            except Exception as exc:  # every failure is the finding
                errors.append(exc)
                return

    threads = [threading.Thread(target=work, args=(depth,)) for depth in (0, 7, 15)]
    old_threshold, old_interval = gc.get_threshold(), sys.getswitchinterval()
    gc.set_threshold(5)
    sys.setswitchinterval(1e-6)
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        gc.set_threshold(*old_threshold)
        sys.setswitchinterval(old_interval)
    return errors


def test_threads_read_the_same_file_without_errors(tmp_path: Path) -> None:
    path = tmp_path / "entry.npz"
    np.savez(path, values=np.arange(359.0), names=np.array(["a", "b"]))
    # 3 × 2,500 reads: the unlocked numpy reader failed within this on Python 3.11.7.
    errors = _read_from_threads(path, rounds=2500)
    assert errors == []
    arrays = load_npz(path)
    assert sorted(arrays) == ["names", "values"]
    np.testing.assert_array_equal(arrays["values"], np.arange(359.0))


def test_pickled_objects_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "objects.npz"
    np.savez(path, values=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="allow_pickle"):
        load_npz(path)
