"""core.memo.PerMultitrack: one value per multitrack object, dropped with its stems.

Digests, polarity reports, stereo splits and track loudness are kept this way: the
window asks again for the same stems, and a closed multitrack must not keep its
measures (or its audio) alive.
"""

from __future__ import annotations

import gc
import threading
import weakref

import numpy as np

from drumassist.core.memo import PerMultitrack
from drumassist.core.multitrack import Multitrack, from_arrays


def _stems(seed: int = 0) -> Multitrack:
    rng = np.random.default_rng(seed)
    arrays = {name: rng.standard_normal(4800).astype(np.float32) for name in ("kick", "snare")}
    return from_arrays(arrays, sample_rate=48000)


def test_a_value_is_made_once_per_multitrack_object() -> None:
    memo: PerMultitrack[list[str]] = PerMultitrack()
    made: list[str] = []
    first, second = _stems(), _stems()  # equal audio, two objects

    def make(label: str) -> list[str]:
        made.append(label)
        return [label]

    a = memo.get_or_make(first, lambda: make("first"))
    assert memo.get_or_make(first, lambda: make("again")) is a
    assert memo.get_or_make(second, lambda: make("second")) == ["second"]
    assert made == ["first", "second"]
    memo.put(first, ["replaced"])
    assert memo.get(first) == ["replaced"]


def test_the_value_goes_with_its_multitrack() -> None:
    memo: PerMultitrack[np.ndarray] = PerMultitrack()
    stems = _stems()
    value = np.arange(3.0)
    memo.put(stems, value)
    stems_ref, value_ref = weakref.ref(stems), weakref.ref(value)
    del stems, value
    gc.collect()
    assert stems_ref() is None  # the memo kept neither the stems alive...
    assert value_ref() is None  # ...nor what was measured of them


def test_threads_asking_at_once_all_get_a_kept_value() -> None:
    memo: PerMultitrack[tuple[int, ...]] = PerMultitrack()
    stems = _stems()
    start = threading.Barrier(4)
    got: list[tuple[int, ...]] = []
    lock = threading.Lock()

    def ask(n: int) -> None:
        start.wait()
        value = memo.get_or_make(stems, lambda: (int(stems.tracks[0].audio.size), n))
        with lock:
            got.append(value)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(got) == 4 and all(v[0] == 4800 for v in got)
    assert memo.get(stems) in got  # the last one kept is one that was made
    assert memo.get_or_make(stems, lambda: (0, -1)) == memo.get(stems)
