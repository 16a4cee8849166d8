"""Read Hydrogen drumkits (``drumkit.xml``) and songs (``.h2song``).

Three kit formats occur in the Debian packages, and all are read:

* oldest (Millo-Drums_v.1): one ``<filename>`` directly in each ``<instrument>``;
* old (0.9.x): ``<layer>`` elements in the instrument, each with ``filename``,
  ``min``/``max`` velocity and ``gain``; pan as ``pan_L``/``pan_R``;
* new (1.x, namespaced): layers inside ``<instrumentComponent>`` elements that carry
  their own ``gain``; pan as ``pan`` from -1 to 1.

An instrument's author balance is ``volume * gain`` (``gain`` defaults to 1). Only the
first instrument component is used; no kit in the packages has more than one.

Songs hold patterns (notes at a tick, 48 ticks per quarter note, with a velocity and
an instrument id) and a pattern sequence of groups of patterns played together.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from drumassist.errors import CorpusError

log = logging.getLogger(__name__)

#: Hydrogen's fixed resolution.
TICKS_PER_QUARTER = 48
_DEFAULT_BAR_TICKS = 4 * TICKS_PER_QUARTER


@dataclass(frozen=True)
class Layer:
    """One sample of an instrument, used for velocities ``min_velocity..max_velocity``."""

    path: Path
    min_velocity: float
    max_velocity: float
    gain: float


@dataclass(frozen=True)
class Instrument:
    """A kit instrument with its author balance and velocity layers."""

    id: int
    name: str
    volume: float
    gain: float
    pan: float
    layers: tuple[Layer, ...]

    @property
    def balance(self) -> float:
        """The author's level for this instrument, ``volume * gain``."""
        return self.volume * self.gain


@dataclass(frozen=True)
class Kit:
    """A drumkit: its name, folder and instruments (layers whose file is missing dropped)."""

    name: str
    folder: Path
    instruments: tuple[Instrument, ...]
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Note:
    tick: int
    velocity: float
    instrument: int
    probability: float


@dataclass(frozen=True)
class Section:
    """One group of the pattern sequence: its length and its notes, by tick."""

    ticks: int
    notes: tuple[Note, ...]


@dataclass(frozen=True)
class Song:
    """A Hydrogen song: tempo, the kit it was written for and its sequence of sections."""

    name: str
    path: Path
    bpm: float
    kit_name: str | None
    instrument_names: dict[int, str]
    sections: tuple[Section, ...]


def _tag(element: ET.Element) -> str:
    return element.tag.rpartition("}")[2]


def _child(element: ET.Element, name: str) -> ET.Element | None:
    for child in element:
        if _tag(child) == name:
            return child
    return None


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _tag(child) == name]


def _text(element: ET.Element, name: str, default: str = "") -> str:
    child = _child(element, name)
    return default if child is None or child.text is None else child.text.strip()


def _number(element: ET.Element, name: str, default: float) -> float:
    try:
        return float(_text(element, name) or default)
    except ValueError:
        return default


def _parse_xml(path: Path) -> ET.Element:
    try:
        return ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise CorpusError(f"{path}: cannot read Hydrogen XML ({exc})") from exc


def read_drumkit(path: Path) -> Kit:
    """Read a ``drumkit.xml``; layers whose sample file is missing are listed in ``missing``.

    Raises
    ------
    CorpusError
        If the file is not readable XML or has no instrument list.
    """
    root = _parse_xml(path)
    instrument_list = _child(root, "instrumentList")
    if instrument_list is None:
        raise CorpusError(f"{path}: no <instrumentList>; not a Hydrogen drumkit")
    folder = path.parent
    instruments, missing = [], []
    for element in _children(instrument_list, "instrument"):
        layers = _layers(element, folder)
        missing += [layer.path.name for layer in layers if not layer.path.is_file()]
        instruments.append(
            Instrument(
                id=int(_number(element, "id", -1)),
                name=_text(element, "name"),
                volume=_number(element, "volume", 1.0),
                gain=_number(element, "gain", 1.0),
                pan=_pan(element),
                layers=tuple(layer for layer in layers if layer.path.is_file()),
            )
        )
    name = _text(root, "name") or folder.name
    return Kit(name, folder, tuple(instruments), tuple(missing))


