"""The small dialogs the window asks through: file choosers, questions, About, logs;
and the size a dialog may take on the screen it is on."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from drumassist.core.session import SESSION_SUFFIX

if TYPE_CHECKING:
    from drumassist.ui.autosave import Recovered

SESSION_FILTER = f"drumassist sessions (*{SESSION_SUFFIX})"
AUDIO_FILTER = "Audio (*.wav *.flac *.aif *.aiff *.ogg *.mp3)"


def ask_folder(parent: QWidget) -> Path | None:
    """A folder of stems, or None when the user cancels."""
    folder = QFileDialog.getExistingDirectory(parent, "Open a folder of stems")
    return Path(folder) if folder else None


def ask_open_file(parent: QWidget, title: str, start: Path | None, file_filter: str) -> Path | None:
    """A file to open, or None when the user cancels."""
    name, _ = QFileDialog.getOpenFileName(parent, title, str(start or ""), file_filter)
    return Path(name) if name else None


def ask_session_path(parent: QWidget, start: Path) -> Path | None:
    """Where to save a session (with the session suffix), or None.

    A name typed without the suffix gets it added ("mix v1.2" is
    ``mix v1.2.drumassist``, not ``mix v1.drumassist``). The dialog asked about
    replacing the name as typed only, so an existing file under the name with the
    suffix is asked about here.
    """
    name, _ = QFileDialog.getSaveFileName(parent, "Save session", str(start), SESSION_FILTER)
    if not name:
        return None
    path = session_file_name(Path(name))
    if path != Path(name) and path.exists():
        question = f"{path.name} already exists in {path.parent}. Replace it?"
        if not confirm(parent, question):
            return None
    return path


def session_file_name(path: Path) -> Path:
    """``path`` ending in the session suffix: added when it is not there (whatever
    other dots the name has)."""
    if path.suffix.lower() == SESSION_SUFFIX:
        return path
    return path.with_name(path.name + SESSION_SUFFIX)


def ask_save_changes(parent: QWidget, session: Path | None) -> QMessageBox.StandardButton:
    """Save, Discard or Cancel for unsaved changes: to the ``session`` file, or (None) to
    a mix of stems never saved as a session."""
    question = (
        "This mix has not been saved as a session. Save it first?"
        if session is None
        else f"Save the changes to {session.name} first?"
    )
    return QMessageBox.question(
        parent,
        "Unsaved changes",
        question,
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel,
    )


def ask_restore(parent: QWidget, recovered: Recovered, *, others: int = 0) -> str:
    """Restore, Discard or Not now for changes a drumassist left unsaved: returns
    ``"restore"``, ``"discard"`` or ``"later"``. A copy older than its session file's
    last save says so, and Not now is then the default. ``others`` is how many more
    copies wait (each asked about after a Discard or Not now)."""
    written = recovered.written
    text = (
        f"drumassist ended before the changes to “{recovered.name}” were saved. They were"
        f" kept on {written:%d %b %Y} at {written:%H:%M:%S}.\n\n{recovered.where}"
    )
    newer = recovered.saved_since()
    if newer:
        text += (
            f"\n\n{recovered.name} was saved after these changes were kept: restoring"
            " them, then saving, would replace what was saved since."
        )
    if others:
        more = "copy" if others == 1 else "copies"
        text += (
            f"\n\n{others} more {more} of unsaved changes wait: asked about next after"
            " Discard or Not now, at the next start after Restore."
        )
    box = QMessageBox(
        QMessageBox.Icon.Question, "Unsaved changes recovered", f"{text}\n\nRestore them?",
        parent=parent,
    )  # fmt: skip
    restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    later = box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(later if newer else restore)
    discard.setToolTip("Delete the kept changes")
    box.exec()
    clicked = box.clickedButton()
    box.deleteLater()
    return "restore" if clicked is restore else "discard" if clicked is discard else "later"


def confirm(parent: QWidget, question: str) -> bool:
    """Yes or no."""
    answer = QMessageBox.question(parent, "drumassist", question)
    return answer == QMessageBox.StandardButton.Yes


def show_about(parent: QWidget) -> None:
    from drumassist import __version__

    QMessageBox.about(
        parent,
        "About drumassist",
        f"<b>drumassist {__version__}</b><p>A mixing assistant for drum multitracks."
        "<p>AGPL-3.0-or-later. Uses Essentia, scikit-learn, Qt and PortAudio.",
    )


def open_log_folder() -> None:
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    from drumassist.core.paths import log_dir

    folder = log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def fitted_size(widget: QWidget, width: int, height: int) -> QSize:
    """``width`` x ``height``, cut to 90 % of the screen ``widget`` is on (a laptop's
    screen can be smaller than a dialog's preferred size)."""
    screen = widget.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return QSize(width, height)
    room = screen.availableGeometry()
    return QSize(min(width, int(room.width() * 0.9)), min(height, int(room.height() * 0.9)))
