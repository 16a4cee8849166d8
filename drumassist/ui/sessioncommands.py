"""File ▸ Open session, Save, Save as, the unsaved-changes question and Locate… for a
missing stem: the session commands of the main window (mixed into it)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox, QWidget

from drumassist.core.progress import Progress
from drumassist.core.session import SESSION_SUFFIX, save_session
from drumassist.errors import CancelledError, DrumassistError
from drumassist.ui import autosave, loading, windowdialogs
from drumassist.ui.autosave import Autosave, Recovered
from drumassist.ui.exportflow import source_folder

if TYPE_CHECKING:
    from PySide6.QtWidgets import QStatusBar

    from drumassist.ui.document import MixDocument
    from drumassist.ui.settings import RecentList
    from drumassist.ui.tasks import TaskRunner


# A plain mixin at run time (the window is the one QWidget); typed as a QWidget.
_Base = QWidget if TYPE_CHECKING else object


class SessionCommands(_Base):  # type: ignore[misc,valid-type]
    """The session half of the main window; it needs the members declared below."""

    if TYPE_CHECKING:
        document: MixDocument | None
        recent: RecentList
        _loader: TaskRunner

        def open_stems(self, sources: Sequence[Path]) -> None: ...
        def show_error(self, message: str, *, warning: bool = False) -> None: ...
        def statusBar(self) -> QStatusBar: ...
        def _update_title(self) -> None: ...
        def _start(
            self, runner: TaskRunner, work: Callable[[Progress], object], message: str
        ) -> None: ...

    autosave: Autosave | None = None
    _restoring: Recovered | None = None

    def choose_session(self) -> None:
        path = windowdialogs.ask_open_file(
            self, "Open a session", None, windowdialogs.SESSION_FILTER
        )
        if path is not None:
            self.open_stems([path])

    def locate_stem(self, name: str) -> None:
        """Ask where the missing stem ``name`` is, then reopen the session with it."""
        doc = self.document
        if doc is None or name not in doc.missing:
            return
        gone = doc.missing[name].path
        path = windowdialogs.ask_open_file(
            self, f"Locate {gone.name}", gone.parent, windowdialogs.AUDIO_FILTER
        )
        if path is None:
            return
        session = doc.state.located(name, path)
        where = doc.session_path or path.parent / f"session{SESSION_SUFFIX}"
        self._start(
            self._loader,
            lambda p: loading.load_session_stems(session, where, p, modified=True),
            f"Opening {path.name}",
        )

    def save_session(self, *, ask: bool = False) -> bool:
        doc = self.document
        if doc is None:
            return False
        path = doc.session_path
        if path is None or ask:
            start = source_folder(doc.multitrack) / f"session{SESSION_SUFFIX}"
            path = windowdialogs.ask_session_path(self, start)
            if path is None:
                return False
        return self.save_session_to(path)

    def save_session_to(self, path: Path) -> bool:
        if self.document is None:
            return False
        path = path.absolute()  # kept as the session's place: the folder may change
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
        answer = windowdialogs.ask_save_changes(self, doc.session_path)
        if answer == QMessageBox.StandardButton.Save:
            return self.save_session()
        return answer == QMessageBox.StandardButton.Discard

    # -- crash recovery (ui/autosave.py) ---------------------------------------------------

    def offer_recovery(self) -> bool:
        """Offer the newest copy of unsaved changes a drumassist left when it ended; True
        when it is being restored. Called as the window opens, before any mix."""
        found = autosave.find_recovered()
        # Newest first; a copy discarded or put off makes way for the next one. One window
        # restores one mix: the copies left then wait for the next start.
        for i, copy in enumerate(found):
            answer = windowdialogs.ask_restore(self, copy, others=len(found) - i - 1)
            if answer == "restore":
                for other in found[i + 1 :]:
                    other.release()
                # Its lock is held until the window has the mix and its own copy is written
                # (start_autosave), so another drumassist starting meanwhile does not offer it.
                self._restoring = copy
                self._start(
                    self._loader, functools.partial(_restore, copy), f"Restoring {copy.name}"
                )
                return True
            if answer == "discard":
                autosave.discard(copy)
            else:
                copy.release()
        return False

    def start_autosave(self, doc: MixDocument, loaded: loading.Loaded) -> str | None:
        """Keep ``doc``'s unsaved changes on disk from now on (after its state is set);
        returns why its first copy could not be written, for the opening's notes."""
        self.autosave = Autosave(doc, self)
        # A mix opened with changes (restored, a stem located) is kept at once.
        written = self.autosave.write()
        self.autosave.failed.connect(lambda why: self.show_error(why, warning=True))
        restored, self._restoring = self._restoring, None
        if restored is not None and loaded.recovered_from == restored.session_file:
            if written:  # the old copy goes only once the new one holds the changes
                autosave.remove_copy(restored.session_file)
            restored.release()
        return self.autosave.last_error

    def stop_autosave(self) -> None:
        """The mix closes with its changes saved or discarded."""
        if self.autosave is not None:
            self.autosave.close()
            self.autosave.deleteLater()
        self.autosave = None


def _restore(recovered: Recovered, progress: Progress) -> loading.Loaded:
    """Worker side of a restore: the mix; a failure keeps the copy and says where."""
    try:
        return loading.load_recovered(
            recovered.session_file, recovered.session_path, recovered.name, progress
        )
    except BaseException as exc:
        recovered.release()  # offered again at the next start
        if isinstance(exc, DrumassistError) and not isinstance(exc, CancelledError):
            raise type(exc)(
                f"{exc}. The unsaved changes are kept in {recovered.session_file} (a session"
                " file: open it to restore them by hand); drumassist offers them again at its"
                " next start"
            ) from exc
        raise
