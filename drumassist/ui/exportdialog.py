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
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export mix")
        self._confirm_replace = confirm_replace  # see accept()
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
        """Replacing a file is asked on Save, the dialog still open: "No" comes back to
        it, every choice kept (asked after it closed, "No" lost them). The question
        answers None where there is nothing to ask (no such file, or a destination the
        window refuses, and says why, once the dialog is closed)."""
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
