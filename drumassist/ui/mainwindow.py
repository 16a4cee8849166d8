"""The main window: open stems, suggest a balance, mix on strips, A/B, export, sessions."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent, QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from drumassist.core.export import ExportResult
from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress
from drumassist.core.session import SESSION_SUFFIX, save_session
from drumassist.errors import DrumassistError
from drumassist.learn.suggest.suggestion import METHODS, Suggestion, unavailable_reason
from drumassist.ui import loading
from drumassist.ui.document import MixDocument
from drumassist.ui.exportdialog import ExportDialog, ExportRequest
from drumassist.ui.menus import build_menus
from drumassist.ui.mixerpanel import MixerPanel
from drumassist.ui.player import PlayerController
from drumassist.ui.settings import RecentList, open_settings
from drumassist.ui.tasks import TaskRunner
from drumassist.ui.theme import MUTED_TEXT
from drumassist.ui.transport import Transport
from drumassist.ui.welcome import WelcomePanel

log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
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
        self.player: PlayerController | None = None
        self.mixer: MixerPanel | None = None
        self.last_export: ExportResult | None = None
        self._loader = self._runner(self._on_loaded, "Loading")
        self._suggester = self._runner(self._on_suggested, "Suggesting")
        self._exporter = self._runner(self._on_exported, "Exporting")
        self._build()
        self.recent_menu: QMenu
        self.actions_ = build_menus(self)
        self._update_enabled()
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    def _runner(self, on_done: object, verb: str) -> TaskRunner:
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
        self.error_label = QLabel()
        self.error_label.setObjectName("error")
        self.error_label.setWordWrap(True)
        self.error_label.setToolTip("Click to dismiss")
        self.error_label.mousePressEvent = lambda _e: self.error_label.hide()  # type: ignore[method-assign]
        self.error_label.hide()
        self.transport = Transport()
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(12, 8, 12, 8)
        self.suggest_bar = QWidget()
        self.suggest_bar.setLayout(self._suggest_bar())
        layout.addWidget(self.suggest_bar)
        layout.addWidget(self.error_label)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.transport)
        self.setCentralWidget(central)
        self.status_info = QLabel()
        self.status_loudness = QLabel()
        self.status_underruns = QLabel()
        for label in (self.status_info, self.status_loudness, self.status_underruns):
            self.statusBar().addPermanentWidget(label)
        self.status_loudness.setToolTip("Integrated loudness of what you hear (A or B)")
        self.status_underruns.setToolTip("Audio blocks the sound card ran out of (underruns)")

    def _suggest_bar(self) -> QHBoxLayout:
        self.suggest_button = QPushButton("Suggest balance")
        self.suggest_button.setObjectName("primary")
        self.suggest_button.setToolTip("Analyse the tracks and suggest a gain for each")
        self.suggest_button.clicked.connect(self.run_suggestion)
        self.method_box = QComboBox()
        for name, (description, _fn) in METHODS.items():
            self.method_box.addItem(name, name)
            index = self.method_box.count() - 1
            reason = unavailable_reason(name)
            if reason is not None:  # listed, greyed out, saying how to get it
                self.method_box.model().item(index).setEnabled(False)  # type: ignore[attr-defined]
                self.method_box.setItemData(
                    index, QColor(MUTED_TEXT), Qt.ItemDataRole.ForegroundRole
                )
                self.method_box.setItemText(index, f"{name} (not installed)")
                description = f"{description}\n\nUnavailable: {reason}"
            self.method_box.setItemData(index, description, Qt.ItemDataRole.ToolTipRole)
        self.method_box.setToolTip("Which method suggests the balance")
        self.apply_button = QPushButton("Apply suggestion")
        self.apply_button.setToolTip("Move every fader to the suggestion (undoable)")
        self.apply_button.clicked.connect(self.apply_suggestion)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(240)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the work in progress")
        self.cancel_button.clicked.connect(self.cancel_work)
        self.cancel_button.hide()
        bar = QHBoxLayout()
        for widget in (self.suggest_button, self.method_box, self.apply_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.progress)
        bar.addWidget(self.cancel_button)
        return bar

    def _update_enabled(self) -> None:
        loaded = self.document is not None
        has_suggestion = (
            loaded and self.document is not None and self.document.suggestion is not None
        )
        for widget in (self.suggest_bar, self.transport):
            widget.setVisible(loaded)
        self.apply_button.setEnabled(bool(has_suggestion))
        self.transport.set_b_available(bool(has_suggestion))
        for name in ("save", "save_as", "export", "play", "ab", "reference", "suggest"):
            self.actions_[name].setEnabled(loaded)

    # -- opening -----------------------------------------------------------------------------

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of stems")
        if folder:
            self.open_stems([Path(folder)])

    def choose_session(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, "Open a session", "", f"drumassist sessions (*{SESSION_SUFFIX})"
        )
        if name:
            self.open_stems([Path(name)])

    def open_demo(self) -> None:
        from drumassist.core.paths import demo_folder

        def work(progress: object) -> loading.Loaded:
            return loading.load_sources([demo_folder()], progress)  # type: ignore[arg-type]

        if self.maybe_save():
            self._start(self._loader, work, "Preparing the demo")

    def open_stems(self, sources: Sequence[Path]) -> None:
        """Load a folder, files or a session file in the background."""
        paths = [Path(p) for p in sources]
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
        self.mixer = MixerPanel(doc)
        self.stack.addWidget(self.mixer)
        self.stack.setCurrentWidget(self.mixer)
        self._connect_document(doc, self.player)
        self.transport.set_multitrack(loaded.multitrack)
        notes = list(loaded.multitrack.notices)
        if loaded.session is not None:
            doc.load_session_state(loaded.session.session)
            notes += [f"{p.name}: missing, left out" for p in loaded.session.missing]
        self.recent.add(loaded.session_path or _source_folder(loaded.multitrack))
        self._end_busy(f"Opened {len(loaded.multitrack.tracks)} tracks")
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
        player.position_changed.connect(self.transport.set_position)
        player.playing_changed.connect(self.transport.set_playing)
        player.playing_changed.connect(lambda on: None if on else self._clear_meters())
        player.ab_changed.connect(self.transport.set_ab)
        player.ab_changed.connect(lambda _b: self._update_status())
        player.meter_changed.connect(self.mixer.show_meter if self.mixer else (lambda _m: None))
        player.underflows_changed.connect(
            lambda n: self.status_underruns.setText(f"underruns: {n}")
        )
        player.unavailable.connect(lambda why: self.show_error(f"Playback unavailable: {why}"))

    def _clear_meters(self) -> None:
        if self.mixer is not None:
            self.mixer.show_meter(None)

    def _close_document(self) -> None:
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
        method = str(self.method_box.currentData())
        multitrack, meter = doc.multitrack, doc.meter
        self._start(
            self._suggester,
            lambda p: loading.run_suggestion(multitrack, meter, method, p),
            f"Suggesting ({method})",
        )

    def _on_suggested(self, suggestion: Suggestion) -> None:
        if self.document is None or suggestion.names != self.document.multitrack.names:
            return
        self.document.set_suggestion(suggestion)
        self._end_busy(f"Suggestion ready: {suggestion.method}")
        self.suggestion_ready.emit(suggestion)

    def choose_reference(self) -> None:
        """Load a mix of these stems and show its reverse-engineered balance as B."""
        doc = self.document
        if doc is None:
            return
        name, _ = QFileDialog.getOpenFileName(
            self,
            "Load a reference mix of these stems",
            str(_source_folder(doc.multitrack)),
            "Audio (*.wav *.flac *.aif *.aiff *.ogg *.mp3)",
        )
        if name:
            self.load_reference(Path(name))

    def load_reference(self, path: Path) -> None:
        doc = self.document
        if doc is None:
            return
        multitrack, meter = doc.multitrack, doc.meter

        def work(progress: Progress) -> Suggestion:
            from drumassist.learn.suggest.reference import reference_suggestion

            suggestion, r2 = reference_suggestion(multitrack, path, meter=meter, progress=progress)
            log.info("reference %s explained with R2 %.4f", path.name, r2)
            return suggestion

        self._start(self._suggester, work, f"Reverse-engineering {path.name}")

    def apply_suggestion(self) -> None:
        if self.document is not None:
            self.document.apply_suggestion()

    def cancel_work(self) -> None:
        for runner in (self._loader, self._suggester, self._exporter):
            runner.cancel()

    # -- export ------------------------------------------------------------------------------

    def export_mix(self) -> None:
        doc = self.document
        if doc is None:
            return
        default = (
            _source_folder(doc.multitrack).parent / f"{_source_folder(doc.multitrack).name}-mix.wav"
        )
        dialog = ExportDialog(
            methods=tuple(METHODS),
            has_suggestion=doc.suggestion is not None,
            default_path=default,
            parent=self,
        )
        if dialog.exec() != ExportDialog.DialogCode.Accepted:
            return
        self.start_export(dialog.request())

    def start_export(self, request: ExportRequest, *, overwrite: bool | None = None) -> None:
        doc = self.document
        if doc is None:
            return
        if overwrite is None:
            overwrite = request.path.exists() and self.confirm(
                f"{request.path.name} exists. Replace it?"
            )
            if request.path.exists() and not overwrite:
                return
        gains = doc.gains_b() if request.source == "B" else doc.gains_a()
        job = loading.ExportJob(
            multitrack=doc.multitrack,
            meter=doc.meter,
            method=None if request.source in ("A", "B") else request.source,
            gains_db=gains if gains is not None else doc.gains_a(),
            pans=doc.pans(),
            # A and B export what is heard (mutes, solos); a method exports every track.
            mutes=~doc.audible()
            if request.source in ("A", "B")
            else np.zeros(len(doc.strips), bool),
            path=request.path,
            stereo=request.stereo,
            bit_depth=request.bit_depth,
            loudness_lufs=request.loudness_lufs,
            ceiling_dbfs=request.ceiling_dbfs,
            overwrite=bool(overwrite),
        )
        self._start(
            self._exporter, lambda p: loading.run_export(job, p), f"Exporting {request.path.name}"
        )

    def _on_exported(self, result: ExportResult) -> None:
        self.last_export = result
        level = (
            f"{result.loudness_lufs:.1f} LUFS" if math.isfinite(result.loudness_lufs) else "silent"
        )
        self._end_busy(f"Exported {result.path.name} ({level}, peak {result.peak_dbfs:+.1f} dBFS)")
        if result.warnings:
            self.show_error("\n".join(result.warnings), warning=True)
        self.export_finished.emit(result)

    # -- sessions ----------------------------------------------------------------------------

    def save_session(self, *, ask: bool = False) -> bool:
        doc = self.document
        if doc is None:
            return False
        path = doc.session_path
        if path is None or ask:
            start = str(_source_folder(doc.multitrack) / f"session{SESSION_SUFFIX}")
            name, _ = QFileDialog.getSaveFileName(
                self, "Save session", start, f"drumassist sessions (*{SESSION_SUFFIX})"
            )
            if not name:
                return False
            path = Path(name).with_suffix(SESSION_SUFFIX)
        return self.save_session_to(path)

    def save_session_to(self, path: Path) -> bool:
        if self.document is None:
            return False
        try:
            save_session(self.document.to_session(), path)
        except DrumassistError as exc:
            self.show_error(str(exc))
            return False
        self.document.session_path = path
        self.document.undo_stack.setClean()
        self.recent.add(path)
        self.statusBar().showMessage(f"Saved {path.name}", 4000)
        self._update_title()
        return True

    def maybe_save(self) -> bool:
        """Ask about unsaved changes; False means the user cancelled."""
        doc = self.document
        if doc is None or doc.undo_stack.isClean():
            return True
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            "Save the changes to this session first?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save_session()
        return answer == QMessageBox.StandardButton.Discard

    def confirm(self, question: str) -> bool:
        answer = QMessageBox.question(self, "drumassist", question)
        return answer == QMessageBox.StandardButton.Yes

    # -- transport ---------------------------------------------------------------------------

    def toggle_play(self) -> None:
        if self.player is not None:
            self.player.toggle_play()

    def toggle_ab(self) -> None:
        if self.player is not None and self.document is not None and self.document.suggestion:
            self.player.toggle_ab()

    # -- feedback ----------------------------------------------------------------------------

    def _start(self, runner: TaskRunner, work: object, message: str) -> None:
        self.error_label.hide()
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        self.statusBar().showMessage(message)
        runner.start(work)  # type: ignore[arg-type]

    def _show_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(round(fraction * 100))
        self.statusBar().showMessage(message)

    def _end_busy(self, message: str) -> None:
        if not any(r.busy for r in (self._loader, self._suggester, self._exporter)):
            self.progress.hide()
            self.cancel_button.hide()
        self.statusBar().showMessage(message, 6000)

    def show_error(self, message: str, *, warning: bool = False) -> None:
        self._end_busy("")
        self.error_label.setProperty("warning", warning)
        self.error_label.style().polish(self.error_label)
        self.error_label.setText(message)
        self.error_label.show()

    def _update_title(self) -> None:
        doc = self.document
        if doc is None:
            self.setWindowTitle("drumassist")
            return
        name = doc.session_path.name if doc.session_path else _source_folder(doc.multitrack).name
        self.setWindowTitle(f"{name}{' *' if not doc.undo_stack.isClean() else ''} — drumassist")

    def _update_status(self) -> None:
        doc = self.document
        if doc is None:
            return
        mt = doc.multitrack
        self.status_info.setText(
            f"{mt.sample_rate} Hz · {mt.duration_s:.1f} s · {len(mt.tracks)} tracks"
        )
        use_b = self.player is not None and self.player.use_b and doc.suggestion is not None
        gains = doc.gains_b() if use_b else doc.gains_a()
        lufs = doc.meter.loudness(gains, pans=doc.pans(), mutes=~doc.audible(), stereo=True)  # type: ignore[arg-type]
        text = f"{lufs:.1f} LUFS" if math.isfinite(lufs) else "silent"
        self.status_loudness.setText(f"{'B' if use_b else 'A'}: {text}")

    def show_preferences(self) -> None:
        from drumassist.ui.prefs import DEVICE_KEY, PreferencesDialog

        if PreferencesDialog(self.settings, self).exec() and self.player is not None:
            self.player.set_device(self.settings.value(DEVICE_KEY) or None)

    def open_log_folder(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        from drumassist.core.paths import log_dir

        folder = log_dir()
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def show_about(self) -> None:
        from drumassist import __version__

        QMessageBox.about(
            self,
            "About drumassist",
            f"<b>drumassist {__version__}</b><p>A mixing assistant for drum multitracks."
            "<p>AGPL-3.0-or-later. Uses Essentia, scikit-learn, Qt and PortAudio.",
        )

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
        if not self.maybe_save():
            event.ignore()
            return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.cancel_work()
        for runner in (self._loader, self._suggester, self._exporter):
            runner.wait(10000)
        self._close_document()
        super().closeEvent(event)


def _source_folder(multitrack: Multitrack) -> Path:
    paths = [t.path for t in multitrack.tracks if t.path is not None]
    return paths[0].parent if paths else Path.home()
