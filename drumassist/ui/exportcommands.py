"""File ▸ Export mix…: the export dialog, the export in the background, and what it
records for the personal model: the export commands of the main window (mixed into it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import SignalInstance
from PySide6.QtWidgets import QWidget

from drumassist.core.export import ExportResult, check_destination
from drumassist.core.progress import Progress
from drumassist.errors import ExportError
from drumassist.learn.models.registry import unavailable_reason
from drumassist.learn.suggest.suggestion import method_names
from drumassist.ui import exportflow, loading, personal
from drumassist.ui.exportdialog import ExportDialog, ExportRequest

if TYPE_CHECKING:
    from drumassist.ui.document import MixDocument
    from drumassist.ui.tasks import TaskRunner


# A plain mixin at run time (the window is the one QWidget); typed as a QWidget.
_Base = QWidget if TYPE_CHECKING else object


class ExportCommands(_Base):  # type: ignore[misc,valid-type]
    """The export half of the main window; it needs the members declared below."""

    _export_name = ""  # the file of the export under way
    # The last export asked for, and of which mix: its choices open the next dialog.
    _last_request: tuple[object, ExportRequest] | None = None

    if TYPE_CHECKING:
        document: MixDocument | None
        last_export: ExportResult | None
        _export_choice: tuple[list[float], list[bool]] | None
        _exporter: TaskRunner
        export_finished: SignalInstance

        def confirm(self, question: str) -> bool: ...
        def show_error(self, message: str, *, warning: bool = False) -> None: ...
        def _end_busy(self, message: str | None) -> None: ...
        def _start(
            self, runner: TaskRunner, work: Callable[[Progress], object], message: str
        ) -> None: ...

    def export_mix(self) -> None:
        doc = self.document
        if doc is None:
            return
        # Only what can run: a method with no model installed (svr, personal before it is
        # learned) is greyed out, with the reason, in the suggest bar instead.
        installed = tuple(m for m in method_names() if unavailable_reason(m) is None)
        dialog = ExportDialog(
            methods=installed,
            has_suggestion=doc.suggestion is not None,
            default_path=exportflow.default_export_path(doc.multitrack),
            soloed=tuple(
                t.name for t, s in zip(doc.multitrack.tracks, doc.strips, strict=True) if s.solo
            ),
            confirm_replace=self._confirm_replace,
            refusal=self._refusal,
            initial=self._last_request[1]
            if self._last_request is not None and self._last_request[0] is doc
            else None,
            parent=self,
        )
        accepted = dialog.exec() == ExportDialog.DialogCode.Accepted
        request, replace = dialog.request(), dialog.replace_confirmed
        dialog.deleteLater()  # a child of the window: one per export would pile up
        if accepted:
            # The next dialog opens with these choices: after a failed write (a full or
            # read-only disk, found once the dialog is closed) they were all lost.
            self._last_request = (doc, request)
            self.start_export(request, overwrite=True if replace else None)

    def _confirm_replace(self, request: ExportRequest) -> bool | None:
        """The export dialog's question on Save: replace the file? None where there is
        nothing to ask (no file there, or a destination refused: said once it closes)."""
        if self.document is None or not request.path.exists():
            return None
        if self._refusal(request) is not None:
            return None
        return self._replace_asked(request)

    def _refusal(self, request: ExportRequest) -> str | None:
        """Why the export would refuse ``request``'s destination (a stem, a folder, a
        format it cannot write), or None."""
        doc = self.document
        try:
            check_destination(
                request.path, bit_depth=request.bit_depth, overwrite=True,
                protected=[] if doc is None else [
                    t.path for t in doc.multitrack.tracks if t.path is not None
                ],
            )  # fmt: skip
        except ExportError as exc:
            return str(exc)
        return None

    def _replace_asked(self, request: ExportRequest) -> bool:
        return self.confirm(f"{request.path.name} exists. Replace it?")

    def start_export(self, request: ExportRequest, *, overwrite: bool | None = None) -> None:
        doc = self.document
        if doc is None:
            return
        refusal = self._refusal(request)  # refused before "Replace it?" is asked, not after
        if refusal is not None:
            self.show_error(refusal)
            return
        if overwrite is None:
            overwrite = request.path.exists() and self._replace_asked(request)
            if request.path.exists() and not overwrite:
                return
        job = exportflow.export_job(doc, request, overwrite=overwrite)
        self._export_name = request.path.name
        # What the user chose, for the personal corpus: the exported A or B balance. A
        # method's balance is the method's, not a choice, so it is not recorded.
        self._export_choice = None if job.method else (list(job.gains_db), list(job.mutes))
        self._start(
            self._exporter, lambda p: loading.run_export(job, p), f"Exporting {request.path.name}"
        )

    def may_close_during_export(self) -> bool:
        """True when no export runs, or the user agrees to stop it to close."""
        if not self._exporter.busy:
            return True
        return self.confirm(
            f"{self._export_name} is still being exported. Stop the export and close?"
            " (The file is not written; export again to make it.)"
        )

    def _on_exported(self, result: ExportResult) -> None:
        self.last_export = result
        self._end_busy(exportflow.export_summary(result))
        # One banner for both: the export's warnings must not be replaced by the notice.
        choice, self._export_choice = self._export_choice, None
        note = None
        if choice is not None:
            note = personal.record_choice(self, source="export", balance=choice)
        notes = [*result.warnings, note]
        shown = [n for n in notes if n]
        if shown:
            self.show_error("\n".join(shown), warning=True)
        self.export_finished.emit(result)
