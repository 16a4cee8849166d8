"""Find usable drumkits and load their samples for rendering.

:func:`survey_kits` runs once in the main process: it reads every ``drumkit.xml``,
keeps the drum-kit instruments (see :mod:`~drumassist.learn.corpus.kitmap`), checks
every sample header, and warns once per kit about missing or unreadable samples,
naming them. A kit with no usable drum instrument is skipped with a warning.
:func:`load_kit` runs in each worker and keeps the decoded samples for later sessions.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import soundfile as sf

from drumassist.errors import CorpusError
from drumassist.learn.corpus.hydrogen import Instrument, read_drumkit
from drumassist.learn.corpus.kitmap import (
    Articulation,
    classify,
    is_acoustic,
    is_heldout,
    recording_group,
    tom_order_key,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KitInfo:
    """A usable kit, as the planner sees it (no audio)."""

    name: str
    xml: Path
    group: str
    heldout: bool
    toms: int


@dataclass(frozen=True)
class Piece:
    """A drum-kit instrument with decoded velocity layers ``(min, max, gain, mono audio)``."""

    name: str
    articulation: Articulation
    balance: float
    layers: tuple[tuple[float, float, float, np.ndarray], ...]

    def sample(self, velocity: float) -> tuple[np.ndarray, float]:
        """The layer Hydrogen plays at ``velocity`` (the nearest if none covers it) and its gain."""

        def distance(layer: tuple[float, float, float, np.ndarray]) -> float:
            low, high = layer[0], layer[1]
            return max(low - velocity, velocity - high, 0.0) + 1e-3 * abs(
                (low + high) / 2 - velocity
            )

        _, _, gain, audio = min(self.layers, key=distance)
        return audio, gain


@dataclass(frozen=True)
class LoadedKit:
    name: str
    pieces: tuple[Piece, ...]

    def choices(self, articulation: Articulation) -> list[Piece]:
        return [p for p in self.pieces if p.articulation == articulation]

    @property
    def toms(self) -> list[Piece]:
        """The toms, highest first."""
        return self.choices(Articulation.TOM)


def _drum_instruments(instruments: tuple[Instrument, ...]) -> list[tuple[Instrument, Articulation]]:
    found = []
    for instrument in instruments:
        articulation = classify(instrument.name)
        if articulation is not None and instrument.layers and instrument.balance > 0:
            found.append((instrument, articulation))
    toms = sorted(
        (pair for pair in found if pair[1] == Articulation.TOM),
        key=lambda pair: tom_order_key(pair[0].name, found.index(pair)),
    )
    return [pair for pair in found if pair[1] != Articulation.TOM] + toms


def survey_kits(xmls: list[Path]) -> tuple[list[KitInfo], list[str]]:
    """The usable acoustic kits among ``xmls``, and warnings about their samples (each logged).

    The packages' electronic and hand-percussion kits are left out quietly.
    """
    kits, warnings = [], []
    for xml in xmls:
        try:
            kit = read_drumkit(xml)
        except CorpusError as exc:
            warnings.append(f"{exc}; skipped")
            continue
        folder = xml.parent.name
        if not is_acoustic(kit.name, folder):
            log.info("%s: electronic or hand percussion, not a drum kit; skipped", kit.name)
            continue
        bad = list(kit.missing)
        usable = []
        for instrument, articulation in _drum_instruments(kit.instruments):
            readable = [layer for layer in instrument.layers if _readable(layer.path)]
            bad += [layer.path.name for layer in instrument.layers if layer not in readable]
            if readable:
                usable.append(articulation)
        if bad:
            counts = Counter(bad)
            named = ", ".join(n if c == 1 else f"{n} (x{c})" for n, c in sorted(counts.items()))
            warnings.append(
                f"{kit.name}: {len(bad)} samples missing or unreadable, skipped: {named}"
            )
        if not usable:
            warnings.append(f"{kit.name}: no usable drum instruments; kit skipped")
            continue
        kits.append(
            KitInfo(
                name=kit.name, xml=xml, group=recording_group(kit.name, folder),
                heldout=is_heldout(kit.name, folder), toms=usable.count(Articulation.TOM),
            )
        )  # fmt: skip
    for warning in warnings:
        log.warning("%s", warning)
    return kits, warnings


def _readable(path: Path) -> bool:
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, OSError):
        return False
    return info.frames > 0


@lru_cache(maxsize=4)
def load_kit(xml: Path, sample_rate: int) -> LoadedKit:
    """Decode the drum instruments' samples as mono float32 at ``sample_rate`` (cached).

    A sample that cannot be decoded is dropped with a warning; an instrument left
    with no sample is dropped.
    """
    kit = read_drumkit(xml)
    pieces = []
    for instrument, articulation in _drum_instruments(kit.instruments):
        layers = []
        for layer in instrument.layers:
            audio = _decode(layer.path, sample_rate)
            if audio is not None:
                layers.append((layer.min_velocity, layer.max_velocity, layer.gain, audio))
        if layers:
            pieces.append(Piece(instrument.name, articulation, instrument.balance, tuple(layers)))
    if not pieces:
        raise CorpusError(f"{kit.name}: no usable drum instruments")
    return LoadedKit(kit.name, tuple(pieces))


def _decode(path: Path, sample_rate: int) -> np.ndarray | None:
    try:
        audio, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, OSError) as exc:
        log.warning("%s: cannot decode the sample, skipped (%s)", path.name, exc)
        return None
    mono = audio.mean(axis=1, dtype=np.float32)
    if rate != sample_rate:
        import soxr

        mono = soxr.resample(mono, rate, sample_rate, quality="HQ").astype(np.float32)
    if mono.size == 0 or not np.isfinite(mono).all():
        log.warning("%s: empty or non-finite sample, skipped", path.name)
        return None
    return mono
