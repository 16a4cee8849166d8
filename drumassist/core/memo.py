"""What was measured of a multitrack, kept for as long as the multitrack lives.

Why: a :class:`~drumassist.core.multitrack.Multitrack`'s audio never changes, and the
window, ``compare`` and a suggestion's stages ask for the same measures of the same
stems again (digests, the polarity report, the stereo split, each track's loudness).
:class:`PerMultitrack` keeps one value per multitrack object, by weak key, so a value
goes with its stems (the window dropping a multitrack drops its measures), under a lock,
since suggestions and comparisons run on worker threads. A value is made outside the
lock: two threads asking at once may both measure, and the last one kept wins (the
values are equal), but no thread waits for another's measuring.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

from drumassist.core.multitrack import Multitrack

V = TypeVar("V")


class PerMultitrack(Generic[V]):
    """One value per multitrack object, weakly keyed and thread-safe."""

    def __init__(self) -> None:
        self._values: weakref.WeakKeyDictionary[Multitrack, V] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, multitrack: Multitrack) -> V | None:
        """The value kept for ``multitrack``, or None."""
        with self._lock:
            return self._values.get(multitrack)

    def put(self, multitrack: Multitrack, value: V) -> None:
        """Keep ``value`` for ``multitrack`` (replacing any kept before)."""
        with self._lock:
            self._values[multitrack] = value

    def get_or_make(self, multitrack: Multitrack, make: Callable[[], V]) -> V:
        """The value kept for ``multitrack``, else ``make()``'s, kept from then on."""
        known = self.get(multitrack)
        if known is not None:
            return known
        value = make()
        self.put(multitrack, value)
        return value
