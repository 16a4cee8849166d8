"""Start the Qt application and show the main window."""

from __future__ import annotations

import sys
from pathlib import Path


def run(path: Path | None = None) -> int:
    """Open the window (on ``path`` if given) and run the event loop."""
    from PySide6.QtWidgets import QApplication

    from drumassist import __version__
    from drumassist.ui.mainwindow import MainWindow
    from drumassist.ui.theme import apply_dark_theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("drumassist")
    app.setOrganizationName("drumassist")
    app.setApplicationVersion(__version__)
    apply_dark_theme(app)  # type: ignore[arg-type]
    window = MainWindow()
    window.resize(1100, 700)
    window.show()
    if path is not None:
        window.open_stems([path])
    return int(app.exec())
