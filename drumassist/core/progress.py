"""Progress reporting and cancellation for long work, with no Qt dependency.

Long functions take ``progress: Progress | None`` and call :meth:`Progress.report`
between steps and :func:`check_cancelled` where stopping is safe. The window adapts
this protocol to Qt signals; tests and the CLI use the plain classes here.
"""

from __future__ import annotations

import threading
from typing import Protocol

from drumassist.errors import CancelledError


class Progress(Protocol):
    """What long work reports to, and asks whether to stop."""

    def report(self, fraction: float, message: str = "") -> None:
        """Record that ``fraction`` (0..1) of the work is done."""

    def cancelled(self) -> bool:
        """Return True once the user has asked to stop."""


class CancelToken:
    """A progress sink that records reports and can be cancelled from another thread."""

    def __init__(self) -> None:
        # threading.Event makes cancel() safe to call from any thread.
        self._event = threading.Event()
        self.fraction = 0.0
        self.message = ""

    def report(self, fraction: float, message: str = "") -> None:
        self.fraction = fraction
        self.message = message

    def cancel(self) -> None:
        self._event.set()

    def cancelled(self) -> bool:
        return self._event.is_set()


class ScaledProgress:
    """Maps a sub-task's 0..1 progress into the slice ``start..end`` of a whole task."""

    def __init__(self, progress: Progress, start: float, end: float) -> None:
        self._progress, self._start, self._end = progress, start, end

    def report(self, fraction: float, message: str = "") -> None:
        self._progress.report(self._start + (self._end - self._start) * fraction, message)

    def cancelled(self) -> bool:
        return self._progress.cancelled()


def check_cancelled(progress: Progress | None) -> None:
    """Raise :class:`CancelledError` if ``progress`` says the user cancelled."""
    if progress is not None and progress.cancelled():
        raise CancelledError("cancelled")
