"""Crash recovery: a mix's unsaved changes are kept on disk as they are made.

While a mix has unsaved changes, the window writes it at most :data:`DELAY_MS` after a
change (a burst of changes is written once, two seconds after its first), as an
ordinary session file in ``data_dir()/recovery/``: ``<id>.drumassist``, beside
``<id>.json`` saying which session file and stems folder it belongs to. The window
holds ``<id>.lock`` (a QLockFile: its process id, host and program name) as long as it
runs. Saving, or closing or opening another mix with the changes discarded, removes
the copy; a copy that cannot be written is said once, in the window.

A copy whose lock has no living owner (drumassist crashed, was killed, or the machine
lost power) is offered when drumassist next starts; a copy held by another running
drumassist, or being restored by one, is left alone. Each file is written atomically
(a temporary file renamed over it), so a crash while writing leaves the last
complete copy.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QTimer, Signal

from drumassist.core.atomic import write_atomically
from drumassist.core.paths import data_dir
from drumassist.core.session import SESSION_SUFFIX, save_session
from drumassist.errors import DrumassistError
from drumassist.ui.document import MixDocument
from drumassist.ui.exportflow import source_folder

log = logging.getLogger(__name__)

#: Milliseconds from a change to the copy on disk (the first change of a burst).
DELAY_MS = 2000
FORMAT_NAME = "drumassist-recovery"
VERSION = 1


def recovery_dir() -> Path:
    return data_dir() / "recovery"


@dataclass(frozen=True)
class Recovered:
    """A copy left by a drumassist that ended with unsaved changes.

    Its lock is held by this process until :func:`discard` or :meth:`release`.
    """

    session_file: Path
    #: The session file the mix was opened from or saved to; None if never saved.
    session_path: Path | None
    folder: Path
    written: datetime
    lock: QLockFile

    @property
    def name(self) -> str:
        return self.session_path.name if self.session_path else self.folder.name

    @property
    def where(self) -> Path:
        """The session file, or the stems folder of a mix never saved."""
        return self.session_path or self.folder

    def saved_since(self) -> bool:
        """True when its session file was saved after this copy was kept."""
        try:
            return self.session_path is not None and (
                self.session_path.stat().st_mtime > self.written.timestamp() + 1
            )
        except OSError:
            return False

    def release(self) -> None:
        self.lock.unlock()


class Autosave(QObject):
    """Keeps the unsaved changes of ``doc`` in the recovery folder (see the module)."""

    #: The first copy that could not be written, with why (later ones are not said).
    failed = Signal(str)

    def __init__(self, doc: MixDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        stem = f"{os.getpid()}-{time.time_ns()}"
        folder = recovery_dir()
        self.session_file = folder / f"{stem}{SESSION_SUFFIX}"
        self.meta_file = folder / f"{stem}.json"
        self._lock = QLockFile(str(folder / f"{stem}.lock"))
        self._failed = False
        #: Why the last write failed; None after one that worked.
        self.last_error: str | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DELAY_MS)
        self._timer.timeout.connect(self.write)
        doc.undo_stack.indexChanged.connect(self._on_change)
        doc.undo_stack.cleanChanged.connect(self._on_clean_changed)
        doc.suggestion_changed.connect(self._on_change)  # kept in the session too
        # A document destroyed without being closed (the program quitting without its
        # window's close) keeps its copy: what its stack signals on the way out is not
        # a save or a change.
        self._gone = False
        doc.destroyed.connect(self._on_document_gone)

    def _on_document_gone(self, *_args: object) -> None:
        self._gone = True
        self._timer.stop()

    def _on_change(self, *_args: object) -> None:
        if self._gone:
            return
        if not self.doc.undo_stack.isClean() and not self._timer.isActive():
            self._timer.start()

    def _on_clean_changed(self, clean: bool) -> None:
        if self._gone:
            return
        if clean:
            self._timer.stop()
            self._remove_copy()
        else:  # also made unclean without a step (a new suggestion)
            self._on_change()

    def write(self) -> bool:
        """Write the copy now, if there are unsaved changes; False if it could not be
        written (logged, and said by :attr:`failed` the first time)."""
        if self._gone or self.doc.undo_stack.isClean():
            return True
        try:
            self.session_file.parent.mkdir(parents=True, exist_ok=True)
            if not self._lock.isLocked() and not self._lock.tryLock(0):
                raise OSError(f"cannot lock {self._lock.fileName()}")
            meta = {
                "format": FORMAT_NAME,
                "version": VERSION,
                "session_path": str(self.doc.session_path) if self.doc.session_path else None,
                "folder": str(source_folder(self.doc.multitrack).resolve()),
                "written": datetime.now().isoformat(timespec="seconds"),
            }
            data = (json.dumps(meta, indent=2) + "\n").encode("utf-8")
            # The note first: a note without its session is removed at the next start,
            # a session without its note could not be offered.
            write_atomically(self.meta_file, lambda h: h.write(data), overwrite=True)
            save_session(self.doc.to_session(), self.session_file)
        except (OSError, DrumassistError) as exc:
            self.last_error = (
                f"Unsaved changes cannot be kept for recovery in {self.session_file.parent}"
                f" ({exc}); save the session to keep them"
            )
            if not self._failed:
                log.warning("cannot keep a recovery copy in %s: %s", self.session_file.parent, exc)
                self.failed.emit(self.last_error)
            self._failed = True
            return False
        self.last_error = None
        return True

    def close(self) -> None:
        """The mix is closed with its changes saved or discarded: remove the copy."""
        self._timer.stop()
        self._remove_copy()
        self._lock.unlock()

    def _remove_copy(self) -> None:
        remove_copy(self.session_file)


def find_recovered() -> list[Recovered]:
    """The copies no running drumassist holds, newest first; their locks are taken."""
    folder = recovery_dir()
    if not folder.is_dir():
        return []
    _remove_stray_locks(folder)
    found = []
    for meta_file in folder.glob("*.json"):
        lock = QLockFile(str(meta_file.with_suffix(".lock")))
        lock.setStaleLockTime(0)  # stale only when its owner is gone, however recent
        if not lock.tryLock(0):
            continue  # another drumassist is running with it
        recovered = _read(meta_file, lock)
        if recovered is None:
            lock.unlock()
        else:
            found.append(recovered)
    return sorted(found, key=lambda r: r.written, reverse=True)


def _remove_stray_locks(folder: Path) -> None:
    """Locks left without a note (a crash before the first copy): removed once free."""
    for lock_file in folder.glob("*.lock"):
        if lock_file.with_suffix(".json").exists():
            continue
        lock = QLockFile(str(lock_file))
        lock.setStaleLockTime(0)
        if lock.tryLock(0):
            lock.unlock()  # removes the file


def _read(meta_file: Path, lock: QLockFile) -> Recovered | None:
    session_file = meta_file.with_suffix(SESSION_SUFFIX)
    if not session_file.is_file():  # a crash before its first session was written
        with contextlib.suppress(OSError):
            meta_file.unlink(missing_ok=True)
        return None
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_NAME:
            raise ValueError("not a drumassist recovery note")
        if meta.get("version") != VERSION:
            raise ValueError(f"version {meta.get('version')!r}, not {VERSION}")
        written = datetime.fromisoformat(meta["written"])
        folder = Path(meta["folder"])
        session_path = Path(meta["session_path"]) if meta.get("session_path") else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        log.warning("ignoring the recovery copy %s: %s", meta_file, exc)
        return None
    return Recovered(session_file, session_path, folder, written, lock)


def discard(recovered: Recovered) -> None:
    """Delete a copy the user chose not to restore, and give up its lock."""
    remove_copy(recovered.session_file)
    recovered.release()


def remove_copy(session_file: Path) -> None:
    """Delete the recovery copy ``session_file`` and its note (restored or discarded)."""
    for path in (session_file, session_file.with_suffix(".json")):  # the note last
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("cannot remove the recovery copy %s: %s", path, exc)
