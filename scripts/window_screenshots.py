"""Take the README's window screenshots (run under a real X server, e.g. Xvfb).

    Xvfb :13 -screen 0 1600x1000x24 &
    DISPLAY=:13 python scripts/window_screenshots.py docs/

Writes screenshot.png (the demo after Suggest balance, with Loop on and the playhead
moved), screenshot-reorder.png (a strip being dragged by its header) and
screenshot-missing.png (a session whose hi-hat stem is missing, with Locate…).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from drumassist.core.paths import demo_folder
from drumassist.ui.mainwindow import MainWindow
from drumassist.ui.theme import apply_dark_theme


def wait(app: QApplication, done, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.01)


def settle(app: QApplication, seconds: float = 0.3) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.01)


def press(widget, kind: QEvent.Type, pos: QPointF) -> None:
    held = (
        Qt.MouseButton.NoButton
        if kind == QEvent.Type.MouseButtonRelease
        else Qt.MouseButton.LeftButton
    )
    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    global_pos = QPointF(widget.mapToGlobal(pos.toPoint()))
    QApplication.sendEvent(
        widget, QMouseEvent(kind, pos, global_pos, button, held, Qt.KeyboardModifier.NoModifier)
    )


def open_and_suggest(app: QApplication, window: MainWindow, path: Path) -> None:
    loaded: list[object] = []
    window.multitrack_loaded.connect(loaded.append)
    window.open_stems([path])
    wait(app, lambda: bool(loaded))
    ready: list[object] = []
    window.suggestion_ready.connect(ready.append)
    if window.document is not None and window.document.suggestion is None:
        window.suggest_button.click()
        wait(app, lambda: bool(ready))


def main(out: Path) -> None:
    app = QApplication(sys.argv[:1])
    apply_dark_theme(app)
    with tempfile.TemporaryDirectory() as tmp:
        stems = Path(tmp) / "demo"
        shutil.copytree(demo_folder(), stems)
        window = MainWindow()
        window.resize(1280, 800)
        window.show()
        open_and_suggest(app, window, stems)
        window.transport.loop_box.click()
        window.player.seek(9.5)
        settle(app)
        window.grab().save(str(out / "screenshot.png"))
        # A strip dragged by its header: the amber line shows where it will land.
        strip = next(s for s in window.mixer.strips if s.name == "overhead_R")
        target = next(s for s in window.mixer.strips if s.name == "hi-hat")
        header = strip.header
        start = QPointF(header.width() / 2, header.height() / 2)
        end = QPointF(header.mapFromGlobal(target.mapToGlobal(target.rect().topLeft())))
        press(header, QEvent.Type.MouseButtonPress, start)
        for step in range(1, 9):
            press(header, QEvent.Type.MouseMove, start + (end - start) * (step / 8))
        settle(app)
        window.grab().save(str(out / "screenshot-reorder.png"))
        press(header, QEvent.Type.MouseButtonRelease, end)
        settle(app)
        session = stems / "demo.drumassist"
        window.save_session_to(session)
        (stems / "hi-hat.wav").unlink()
        open_and_suggest(app, window, session)
        settle(app)
        window.grab().save(str(out / "screenshot-missing.png"))
        window.document.undo_stack.setClean()
        window.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
