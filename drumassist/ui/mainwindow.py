"""The main window: open stems, suggest a balance, mix on strips, A/B, export, sessions.

Layout, top to bottom: the suggest bar, the error banner, the stack (welcome panel or
mixer), the transport. Other views (a compare view, a blind test) hook in through
:meth:`MainWindow.add_suggest_widget` and the menus returned by ``build_menus``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Signal
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QMainWindow, QStackedWidget, QVBoxLayout, QWidget

from drumassist.core.export import ExportResult
from drumassist.core.progress import Progress
from drumassist.learn.suggest.reference import REFERENCE_METHOD
from drumassist.learn.suggest.suggestion import Suggestion, silence_reason
from drumassist.ui import loading, personal, windowdialogs
from drumassist.ui.document import MixDocument
from drumassist.ui.exportcommands import ExportCommands
from drumassist.ui.exportflow import source_folder
from drumassist.ui.menus import build_menus
from drumassist.ui.mixerpanel import MixerPanel
from drumassist.ui.playbinding import PlaybackBinding
from drumassist.ui.player import PlayerController
from drumassist.ui.referencecommands import ReferenceCommands
from drumassist.ui.sessioncommands import SessionCommands
from drumassist.ui.settings import RecentList, open_settings
from drumassist.ui.statuswidgets import ErrorBanner, MessageBar, StatusReadouts
from drumassist.ui.suggestbar import SuggestBar
from drumassist.ui.tasks import TaskRunner
from drumassist.ui.transport import Transport
from drumassist.ui.welcome import WelcomePanel

log = logging.getLogger(__name__)


class MainWindow(QMainWindow, SessionCommands, ExportCommands, ReferenceCommands):
    """One multitrack at a time, mixed on strips, with suggestions beside the faders."""

    multitrack_loaded = Signal(object)
    suggestion_ready = Signal(object)
    export_finished = Signal(object)

    def __init__(self, *, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setWindowTitle("drumassist")
        self.setAcceptDrops(True)
        self.settings = settings or open_settings()
        self.recent = RecentList(self.settings)
        self.document: MixDocument | None = None
        # The exported balance (gains, mutes) of the export under way, for the personal corpus.
        self._export_choice: tuple[list[float], list[bool]] | None = None
        self.player: PlayerController | None = None
        self.mixer: MixerPanel | None = None
        self.last_export: ExportResult | None = None
        # Its balance, kept while B plays other methods (the blind test's hidden reference).
        self.reference_balance: Suggestion | None = None
        self._loader = self._runner(self._on_loaded, "Loading")
        self._suggester = self._runner(self._on_suggested, "Suggesting")
        self._exporter = self._runner(self._on_exported, "Exporting")
        self._build()
        self.actions_, self.menus_ = build_menus(self, self)
        self._install_compare()
        personal.install(self)
        self._update_enabled()
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    def _runner(self, on_done: Callable[[Any], None], verb: str) -> TaskRunner:
        runner = TaskRunner(self)
        runner.progress.connect(lambda f, m: self._show_progress(f, f"{verb}: {m}"))
        runner.finished.connect(on_done)
        runner.failed.connect(self.show_error)
        runner.cancelled.connect(lambda: self._end_busy(f"{verb} cancelled"))
        return runner

    # -- layout ------------------------------------------------------------------------------

    def _build(self) -> None:
        self.welcome = WelcomePanel(self.recent)
        self.welcome.open_folder.connect(self.choose_folder)
        self.welcome.open_demo.connect(self.open_demo)
        self.welcome.open_path.connect(lambda p: self.open_stems([p]))
        self.stack = QStackedWidget()
        self.stack.addWidget(self.welcome)
        self.error_label = ErrorBanner()
        self.suggest_bar = SuggestBar()
        self.suggest_bar.suggest_clicked.connect(self.run_suggestion)
        self.suggest_bar.apply_clicked.connect(self.apply_suggestion)
        self.suggest_bar.cancel_clicked.connect(self.cancel_work)
        # Short names for the bar's controls (tests and hooks reach them here).
        self.suggest_button = self.suggest_bar.suggest_button
        self.method_box = self.suggest_bar.method_box
        self.method_box.activated.connect(self._on_method_chosen)
        self.apply_button = self.suggest_bar.apply_button
        self.cancel_button = self.suggest_bar.cancel_button
        self.progress = self.suggest_bar.progress
        self.transport = Transport()
        self.playback = PlaybackBinding(self.transport, self)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(12, 8, 12, 8)
        for widget, stretch in ((self.suggest_bar, 0), (self.error_label, 0), (self.stack, 1)):
            layout.addWidget(widget, stretch)
        layout.addWidget(self.transport)
        self.setCentralWidget(central)
        self.setStatusBar(MessageBar(self))
        self.readouts = StatusReadouts(self.statusBar())
        self.status_info, self.status_loudness = self.readouts.info, self.readouts.loudness

    def add_suggest_widget(self, widget: QWidget) -> None:
        """Hook: put ``widget`` in the suggest bar, after Apply suggestion."""
        self.suggest_bar.add_widget(widget)

    def _update_enabled(self) -> None:
        doc = self.document
        suggestion = None if doc is None else doc.suggestion
        for widget in (self.suggest_bar, self.transport):
            widget.setVisible(doc is not None)
        self.apply_button.setEnabled(suggestion is not None)
        self.transport.set_b_available(suggestion is not None)
        self.transport.set_b_source(None if suggestion is None else suggestion.method)
        for name in ("save", "save_as", "export", "play", "ab", "reference", "suggest", "compare"):
            self.actions_[name].setEnabled(doc is not None)

    def recent_paths(self) -> list[Path]:
        return self.recent.paths()

    # -- opening -----------------------------------------------------------------------------

    def choose_folder(self) -> None:
        folder = windowdialogs.ask_folder(self)
        if folder is not None:
            self.open_stems([folder])

    def open_demo(self) -> None:
        from drumassist.core.paths import demo_folder

        if self.maybe_save():
            self._start(
                self._loader,
                lambda p: loading.load_sources([demo_folder()], p),
                "Preparing the demo",
            )

    def open_stems(self, sources: Sequence[Path]) -> None:
        """Load a folder, files or a session file in the background.

        A relative path (from the command line) is made absolute here, against the
        folder drumassist was started in: the recent list, the session and its
        recovery copy keep it, and are read from other folders later.
        """
        paths = [Path(p).absolute() for p in sources]
        if paths and self.maybe_save():
            self._start(
                self._loader, lambda p: loading.load_sources(paths, p), f"Opening {paths[0].name}"
            )

    def _on_loaded(self, loaded: loading.Loaded) -> None:
        self._close_document()
        doc = MixDocument(loaded.multitrack, loaded.meter, session_path=loaded.session_path)
        self.document = doc
        self.player = PlayerController(
            doc, device=self.settings.value("audio/device") or None, parent=self
        )
        notes = list(loaded.multitrack.notices)
        if loaded.session is not None:
            notes += doc.load_session_state(loaded.session.session)
        if loaded.modified:
            doc.undo_stack.resetClean()
        kept = self.start_autosave(doc, loaded)
        notes += [kept] if kept else []
        self.mixer = MixerPanel(doc)
        self.mixer.locate_requested.connect(self.locate_stem)
        self.stack.addWidget(self.mixer)
        self.stack.setCurrentWidget(self.mixer)
        self._connect_document(doc, self.player)
        self.playback.attach(doc, self.player, self.mixer)
        self.transport.set_multitrack(loaded.multitrack)
        self.reference_balance = None
        self.recent.add(loaded.session_path or source_folder(loaded.multitrack))
        opened = f"Opened {len(loaded.multitrack.tracks)} tracks"
        if loaded.recovered_from is not None:
            what = loaded.session_path or source_folder(loaded.multitrack)
            opened = f"Restored the unsaved changes to {what.name}: save to keep them"
        self._end_busy(opened)
        if notes:
            self.show_error("\n".join(notes), warning=True)
        self._update_title()
        self._update_enabled()
        self._update_status()
        self.multitrack_loaded.emit(loaded.multitrack)

    def _connect_document(self, doc: MixDocument, player: PlayerController) -> None:
        doc.strip_changed.connect(lambda _i: self._update_status())
        doc.suggestion_changed.connect(self._update_enabled)
        doc.dirty_changed.connect(lambda _d: self._update_title())
        undo, redo = self.actions_["undo"], self.actions_["redo"]
        doc.undo_stack.canUndoChanged.connect(undo.setEnabled)
        doc.undo_stack.canRedoChanged.connect(redo.setEnabled)
        undo.setEnabled(False)
        redo.setEnabled(False)
        player.ab_changed.connect(lambda _b: self._update_status())
        player.underflows_changed.connect(self.readouts.show_underruns)
        player.unavailable.connect(lambda why: self.show_error(f"Playback unavailable: {why}"))

    def _close_document(self) -> None:
        self.stop_autosave()
        self.playback.detach()
        if self.player is not None:
            self.player.close()
            self.player.deleteLater()
        if self.mixer is not None:
            self.stack.removeWidget(self.mixer)
            self.mixer.deleteLater()
        if self.document is not None:
            self.document.deleteLater()
        self.document, self.player, self.mixer = None, None, None

    # -- suggestions -------------------------------------------------------------------------

    def run_suggestion(self) -> None:
        doc = self.document
        if doc is None:
            return
        method = self.suggest_bar.method
        multitrack, meter = doc.multitrack, doc.meter
        self._start(
            self._suggester,
            lambda p: loading.run_suggestion(multitrack, meter, method, p),
            f"Suggesting ({method})",
        )

    def _on_method_chosen(self, _index: int) -> None:
        """Say that the marks still show the last suggestion until Suggest is clicked."""
        shown = None if self.document is None else self.document.suggestion
        method = self.suggest_bar.method
        if shown is not None and shown.method != method:
            self.statusBar().showMessage(
                f"The marks show {shown.method}; click Suggest balance for {method}", 8000
            )

    def _on_suggested(self, suggestion: Suggestion) -> None:
        if self.document is None or suggestion.names != self.document.multitrack.names:
            return
        silence = silence_reason(suggestion)
        if silence is not None:  # no fader to set: say why, and keep the balance as it is
            self.show_error(f"No suggestion: {silence}")
            return
        self.document.set_suggestion(suggestion)
        if suggestion.method.startswith(f"{REFERENCE_METHOD}:"):
            self.reference_balance = suggestion
        notes = "".join(f"; {note}" for note in suggestion.notes)  # too-short tracks
        if suggestion.polarity.flips:
            flips = ", ".join(suggestion.polarity.flips)
            notes += f"; polarity flip suggested: {flips} (click Ø on its strip to invert)"
        if suggestion.bleed_only:
            names = ", ".join(suggestion.bleed_only)
            notes += f"; only bleed, kept at the session's level: {names}"
        self._end_busy(f"Suggestion ready: {suggestion.method}{notes}")
        if suggestion.warnings:  # shown on opening; said again where it bears on the gains
            self.show_error("\n".join(suggestion.warnings), warning=True)
        self.suggestion_ready.emit(suggestion)

    def apply_suggestion(self) -> None:
        note = None if self.document is None else self.document.apply_suggestion()
        if note is not None:  # lowered together, so the loudest mark fits under the top
            self.show_error(note, warning=True)

    def cancel_work(self) -> None:
        for runner in (self._loader, self._suggester, self._exporter):
            runner.cancel()

    # -- sessions ----------------------------------------------------------------------------

    def save_session_to(self, path: Path) -> bool:
        saved = SessionCommands.save_session_to(self, path)
        if saved:
            note = personal.record_choice(self, source="session")
            if note:
                self.show_error(note, warning=True)
        return saved

    def confirm(self, question: str) -> bool:
        return windowdialogs.confirm(self, question)

    def undo(self) -> None:
        if self.document is not None:
            self.document.undo_stack.undo()

    def redo(self) -> None:
        if self.document is not None:
            self.document.undo_stack.redo()

    # -- transport ---------------------------------------------------------------------------

    def toggle_play(self) -> None:
        self.playback.toggle_play()

    def toggle_ab(self) -> None:
        self.playback.toggle_ab()

    # -- feedback ----------------------------------------------------------------------------

    def _start(self, runner: TaskRunner, work: Callable[[Progress], object], message: str) -> None:
        self.error_label.hide()
        self.suggest_bar.show_busy(True)
        self.statusBar().showMessage(message)
        runner.start(work)

    def _show_progress(self, fraction: float, message: str) -> None:
        self.suggest_bar.show_progress(fraction)
        self.statusBar().showMessage(message)

    def _end_busy(self, message: str | None) -> None:
        """Hide the progress when no work is left; show ``message`` (None: keep the line)."""
        if not any(r.busy for r in (self._loader, self._suggester, self._exporter)):
            self.suggest_bar.show_busy(False)
        if message is not None:
            self.statusBar().showMessage(message, 6000)

    def show_error(self, message: str, *, warning: bool = False) -> None:
        # An error ends what the status line said was going on ("Loading…"); a warning
        # sits beside what just happened ("Exported …") and leaves it.
        self._end_busy(None if warning else "")
        self.error_label.show_message(message, warning=warning)

    def _update_title(self) -> None:
        doc = self.document
        if doc is None:
            self.setWindowTitle("drumassist")
            return
        name = doc.session_path.name if doc.session_path else source_folder(doc.multitrack).name
        self.setWindowTitle(f"{name}{' *' if not doc.undo_stack.isClean() else ''} — drumassist")

    def _update_status(self) -> None:
        if self.document is not None:
            use_b = self.player is not None and self.player.use_b
            self.readouts.show_document(self.document, use_b=use_b)

    def show_preferences(self) -> None:
        from drumassist.ui.prefs import DEVICE_KEY, PreferencesDialog

        dialog = PreferencesDialog(self.settings, self)
        if dialog.exec() and self.player is not None:
            self.player.set_device(self.settings.value(DEVICE_KEY) or None)
        dialog.deleteLater()

    # Imported when chosen, not at start-up: the dialogs pull in the statistics and models.
    def start_blind_test(self) -> None:
        from drumassist.ui.blindsetup import start_blind_test

        start_blind_test(self)

    def show_test_results(self) -> None:
        from drumassist.ui.listeningresults import show_results

        show_results(self)

    def learn_from_my_mixes(self) -> None:
        personal.learn_from_my_mixes(self)

    def open_log_folder(self) -> None:
        windowdialogs.open_log_folder()

    def show_about(self) -> None:
        windowdialogs.show_about(self)

    # -- window events -----------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_stems(paths)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not (self.may_close_during_export() and self.maybe_save()):
            event.ignore()
            return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.cancel_work()
        for runner in (self._loader, self._suggester, self._exporter):
            runner.wait(10000)
        self._close_document()
        super().closeEvent(event)
