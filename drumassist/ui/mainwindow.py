"""The main window: open a stem folder (drop, menu or demo) and see its tracks."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress
from drumassist.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

COLUMNS = ("Track", "Role", "Channels", "Loudness")


def _load_with_loudness(
    sources: Sequence[Path], progress: Progress
) -> tuple[Multitrack, list[float]]:
    from drumassist.core.loudness import integrated_loudness
    from drumassist.core.multitrack import load_multitrack

    multitrack = load_multitrack(list(sources), progress=progress)
    loudness = [integrated_loudness(t.audio, multitrack.sample_rate) for t in multitrack.tracks]
    return multitrack, loudness


class MainWindow(QMainWindow):
    """A window that loads a multitrack in the background and lists its tracks."""

    multitrack_loaded = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("drumassist")
        self.setAcceptDrops(True)
        self.multitrack: Multitrack | None = None
        self._build()
        self._runner = TaskRunner(self)
        self._runner.progress.connect(self._on_progress)
        self._runner.finished.connect(self._on_loaded)
        self._runner.failed.connect(self._on_failed)
        self._runner.cancelled.connect(self._progress.hide)

    # -- building --------------------------------------------------------------------------

    def _build(self) -> None:
        self._stack = QStackedWidget()
        self._stack.addWidget(self._welcome_panel())
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self._stack.addWidget(self.table)
        self.error_label = QLabel()
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(16, 16, 16, 16)
        layout.addWidget(self.error_label)
        layout.addWidget(self._stack)
        self.setCentralWidget(central)
        self._progress = QProgressBar()
        self._progress.setMaximumWidth(220)
        self._progress.hide()
        self.statusBar().addPermanentWidget(self._progress)
        self._build_menu()

    def _welcome_panel(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        layout.addStretch(1)
        title = QLabel("drumassist")
        title.setObjectName("title")
        hint = QLabel("Drop a folder of drum stems here, or")
        hint.setObjectName("hint")
        for label in (title, hint):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            layout.addWidget(label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        open_button = QPushButton("Open folder…")
        open_button.setObjectName("primary")
        open_button.setToolTip("Choose a folder of stems (Ctrl+O)")
        open_button.clicked.connect(self.choose_folder)
        demo_button = QPushButton("Try the demo")
        demo_button.setToolTip("Open the built-in demo drum multitrack")
        demo_button.clicked.connect(self.open_demo)
        buttons.addWidget(open_button)
        buttons.addWidget(demo_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addStretch(2)
        return panel

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_action = QAction("&Open folder…", self)
        open_action.setShortcut(QKeySequence.StandardKey.Open)
        open_action.triggered.connect(self.choose_folder)
        demo_action = QAction("Open the &demo", self)
        demo_action.triggered.connect(self.open_demo)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        for action in (open_action, demo_action, quit_action):
            file_menu.addAction(action)

    # -- opening ---------------------------------------------------------------------------

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of stems")
        if folder:
            self.open_stems([Path(folder)])

    def open_demo(self) -> None:
        from drumassist.core.paths import demo_folder

        self._runner.start(lambda progress: _load_with_loudness([demo_folder()], progress))
        self._show_busy("Preparing the demo…")

    def open_stems(self, sources: Sequence[Path]) -> None:
        """Load stems in the background; the table fills in when they are ready."""
        paths = [Path(p) for p in sources]
        self._runner.start(lambda progress: _load_with_loudness(paths, progress))
        self._show_busy(f"Loading {paths[0].name}…")

    def _show_busy(self, message: str) -> None:
        self.error_label.hide()
        self._progress.setValue(0)
        self._progress.show()
        self.statusBar().showMessage(message)

    def _on_progress(self, fraction: float, message: str) -> None:
        self._progress.setValue(round(fraction * 100))
        self.statusBar().showMessage(message)

    def _on_loaded(self, result: tuple[Multitrack, list[float]]) -> None:
        multitrack, loudness = result
        self.multitrack = multitrack
        self._progress.hide()
        self._fill_table(multitrack, loudness)
        self._stack.setCurrentWidget(self.table)
        self.statusBar().showMessage(
            f"{len(multitrack.tracks)} tracks · {multitrack.sample_rate} Hz ·"
            f" {multitrack.duration_s:.1f} s"
        )
        if multitrack.notices:
            self.statusBar().setToolTip("\n".join(multitrack.notices))
        self.multitrack_loaded.emit(multitrack)

    def _on_failed(self, message: str) -> None:
        self._progress.hide()
        self.statusBar().clearMessage()
        self.error_label.setText(message)
        self.error_label.show()

    def _fill_table(self, multitrack: Multitrack, loudness: list[float]) -> None:
        self.table.setRowCount(len(multitrack.tracks))
        for row, (track, lufs) in enumerate(zip(multitrack.tracks, loudness, strict=True)):
            cells = (
                track.name,
                track.role.value,
                "stereo" if track.is_stereo else "mono",
                f"{lufs:.1f} LUFS" if math.isfinite(lufs) else "silent",
            )
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))

    # -- drag and drop ---------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_stems(paths)

    def closeEvent(self, event: object) -> None:
        self._runner.cancel()
        self._runner.wait(5000)
        super().closeEvent(event)  # type: ignore[arg-type]
