"""Save and load the user's session: stems, roles, faders, pans, mutes, suggestion.

The file is versioned JSON. Stem paths are stored relative to the session file
when they live beside it or below it, so a session folder can be moved whole; such a
stem also keeps its absolute path (``absolute_path``), where it is looked for when the
session file alone was moved or copied elsewhere (the relative path comes first).
The order of ``tracks`` is the order of the mixer strips. A missing stem is
reported in :attr:`LoadedSession.missing`, not fatal, and keeps all its settings.

Every value is checked on the way in (with :mod:`drumassist.core.jsondoc`): a bad
value is one :class:`SessionError` naming the file and the field, never a
half-loaded session.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drumassist.core.atomic import write_atomically, write_failure
from drumassist.core.jsondoc import (
    field_bool,
    field_list,
    field_number,
    field_str,
    read_json_doc,
)
from drumassist.core.roles import Role, role_from_string
from drumassist.core.sessionpaths import (
    PLACE_FIELDS,
    Place,
    own_path,
    place_from_json,
    place_to_json,
    stem_exists,
)
from drumassist.errors import SessionError

FORMAT_NAME = "drumassist-session"
#: 2 adds each track's ``invert`` (polarity) and the suggestion's polarity flips and
#: bleed-only tracks; version 1 files read as none of them. 3 adds the reference mix
#: last loaded (``reference``); older files read as none.
FORMAT_VERSION = 3
SESSION_SUFFIX = ".drumassist"
#: A fader level in a session (``null`` is minus infinity); the window's faders stay inside.
STRIP_GAIN_RANGE_DB = (-120.0, 24.0)
#: A suggested level (``null`` is minus infinity).
SUGGESTION_GAIN_RANGE_DB = (-120.0, 120.0)


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
    invert: bool = False
    #: Where the stem was when the session was saved (``absolute_path``), kept while
    #: the stem is missing so that saving again does not lose it. Not a setting: left
    #: out of comparisons.
    saved_at: Path | None = field(default=None, compare=False)


@dataclass(frozen=True)
class SuggestionState:
    """The last suggestion shown: which method, and its gains per track name."""

    method: str
    gains_db: dict[str, float]
    low_db: dict[str, float] = field(default_factory=dict)
    high_db: dict[str, float] = field(default_factory=dict)
    #: The tracks whose polarity flip it suggested, with the reason it gave.
    polarity_flips: dict[str, str] = field(default_factory=dict)
    #: The tracks it found to carry only bleed.
    bleed_only: tuple[str, ...] = ()


@dataclass(frozen=True)
class Session:
    """Everything needed to reopen a mix where the user left it (tracks in strip order)."""

    tracks: tuple[TrackState, ...]
    suggestion: SuggestionState | None = None
    #: The reference mix last loaded (Playback > Load reference mix...), which Compare
    #: scores every method against; kept while its file is missing.
    reference: Place | None = None


@dataclass(frozen=True)
class LoadedSession:
    """A session read from disk, with the stems that could not be found, and those found
    only where they were when it was saved (not at their place beside the session)."""

    session: Session
    missing: tuple[Path, ...]
    elsewhere: tuple[Path, ...] = ()


def save_session(session: Session, path: str | Path) -> None:
    """Write ``session`` to ``path`` atomically (temp file, then rename).

    Raises
    ------
    SessionError
        When a value could not be read back (out of range) or the file cannot be written.
    """
    target = Path(path)
    base = target.parent.resolve()
    doc = {
        "format": FORMAT_NAME,
        "version": _version_needed(session),
        "tracks": [_track_to_json(t, base) for t in session.tracks],
        "suggestion": _suggestion_to_json(session.suggestion),
    }
    if session.reference is not None:
        doc["reference"] = place_to_json(session.reference.path, session.reference.saved_at, base)
    # What is written must read back: check it with the reader's own rules first.
    _session_from_doc(doc, base, target.name)
    data = (json.dumps(doc, indent=2, allow_nan=False) + "\n").encode("utf-8")
    try:
        write_atomically(target, lambda handle: handle.write(data), overwrite=True)
    except OSError as exc:
        raise SessionError(
            f"{target.name}: could not save the session: {write_failure(exc, target.parent)}"
        ) from exc


def _version_needed(session: Session) -> int:
    """The oldest format that holds ``session``: 3 with a reference mix, 2 with a track
    inverted or a suggestion with marks, else 1, so an older drumassist still opens what
    it can read (it refuses a newer version rather than drop what it cannot read)."""
    if session.reference is not None:
        return 3
    marks = session.suggestion is not None and (
        session.suggestion.polarity_flips or session.suggestion.bleed_only
    )
    return 2 if marks or any(t.invert for t in session.tracks) else 1


def load_session(path: str | Path) -> LoadedSession:
    """Read a session file; stems that no longer exist are listed in ``missing``.

    Raises
    ------
    SessionError
        Naming the file and the field, for anything that is not a valid session.
    """
    source = Path(path)
    doc = read_json_doc(source, what="session file", error=SessionError)
    base = source.parent.resolve()
    session = _session_from_doc(doc, base, source.name)
    missing = tuple(t.path for t in session.tracks if not stem_exists(t.path))
    # _stem_path took the saved place where the stem is not at its own: say so, as a
    # copied folder with a stem deleted would get that stem back from the original.
    own = [own_path(item["path"], base) for item in doc["tracks"]]
    elsewhere = tuple(t.path for t, at in zip(session.tracks, own, strict=True) if t.path != at)
    return LoadedSession(session, missing, elsewhere)


def _session_from_doc(doc: dict[str, Any], base: Path, name: str) -> Session:
    if doc.get("format") != FORMAT_NAME:
        raise SessionError(f"{name}: not a drumassist session file")
    _check_version(doc.get("version"), name)
    _refuse_unknown(doc, SESSION_FIELDS, where=name, what="a session")
    tracks = tuple(
        _track_from_json(item, base, where=f"{name}, track {i + 1}")
        for i, item in enumerate(field_list(doc, "tracks", where=name, error=SessionError))
    )
    seen: set[str] = set()
    stems: dict[Path, str] = {}
    for track in tracks:
        if track.name in seen:
            raise SessionError(f"{name}: two tracks are named {track.name!r}")
        seen.add(track.name)
        first = stems.setdefault(track.path, track.name)
        if first != track.name:  # it was "kick.wav: given twice", naming no session
            raise SessionError(
                f"{name}: tracks {first!r} and {track.name!r} name the same stem, {track.path.name}"
            )
    suggestion = _suggestion_from_json(doc.get("suggestion"), where=f"{name}, suggestion")
    return Session(tracks, suggestion, _reference_from_json(doc, base, where=name))


def _reference_from_json(doc: dict[str, Any], base: Path, *, where: str) -> Place | None:
    reference = doc.get("reference")
    if reference is None:
        return None
    where = f"{where}, reference"
    if not isinstance(reference, dict):
        raise SessionError(f"{where}: must be a JSON object, not {type(reference).__name__}")
    _refuse_unknown(reference, PLACE_FIELDS, where=where, what="a reference mix")
    return place_from_json(reference, base, where=where)


def _check_version(version: object, name: str) -> None:
    if isinstance(version, bool) or not isinstance(version, int):
        shown = json.dumps(version)[:40] if version is not None else "missing"
        raise SessionError(f"{name}: 'version' must be a whole number, not {shown}")
    if version < 1:
        raise SessionError(f"{name}: 'version' = {version} is not a session format version")
    if version > FORMAT_VERSION:
        raise SessionError(
            f"{name}: session format version {version} is newer than this drumassist"
            f" reads ({FORMAT_VERSION}); update drumassist"
        )


def _track_to_json(track: TrackState, base: Path) -> dict[str, Any]:
    return {
        **place_to_json(track.path, track.saved_at, base),
        "name": track.name,
        "role": track.role.value,
        "gain_db": None if math.isinf(track.gain_db) and track.gain_db < 0 else track.gain_db,
        "pan": track.pan,
        "mute": track.mute,
        "solo": track.solo,
        "invert": track.invert,
    }


#: The fields of a session file, of its tracks and of its suggestion (as
#: :func:`save_session` writes them).
SESSION_FIELDS = ("format", "version", "tracks", "suggestion", "reference")
TRACK_FIELDS = (*PLACE_FIELDS, "name", "role", "gain_db", "pan", "mute", "solo", "invert")
SUGGESTION_FIELDS = ("method", "gains_db", "low_db", "high_db", "polarity_flips", "bleed_only")


def _refuse_unknown(doc: dict[str, Any], fields: tuple[str, ...], *, where: str, what: str) -> None:
    """Refused, not skipped: a misspelt "gian_db" in a session edited by hand would open
    the track at 0 dB and be saved without the user's level (a misspelt "suggestion",
    the suggestion saved without it)."""
    unknown = sorted(set(doc) - set(fields))
    if unknown:
        raise SessionError(
            f"{where}: unknown field {', '.join(repr(k) for k in unknown)} ({what} takes"
            f" {', '.join(fields)})"
        )


def _track_from_json(doc: object, base: Path, *, where: str) -> TrackState:
    if not isinstance(doc, dict):
        raise SessionError(f"{where}: must be a JSON object, not {type(doc).__name__}")
    _refuse_unknown(doc, TRACK_FIELDS, where=where, what="a track")
    place = place_from_json(doc, base, where=where)
    role_text = field_str(doc, "role", where=where, error=SessionError, default="other")
    try:
        role = role_from_string(role_text)
    except ValueError as exc:
        raise SessionError(f"{where}: 'role' {exc}") from exc
    return TrackState(
        path=place.path,
        saved_at=place.saved_at,
        name=field_str(doc, "name", where=where, error=SessionError),
        role=role,
        gain_db=_gain(doc, "gain_db", where=where, limits=STRIP_GAIN_RANGE_DB, default=0.0),
        pan=field_number(doc, "pan", where=where, error=SessionError, low=-1, high=1, default=0.0),
        mute=field_bool(doc, "mute", where=where, error=SessionError, default=False),
        solo=field_bool(doc, "solo", where=where, error=SessionError, default=False),
        invert=field_bool(doc, "invert", where=where, error=SessionError, default=False),
    )


def _gain(
    doc: dict[str, Any],
    key: str,
    *,
    where: str,
    limits: tuple[float, float],
    default: float | None = None,
) -> float:
    """A level in dB; JSON ``null`` is minus infinity."""
    if key in doc and doc[key] is None:
        return -math.inf
    low, high = limits
    return field_number(
        doc, key, where=where, error=SessionError, low=low, high=high, default=default
    )


def _suggestion_to_json(suggestion: SuggestionState | None) -> dict[str, Any] | None:
    if suggestion is None:
        return None
    return {
        "method": suggestion.method,
        "gains_db": _finite_or_none(suggestion.gains_db),
        "low_db": _finite_or_none(suggestion.low_db),
        "high_db": _finite_or_none(suggestion.high_db),
        "polarity_flips": dict(suggestion.polarity_flips),
        "bleed_only": list(suggestion.bleed_only),
    }


def _suggestion_from_json(doc: object, *, where: str) -> SuggestionState | None:
    if doc is None:
        return None
    if not isinstance(doc, dict):
        raise SessionError(f"{where}: must be a JSON object or null, not {type(doc).__name__}")
    _refuse_unknown(doc, SUGGESTION_FIELDS, where=where, what="a suggestion")
    method = field_str(doc, "method", where=where, error=SessionError)

    def gains(key: str) -> dict[str, float]:
        values = doc.get(key)
        if values is None:
            return {}
        if not isinstance(values, dict):
            raise SessionError(f"{where}: '{key}' must be an object of track names to levels")
        return {
            str(name): _gain(values, name, where=f"{where}, {key}", limits=SUGGESTION_GAIN_RANGE_DB)
            for name in values
        }

    return SuggestionState(
        method,
        gains("gains_db"),
        gains("low_db"),
        gains("high_db"),
        polarity_flips=_names_to_text(doc, "polarity_flips", where=where),
        bleed_only=_names(doc, "bleed_only", where=where),
    )


def _names_to_text(doc: dict[str, Any], key: str, *, where: str) -> dict[str, str]:
    """An optional object of track names to strings (absent in files before version 2)."""
    values = doc.get(key, {})
    if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
        raise SessionError(f"{where}: '{key}' must be an object of track names to text")
    return {str(name): text for name, text in values.items()}


def _names(doc: dict[str, Any], key: str, *, where: str) -> tuple[str, ...]:
    """An optional list of track names."""
    values = doc.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise SessionError(f"{where}: '{key}' must be a list of track names")
    return tuple(values)


def _finite_or_none(values: dict[str, float]) -> dict[str, float | None]:
    return {k: (v if math.isfinite(v) else None) for k, v in values.items()}


#: How to go on when a stem a session names cannot be read: a stem that is not there
#: leaves the session openable (its track keeps its settings, and the window offers to
#: locate it), where "leave it out of the stems given" named nothing the user gave.
UNREADABLE_STEM_HINT = (
    "move it away or replace it with a readable copy: the session opens without a stem"
    " it cannot find, keeping that track's settings"
)
