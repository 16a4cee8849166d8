"""What a complete corpus session was built from, so that a resumed build sees a change.

A session was complete once its ``session.json`` existed, so re-bouncing a mix in a
user's session folder, or damaging a stem or mix in the corpus, left its targets as
they were: trained on as if still true (found by a researcher's trial). Each session
now records, under ``"files"``, the size and sha256 of every file it was made from
(its stems and its mix); a build that finds one changed, missing or damaged builds
that session again. No modification time: ``session.json`` stays the same to the byte
for a seed (a render is deterministic, and a copied corpus is the same corpus), so a
resumed build reads every file once (about 2 GB, some seconds, for the 200 sessions of
the README's corpus). Sessions written before this have no record and stay as they
are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from drumassist.learn.corpus.store import SESSION_NAME, relative_file


def fingerprints(files: Iterable[Path], session_dir: Path) -> dict[str, dict[str, Any]]:
    """Each file's record, keyed as ``session.json`` names it."""
    out: dict[str, dict[str, Any]] = {}
    for path in files:
        stat = Path(path).stat()
        out[relative_file(Path(path), session_dir)] = {
            "bytes": stat.st_size,
            "sha256": _sha256(Path(path)),
        }
    return out


def stored_session(session_dir: Path) -> dict[str, Any] | None:
    """A complete session's ``session.json`` as a dict; None if it cannot be read."""
    try:
        doc = json.loads((session_dir / SESSION_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def changed_files(session_dir: Path, doc: Mapping[str, Any] | None) -> list[str]:
    """The files the session in ``session_dir`` (its ``session.json`` read as ``doc``)
    was made from that are no longer as recorded (changed, missing or unreadable);
    empty for a session with no record."""
    records = None if doc is None else doc.get("files")
    if not isinstance(records, Mapping):
        return []
    return [name for name, record in records.items() if not _same(session_dir, name, record)]


def _same(session_dir: Path, name: str, record: Any) -> bool:
    path = Path(name) if Path(name).is_absolute() else session_dir / name
    try:
        stat = path.stat()
    except OSError:
        return False
    if not isinstance(record, Mapping) or stat.st_size != record.get("bytes"):
        return False
    try:
        return _sha256(path) == record.get("sha256")
    except OSError:
        return False


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
