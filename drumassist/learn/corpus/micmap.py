"""What each microphone of a multi-microphone kit is: its role, drum, slot and track name.

Roles come from the mic names (:func:`drumassist.core.roles.parse_track_name`:
``kick_mic`` is a kick mic, ``SnareBtm`` a snare bottom, ``AmbL`` a room mic). Where
the names do not tell (``side_mic``, ``wndw_mic``, ``top``), a small JSON *mic map*
does. It is looked for, in order, as the file given on the command line
(``--mic-map``), as ``drumassist-micmap.json`` in the kit folder, and among the maps
shipped for the kits in ``../shared/kits`` (``micmaps/<kit folder>.json``). Format::

    {"format": "drumassist-micmap", "version": 1,
     "kit": "Gogodze Phu Vol II", "group": "gogodze-phu-vol-ii",
     "mics": {"side_mic": {"role": "overhead", "name": "OH L", "slot": "overhead_L"},
              "wndw_mic": {"role": "room", "name": "Room Window"},
              "KickTrg": {"ignore": true}},
     "articulations": {"se": "snare", "ht": "hat_closed"}}

``role`` is a :class:`~drumassist.core.roles.Role` value; ``position`` (``top``,
``bottom``, ``in``, ``out``) and ``index`` (a tom's number, 1 is the highest) refine
a close mic; ``name`` is the track name sessions use (default: the mic name);
``slot`` is an ENST slot or absent. A stereo mic folder is read as two mics named
``<mic> L`` and ``<mic> R``; an entry for ``<mic>`` applies to both (with the side
added to its name and slot), one for ``<mic> L`` to that side only.
``articulations`` maps a kit's piece names (``ks``, ``10_basic/sn``) to
:class:`~drumassist.learn.corpus.kitmap.Articulation` values.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drumassist.core.jsondoc import field_bool, field_number, field_str, read_json_doc
from drumassist.core.roles import Role, parse_track_name, role_from_string
from drumassist.errors import CorpusError
from drumassist.learn.corpus.kitmap import Articulation
from drumassist.learn.corpus.slots import ENST_SLOTS

log = logging.getLogger(__name__)

FORMAT = "drumassist-micmap"
VERSION = 1
KIT_FILE_NAME = "drumassist-micmap.json"
SHIPPED_DIR = Path(__file__).with_name("micmaps")
POSITIONS = frozenset({"top", "bottom", "in", "out"})
_CLOSE_SOURCE = {Role.KICK: "kick", Role.SNARE: "snare", Role.HIHAT: "hi-hat"}
_KIND = {Role.OVERHEAD: "overhead", Role.ROOM: "room"}


@dataclass(frozen=True)
class MicInfo:
    """One microphone (one mono channel) of a kit, as sessions use it.

    ``source`` is the drum a close mic is on (``kick``, ``snare``, ``hi-hat``,
    ``tomN`` with N from 0 for the highest, ``cymbal``), None for ambient mics;
    ``kind`` is ``close``, ``overhead`` or ``room``; ``variant`` is the position of
    a close mic (``top``, ``bottom``, ``in``, ``out``) or None.
    """

    name: str
    track: str
    role: Role
    kind: str
    source: str | None = None
    variant: str | None = None
    slot: str | None = None
    side: str | None = None


@dataclass(frozen=True)
class MicMap:
    """A read mic map: per-mic entries, articulation names, kit name and group."""

    path: Path | None = None
    kit: str | None = None
    group: str | None = None
    mics: dict[str, dict[str, Any]] = field(default_factory=dict)
    articulations: dict[str, Articulation] = field(default_factory=dict)


def find_micmap(kit_dir: Path, explicit: Path | None = None) -> MicMap:
    """The mic map of the kit in ``kit_dir`` (see the module docstring), empty if none."""
    for candidate in (explicit, kit_dir / KIT_FILE_NAME, SHIPPED_DIR / f"{kit_dir.name}.json"):
        if candidate is not None and (candidate == explicit or candidate.is_file()):
            return read_micmap(candidate)
    return MicMap()


def read_micmap(path: Path) -> MicMap:
    """Read and check a mic map file; CorpusError naming the file and entry if it is wrong."""
    doc = read_json_doc(path, what="mic map", error=CorpusError)
    where = path.name
    if field_str(doc, "format", where=where, error=CorpusError) != FORMAT:
        raise CorpusError(f"{where}: not a mic map (format must be {FORMAT!r})")
    version = field_number(doc, "version", where=where, error=CorpusError, low=1)
    if version > VERSION:
        raise CorpusError(f"{where}: mic map version {version:g} is newer than {VERSION}")
    mics = doc.get("mics", {})
    arts = doc.get("articulations", {})
    if not isinstance(mics, dict) or not all(isinstance(v, dict) for v in mics.values()):
        raise CorpusError(f"{where}: 'mics' must map mic names to objects")
    if not isinstance(arts, dict):
        raise CorpusError(f"{where}: 'articulations' must map piece names to articulations")
    for mic, entry in mics.items():
        _check_entry(entry, where=f"{where}, mic {mic!r}")
    articulations = {}
    valid = {a.value for a in Articulation}
    for piece, value in arts.items():
        if value not in valid:
            raise CorpusError(
                f"{where}: articulation of {piece!r} must be one of {', '.join(sorted(valid))},"
                f" not {value!r}"
            )
        articulations[str(piece)] = Articulation(value)
    kit = field_str(doc, "kit", where=where, error=CorpusError) if "kit" in doc else None
    group = field_str(doc, "group", where=where, error=CorpusError) if "group" in doc else None
    return MicMap(path, kit, group, dict(mics), articulations)


def _check_entry(entry: dict[str, Any], *, where: str) -> None:
    if field_bool(entry, "ignore", where=where, error=CorpusError, default=False):
        return
    if "role" in entry:
        role = field_str(entry, "role", where=where, error=CorpusError)
        if role not in {r.value for r in Role}:
            raise CorpusError(f"{where}: unknown role {role!r}")
    for key in ("name", "slot", "position"):
        if key in entry:
            field_str(entry, key, where=where, error=CorpusError)
    if entry.get("slot") is not None and entry["slot"] not in ENST_SLOTS:
        raise CorpusError(f"{where}: slot must be one of {', '.join(ENST_SLOTS)}")
    if entry.get("position") is not None and entry["position"] not in POSITIONS:
        raise CorpusError(f"{where}: position must be one of {', '.join(sorted(POSITIONS))}")
    if "index" in entry:
        field_number(entry, "index", where=where, error=CorpusError, low=1, high=99)


def mic_info(name: str, micmap: MicMap, *, kit: str, side: str | None = None) -> MicInfo | None:
    """What the kit's mic ``name`` is (None if the map says to ignore it).

    Raises
    ------
    CorpusError
        If neither the name nor the mic map gives the mic a drum-kit role.
    """
    base = name[: -len(f" {side}")] if side and name.endswith(f" {side}") else name
    entry = micmap.mics.get(name) or micmap.mics.get(base) or {}
    if entry.get("ignore"):
        return None
    parsed = parse_track_name(str(entry.get("name", name)))
    role = role_from_string(entry["role"]) if "role" in entry else parsed.role
    if role == Role.OTHER:
        where = micmap.path.name if micmap.path else f"{KIT_FILE_NAME} in the kit folder"
        raise CorpusError(
            f"{kit}: mic {name!r}: its name names no drum or mic kind; say what it is in {where}"
            ' (for example {"mics": {"' + base + '": {"role": "room"}}})'
        )
    side = side or parsed.side
    track = str(entry.get("name", base))
    slot = entry.get("slot")
    if side and name != base and name not in micmap.mics:
        track = f"{track} {side}" if not track.endswith(f" {side}") else track
        if slot in ("overhead_L", "overhead_R"):
            slot = f"overhead_{side}"
    kind, source = _kind_and_source(role, entry.get("index", parsed.index))
    variant = entry.get("position", parsed.position)
    variant = variant if variant in POSITIONS and kind == "close" else None
    return MicInfo(name, track, role, kind, source, variant, slot, side)


def _kind_and_source(role: Role, index: Any) -> tuple[str, str | None]:
    if role in _KIND:
        return _KIND[role], None
    if role == Role.TOM:
        return "close", f"tom{int(index) - 1 if index else 0}"
    return "close", _CLOSE_SOURCE.get(role, "cymbal")
