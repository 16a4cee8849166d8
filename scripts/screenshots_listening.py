"""Screenshots of the blind test and its results view, for the README.

Run under a display: ``Xvfb :15 & DISPLAY=:15 python scripts/screenshots_listening.py
docs``. Everything it writes (the demo stems; illustrative ratings for the results
view, which are not a real listening test) goes to a temporary folder, never to the
user's data folder.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

_SCRATCH = Path(tempfile.mkdtemp(prefix="drumassist-shots-"))
for _name in ("DATA", "CONFIG", "CACHE", "LOG"):
    os.environ[f"DRUMASSIST_{_name}_DIR"] = str(_SCRATCH / _name.lower())

import numpy as np  # noqa: E402
from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialogButtonBox  # noqa: E402

from drumassist.core.paths import demo_folder  # noqa: E402
from drumassist.learn.evaluate.listening.ratings import (  # noqa: E402
    Rating,
    append_ratings,
    ratings_path,
)
from drumassist.ui.mainwindow import MainWindow  # noqa: E402
from drumassist.ui.settings import open_settings  # noqa: E402
from drumassist.ui.theme import apply_dark_theme  # noqa: E402

LEFT = Qt.MouseButton.LeftButton


def settle(app: QApplication, rounds: int = 30) -> None:
    for _ in range(rounds):
        app.processEvents()


def open_demo(app: QApplication) -> MainWindow:
    win = MainWindow(settings=open_settings())
    win.resize(1280, 800)
    win.show()
    loaded: list[object] = []
    win.multitrack_loaded.connect(loaded.append)
    win.open_stems([demo_folder()])
    while not loaded:
        app.processEvents()
    return win


def shoot_test(app: QApplication, win: MainWindow, out: Path) -> None:
    win.actions_["blind_test"].trigger()
    setup = win.blind_setup  # type: ignore[attr-defined]
    for key in ("loudness", "bleed"):
        box = setup.boxes[key]
        QTest.mouseClick(box, LEFT, Qt.KeyboardModifier.NoModifier, QPoint(8, box.height() // 2))
    setup.listener.setText("ann")
    settle(app)
    setup.grab().save(str(out / "blindtest-setup.png"))
    QTest.mouseClick(setup.buttons.button(QDialogButtonBox.StandardButton.Ok), LEFT)
    while not hasattr(win, "blind_dialog"):
        app.processEvents()
    dialog = win.blind_dialog
    for i, presses in enumerate((5, 3, 4, 1, 2)[: dialog.test.size]):
        QTest.keyClick(dialog, getattr(Qt.Key, f"Key_{i + 1}"))
        key = Qt.Key.Key_PageUp if i % 2 else Qt.Key.Key_PageDown
        for _ in range(presses):
            QTest.keyClick(dialog.sliders[i], key)
    QTest.keyClick(dialog, Qt.Key.Key_2)
    settle(app)
    dialog.grab().save(str(out / "blindtest.png"))
    dialog.reject()


def illustrative_ratings() -> list[Rating]:
    """Four listeners, four trials each; cid misses the hidden reference (screened out)."""
    rng = np.random.default_rng(4)
    means = {"reference": 92, "default": 78, "mine": 70, "loudness": 45, "bleed": 50, "sum": 30}
    rows = []
    for listener, ref in (("ann", 96), ("bob", 94), ("cid", 55), ("dee", 97)):
        for trial in range(1, 5):
            order = rng.permutation(len(means)) + 1
            for (method, mean), shown in zip(means.items(), order, strict=True):
                value = ref if method == "reference" else mean + rng.normal(0, 9)
                rating = float(np.clip(round(value), 0, 100))
                rows.append(
                    Rating(f"t-{listener}", "2026-12-01T08:00:00Z", "demo-seed0", listener,
                           trial, int(shown), method, rating)
                )  # fmt: skip
    return rows


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs")
    app = QApplication([])
    apply_dark_theme(app)
    win = open_demo(app)
    shoot_test(app, win, out)
    append_ratings(ratings_path(), illustrative_ratings())
    win.actions_["test_results"].trigger()
    results = win.results_dialog  # type: ignore[attr-defined]
    results.resize(760, 860)
    settle(app)
    results.grab().save(str(out / "listening-results.png"))
    win.close()
    shutil.rmtree(_SCRATCH, ignore_errors=True)
    print(f"wrote blindtest-setup.png, blindtest.png and listening-results.png to {out}")


if __name__ == "__main__":
    main()
