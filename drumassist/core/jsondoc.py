"""One reader for the JSON documents drumassist keeps: sessions, gains files, model
cards and model folders, corpus manifests.

Every reader needs the same care: the file may be missing, unreadable, not UTF-8,
not JSON, hold NaN or huge integers, or hold the wrong top-level type; and each
field must be checked before it is used. The helpers here turn all of that into one
error of the caller's family whose message names the file and the field.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from drumassist.errors import DrumassistError

# Python's int parser refuses huge numbers with a ValueError of its own (and very
# long ones are slow to parse); no document of ours has an integer this long.
_MAX_INT_DIGITS = 30


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > _MAX_INT_DIGITS:
        raise ValueError(f"integer of {len(text)} digits")
    return int(text)


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def read_json_doc(path: str | Path, *, what: str, error: type[DrumassistError]) -> dict[str, Any]:
    """Read a JSON object from ``path``.

    Parameters
    ----------
    path
        The file.
    what
        What the file is, for messages: ``"session"``, ``"gains file"``.
    error
        The exception class to raise (a :class:`DrumassistError` subclass).

    Returns
    -------
    dict
        The document's top-level object.

    Raises
    ------
    error
        With a message naming the file: missing, unreadable, not JSON (NaN,
        Infinity and integers of more than 30 digits are refused), or not an object.
    """
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8-sig")  # a BOM (Windows Notepad) is allowed
    except FileNotFoundError as exc:
        raise error(f"{source.name}: no such {what}") from exc
    except IsADirectoryError as exc:
        raise error(f"{source.name}: is a folder, not a {what}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{source.name}: cannot read this {what} ({exc})") from exc
    try:
        doc = json.loads(text, parse_int=_parse_int, parse_constant=_refuse_constant)
    except (json.JSONDecodeError, ValueError, RecursionError) as exc:
        raise error(f"{source.name}: not a readable JSON {what} ({exc})") from exc
    if not isinstance(doc, dict):
        raise error(f"{source.name}: a {what} must hold a JSON object, not {type(doc).__name__}")
    return doc


def field_number(
    doc: dict[str, Any],
    key: str,
    *,
    where: str,
    error: type[DrumassistError],
    low: float = -math.inf,
    high: float = math.inf,
    default: float | None = None,
) -> float:
    """A finite number in ``[low, high]`` from ``doc[key]``; booleans are refused.

    ``where`` names the file and place for messages (``"a.drumassist, track 2"``).
    A missing key gives ``default`` when one is set, else an error.
    """
    if key not in doc:
        if default is not None:
            return default
        raise error(f"{where}: '{key}' is missing")
    value = doc[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise error(f"{where}: '{key}' must be a number, not {json.dumps(value)[:40]}")
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high:
        raise error(f"{where}: '{key}' = {_short(value)} is outside {low:g} to {high:g}")
    return number


def field_bool(
    doc: dict[str, Any],
    key: str,
    *,
    where: str,
    error: type[DrumassistError],
    default: bool | None = None,
) -> bool:
    """``doc[key]`` as a JSON boolean (the string ``"false"`` is an error, not True)."""
    if key not in doc:
        if default is not None:
            return default
        raise error(f"{where}: '{key}' is missing")
    value = doc[key]
    if not isinstance(value, bool):
        raise error(f"{where}: '{key}' must be true or false, not {json.dumps(value)[:40]}")
    return value


def field_str(
    doc: dict[str, Any],
    key: str,
    *,
    where: str,
    error: type[DrumassistError],
    default: str | None = None,
) -> str:
    """``doc[key]`` as a non-empty string."""
    if key not in doc:
        if default is not None:
            return default
        raise error(f"{where}: '{key}' is missing")
    value = doc[key]
    if not isinstance(value, str) or not value:
        raise error(f"{where}: '{key}' must be a non-empty string, not {json.dumps(value)[:40]}")
    return value


def field_list(
    doc: dict[str, Any], key: str, *, where: str, error: type[DrumassistError]
) -> list[Any]:
    """``doc[key]`` as a JSON list."""
    if key not in doc:
        raise error(f"{where}: '{key}' is missing")
    value = doc[key]
    if not isinstance(value, list):
        raise error(f"{where}: '{key}' must be a list, not {type(value).__name__}")
    return value


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 24 else f"{text[:12]}…({len(text)} characters)"


def is_number(value: Any) -> bool:
    """A finite JSON number (not a bool; integers too large for a float are not)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False
