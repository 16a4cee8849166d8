"""The compare view: every installed method's balance side by side, auditioned as B.

A table (one row per method, one column per track in the window's strip order, which
follows a strip dragged in the window, and each method's balance error
against the reference mix when one is loaded) above a bar chart of the same numbers
with the confidence ranges. The comparison runs in the background with progress and
Cancel. Clicking a method, in the table or on its bars, makes it the window's
suggestion and switches playback to B: the window's player loudness-matches B to A
and ramps the switch, so the comparison is about balance and has no clicks.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtGui import QCloseEvent, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from drumassist.core.progress import Progress
from drumassist.learn.evaluate.compare_table import (
    BalanceRow,
    ComparedRows,
    column_order,
    compare_rows,
    missing_methods,
)
from drumassist.learn.suggest.suggestion import Suggestion
from drumassist.ui.comparecells import fill_table
from drumassist.ui.comparechart import BalanceChart
from drumassist.ui.document import MixDocument
from drumassist.ui.player import PlayerController
from drumassist.ui.tasks import TaskRunner
from drumassist.ui.windowdialogs import fitted_size

log = logging.getLogger(__name__)


class CompareView(QDialog):
    """Every method's balance for one document; emits the method the user picks."""

    audition_requested = Signal(object)  # a Suggestion
    rows_ready = Signal(object)  # the tuple of BalanceRow shown

    def __init__(
        self,
        document: MixDocument,
        *,
        reference_of: Callable[[], Path | None] = lambda: None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare methods — drumassist")
        self.document = document
        # Asked at each start: the reference mix loaded in the window, if any.
        self._reference_of = reference_of
        self.reference: Path | None = None
        self.rows: tuple[BalanceRow, ...] = ()
        self._runner = TaskRunner(self)
        self._runner.progress.connect(self._on_progress)
        self._runner.finished.connect(self._on_rows)
        self._runner.failed.connect(self._on_failed)
        self._runner.cancelled.connect(lambda: self._end("Comparison cancelled"))
        self._build()
        self.resize(fitted_size(self, 1100, 720))
        # The document goes when the window opens other stems: this view goes with it.
        document.destroyed.connect(self._on_document_gone)
        # A strip dragged in the window (or its undo) moves its column and bars too.
        document.order_changed.connect(self._show_rows)
        # B changed elsewhere (Suggest balance, Load reference mix…): mark what B now is.
        document.suggestion_changed.connect(self._on_suggestion_changed)

    def _build(self) -> None:
        self.table = QTableWidget()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.chart = BalanceChart()
        self.chart.row_clicked.connect(self.table.selectRow)
        hint = QLabel(
            "Click a method (its row or its bars) to hear it as B, loudness-matched to your"
            " mix A. Gains in dB, each balance's mono mix at −23 LUFS; under a gain, and as"
            " error bars, the method's confidence range where it gives one."
        )
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.chart)
        split.setSizes([300, 400])
        layout = QVBoxLayout(self)
        layout.addLayout(self._status_bar())
        layout.addWidget(hint)
        layout.addWidget(split, 1)

    def _status_bar(self) -> QHBoxLayout:
        self.status = QLabel()
        self.status.setObjectName("hint")
        self.status.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(240)
        self.progress.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the comparison")
        self.cancel_button.clicked.connect(self._runner.cancel)
        self.recompute_button = QPushButton("Recompute")
        self.recompute_button.setToolTip("Run every method again")
        self.recompute_button.clicked.connect(self.start)
        bar = QHBoxLayout()
        bar.addWidget(self.status, 1)
        for widget in (self.progress, self.cancel_button, self.recompute_button):
            bar.addWidget(widget)
        return bar

    # -- computing ---------------------------------------------------------------------------

    def start(self) -> None:
        """Run every installed method (and score it against the reference) in the background."""
        self.reference = reference = self._reference_of()
        multitrack, meter = self.document.multitrack, self.document.meter

        def work(progress: Progress) -> ComparedRows:
            return compare_rows(multitrack, meter=meter, reference=reference, progress=progress)

        self.progress.setValue(0)
        self.progress.show()
        self.cancel_button.show()
        self.recompute_button.setEnabled(False)
        what = f" against {reference.name}" if reference is not None else ""
        self.status.setText(f"Comparing every installed method{what}…")
        self._runner.start(work)

    def refresh(self, *_args: object) -> None:
        """Compute again if the window's reference mix changed, or nothing is shown yet."""
        stale = self._reference_of() != self.reference
        if stale or (not self.rows and not self.busy):
            self.start()

    @property
    def busy(self) -> bool:
        return self._runner.busy

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(round(fraction * 100))
        if message:
            self.status.setText(f"Comparing: {message}")

    def _on_rows(self, result: ComparedRows) -> None:
        self.rows = rows = result.rows
        self._show_rows()
        failed = sum(r.error is not None for r in rows)
        done = f"{len(rows) - failed} balances"
        if failed:
            done += f"; {failed} methods failed (see their rows)"
        missing = missing_methods()
        if missing:
            done += f"; not installed: {', '.join(missing)}"
        self.status.setToolTip("\n".join(f"{n}: {why}" for n, why in missing.items()))
        if result.reference_error is not None and self.reference is not None:
            error = result.reference_error
            if self.reference.name not in error:
                error = f"{self.reference.name}: {error}"
            done += f". Reference mix left out: {error}"
        self._end(done)
        self.rows_ready.emit(rows)

    def _show_rows(self) -> None:
        """Fill the table and chart from :attr:`rows`, tracks in the window's strip order,
        with the row B plays marked (:meth:`_heard_label`)."""
        heard = self._heard_label()
        rows, names = self.rows, self.document.multitrack.names
        columns = column_order(names, self.document.order)
        self.table.blockSignals(True)
        fill_table(self.table, rows, names, columns=columns)
        self.table.blockSignals(False)
        self.chart.set_rows(rows, names, columns=columns)
        self._mark(heard)
        self._fit_columns()

    def _on_suggestion_changed(self) -> None:
        self._mark(self._heard_label())

    def _mark(self, heard: str | None) -> None:
        """Select the row labelled ``heard`` (none if None) without auditioning it."""
        labels = [r.label for r in self.rows]
        self.table.blockSignals(True)
        if heard in labels:
            self.table.selectRow(labels.index(heard))
        else:
            self.table.clearSelection()
        self.table.blockSignals(False)
        self.chart.set_selected(labels.index(heard) if heard in labels else None)

    def _on_failed(self, message: str) -> None:
        self._end(f"Comparison failed: {message}")

    def _end(self, message: str) -> None:
        self.progress.hide()
        self.cancel_button.hide()
        self.recompute_button.setEnabled(True)
        self.status.setText(message)

    # -- auditioning -------------------------------------------------------------------------

    def _heard_label(self) -> str | None:
        """The label of the row B plays (the document's suggestion), or None if none does.

        Matched by method, so a row computed again is still found; of two rows with B's
        method (``default`` and the method it names), the one selected is kept.
        """
        b = self.document.suggestion
        if b is None:
            return None
        matches = [r.label for r in self.rows if r.suggestion and r.suggestion.method == b.method]
        selected = self._selected_label()
        return selected if selected in matches else next(iter(matches), None)

    def _selected_label(self) -> str | None:
        selected = self.table.selectionModel().selectedRows()
        return self.rows[selected[0].row()].label if selected and self.rows else None

    def _on_selection(self) -> None:
        selected = self.table.selectionModel().selectedRows()
        row = selected[0].row() if selected else None
        self.chart.set_selected(row)
        if row is not None and self.rows[row].suggestion is not None:
            self.audition_requested.emit(self.rows[row].suggestion)
            self.status.setText(f"B: {self.rows[row].label}, loudness-matched to your mix A")

    def _fit_columns(self) -> None:
        """Spread the track columns over the table's width when they fit in it."""
        table = self.table
        tracks = len(self.document.multitrack.names)
        first = table.columnCount() - tracks
        if tracks == 0 or first < 0:
            return
        table.resizeColumnsToContents()
        spare = table.viewport().width() - table.horizontalHeader().length()
        if spare > 0:
            for c in range(first, table.columnCount()):
                table.setColumnWidth(c, table.columnWidth(c) + spare // tracks)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def _on_document_gone(self) -> None:
        self.close()
        self.deleteLater()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._runner.cancel()
        self._runner.wait(10000)
        super().closeEvent(event)


# -- the window's side ------------------------------------------------------------------------


def open_compare_view(
    parent: QWidget,
    player: PlayerController,
    *,
    method_box: QComboBox,
    reference_of: Callable[[], Path | None],
    reference_loaded: SignalInstance,
) -> CompareView:
    """Show the compare view of ``player``'s document (made on first use), as B's chooser.

    Parameters
    ----------
    parent : QWidget
        The window; the view is its child, found again on the next call.
    player : PlayerController
        Plays the method the user clicks as B.
    method_box : QComboBox
        The window's method selector, set to the method being heard.
    reference_of : callable
        Returns the window's reference mix (or None); asked at each computation.
    reference_loaded : SignalInstance
        Emitted when a reference mix's balance is ready: the view computes again if
        the reference changed.
    """
    doc = player.document
    view = next((v for v in parent.findChildren(CompareView) if v.document is doc), None)
    if view is None:
        view = CompareView(doc, reference_of=reference_of, parent=parent)
        view.audition_requested.connect(lambda s: audition(player, method_box, s))
        # A bound slot: Qt disconnects it when the view is deleted.
        reference_loaded.connect(view.refresh)
        view.start()
    else:
        view.refresh()
    view.show()
    view.raise_()
    return view


def audition(player: PlayerController, method_box: QComboBox, suggestion: Suggestion) -> None:
    """Make ``suggestion`` the document's B and switch to B (loudness-matched, ramped)."""
    if suggestion.names != player.document.multitrack.names:
        return  # a view left over from other stems
    player.document.set_suggestion(suggestion)
    player.set_use_b(True)
    index = method_box.findData(suggestion.method)
    if index >= 0:  # the method box names what B is (a reference is not in it)
        method_box.setCurrentIndex(index)
