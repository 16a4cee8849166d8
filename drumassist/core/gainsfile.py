"""Read gains files: ``{"tracks": [{"name": str, "gain_db": float, "pan": float?,
"invert": bool?}]}``.

``gain_db`` may be ``null`` for a muted track; ``pan`` defaults to the centre;
``invert`` (default false) mixes the track with its polarity inverted.
Gains must lie within :data:`~drumassist.core.mix.MAX_GAIN_DB` of unity and pans
within -1 to +1: a gain of +400 dB is a typo, not a mix, and would write a file of
clipped full-scale noise.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drumassist.core.jsondoc import field_bool, field_list, field_number, read_json_doc
from drumassist.core.mix import MAX_GAIN_DB
from drumassist.errors import GainsError


@dataclass(frozen=True)
class Gains:
    """Per-track gains (dB, ``-inf`` = muted) and pans, in the multitrack's order."""

    gains_db: tuple[float, ...]
    pans: tuple[float, ...]
    inverted: tuple[bool, ...] = ()  # empty: none (one flag per track otherwise)


def read_gains(path: str | Path, names: Sequence[str]) -> Gains:
    """Read a gains file and order its entries like ``names``.

    Every track must be listed exactly once, and every listed name must be a track.

    Raises
    ------
    GainsError
        The file is missing, not JSON (NaN, Infinity and huge integers included), a
        field has the wrong type, a gain lies beyond +-120 dB or a pan beyond +-1, or
        the names do not match the tracks. The message names the file and the track.
    """
    source = Path(path)
    doc = read_json_doc(source, what="gains file", error=GainsError)
    if not isinstance(doc.get("tracks"), list):
        raise GainsError(f'{source.name}: expected {{"tracks": [{{"name", "gain_db"}}, ...]}}')
    by_name: dict[str, tuple[float, float, bool]] = {}
    for entry in field_list(doc, "tracks", where=source.name, error=GainsError):
        name, gain_db, pan = _entry(entry, source)
        if name in by_name:
            raise GainsError(f"{source.name}: track '{name}' is listed twice")
        where = f"{source.name}: track '{name}'"
        invert = field_bool(entry, "invert", where=where, error=GainsError, default=False)
        by_name[name] = (gain_db, pan, invert)
    unknown = sorted(set(by_name) - set(names))
    if unknown:
        raise GainsError(
            f"{source.name}: no track named {', '.join(unknown)}; tracks are {', '.join(names)}"
        )
    missing = [n for n in names if n not in by_name]
    if missing:
        raise GainsError(f"{source.name}: no gain for {', '.join(missing)}")
    return Gains(
        gains_db=tuple(by_name[n][0] for n in names),
        pans=tuple(by_name[n][1] for n in names),
        inverted=tuple(by_name[n][2] for n in names),
    )


#: What a track entry may hold: what is mixed, and what ``drumassist suggest --json``
#: writes beside it (so its output is a gains file). Anything else is refused: a typo
#: ("pann") or a field from another format ("mute") would otherwise be mixed as if absent.
FIELDS = ("name", "gain_db", "pan", "invert")
SUGGESTION_FIELDS = frozenset({"role", "low_db", "high_db", "too_short", "bleed_only"})


def _entry(entry: Any, source: Path) -> tuple[str, float, float]:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise GainsError(f'{source.name}: each track needs a "name" and a "gain_db"')
    name = entry["name"]
    where = f"{source.name}: track '{name}'"
    unknown = sorted(set(entry) - set(FIELDS) - SUGGESTION_FIELDS)
    if unknown:
        hint = '; a muted track has "gain_db": null' if "mute" in unknown else ""
        raise GainsError(
            f"{where}: unknown field {', '.join(repr(k) for k in unknown)}"
            f" (a track takes {', '.join(FIELDS)}){hint}"
        )
    if "gain_db" not in entry:
        raise GainsError(f"{source.name}: track '{name}' has no gain_db")
    gain = entry["gain_db"]
    if gain is not None and (isinstance(gain, bool) or not isinstance(gain, int | float)):
        raise GainsError(f"{where}: gain_db must be a number or null")
    if gain is None:
        gain_db = -math.inf
    else:
        gain_db = field_number(
            entry, "gain_db", where=where, error=GainsError, low=-MAX_GAIN_DB, high=MAX_GAIN_DB
        )
    pan = entry.get("pan", 0.0)
    if isinstance(pan, bool) or not isinstance(pan, int | float) or not -1.0 <= pan <= 1.0:
        raise GainsError(f"{where}: pan must be a number from -1 to 1, not {json.dumps(pan)[:24]}")
    return name, gain_db, float(pan)
