"""File ▸ Export mix: what to export (A, B or a method) and how (format, depth, level)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

LOUDNESS_CHOICES: tuple[tuple[str, float | None], ...] = (
    ("As mixed (no normalisation)", None),
    ("-23 LUFS (EBU R128)", -23.0),
    ("-16 LUFS", -16.0),
    ("-14 LUFS (streaming)", -14.0),
)


@dataclass(frozen=True)
class ExportRequest:
    """What the user asked to export."""

    source: str  # "A", "B" or a method name
    path: Path
    bit_depth: int
    stereo: bool
    loudness_lufs: float | None
    ceiling_dbfs: float


class ExportDialog(QDialog):
    """Collects an ExportRequest; the window runs the export in the background."""

    def __init__(
        self,
        *,
        methods: tuple[str, ...],
        has_suggestion: bool,
        default_path: Path,
        soloed: tuple[str, ...] = (),
        confirm_replace: Callable[[ExportRequest], bool | None] | None = None,
        refusal: Callable[[ExportRequest], str | None] | None = None,
        initial: ExportRequest | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export mix")
        self._confirm_replace = confirm_replace  # see accept()
        self._refusal = refusal
        self.replace_confirmed = False
        self.source_box = QComboBox()
        self.source_box.addItem("A: your mix", "A")
        if has_suggestion:
            self.source_box.addItem("B: the current suggestion", "B")
        for method in methods:
            self.source_box.addItem(f"Method: {method}", method)
        self.source_box.setToolTip("Which balance to export")
        self._folder = default_path.parent
        self.path_edit = QLineEdit(str(default_path))
        self.path_edit.setToolTip("Where to write the mix (.wav or .flac)")
        # Wide enough for a whole path (it showed "l/proj/stems-mix.wav": a new-user trial).
        self.path_edit.setMinimumWidth(self.path_edit.fontMetrics().averageCharWidth() * 56)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        self._make_format_boxes()
        form = QFormLayout(self)
        form.addRow("Mix", self.source_box)
        self.solo_note = _solo_note(soloed)
        if soloed:  # a solo restored from a session is easy to forget
            form.addRow("", self.solo_note)
        form.addRow("File", path_row)
        self.refusal_label = QLabel()  # why Save was refused; the dialog stays open
        self.refusal_label.setWordWrap(True)
        self.refusal_label.setObjectName("error")
        self.refusal_label.hide()
        form.addRow("", self.refusal_label)
        form.addRow("Format", self.depth_box)
        form.addRow("Channels", self.channels_box)
        form.addRow("Loudness", self.loudness_box)
        form.addRow("Peak ceiling", self.ceiling_box)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        if initial is not None:
            self._restore(initial)

    def _restore(self, request: ExportRequest) -> None:
        """The choices of the last export asked for (kept when it failed): its mix, where
        that is still offered, its file and its format."""
        index = self.source_box.findData(request.source)
        if index >= 0:
            self.source_box.setCurrentIndex(index)
        self.path_edit.setText(str(request.path))
        self.depth_box.setCurrentIndex(max(0, self.depth_box.findData(request.bit_depth)))
        self.channels_box.setCurrentIndex(max(0, self.channels_box.findData(request.stereo)))
        loudness = [value for _, value in LOUDNESS_CHOICES]
        if request.loudness_lufs in loudness:
            self.loudness_box.setCurrentIndex(loudness.index(request.loudness_lufs))
        self.ceiling_box.setValue(request.ceiling_dbfs)

    def _make_format_boxes(self) -> None:
        """The sample format, channels, loudness and peak ceiling, at their defaults."""
        self.depth_box = QComboBox()
        for label, bits in (("24-bit", 24), ("16-bit (dithered)", 16), ("32-bit float", 32)):
            self.depth_box.addItem(label, bits)
        self.depth_box.setToolTip("Sample format; FLAC stores 16 or 24 bit")
        self.channels_box = QComboBox()
        self.channels_box.addItem("Stereo (with pans)", True)
        self.channels_box.addItem("Mono", False)
        self.loudness_box = QComboBox()
        for label, value in LOUDNESS_CHOICES:
            self.loudness_box.addItem(label, value)
        self.loudness_box.setCurrentIndex(1)
        self.loudness_box.setToolTip("Normalise the exported mix to this integrated loudness")
        self.ceiling_box = QDoubleSpinBox()
        self.ceiling_box.setRange(-12.0, 0.0)
        self.ceiling_box.setSingleStep(0.1)
        self.ceiling_box.setValue(-1.0)
        self.ceiling_box.setSuffix(" dBFS")
        self.ceiling_box.setToolTip(
            "Peak ceiling when normalising: the level is lowered to stay under it"
        )

    def _browse(self) -> None:
        # Replacing a file is asked once, when the export starts (Qt's own question too
        # asked it twice).
        name, _ = QFileDialog.getSaveFileName(
            self,
            "Export mix",
            self.path_edit.text(),
            "Audio (*.wav *.flac)",
            options=QFileDialog.Option.DontConfirmOverwrite,
        )
        if name:
            self.path_edit.setText(name)

    def accept(self) -> None:
        """A destination the export would refuse (no such folder, a stem, a folder, a
        format it cannot write) is said under the file box, and replacing a file is
        asked, on Save with the dialog still open: every choice is kept (asked after it
        closed, they were lost). The question answers None where there is nothing to
        ask."""
        reason = None if self._refusal is None else self._refusal(self.request())
        if reason is not None:  # said here, every choice kept (it closed the dialog)
            self.refusal_label.setText(reason)
            self.refusal_label.show()
            self.path_edit.setFocus()
            self.path_edit.selectAll()
            return
        ask = self._confirm_replace
        answer = None if ask is None else ask(self.request())
        if answer is False:  # keep the file name, to change it
            self.path_edit.setFocus()
            self.path_edit.selectAll()
            return
        self.replace_confirmed = bool(answer)
        super().accept()

    def request(self) -> ExportRequest:
        return ExportRequest(
            source=str(self.source_box.currentData()),
            # A bare name goes beside the default, not wherever the program was started.
            path=self._folder / Path(self.path_edit.text().strip()).expanduser(),
            bit_depth=int(self.depth_box.currentData()),
            stereo=bool(self.channels_box.currentData()),
            loudness_lufs=self.loudness_box.currentData(),
            ceiling_dbfs=float(self.ceiling_box.value()),
        )


def _solo_note(soloed: tuple[str, ...]) -> QLabel:
    """What a solo that is on does to the export (empty when none is)."""
    note = QLabel()
    if soloed:
        note.setText(
            f"Solo is on ({', '.join(soloed)}): A and B hold only the soloed"
            " tracks; a method's mix holds every track."
        )
    note.setWordWrap(True)
    note.setObjectName("error")  # the window's warning banner style
    note.setProperty("warning", True)
    return note
