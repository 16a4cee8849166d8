"""Termination signals (SIGINT, SIGTERM, SIGHUP) as an exception, deferred while encoding.

By default SIGTERM and SIGHUP end the process at once, so an export in progress
leaves its hidden temporary file behind. :func:`install` turns the three signals
into :class:`Interrupted`, which unwinds through the ``except BaseException``
cleanups of :mod:`drumassist.core.atomic`. Inside :func:`deferred` (used around
libsndfile, whose virtual-IO callbacks would print and swallow an exception raised
in them) a signal is only recorded, and raised when the block ends. A signal that
arrives while a module is being imported is sent again 20 ms later, so it never
unwinds through a C extension's initialiser (some abort the process on it).
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any

#: The signals :func:`install` handles; SIGHUP does not exist on Windows.
SIGNALS = tuple(
    s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None))
    if s is not None
)  # fmt: skip

# Touched only by the main thread: Python runs signal handlers in the main thread,
# and deferred() is a no-op elsewhere (a signal cannot interrupt another thread).
_state = {"depth": 0, "pending": 0, "received": 0}


class Interrupted(KeyboardInterrupt):
    """A termination signal arrived; ``exit_status`` is the shell's ``128 + signal``."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_status(self) -> int:
        return 128 + self.signum


#: How soon a signal that arrived during an import is delivered again.
IMPORT_RETRY_S = 0.02


def _handler(signum: int, frame: FrameType | None) -> None:
    _state["received"] = signum
    if _state["depth"]:
        _state["pending"] = _state["pending"] or signum
        return
    if _importing(frame):
        # Raised inside a module's import, the exception can reach a C extension's
        # initialiser, and some (nanobind's, soxr's) abort the process on it: SIGINT
        # while `suggest` first imported soxr ended in "Fatal Python error: Aborted".
        # The signal is sent again once the import has had time to finish.
        retry = threading.Timer(IMPORT_RETRY_S, os.kill, (os.getpid(), signum))
        retry.daemon = True
        retry.start()
        return
    raise Interrupted(signum)


def _importing(frame: FrameType | None) -> bool:
    """True while a module is being imported (an import machinery frame is on the stack)."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib._bootstrap"):
            return True
        frame = frame.f_back
    return False


def install() -> dict[int, Any]:
    """Raise :class:`Interrupted` on SIGINT, SIGTERM and SIGHUP (main thread only).

    Signals ignored when the process started (``nohup`` ignores SIGHUP) stay ignored.
    Returns the handlers replaced, for :func:`restore`.
    """
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous = {}
    for signum in SIGNALS:
        # An ignored signal stays ignored: nohup, or a shell's background job.
        if signal.getsignal(signum) is not signal.SIG_IGN:
            previous[signum] = signal.signal(signum, _handler)
    return previous


def restore(previous: dict[int, Any]) -> None:
    """Put back the handlers :func:`install` replaced."""
    for signum, handler in previous.items():
        signal.signal(signum, handler)


def restore_defaults() -> None:
    """Give our signals back their usual meaning (for the window's event loop).

    Only those :func:`install` took over: a signal ignored when the process started
    stays ignored (``nohup drumassist gui`` must survive the terminal closing).
    """
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in SIGNALS:
        if signal.getsignal(signum) is not _handler:
            continue
        default = signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL
        signal.signal(signum, default)


def ignore() -> None:
    """Ignore the signals from now on: for a process whose work is done, while it exits."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum in SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


def received() -> int:
    """The last signal the handler saw (0 for none), deferred or raised.

    An exception raised while handling one may hide it: C code that imports (numpy's
    PyCapsule_Import) turns the KeyboardInterrupt into an ImportError.
    """
    return _state["received"]


def pending() -> int:
    """The signal recorded inside :func:`deferred`, or 0."""
    return _state["pending"]


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Record termination signals instead of raising them; raise on leaving the block."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _state["depth"] += 1
    try:
        yield
    finally:
        _state["depth"] -= 1
        if not _state["depth"] and _state["pending"]:
            signum, _state["pending"] = _state["pending"], 0
            raise Interrupted(signum)
