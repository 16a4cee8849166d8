"""Save and load the user's session: stems, roles, faders, pans, mutes, suggestion.

The file is versioned JSON. Stem paths are stored relative to the session file
when they live beside it or below it, so a session folder can be moved whole.
A missing stem is reported in :attr:`LoadedSession.missing`, not fatal.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from drumassist.core.atomic import write_atomically
from drumassist.core.roles import Role, role_from_string
from drumassist.errors import SessionError

FORMAT_NAME = "drumassist-session"
FORMAT_VERSION = 1
SESSION_SUFFIX = ".drumassist"


@dataclass(frozen=True)
class TrackState:
    """One mixer strip as the user left it."""

    path: Path
    name: str
    role: Role
    gain_db: float = 0.0
    pan: float = 0.0
    mute: bool = False
    solo: bool = False


@dataclass(frozen=True)
class SuggestionState:
    """The last suggestion shown: which method, and its gains per track name."""

    method: str
    gains_db: dict[str, float]
    low_db: dict[str, float] = field(default_factory=dict)
    high_db: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Session:
    """Everything needed to reopen a mix where the user left it."""

    tracks: tuple[TrackState, ...]
    suggestion: SuggestionState | None = None


@dataclass(frozen=True)
class LoadedSession:
    """A session read from disk, with the stems that could not be found."""

    session: Session
    missing: tuple[Path, ...]


def save_session(session: Session, path: str | Path) -> None:
    """Write ``session`` to ``path`` atomically (temp file, then rename)."""
    target = Path(path)
    base = target.parent.resolve()
    doc = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "tracks": [_track_to_json(t, base) for t in session.tracks],
        "suggestion": _suggestion_to_json(session.suggestion),
    }
    data = (json.dumps(doc, indent=2, allow_nan=False) + "\n").encode("utf-8")
    try:
        write_atomically(target, lambda handle: handle.write(data), overwrite=True)
    except OSError as exc:
        raise SessionError(f"{target.name}: could not save the session ({exc})") from exc


def load_session(path: str | Path) -> LoadedSession:
    """Read a session file; stems that no longer exist are listed in ``missing``."""
    source = Path(path)
    try:
        doc = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SessionError(f"{source.name}: no such session file") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SessionError(f"{source.name}: not a readable session file ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT_NAME:
        raise SessionError(f"{source.name}: not a drumassist session file")
    version = doc.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise SessionError(
            f"{source.name}: session format version {version} is newer than this drumassist"
            f" reads ({FORMAT_VERSION}); update drumassist"
        )
    base = source.parent.resolve()
    try:
        tracks = tuple(_track_from_json(t, base) for t in doc["tracks"])
        suggestion = _suggestion_from_json(doc.get("suggestion"))
    except (KeyError, TypeError, ValueError) as exc:
        raise SessionError(f"{source.name}: malformed session file ({exc})") from exc
    missing = tuple(t.path for t in tracks if not t.path.is_file())
    return LoadedSession(Session(tracks, suggestion), missing)


def _track_to_json(track: TrackState, base: Path) -> dict[str, Any]:
    doc = asdict(track)
    resolved = track.path.resolve()
    doc["path"] = (
        resolved.relative_to(base).as_posix() if resolved.is_relative_to(base) else str(resolved)
    )
    doc["role"] = track.role.value
    doc["gain_db"] = None if math.isinf(track.gain_db) else track.gain_db
    return doc


def _track_from_json(doc: dict[str, Any], base: Path) -> TrackState:
    gain = doc.get("gain_db", 0.0)
    return TrackState(
        path=(base / doc["path"]) if not Path(doc["path"]).is_absolute() else Path(doc["path"]),
        name=str(doc["name"]),
        role=role_from_string(doc.get("role", "other")),
        gain_db=-math.inf if gain is None else float(gain),
        pan=float(doc.get("pan", 0.0)),
        mute=bool(doc.get("mute", False)),
        solo=bool(doc.get("solo", False)),
    )


def _suggestion_to_json(suggestion: SuggestionState | None) -> dict[str, Any] | None:
    if suggestion is None:
        return None
    return {
        "method": suggestion.method,
        "gains_db": _finite_or_none(suggestion.gains_db),
        "low_db": _finite_or_none(suggestion.low_db),
        "high_db": _finite_or_none(suggestion.high_db),
    }


def _suggestion_from_json(doc: dict[str, Any] | None) -> SuggestionState | None:
    if doc is None:
        return None

    def gains(key: str) -> dict[str, float]:
        values = doc.get(key) or {}
        return {str(k): -math.inf if v is None else float(v) for k, v in values.items()}

    return SuggestionState(str(doc["method"]), gains("gains_db"), gains("low_db"), gains("high_db"))


def _finite_or_none(values: dict[str, float]) -> dict[str, float | None]:
    return {k: (v if math.isfinite(v) else None) for k, v in values.items()}
