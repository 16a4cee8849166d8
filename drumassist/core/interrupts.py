"""Termination signals (SIGINT, SIGTERM, SIGHUP) as an exception, deferred while encoding.

By default SIGTERM and SIGHUP end the process at once, so an export in progress
leaves its hidden temporary file behind. :func:`install` turns the three signals
into :class:`Interrupted`, which unwinds through the ``except BaseException``
cleanups of :mod:`drumassist.core.atomic`. Inside :func:`deferred` (used around
libsndfile, whose virtual-IO callbacks would print and swallow an exception raised
in them) a signal is only recorded, and raised when the block ends. A signal that
arrives while a C extension module initialises is raised once it has returned (a
timer looks every 20 ms): unwound through the initialiser, some abort the process.
"""

from __future__ import annotations

import contextlib
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
_state: dict[str, Any] = {
    "depth": 0,
    "pending": 0,
    "received": 0,
    "import_pending": 0,
    "retries": 0,
}


class Interrupted(KeyboardInterrupt):
    """A termination signal arrived; ``exit_status`` is the shell's ``128 + signal``."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_status(self) -> int:
        return 128 + self.signum


#: How soon a signal that arrived inside a C extension's initialiser is raised again,
#: and how many times at most (then it is raised wherever the program is).
RETRY_S = 0.02
MAX_RETRIES = 50
#: Whether a timer signal can bring the deferred signal back (not on Windows).
_CAN_RETRY = hasattr(signal, "setitimer") and hasattr(signal, "SIGALRM")


def _handler(signum: int, frame: FrameType | None) -> None:
    _state["received"] = signum
    if _state["depth"]:
        _state["pending"] = _state["pending"] or signum
        return
    if _CAN_RETRY and _in_extension_init(frame):
        # Raised here, the exception would unwind through a C extension's initialiser,
        # and some abort the process on it (SIGINT while `suggest` first imported soxr,
        # a nanobind module: "Fatal Python error: Aborted"). It is raised as soon as the
        # initialiser has returned: a timer signal (SIGALRM) looks again every 20 ms.
        _state["import_pending"] = _state["import_pending"] or signum
        _arm_retry()
        return
    raise Interrupted(signum)


def _arm_retry() -> None:
    if signal.getsignal(signal.SIGALRM) is not _retry:
        _state["alarm_before"] = signal.signal(signal.SIGALRM, _retry)
    signal.setitimer(signal.ITIMER_REAL, RETRY_S)


def _retry(_signum: int, frame: FrameType | None) -> None:
    """The timer's handler: raise the deferred signal once out of the initialiser."""
    signum = _state["import_pending"]
    if not signum:
        return
    _state["retries"] += 1
    if _in_extension_init(frame) and _state["retries"] < MAX_RETRIES:
        signal.setitimer(signal.ITIMER_REAL, RETRY_S)
        return
    settle()
    raise Interrupted(signum)


def settle() -> int:
    """Stop the retry timer; return the signal it still had to raise (0 for none).

    For the end of a command: a signal deferred during an import in its last 20 ms is
    still the command's outcome, not lost.
    """
    signum = _state["import_pending"]
    _state["import_pending"] = _state["retries"] = 0
    if _CAN_RETRY and signal.getsignal(signal.SIGALRM) is _retry:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, _state.pop("alarm_before", signal.SIG_DFL))
    return signum


def _in_extension_init(frame: FrameType | None) -> bool:
    """True while a C extension module is being initialised (its loader's frame is on
    the stack): Python code it calls back must not be unwound by a signal. A Python
    module's import is interrupted as any other code is."""
    while frame is not None:
        code = frame.f_code
        if code.co_name in ("exec_module", "create_module") and code.co_filename.startswith(
            "<frozen importlib._bootstrap"
        ):
            loader = frame.f_locals.get("self")
            if type(loader).__name__ == "ExtensionFileLoader":
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
        signal.signal(signum, _keyboard_interrupt if signum == signal.SIGINT else signal.SIG_DFL)


def _keyboard_interrupt(signum: int, frame: FrameType | None) -> None:
    """Python's default SIGINT handler, which also records the signal: raised inside
    Qt's lazy initialisers, the KeyboardInterrupt comes out as another exception
    (an AttributeError from shiboken), and :func:`received` then tells what it was."""
    _state["received"] = signum
    signal.default_int_handler(signum, frame)


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
