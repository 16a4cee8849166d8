"""The panel an empty window shows: open a folder, try the demo, recent sessions."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from drumassist.ui.settings import RecentList, recent_label


class WelcomePanel(QWidget):
    """First thing a user sees; also what the window returns to with nothing open."""

    open_folder = Signal()
    open_demo = Signal()
    open_path = Signal(object)

    def __init__(self, recent: RecentList, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._recent = recent
        layout = QVBoxLayout(self)
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
        self.open_button = open_button = QPushButton("Open folder…")
        open_button.setObjectName("primary")
        open_button.setToolTip("Choose a folder of stems (Ctrl+O)")
        open_button.clicked.connect(self.open_folder)
        self.demo_button = QPushButton("Try the demo")
        self.demo_button.setToolTip("Open the built-in demo drum multitrack (made on first use)")
        self.demo_button.clicked.connect(self.open_demo)
        buttons.addWidget(open_button)
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self._recent_box = QVBoxLayout()
        layout.addSpacing(24)
        layout.addLayout(self._recent_box)
        layout.addStretch(2)
        self.refresh()

    def refresh(self) -> None:
        while self._recent_box.count():
            item = self._recent_box.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        paths = self._recent.paths()
        if not paths:
            return
        heading = QLabel("Recent")
        heading.setObjectName("hint")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._recent_box.addWidget(heading)
        for path in paths:
            self._recent_box.addWidget(self._recent_button(path), 0, Qt.AlignmentFlag.AlignHCenter)

    def _recent_button(self, path: Path) -> QPushButton:
        button = QPushButton(recent_label(path))
        button.setObjectName("link")
        button.setToolTip(str(path))
        button.clicked.connect(lambda: self.open_path.emit(path))
        return button
