"""Read and write gains files: ``{"tracks": [{"name": str, "gain_db": float, "pan": float?}]}``.

``gain_db`` may be ``null`` for a muted track; ``pan`` defaults to the centre.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drumassist.errors import GainsError


@dataclass(frozen=True)
class Gains:
    """Per-track gains (dB, ``-inf`` = muted) and pans, in the multitrack's order."""

    gains_db: tuple[float, ...]
    pans: tuple[float, ...]


def read_gains(path: str | Path, names: Sequence[str]) -> Gains:
    """Read a gains file and order its entries like ``names``.

    Every track must be listed exactly once, and every listed name must be a track.
    """
    source = Path(path)
    try:
        doc = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise GainsError(f"{source.name}: no such gains file") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GainsError(f"{source.name}: not a readable JSON gains file ({exc})") from exc
    entries = doc.get("tracks") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise GainsError(f'{source.name}: expected {{"tracks": [{{"name", "gain_db"}}, ...]}}')
    by_name: dict[str, tuple[float, float]] = {}
    for entry in entries:
        name, gain_db, pan = _entry(entry, source)
        if name in by_name:
            raise GainsError(f"{source.name}: track '{name}' is listed twice")
        by_name[name] = (gain_db, pan)
    unknown = sorted(set(by_name) - set(names))
    if unknown:
        raise GainsError(
            f"{source.name}: no track named {', '.join(unknown)}; tracks are {', '.join(names)}"
        )
    missing = [n for n in names if n not in by_name]
    if missing:
        raise GainsError(f"{source.name}: no gain for {', '.join(missing)}")
    return Gains(
        gains_db=tuple(by_name[n][0] for n in names), pans=tuple(by_name[n][1] for n in names)
    )


def gains_document(
    names: Sequence[str], gains_db: Sequence[float], pans: Sequence[float]
) -> dict[str, Any]:
    """The JSON document for a gains file (``-inf`` written as ``null``)."""
    return {
        "tracks": [
            {"name": n, "gain_db": g if math.isfinite(g) else None, "pan": p}
            for n, g, p in zip(names, gains_db, pans, strict=True)
        ]
    }


def _entry(entry: Any, source: Path) -> tuple[str, float, float]:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise GainsError(f'{source.name}: each track needs a "name" and a "gain_db"')
    name = entry["name"]
    if "gain_db" not in entry:
        raise GainsError(f"{source.name}: track '{name}' has no gain_db")
    gain = entry["gain_db"]
    pan = entry.get("pan", 0.0)
    if gain is not None and (isinstance(gain, bool) or not isinstance(gain, int | float)):
        raise GainsError(f"{source.name}: track '{name}': gain_db must be a number or null")
    if isinstance(pan, bool) or not isinstance(pan, int | float) or not -1.0 <= pan <= 1.0:
        raise GainsError(f"{source.name}: track '{name}': pan must be a number from -1 to 1")
    gain_db = -math.inf if gain is None else float(gain)
    if not math.isfinite(gain_db) and gain is not None:
        raise GainsError(f"{source.name}: track '{name}': gain_db must be finite")
    return name, gain_db, float(pan)
