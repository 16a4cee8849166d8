"""Load reference mix… and Compare methods…: the reference-mix and compare commands
of the main window (mixed into it).

A reference mix of the open stems is reverse-engineered in the background and shown
as B; the compare view scores every method against the last reference loaded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import SignalInstance
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QMenu, QPushButton, QWidget

from drumassist.core.progress import Progress
from drumassist.core.sessionpaths import Place, stem_exists
from drumassist.learn.suggest.suggestion import Suggestion
from drumassist.ui import windowdialogs
from drumassist.ui.exportflow import source_folder

if TYPE_CHECKING:
    from drumassist.ui.document import MixDocument
    from drumassist.ui.player import PlayerController
    from drumassist.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

# A plain mixin at run time (the window is the one QWidget); typed as a QWidget.
_Base = QWidget if TYPE_CHECKING else object


class ReferenceCommands(_Base):  # type: ignore[misc,valid-type]
    """The reference-mix half of the main window; it needs the members declared below."""

    if TYPE_CHECKING:
        document: MixDocument | None
        player: PlayerController | None
        method_box: QComboBox
        menus_: dict[str, QMenu]
        actions_: dict[str, QAction]
        suggestion_ready: SignalInstance
        _suggester: TaskRunner

        def add_suggest_widget(self, widget: QWidget) -> None: ...
        def _start(
            self, runner: TaskRunner, work: Callable[[Progress], object], message: str
        ) -> None: ...

    @property
    def reference_path(self) -> Path | None:
        """The reference mix last loaded for these stems (a session keeps it), if its file
        is there: Compare methods… scores every method against it."""
        place = None if self.document is None else self.document.state.reference
        return place.path if place is not None and stem_exists(place.path) else None

    def choose_reference(self) -> None:
        """Load a mix of these stems and show its reverse-engineered balance as B."""
        doc = self.document
        if doc is not None:
            path = windowdialogs.ask_open_file(
                self,
                "Load a reference mix of these stems",
                source_folder(doc.multitrack),
                windowdialogs.AUDIO_FILTER,
            )
            if path is not None:
                self.load_reference(path)

    def load_reference(self, path: Path) -> None:
        doc = self.document
        if doc is None:
            return
        multitrack, meter = doc.multitrack, doc.meter
        doc.state.reference = Place(path.absolute())  # saved with the session

        def work(progress: Progress) -> Suggestion:
            from drumassist.learn.suggest.reference import reference_suggestion

            suggestion, r2 = reference_suggestion(multitrack, path, meter=meter, progress=progress)
            log.info("reference %s explained with R2 %.4f", path.name, r2)
            return suggestion

        self._start(self._suggester, work, f"Reverse-engineering {path.name}")

    def _install_compare(self) -> None:
        """Compare methods… beside Apply suggestion and in Playback (the view loads on use)."""
        self.compare_button = QPushButton("Compare methods…")
        self.compare_button.setToolTip("Every method's balance side by side; click one to hear it")
        self.compare_button.clicked.connect(self.show_compare)
        self.add_suggest_widget(self.compare_button)
        action = QAction("&Compare methods…", self)
        action.setToolTip("Every method's balance side by side; click one to hear it as B")
        action.triggered.connect(self.show_compare)
        self.menus_["playback"].addAction(action)
        self.actions_["compare"] = action

    def show_compare(self) -> None:
        """Every method's balance side by side (scored against the reference mix)."""
        from drumassist.ui.compareview import open_compare_view

        if self.player is not None:
            open_compare_view(
                self, self.player, method_box=self.method_box,
                reference_of=lambda: self.reference_path, reference_loaded=self.suggestion_ready,
            )  # fmt: skip
