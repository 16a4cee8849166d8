"""core.parallel: per-track work on both cores."""

from __future__ import annotations

import pytest


def test_map_on_cores_keeps_order_and_drops_what_an_error_leaves():
    import threading

    from drumassist.core.parallel import map_on_cores

    assert map_on_cores(lambda x: x * x, range(20), "test") == [x * x for x in range(20)]
    ran = []
    lock = threading.Lock()

    def work(x):
        with lock:
            ran.append(x)
        if x == 0:
            raise RuntimeError("first item fails")
        threading.Event().wait(0.05)
        return x

    with pytest.raises(RuntimeError, match="first item fails"):
        map_on_cores(work, range(200), "test")
    assert len(ran) < 200  # the items not started when it failed were not run
