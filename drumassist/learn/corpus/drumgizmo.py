"""Read DrumGizmo kits (DRSKit, CrocellKit, MuldjordKit...) as multi-microphone kits.

DrumGizmo's format (as its own parser, ``src/dgxmlparser.cc``, reads it):

* the kit file (any ``*.xml`` whose root is ``<drumkit>``)::

    <drumkit name="DRSKit" version="2.0" samplerate="44100">
      <channels><channel name="AmbL"/><channel name="KDrum_back"/>...</channels>
      <instruments>
        <instrument name="Snare" group="..." file="Snare/Snare.xml">
          <channelmap in="SnareTop" out="SnareTop" main="true"/>...
        </instrument>
      </instruments>
    </drumkit>

  The kit's channels are its mics; ``channelmap`` maps an instrument's channel
  names (``in``) to kit channels (``out``); an unmapped name is its own kit channel.
* each instrument file (path relative to the kit file)::

    <instrument version="2.0" name="Snare">
      <samples>
        <sample name="Snare-1" power="1234.5">
          <audiofile channel="SnareTop" file="samples/1-Snare.wav" filechannel="3"/>...
        </sample>
      </samples>
    </instrument>

  ``file`` is relative to the instrument file, ``filechannel`` is 1-based
  (default 1): one multichannel WAV per hit holds every mic. Version 2 samples
  carry a ``power`` (their energy) and DrumGizmo plays the sample whose power is
  nearest the hit's velocity times the loudest power; here the samples sorted by
  power become layers of up to four round robins each, a layer covering velocities
  up to the square root of its loudest power relative to the instrument's loudest
  (power is an energy, velocity an amplitude). Version 1 instruments have
  ``<velocities><velocity lower upper><sampleref name .../>`` groups instead, which
  become the layers as they are.

A mic of the kit that an instrument does not record is silent for its hits.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

from drumassist.errors import CorpusError
from drumassist.learn.corpus.kitmap import classify
from drumassist.learn.corpus.micmap import MicInfo, find_micmap, mic_info
from drumassist.learn.corpus.multimic_kit import KitLayer, KitPiece, MultimicKit, Stroke, finish_kit

ROUND_ROBINS_PER_LAYER = 4
_SILENT = (Path(), -1)  # a mic an instrument does not record


def find_drumgizmo_xml(root: Path) -> Path | None:
    """The DrumGizmo kit file in ``root`` (a top-level ``*.xml`` with a ``<drumkit>`` root)."""
    for path in sorted(root.glob("*.xml")):
        try:
            for _, element in ET.iterparse(path, events=("start",)):
                if element.tag == "drumkit":
                    return path
                break
        except ET.ParseError:
            continue
    return None


def _parse(path: Path) -> ET.Element:
    try:
        return ET.parse(path).getroot()
    except FileNotFoundError as exc:
        raise CorpusError(f"{path}: no such DrumGizmo file") from exc
    except (ET.ParseError, OSError) as exc:
        raise CorpusError(f"{path}: not a readable DrumGizmo XML file ({exc})") from exc


def _attr(element: ET.Element, name: str, path: Path) -> str:
    value = element.get(name)
    if not value:
        raise CorpusError(f"{path}: <{element.tag}> lacks its '{name}' attribute")
    return value


def read_drumgizmo_kit(xml: Path, *, micmap: Path | None = None) -> MultimicKit:
    """Read the DrumGizmo kit whose kit file is ``xml`` (see the module docstring)."""
    root = xml.parent
    mapping = find_micmap(root, micmap)
    kit = _parse(xml)
    if kit.tag != "drumkit":
        raise CorpusError(f"{xml}: not a DrumGizmo kit file (root <{kit.tag}>)")
    name = mapping.kit or kit.get("name") or kit.findtext("metadata/title") or root.name
    channels = [_attr(c, "name", xml) for c in kit.findall("channels/channel")]
    if not channels:
        raise CorpusError(f"{xml}: the kit lists no <channels>")
    mics = [m for c in channels if (m := mic_info(c, mapping, kit=name)) is not None]
    pieces = []
    for element in kit.findall("instruments/instrument"):
        instrument = _attr(element, "name", xml)
        articulation = mapping.articulations.get(instrument) or classify(instrument)
        if articulation is None:
            continue
        channel_map = {
            _attr(c, "in", xml): _attr(c, "out", xml) for c in element.findall("channelmap")
        }
        path = root / _attr(element, "file", xml)
        layers = _instrument_layers(path, channel_map, mics)
        if layers:
            pieces.append(KitPiece(instrument, articulation, layers))
    return finish_kit(name, root, mapping, mics, pieces)


def _instrument_layers(
    path: Path, channel_map: dict[str, str], mics: list[MicInfo]
) -> tuple[KitLayer, ...]:
    doc = _parse(path)
    folder = path.parent
    strokes: dict[str, Stroke] = {}
    powers: dict[str, float] = {}
    index = {m.name: i for i, m in enumerate(mics)}
    for sample in doc.findall("samples/sample"):
        sample_name = _attr(sample, "name", path)
        channels = [_SILENT] * len(mics)
        for audiofile in sample.findall("audiofile"):
            out = channel_map.get(_attr(audiofile, "channel", path), audiofile.get("channel", ""))
            if out not in index:
                continue  # a channel the kit does not list, or one the mic map ignores
            file = folder / _attr(audiofile, "file", path)
            if not file.is_file():
                raise CorpusError(f"{path}: sample {sample_name!r} names {file.name}, not found")
            filechannel = _int(audiofile.get("filechannel", "1"), path, "filechannel")
            channels[index[out]] = (file, filechannel - 1)
        strokes[sample_name] = Stroke(tuple(channels))
        powers[sample_name] = _number(sample.get("power", "0"), path, "power")
    if not strokes:
        return ()
    velocities = doc.findall("velocities/velocity")
    if doc.get("version", "1.0") in ("1", "1.0", "1.0.0") and velocities:
        return _v1_layers(velocities, strokes, path)
    return _v2_layers(strokes, powers)


def _v1_layers(
    velocities: list[ET.Element], strokes: dict[str, Stroke], path: Path
) -> tuple[KitLayer, ...]:
    layers = []
    for velocity in velocities:
        upper = _number(_attr(velocity, "upper", path), path, "upper")
        refs = [_attr(r, "name", path) for r in velocity.findall("sampleref")]
        unknown = [r for r in refs if r not in strokes]
        if unknown:
            raise CorpusError(f"{path}: sampleref {unknown[0]!r} names no sample")
        if refs:
            layers.append(KitLayer(min(upper, 1.0), tuple(strokes[r] for r in refs)))
    layers.sort(key=lambda layer: layer.top_velocity)
    return tuple(layers)


def _v2_layers(strokes: dict[str, Stroke], powers: dict[str, float]) -> tuple[KitLayer, ...]:
    names = sorted(strokes, key=lambda n: (powers[n], n))
    loudest = max(powers.values())
    count = max(1, math.ceil(len(names) / ROUND_ROBINS_PER_LAYER))
    layers = []
    for i in range(count):
        chunk = names[i * len(names) // count : (i + 1) * len(names) // count]
        top = math.sqrt(powers[chunk[-1]] / loudest) if loudest > 0 else (i + 1) / count
        layers.append(KitLayer(1.0 if i == count - 1 else top, tuple(strokes[n] for n in chunk)))
    return tuple(layers)


def _int(text: str, path: Path, what: str) -> int:
    try:
        value = int(text)
    except ValueError as exc:
        raise CorpusError(f"{path}: {what}={text!r} is not a whole number") from exc
    if value < 1:
        raise CorpusError(f"{path}: {what}={value} must be 1 or more")
    return value


def _number(text: str, path: Path, what: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise CorpusError(f"{path}: {what}={text!r} is not a number") from exc
    if not math.isfinite(value) or value < 0:
        raise CorpusError(f"{path}: {what}={text!r} must be a non-negative number")
    return value