def _layers(instrument: ET.Element, folder: Path) -> list[Layer]:
    component = _child(instrument, "instrumentComponent")
    holder, scale = instrument, 1.0
    if component is not None:
        holder, scale = component, _number(component, "gain", 1.0)
    layers = [
        Layer(
            path=folder / _text(layer, "filename"),
            min_velocity=_number(layer, "min", 0.0),
            max_velocity=_number(layer, "max", 1.0),
            gain=_number(layer, "gain", 1.0) * scale,
        )
        for layer in _children(holder, "layer")
        if _text(layer, "filename")
    ]
    filename = _text(instrument, "filename")
    if not layers and filename:  # the oldest format: one sample, every velocity
        layers.append(Layer(folder / filename, 0.0, 1.0, 1.0))
    return layers


def _pan(instrument: ET.Element) -> float:
    if _child(instrument, "pan") is not None:
        return max(-1.0, min(1.0, _number(instrument, "pan", 0.0)))
    # Old kits store per-side levels: L=1, R=0.7 is to the left.
    left, right = _number(instrument, "pan_L", 1.0), _number(instrument, "pan_R", 1.0)
    return max(-1.0, min(1.0, right - left))


def read_song(path: Path) -> Song:
    """Read an ``.h2song``: tempo, instrument names and the sequence of sections.

    A song with no pattern sequence plays its patterns once each, in order.

    Raises
    ------
    CorpusError
        If the file is not readable XML.
    """
    root = _parse_xml(path)
    names: dict[int, str] = {}
    kit_name = None
    instrument_list = _child(root, "instrumentList")
    for element in [] if instrument_list is None else _children(instrument_list, "instrument"):
        names[int(_number(element, "id", -1))] = _text(element, "name")
        kit_name = kit_name or _text(element, "drumkit") or None
    patterns = _patterns(root)
    sequence = _child(root, "patternSequence")
    groups = [] if sequence is None else _children(sequence, "group")
    order = [[(pid.text or "").strip() for pid in _children(g, "patternID")] for g in groups]
    if not any(order):
        order = [[name] for name in patterns]
    sections = tuple(_section(ids, patterns) for ids in order)
    bpm = _number(root, "bpm", 120.0)
    return Song(_text(root, "name") or path.stem, path, bpm, kit_name, names, sections)


def _patterns(root: ET.Element) -> dict[str, tuple[int, list[Note]]]:
    out: dict[str, tuple[int, list[Note]]] = {}
    pattern_list = _child(root, "patternList")
    for pattern in [] if pattern_list is None else _children(pattern_list, "pattern"):
        notes = []
        # 0.9.x nests notes in sequenceList/sequence/noteList, 1.x in noteList.
        for note in (n for n in pattern.iter() if _tag(n) == "note"):
            notes.append(
                Note(
                    tick=int(_number(note, "position", 0)),
                    velocity=_number(note, "velocity", 0.8),
                    instrument=int(_number(note, "instrument", -1)),
                    probability=_number(note, "probability", 1.0),
                )
            )
        size = int(_number(pattern, "size", _DEFAULT_BAR_TICKS))
        out[_text(pattern, "name")] = (size, notes)
    return out


def _section(ids: list[str], patterns: dict[str, tuple[int, list[Note]]]) -> Section:
    found = [patterns[i] for i in ids if i in patterns]
    ticks = max((size for size, _ in found), default=_DEFAULT_BAR_TICKS)
    notes = sorted(
        (n for _, notes in found for n in notes if 0 <= n.tick < ticks), key=lambda n: n.tick
    )
    return Section(ticks, tuple(notes))


def find_files(folders: list[Path], name: str) -> list[Path]:
    """Every file called (or, for ``*.ext``, ending like) ``name`` under ``folders``, sorted."""
    found: set[Path] = set()
    for folder in folders:
        found.update(p for p in folder.rglob(name) if p.is_file())
    return sorted(found)
