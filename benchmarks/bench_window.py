"""Window responsiveness: start-up time, and the longest event-loop stall while a
suggestion runs in the background on the demo (8 stems x 3 min by default).

Prints figures; asserts nothing. The baseline measured in the same run is the longest
stall of the same idle event loop with no work running.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_window.py [--minutes 3] [--method bleed]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TICK_MS = 5


def startup_seconds() -> float:
    """Seconds from a fresh interpreter to a shown, painted window."""
    code = (
        "import time; t0 = time.perf_counter()\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from drumassist.ui.mainwindow import MainWindow\n"
        "from drumassist.ui.theme import apply_dark_theme\n"
        "app = QApplication([]); apply_dark_theme(app)\n"
        "w = MainWindow(); w.show(); app.processEvents()\n"
        "print(time.perf_counter() - t0)\n"
    )
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    total = time.perf_counter() - start
    print(f"start-up: {total:.2f} s to a shown window (in-process part {float(out.stdout):.2f} s)")
    return total


def longest_stall(app: object, seconds: float, busy: object = None) -> float:
    """Longest gap between ticks of a 5 ms timer, while ``busy()`` is true or for ``seconds``."""
    from PySide6.QtCore import QElapsedTimer, QTimer

    clock = QElapsedTimer()
    clock.start()
    gaps = [0.0]
    last = [clock.elapsed()]

    def tick() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.timeout.connect(tick)
    timer.start(TICK_MS)
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline and (busy is None or busy()):  # type: ignore[operator]
        app.processEvents()  # type: ignore[attr-defined]
        time.sleep(0.001)
    timer.stop()
    return max(gaps)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--method", default="bleed")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    startup_seconds()
    from PySide6.QtWidgets import QApplication

    from drumassist.core.demo import write_demo
    from drumassist.ui.mainwindow import MainWindow

    app = QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "demo"
        write_demo(folder, duration_s=args.minutes * 60)
        window = MainWindow()
        window.show()
        loaded: list[object] = []
        window.multitrack_loaded.connect(loaded.append)
        t0 = time.perf_counter()
        window.open_stems([folder])
        load_stall = longest_stall(app, 300, lambda: not loaded)
        print(
            f"open 8 x {args.minutes:g} min: {time.perf_counter() - t0:.2f} s,"
            f" longest stall {load_stall:.0f} ms"
        )
        idle = longest_stall(app, 2.0)
        done: list[object] = []
        window.suggestion_ready.connect(done.append)
        window.method_box.setCurrentIndex(window.method_box.findData(args.method))
        t0 = time.perf_counter()
        window.run_suggestion()
        busy = longest_stall(app, 300, lambda: not done)
        print(
            f"suggest ({args.method}): {time.perf_counter() - t0:.2f} s,"
            f" longest stall {busy:.0f} ms; idle loop baseline {idle:.0f} ms"
            f" (ratio {busy / max(idle, 1):.1f}x)"
        )
        window.document.undo_stack.setClean()  # type: ignore[union-attr]
        window.close()


if __name__ == "__main__":
    main()
