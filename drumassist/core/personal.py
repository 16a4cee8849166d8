"""The personal corpus: one JSON file of the balances the user chose, in the data folder.

In core, not learn.corpus: the window records a balance on every export and save, and
this must load in milliseconds, without the corpus renderers.

Each session records the stems (absolute path, name, fingerprint), their roles and the
gains the user exported or saved (``null`` for a track they muted). A multitrack is
recorded once: recording the same stems again replaces the earlier balance, so the
corpus holds the user's latest choice per multitrack. Writes are atomic.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from drumassist.core.atomic import write_atomically
from drumassist.core.jsondoc import field_list, field_number, field_str, read_json_doc
from drumassist.core.roles import Role, role_from_string
from drumassist.errors import PersonalModelError

FORMAT_NAME = "drumassist-personal-corpus"
FORMAT_VERSION = 1
CORPUS_NAME = "corpus.json"
PERSONAL_MODEL_NAME = "model.json"
#: Bytes hashed from each end of a stem: enough to tell takes apart, fast on 1 GB files.
FINGERPRINT_BYTES = 1 << 20


@dataclass(frozen=True)
class RecordedTrack:
    """One stem of a recorded session."""

    path: Path
    name: str
    fingerprint: str
    role: Role
    gain_db: float | None  # None: muted in the chosen balance


@dataclass(frozen=True)
class RecordedSession:
    """One balance the user chose."""

    session_id: str
    recorded_utc: str
    source: str  # "export" or "session"
    tracks: tuple[RecordedTrack, ...]


def personal_dir() -> Path:
    """``personal/`` in the user's data folder: the corpus and the personal model."""
    from drumassist.core.paths import data_dir

    return data_dir() / "personal"


def corpus_path() -> Path:
    return personal_dir() / CORPUS_NAME


def personal_model_path() -> Path:
    """Where the personal model lives: ``personal/model.json`` in the data folder."""
    return personal_dir() / PERSONAL_MODEL_NAME


def has_personal_model() -> bool:
    """True once a personal model was learned (light: the window asks at start-up)."""
    return personal_model_path().is_file()


def fingerprint(path: Path) -> str:
    """Size and SHA-256 of the first and last MiB of ``path``: ``"<size>:<hex>"``."""
    try:
        size = path.stat().st_size
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            digest.update(handle.read(FINGERPRINT_BYTES))
            if size > FINGERPRINT_BYTES:
                handle.seek(max(FINGERPRINT_BYTES, size - FINGERPRINT_BYTES))
                digest.update(handle.read(FINGERPRINT_BYTES))
    except OSError as exc:
        raise PersonalModelError(f"{path}: cannot fingerprint this stem ({exc})") from exc
    return f"{size}:{digest.hexdigest()}"


def record_balance(
    paths: Sequence[Path],
    names: Sequence[str],
    roles: Sequence[Role],
    gains_db: Sequence[float | None],
    *,
    source: str,
    corpus: Path | None = None,
) -> RecordedSession:
    """Add (or replace) the chosen balance of these stems in the personal corpus.

    Tracks without a file (``paths`` entries that do not exist) cannot be recognised
    later and make the whole record an error, as nothing could be learned from it.
    """
    target = corpus or corpus_path()
    if not len(paths) == len(names) == len(roles) == len(gains_db):
        raise PersonalModelError("record_balance: paths, names, roles and gains differ in length")
    tracks = tuple(
        RecordedTrack(Path(p).resolve(), n, fingerprint(Path(p)), r, _finite_or_none(g))
        for p, n, r, g in zip(paths, names, roles, gains_db, strict=True)
    )
    key = hashlib.sha256("\n".join(sorted(t.fingerprint for t in tracks)).encode()).hexdigest()
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    session = RecordedSession(key[:16], stamp, source, tracks)
    old = read_corpus(target) if target.exists() else []
    write_corpus([s for s in old if s.session_id != session.session_id] + [session], target)
    return session


def _finite_or_none(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def write_corpus(sessions: Sequence[RecordedSession], path: Path) -> None:
    """Write the corpus atomically (temporary file, then rename)."""
    doc = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "sessions": [_session_json(s) for s in sessions],
    }
    data = (json.dumps(doc, indent=1) + "\n").encode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, lambda h: h.write(data), overwrite=True)
    except OSError as exc:
        raise PersonalModelError(f"{path}: cannot write the personal corpus ({exc})") from exc


def _session_json(s: RecordedSession) -> dict[str, Any]:
    return {
        "id": s.session_id,
        "recorded_utc": s.recorded_utc,
        "source": s.source,
        "tracks": [
            {
                "path": str(t.path),
                "name": t.name,
                "fingerprint": t.fingerprint,
                "role": t.role.value,
                "gain_db": t.gain_db,
            }
            for t in s.tracks
        ],
    }


def read_corpus(path: Path | None = None) -> list[RecordedSession]:
    """Every recorded session; an absent corpus is empty, a damaged one an error."""
    source = path or corpus_path()
    if not source.exists():
        return []
    err = PersonalModelError
    doc = read_json_doc(source, what="personal corpus", error=err)
    if doc.get("format") != FORMAT_NAME or doc.get("version") != FORMAT_VERSION:
        raise err(f"{source.name}: not a version {FORMAT_VERSION} {FORMAT_NAME} file")
    sessions = []
    for i, item in enumerate(field_list(doc, "sessions", where=source.name, error=err), 1):
        where = f"{source.name}, session {i}"
        if not isinstance(item, dict):
            raise err(f"{where}: must be an object")
        tracks = tuple(
            _track(t, f"{where}, track {j}")
            for j, t in enumerate(field_list(item, "tracks", where=where, error=err), 1)
        )
        sessions.append(
            RecordedSession(
                field_str(item, "id", where=where, error=err),
                field_str(item, "recorded_utc", where=where, error=err),
                field_str(item, "source", where=where, error=err),
                tracks,
            )
        )
    return sessions


def _track(doc: Any, where: str) -> RecordedTrack:
    err = PersonalModelError
    if not isinstance(doc, dict):
        raise err(f"{where}: must be an object")
    role_text = field_str(doc, "role", where=where, error=err)
    try:
        role = role_from_string(role_text)
    except ValueError as exc:
        raise err(f"{where}: {exc}") from exc
    gain = (
        None if doc.get("gain_db") is None else field_number(doc, "gain_db", where=where, error=err)
    )
    return RecordedTrack(
        Path(field_str(doc, "path", where=where, error=err)),
        field_str(doc, "name", where=where, error=err),
        field_str(doc, "fingerprint", where=where, error=err),
        role,
        gain,
    )
