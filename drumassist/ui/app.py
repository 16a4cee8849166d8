"""Start the Qt application: logging to the user's log folder, the theme, the window,
and a dialog (with the log path) for any exception that escapes, instead of vanishing."""

from __future__ import annotations

import logging
import sys
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QWidget

log = logging.getLogger(__name__)
LOG_FILE_NAME = "drumassist.log"


def setup_logging() -> Path:
    """Log to a rotating file in the user's log folder; returns its path."""
    from drumassist.core.paths import log_dir

    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_FILE_NAME
    handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(min(root.level or logging.INFO, logging.INFO))
    return path


def install_excepthook(log_path: Path) -> None:
    """Show unhandled exceptions in a dialog that names the log file."""

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        log.critical("unhandled exception", exc_info=(kind, value, tb))
        from PySide6.QtWidgets import QApplication, QMessageBox

        if QApplication.instance() is None:
            traceback.print_exception(kind, value, tb)
            return
        box = QMessageBox(
            QMessageBox.Icon.Critical,
            "drumassist: unexpected error",
            f"{kind.__name__}: {value}\n\nThe details are in the log:\n{log_path}",
        )
        box.exec()

    sys.excepthook = hook


def run(path: Path | None = None) -> int:
    """Open the window (on ``path`` if given) and run the event loop."""
    from PySide6.QtWidgets import QApplication

    from drumassist import __version__
    from drumassist.ui.mainwindow import MainWindow
    from drumassist.ui.theme import apply_dark_theme
    from drumassist.ui.windowdialogs import fitted_size

    log_path = setup_logging()
    install_excepthook(log_path)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("drumassist")
    app.setOrganizationName("drumassist")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("io.github.drumassist")
    _set_icon(app)
    apply_dark_theme(app)
    window = MainWindow()
    if window.settings.value("window/geometry") is None:
        window.resize(fitted_size(window, 1280, 800))
    window.show()
    log.info("drumassist %s started", __version__)
    _close_on_ctrl_c(window)
    # Changes a drumassist left unsaved when it ended come first: restoring them opens
    # their mix instead of ``path``, and says so.
    if window.offer_recovery():
        if path is not None:
            window.show_error(
                f"{path.name} was not opened: the unsaved changes drumassist kept are"
                " restored first (open it next)",
                warning=True,
            )
    elif path is not None:
        window.open_stems([path])
    return int(app.exec())


def _close_on_ctrl_c(window: QWidget) -> None:
    """Ctrl-C in the terminal closes the window as its close button does (so unsaved
    changes are asked about, not lost); Qt's event loop alone never lets Python run a
    signal handler, so a timer hands control back to Python five times a second."""
    import signal

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # started in the background
        return

    def close(_signum: int, _frame: object) -> None:
        if QApplication.activeModalWidget() is None:  # not while a question is open
            QTimer.singleShot(0, window.close)

    signal.signal(signal.SIGINT, close)
    wake = QTimer(window)
    wake.timeout.connect(lambda: None)
    wake.start(200)


def _set_icon(app: QApplication) -> None:
    from PySide6.QtGui import QIcon

    from drumassist.core.paths import resources_dir

    icon = QIcon()
    for size in (16, 32, 48, 64, 128, 256):
        path = resources_dir() / "icons" / f"drumassist-{size}.png"
        if path.is_file():
            icon.addFile(str(path))
    if icon.isNull():
        log.warning("no application icon found in %s", resources_dir() / "icons")
    else:
        app.setWindowIcon(icon)
