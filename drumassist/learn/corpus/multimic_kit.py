"""Multi-microphone kits: every hit recorded on all of the kit's mics at once.

A :class:`MultimicKit` has mics (one mono channel each, see
:mod:`~drumassist.learn.corpus.micmap`) and pieces (kick, snares, hi-hat
articulations, toms...). A piece has velocity layers, softest first, each with its
round robins; a :class:`Stroke` is one recorded hit: for every mic of the kit, the
file and channel holding what that mic recorded. Two readers make kits:

* :func:`read_folder_kit` reads per-mic sample folders, the layout of the Karoryfer
  kits in ``../shared/kits``: ``Samples/[<piece set>/]<mic>/<piece>_vl<N>_rr<M>.<ext>``,
  the same file names in every mic folder of a piece set (``gogodze-phu-vol-ii``
  has one set, ``frankensnare`` one per snare: ``10_basic/top/sn_vl3_rr2.flac``).
  Layer ``N`` of ``n`` covers velocities ``((N-1)/n, N/n]``, as the kits' SFZ
  programs split the 127 MIDI velocities evenly (``hivel=21, 42, ...`` for six layers).
* :func:`~drumassist.learn.corpus.drumgizmo.read_drumgizmo_kit` reads DrumGizmo kits.

:func:`read_multimic_kit` picks the reader from what the folder holds.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import soundfile as sf

from drumassist.errors import CorpusError
from drumassist.learn.corpus.kitmap import Articulation, classify, recording_group, tom_order_key
from drumassist.learn.corpus.micmap import MicInfo, MicMap, find_micmap, mic_info

log = logging.getLogger(__name__)

AUDIO_SUFFIXES = frozenset({".flac", ".wav", ".aif", ".aiff", ".ogg"})
_SAMPLE_NAME = re.compile(r"^(?P<piece>.+?)_vl(?P<layer>\d+)_rr(?P<rr>\d+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Stroke:
    """One recorded hit: ``(file, 0-based channel)`` for every mic, in kit mic order."""

    channels: tuple[tuple[Path, int], ...]


@dataclass(frozen=True)
class KitLayer:
    """A velocity layer: the highest velocity (0..1] it plays, and its round robins."""

    top_velocity: float
    strokes: tuple[Stroke, ...]


@dataclass(frozen=True)
class KitPiece:
    """A piece of the kit (``ks``, ``10_basic/sn``, ``Snare``) and its layers, softest first."""

    name: str
    articulation: Articulation
    layers: tuple[KitLayer, ...]

    def layer_index(self, velocity: float) -> int:
        """The recorded layer a hit at ``velocity`` plays: the first whose range covers it."""
        for i, layer in enumerate(self.layers):
            if velocity <= layer.top_velocity + 1e-9:
                return i
        return len(self.layers) - 1


@dataclass(frozen=True)
class MultimicKit:
    """A kit whose every hit was recorded on all of ``mics``."""

    name: str
    root: Path
    group: str
    mics: tuple[MicInfo, ...]
    pieces: tuple[KitPiece, ...]

    def choices(self, articulation: Articulation) -> list[KitPiece]:
        return [p for p in self.pieces if p.articulation == articulation]

    @property
    def toms(self) -> list[KitPiece]:
        """The toms, highest first (their order in the kit)."""
        return self.choices(Articulation.TOM)


def read_multimic_kit(root: Path, *, micmap: Path | None = None) -> MultimicKit:
    """Read the multi-microphone kit in ``root``: a DrumGizmo kit or per-mic sample folders.

    Raises
    ------
    CorpusError
        If the folder holds neither, or the kit is inconsistent (the message names
        the file and the problem).
    """
    from drumassist.learn.corpus.drumgizmo import find_drumgizmo_xml, read_drumgizmo_kit

    if not root.is_dir():
        raise CorpusError(f"{root}: no such kit folder")
    xml = find_drumgizmo_xml(root)
    if xml is not None:
        return read_drumgizmo_kit(xml, micmap=micmap)
    return read_folder_kit(root, micmap=micmap)


def read_folder_kit(root: Path, *, micmap: Path | None = None) -> MultimicKit:
    """Read a kit of per-mic sample folders (see the module docstring)."""
    mapping = find_micmap(root, micmap)
    samples = root / "Samples" if (root / "Samples").is_dir() else root
    sets = _piece_sets(samples)
    if not sets:
        raise CorpusError(
            f"{root}: no multi-mic samples: expected drumkit.xml (DrumGizmo) or folders of"
            " <piece>_vl<N>_rr<M>.flac files, one folder per mic"
        )
    mic_names = sorted({mic for mics in sets.values() for mic in mics})
    mics, channel_of = _folder_mics(root.name, mic_names, sets, mapping)
    pieces: list[KitPiece] = []
    for prefix, folders in sorted(sets.items()):
        pieces += _folder_pieces(prefix, folders, mics, channel_of, mapping, root=root)
    return finish_kit(mapping.kit or root.name, root, mapping, mics, pieces)


def _piece_sets(samples: Path) -> dict[str, dict[str, Path]]:
    """``{piece set: {mic: folder}}``: folders holding sample files, by their parent."""
    sets: dict[str, dict[str, Path]] = defaultdict(dict)
    for folder in sorted(p for p in samples.rglob("*") if p.is_dir()):
        if any(_SAMPLE_NAME.match(f.stem) for f in _audio_files(folder)):
            prefix = folder.parent.relative_to(samples).as_posix()
            sets["" if prefix == "." else prefix][folder.name] = folder
    return dict(sets)


def _audio_files(folder: Path) -> list[Path]:
    return sorted(f for f in folder.iterdir() if f.suffix.lower() in AUDIO_SUFFIXES)


def _folder_mics(
    kit: str, names: list[str], sets: dict[str, dict[str, Path]], mapping: MicMap
) -> tuple[list[MicInfo], dict[str, tuple[str, int]]]:
    """The kit's mono mics (a stereo folder gives two) and each one's (folder name, channel)."""
    mics: list[MicInfo] = []
    channel_of: dict[str, tuple[str, int]] = {}
    for name in names:
        folder = next(folders[name] for folders in sets.values() if name in folders)
        first = _audio_files(folder)[0]
        channels = _info(first).channels
        if channels > 2:
            raise CorpusError(f"{first}: {channels} channels; a mic folder holds mono or stereo")
        sides = [None] if channels == 1 else ["L", "R"]
        for index, side in enumerate(sides):
            full = name if side is None else f"{name} {side}"
            info = mic_info(full, mapping, kit=kit, side=side)
            if info is not None:
                mics.append(info)
                channel_of[full] = (name, index)
    return mics, channel_of


def _info(path: Path) -> sf._SoundFileInfo:
    try:
        return sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise CorpusError(f"{path}: cannot read this sample ({exc})") from exc


def _folder_pieces(
    prefix: str,
    folders: dict[str, Path],
    mics: list[MicInfo],
    channel_of: dict[str, tuple[str, int]],
    mapping: MicMap,
    *,
    root: Path,
) -> list[KitPiece]:
    files: dict[str, dict[tuple[int, int], dict[str, Path]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for mic, folder in folders.items():
        for path in _audio_files(folder):
            match = _SAMPLE_NAME.match(path.stem)
            if match:
                key = (int(match["layer"]), int(match["rr"]))
                files[match["piece"]][key][mic] = path
    pieces = []
    for piece, strokes in sorted(files.items()):
        name = f"{prefix}/{piece}" if prefix else piece
        articulation = mapping.articulations.get(name) or classify(piece)
        if articulation is None:
            log.info("%s: piece %r is not a drum-kit articulation; skipped", root.name, name)
            continue
        by_layer: dict[int, list[Stroke]] = defaultdict(list)
        for (layer, rr), found in sorted(strokes.items()):
            missing = [m.name for m in mics if channel_of[m.name][0] not in found]
            if missing:
                log.warning("%s: %s vl%d rr%d lacks mics %s; skipped", root.name, name, layer,
                            rr, ", ".join(missing))  # fmt: skip
                continue
            channels = tuple((found[channel_of[m.name][0]], channel_of[m.name][1]) for m in mics)
            by_layer[layer].append(Stroke(channels))
        count = len(by_layer)
        layers = tuple(
            KitLayer((i + 1) / count, tuple(by_layer[n])) for i, n in enumerate(sorted(by_layer))
        )
        if layers:
            pieces.append(KitPiece(name, articulation, layers))
    return pieces


def finish_kit(
    name: str, root: Path, mapping: MicMap, mics: list[MicInfo], pieces: list[KitPiece]
) -> MultimicKit:
    """Order the toms high to low, check the track names, and make the kit (both readers)."""
    if not pieces:
        raise CorpusError(
            f"{root}: no drum-kit pieces found; name what each piece is in the mic map's"
            ' "articulations" (for example {"ks": "kick"})'
        )
    if not mics:
        raise CorpusError(f"{root}: every mic is ignored by the mic map")
    tracks = [m.track for m in mics]
    twice = sorted({t for t in tracks if tracks.count(t) > 1})
    if twice:
        raise CorpusError(f"{root}: two mics would make the track {twice[0]!r}; rename one")
    order = list(mapping.articulations)
    toms = [p for p in pieces if p.articulation == Articulation.TOM]
    toms.sort(
        key=lambda p: (
            (order.index(p.name), 0, 0)
            if p.name in order
            else (len(order), *tom_order_key(p.name, pieces.index(p))[:2])
        )
    )
    others = [p for p in pieces if p.articulation != Articulation.TOM]
    group = mapping.group or recording_group(name, root.name)
    return MultimicKit(name, root, group, tuple(mics), tuple(others + toms))


@lru_cache(maxsize=8192)
def load_channel(path: Path, channel: int, sample_rate: int) -> np.ndarray:
    """One channel of a sample file as float32 at ``sample_rate`` (decoded once per process)."""
    try:
        audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        raise CorpusError(f"{path}: cannot decode this sample ({exc})") from exc
    if channel >= audio.shape[1]:
        raise CorpusError(f"{path}: has {audio.shape[1]} channels, channel {channel + 1} wanted")
    mono = np.ascontiguousarray(audio[:, channel])
    if rate != sample_rate:
        import soxr

        mono = soxr.resample(mono, rate, sample_rate, quality="HQ").astype(np.float32)
    if not np.isfinite(mono).all():
        raise CorpusError(f"{path}: holds non-finite samples")
    mono.setflags(write=False)
    return mono


def stroke_audio(stroke: Stroke, sample_rate: int) -> list[np.ndarray]:
    """What every mic recorded of ``stroke``, in kit mic order (read-only arrays).

    A mic the stroke has no recording for (channel -1) gets an empty array.
    """
    return [
        load_channel(path, channel, sample_rate) if channel >= 0 else _EMPTY
        for path, channel in stroke.channels
    ]


_EMPTY = np.zeros(0, dtype=np.float32)
