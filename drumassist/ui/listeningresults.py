"""Listen ▸ Test results…: box plots per method over every saved test, and the statistics.

The analysis is :mod:`drumassist.learn.evaluate.listening.report`'s, the same as
``drumassist listening-report``: post-screening (who was excluded and why), medians,
Kruskal-Wallis and Dunn's pairwise tests with Holm's correction.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTextBrowser, QVBoxLayout, QWidget

from drumassist.errors import DrumassistError
from drumassist.learn.evaluate.listening.ratings import ratings_path, read_ratings
from drumassist.learn.evaluate.listening.report import analyse, figure_png, markdown
from drumassist.ui.windowdialogs import fitted_size

if TYPE_CHECKING:
    from drumassist.ui.hostwindow import HostWindow


class ResultsDialog(QDialog):
    """The figure above, the report below; says so when there is nothing to show."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Listening test results")
        self.figure = QLabel()
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.figure)
        layout.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(fitted_size(self, 760, 820))
        self.analysis = None
        try:
            if not path.exists():
                raise DrumassistError(f"no ratings yet in {path}: run Listen ▸ Blind test… first")
            self.analysis = analyse(read_ratings([path]))
        except DrumassistError as exc:
            self.figure.setText(str(exc))
            self.figure.setWordWrap(True)
            return
        pixmap = QPixmap()
        pixmap.loadFromData(figure_png(self.analysis, width_in=7.2, height_in=3.6))
        self.figure.setPixmap(pixmap)
        self.text.setMarkdown(markdown(self.analysis, sources=[str(path)]))


def show_results(window: HostWindow) -> ResultsDialog:
    dialog = ResultsDialog(ratings_path(), window.window())
    window.results_dialog = dialog  # type: ignore[attr-defined]
    dialog.open()
    return dialog
