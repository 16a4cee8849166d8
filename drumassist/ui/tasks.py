"""Run core work on a worker thread, with progress, cancel and stale-result dropping.

The work is a plain core function taking ``progress``; :class:`TaskRunner` adapts it
to Qt signals delivered on the GUI thread. Only one task runs at a time: starting a
new one cancels the old one, and results carry the task id so a stale one is
dropped (after Orange's ``concurrent.py`` and napari's workers).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from drumassist.core.progress import CancelToken
from drumassist.errors import CancelledError, DrumassistError

log = logging.getLogger(__name__)


class _Signals(QObject):
    progress = Signal(int, float, str)
    finished = Signal(int, object)
    failed = Signal(int, str)
    cancelled = Signal(int)


class _QtProgress(CancelToken):
    def __init__(self, task_id: int, signals: _Signals) -> None:
        super().__init__()
        self._task_id = task_id
        self._signals = signals

    def report(self, fraction: float, message: str = "") -> None:
        super().report(fraction, message)
        # Qt queues signals emitted from a worker thread to the receiver's thread.
        self._signals.progress.emit(self._task_id, fraction, message)


class _Job(QRunnable):
    def __init__(
        self,
        task_id: int,
        work: Callable[[CancelToken], Any],
        token: _QtProgress,
        signals: _Signals,
    ) -> None:
        super().__init__()
        self._task_id, self._work, self._token, self._signals = task_id, work, token, signals

    def run(self) -> None:
        try:
            result = self._work(self._token)
        except CancelledError:
            self._signals.cancelled.emit(self._task_id)
        except DrumassistError as exc:
            self._signals.failed.emit(self._task_id, str(exc))
        except Exception as exc:
            # Thread boundary: an unexpected error must reach the user, not kill the thread.
            log.exception("background task failed")
            self._signals.failed.emit(self._task_id, f"{type(exc).__name__}: {exc}")
        else:
            self._signals.finished.emit(self._task_id, result)


class TaskRunner(QObject):
    """Runs one background task at a time and re-emits its signals on the GUI thread."""

    progress = Signal(float, str)
    finished = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._signals = _Signals()
        self._signals.progress.connect(self._on_progress)
        self._signals.finished.connect(self._on_finished)
        self._signals.failed.connect(self._on_failed)
        self._signals.cancelled.connect(self._on_cancelled)
        self._current = 0
        self._token: _QtProgress | None = None

    @property
    def busy(self) -> bool:
        return self._token is not None

    def start(self, work: Callable[[CancelToken], Any]) -> int:
        """Cancel any running task and start ``work(progress)``; returns its id."""
        self.cancel()
        self._current += 1
        self._token = _QtProgress(self._current, self._signals)
        self._pool.start(_Job(self._current, work, self._token, self._signals))
        return self._current

    def cancel(self) -> None:
        if self._token is not None:
            self._token.cancel()

    def wait(self, msecs: int = -1) -> bool:
        return self._pool.waitForDone(msecs)

    def _is_current(self, task_id: int) -> bool:
        return task_id == self._current and self._token is not None

    def _on_progress(self, task_id: int, fraction: float, message: str) -> None:
        if self._is_current(task_id):
            self.progress.emit(fraction, message)

    def _on_finished(self, task_id: int, result: object) -> None:
        if self._is_current(task_id):
            self._token = None
            self.finished.emit(result)

    def _on_failed(self, task_id: int, message: str) -> None:
        if self._is_current(task_id):
            self._token = None
            self.failed.emit(message)

    def _on_cancelled(self, task_id: int) -> None:
        if self._is_current(task_id):
            self._token = None
            self.cancelled.emit()
