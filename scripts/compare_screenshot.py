"""Take docs/compare.png: the compare view on the built-in demo, one method heard as B.

Run under a display: ``Xvfb :41 -screen 0 1600x1000x24 & DISPLAY=:41 python
scripts/compare_screenshot.py docs``. It opens the 24 s demo (generated into a
temporary data folder, never the user's), clicks Compare methods…, waits for every
method, and clicks the ``flexible`` row (or the method given as a second argument).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

_SCRATCH = Path(tempfile.mkdtemp(prefix="drumassist-shots-"))
for _name in ("DATA", "CONFIG", "CACHE", "LOG"):
    os.environ[f"DRUMASSIST_{_name}_DIR"] = str(_SCRATCH / _name.lower())

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from drumassist.core.paths import demo_folder  # noqa: E402
from drumassist.ui.compareview import CompareView  # noqa: E402
from drumassist.ui.mainwindow import MainWindow  # noqa: E402
from drumassist.ui.settings import open_settings  # noqa: E402
from drumassist.ui.theme import apply_dark_theme  # noqa: E402

LEFT = Qt.MouseButton.LeftButton


def wait(app: QApplication, done, timeout_s: float = 300.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.01)


def main(out: Path, method: str = "flexible") -> None:
    app = QApplication(sys.argv[:1])
    apply_dark_theme(app)
    win = MainWindow(settings=open_settings())
    win.resize(1280, 800)
    win.show()
    loaded: list[object] = []
    win.multitrack_loaded.connect(loaded.append)
    win.open_stems([demo_folder()])
    wait(app, lambda: bool(loaded))
    QTest.mouseClick(win.compare_button, LEFT)
    view = win.findChild(CompareView)
    assert view is not None
    view.resize(1180, 760)
    wait(app, lambda: bool(view.rows) and not view.busy)
    table = view.table
    labels = [table.item(r, 0).text() for r in range(table.rowCount())]
    first_track = table.columnCount() - len(win.document.multitrack.names)
    row = next(r for r, label in enumerate(labels) if label.split(" ")[0] == method)
    rect = table.visualItemRect(table.item(row, first_track))
    QTest.mouseClick(table.viewport(), LEFT, pos=rect.center())
    wait(app, lambda: win.player.engine.state.use_b, timeout_s=10)
    QTest.qWait(300)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "compare.png"
    view.grab().save(str(path))
    print(f"{path}: {path.stat().st_size // 1024} KB, rows {labels}")
    win.document.undo_stack.setClean()
    win.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]), *sys.argv[2:3])
