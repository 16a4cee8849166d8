"""Where a session's files are: its stems and its reference mix, as a session stores them.

A file beside the session file or below it is stored relative to it, so a session
folder can be moved whole, and keeps its absolute path too (``absolute_path``), where it
is looked for when the session file alone was moved or copied elsewhere (the relative
path comes first). A file that is missing keeps the place it was saved at, wherever the
session is saved to (it may come back there).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drumassist.core.jsondoc import field_str
from drumassist.errors import SessionError

#: The fields of a file's place in a session.
PLACE_FIELDS = ("path", "absolute_path")


@dataclass(frozen=True)
class Place:
    """A file of a session: where it is looked for, and where it was when saved."""

    path: Path
    #: Where the file was when the session was saved (``absolute_path``), kept while the
    #: file is missing so that saving again does not lose it. Not a setting: left out of
    #: comparisons.
    saved_at: Path | None = field(default=None, compare=False)


def stem_exists(path: Path) -> bool:
    """True when ``path`` is a file (a name no filesystem takes is simply not found)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        # A name too long for the filesystem, or with a NUL, names no file we can open.
        return False


def place_to_json(path: Path, saved_at: Path | None, base: Path) -> dict[str, str]:
    """``path`` (and ``saved_at``) as a session in the folder ``base`` stores them."""
    resolved = path.resolve()
    text = resolved.relative_to(base).as_posix() if resolved.is_relative_to(base) else str(resolved)
    kept = saved_at if saved_at is not None and not stem_exists(path) else None
    where = {"path": text}
    if kept is not None:
        where["absolute_path"] = str(kept)
    elif text != str(resolved):
        where["absolute_path"] = str(resolved)
    return where


def place_from_json(doc: dict[str, Any], base: Path, *, where: str) -> Place:
    """The place a session in the folder ``base`` stored in ``doc`` (checked)."""
    text = field_str(doc, "path", where=where, error=SessionError)
    if "\0" in text:
        raise SessionError(f"{where}: 'path' holds a NUL character")
    saved_at = _saved_at(doc, where=where)
    return Place(_found_path(text, saved_at, base), saved_at)


def own_path(path_text: str, base: Path) -> Path:
    """A stored ``path``: relative to the session's folder ``base``, or absolute."""
    path = Path(path_text)
    return path if path.is_absolute() else base / path


def _saved_at(doc: dict[str, Any], *, where: str) -> Path | None:
    """The optional ``absolute_path``: where the file was when the session was saved."""
    text = field_str(doc, "absolute_path", where=where, error=SessionError, default="")
    if not text:
        return None
    if "\0" in text:
        raise SessionError(f"{where}: 'absolute_path' holds a NUL character")
    if not Path(text).is_absolute():
        raise SessionError(f"{where}: 'absolute_path' = {text!r} is not an absolute path")
    return Path(text)


def _found_path(path_text: str, saved_at: Path | None, base: Path) -> Path:
    """Where the file is: its path relative to the session (or absolute), else, if only
    the session file moved, where it was when the session was saved."""
    found = own_path(path_text, base)
    if saved_at is not None and not stem_exists(found) and stem_exists(saved_at):
        return saved_at
    return found
