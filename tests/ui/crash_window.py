"""Run by ``test_recovery.py`` as its own process: a real window (offscreen) that opens
STEMS, types LEVEL into the level entry of the strip NAME, waits until the change is
kept on disk, then dies of SIGKILL as a crashed program does (no close, no clean-up).

    python -m tests.ui.crash_window STEMS NAME LEVEL
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication


def _wait(condition, what: str, timeout_s: float = 60.0) -> None:
    for _ in range(int(timeout_s * 50)):
        if condition():
            return
        QTest.qWait(20)
    sys.exit(f"crash_window: timed out waiting for {what}")


def main() -> None:
    stems, name, level = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    app = QApplication(sys.argv[:1])
    from drumassist.ui import autosave
    from drumassist.ui.mainwindow import MainWindow
    from tests.ui.gestures import drop, strip_named, type_text

    kept = autosave.recovery_dir()
    earlier = set(kept.glob("*.drumassist"))  # left by an earlier crash
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    QTest.qWaitForWindowExposed(window)
    drop(window, [stems])
    _wait(lambda: window.mixer is not None, "the stems to load")
    type_text(strip_named(window, name).gain_entry, level)
    _wait(lambda: bool(set(kept.glob("*.drumassist")) - earlier), "the recovery copy")
    app.processEvents()
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    main()
