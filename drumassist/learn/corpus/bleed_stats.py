"""Statistics of bleed between drum microphones, the same for real and simulated kits.

Given single hits of each drum as every mic recorded them (:class:`HitRecordings`),
:func:`bleed_statistics` measures what does not depend on the unknown preamp gain of
each mic, nor on how hard each drum was played:

* **bleed re own** ``bleed_db[(mic, drum)]``: how much weaker ``drum`` is in the close
  ``mic`` than the mic's own drum, when both are equally loud in the overhead pair:
  ``(L[drum, mic] - L[drum, OH]) - (L[own, mic] - L[own, OH])``. ``L`` is the hit
  energy (K-weighted, of the whole recorded hit, up to :data:`HIT_WINDOW_S`, energy
  mean over round robins: the simulator's levels are set on whole signals, so the
  tail counts as in a session); ``OH`` the energy sum of the overhead mics. The old
  simulator put this at 20 to 32 dB for every pair.
* **asymmetry** ``asymmetry_db[(a, b)]`` for two close mics on drums ``a`` and ``b``:
  ``bleed_db[(mic_a, b)] - bleed_db[(mic_b, a)]``; 0 for the old simulator, which
  made every path the same both ways.
* **spectrum** ``spectrum_db[(mic, drum)]``: per octave band (:data:`BANDS_HZ`), the
  drum's band levels in ``mic`` minus those in the overhead pair, each normalised to
  its mean over the bands, so only the shape is left: how the mic colours the drum
  relative to the overheads (bleed into a close mic, or a close mic's own drum).
* **ambient pickup** ``ambient_db[(mic, drum)]`` for overhead and room mics: the
  drum's level in the mic relative to the snare's, minus the same difference in
  their close mics (``(L[d, m] - L[snare, m]) - (L[d, C(d)] - L[snare, C(snare)])``),
  for drums that have a close mic: what the mic hears of the kit relative to the
  close mics. It holds the close mics' preamp difference, which cancels between a
  real kit and a simulation of it only if both record the close mics alike; it is
  reported, and checked loosely.
* **tail** ``tail_db[mic]``: energy after the first 50 ms of the snare hit relative
  to the first 50 ms: how much of a mic is room.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from drumassist.learn.corpus.balance import mean_level_db, session_level_db
from drumassist.learn.corpus.multimic_kit import MultimicKit

HIT_WINDOW_S = 1.5
BANDS_HZ = (63.0, 125.0, 250.0, 500.0, 1000.0, 2000.0, 4000.0, 8000.0, 16000.0)
SPECTRUM_WINDOW_S = 0.3
TAIL_SPLIT_S = 0.05
TAIL_WINDOW_S = 1.0
_FLOOR = 1e-20


@dataclass(frozen=True)
class HitRecordings:
    """Single hits: ``hits[drum][mic]`` is a list of recordings (round robins) of one hit.

    ``close`` maps each close mic to its drum; ``overheads`` and ``rooms`` list the
    ambient mics. Every drum must be recorded on every mic.
    """

    sample_rate: int
    hits: Mapping[str, Mapping[str, Sequence[np.ndarray]]]
    close: Mapping[str, str]
    overheads: Sequence[str]
    rooms: Sequence[str] = ()


@dataclass(frozen=True)
class BleedStatistics:
    """The statistics of the module docstring, keyed by (mic, drum) or mic."""

    bleed_db: dict[tuple[str, str], float] = field(default_factory=dict)
    asymmetry_db: dict[tuple[str, str], float] = field(default_factory=dict)
    spectrum_db: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    ambient_db: dict[tuple[str, str], float] = field(default_factory=dict)
    tail_db: dict[str, float] = field(default_factory=dict)


@lru_cache(maxsize=8)
def octave_filters(sample_rate: int) -> tuple[np.ndarray, ...]:
    """The octave-band filters of :func:`band_levels_db` (4th-order Butterworth), as SOS."""
    from scipy.signal import butter

    filters = []
    for centre in BANDS_HZ:
        low, high = centre / math.sqrt(2.0), min(centre * math.sqrt(2.0), 0.49 * sample_rate)
        filters.append(butter(4, [low, high], btype="band", fs=sample_rate, output="sos"))
    return tuple(filters)


def band_levels_db(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Octave-band levels (dB) of the first :data:`SPECTRUM_WINDOW_S` of a hit."""
    from scipy.signal import sosfilt

    head = np.asarray(audio[: round(SPECTRUM_WINDOW_S * sample_rate)], dtype=np.float64)
    return np.array(
        [10.0 * math.log10(max(float(np.mean(sosfilt(sos, head) ** 2)), _FLOOR))
         for sos in octave_filters(sample_rate)]
    )  # fmt: skip


def _hit_db(audio: np.ndarray, sample_rate: int) -> float:
    return session_level_db(np.asarray(audio[: round(HIT_WINDOW_S * sample_rate)]), sample_rate)


def _tail_db(audio: np.ndarray, sample_rate: int) -> float:
    x = np.asarray(audio[: round(TAIL_WINDOW_S * sample_rate)], dtype=np.float64)
    onset = int(np.argmax(np.abs(x) > 0.1 * float(np.max(np.abs(x))))) if x.any() else 0
    split = onset + round(TAIL_SPLIT_S * sample_rate)
    early, late = float(np.sum(x[onset:split] ** 2)), float(np.sum(x[split:] ** 2))
    return 10.0 * math.log10(max(late, _FLOOR) / max(early, _FLOOR))


def bleed_statistics(rec: HitRecordings) -> BleedStatistics:
    """Measure the statistics of the module docstring on ``rec``."""
    level, bands = _levels(rec)
    stats = BleedStatistics()
    drums = list(rec.hits)
    for mic, own in rec.close.items():
        for drum in (d for d in drums if d != own):
            stats.bleed_db[(mic, drum)] = (level[(drum, mic)] - level[(drum, "OH")]) - (
                level[(own, mic)] - level[(own, "OH")]
            )
    for mic_a, a in rec.close.items():
        for mic_b, b in rec.close.items():
            if a != b:
                stats.asymmetry_db[(a, b)] = stats.bleed_db[(mic_a, b)] - stats.bleed_db[(mic_b, a)]
    for mic in [*rec.close, *rec.overheads, *rec.rooms]:
        for drum in drums:
            shape = bands[(drum, mic)] - bands[(drum, "OH")]
            stats.spectrum_db[(mic, drum)] = shape - float(np.mean(shape))
    closes = {drum: mic for mic, drum in rec.close.items()}
    for mic in [*rec.overheads, *rec.rooms] if "snare" in closes else []:
        for drum, close in closes.items():
            in_mic = level[(drum, mic)] - level[("snare", mic)]
            in_close = level[(drum, close)] - level[("snare", closes["snare"])]
            stats.ambient_db[(mic, drum)] = in_mic - in_close
    for mic, takes in rec.hits.get("snare", {}).items():
        stats.tail_db[mic] = mean_level_db([_tail_db(t, rec.sample_rate) for t in takes])
    return stats


def _levels(
    rec: HitRecordings,
) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], np.ndarray]]:
    """Hit energy and band levels per (drum, mic), and per (drum, "OH") for the pair."""
    rate = rec.sample_rate
    level: dict[tuple[str, str], float] = {}
    bands: dict[tuple[str, str], np.ndarray] = {}
    for drum, by_mic in rec.hits.items():
        for mic, takes in by_mic.items():
            level[(drum, mic)] = mean_level_db([_hit_db(t, rate) for t in takes])
            bands[(drum, mic)] = _energy_mean([band_levels_db(t, rate) for t in takes])
        # The overhead pair as the energy sum of its mics: a signal sum would add the
        # low end coherently and the top end not, which depends on the pair's spacing.
        level[(drum, "OH")] = _energy_sum([level[(drum, m)] for m in rec.overheads])
        bands[(drum, "OH")] = _energy_sum_bands([bands[(drum, m)] for m in rec.overheads])
    return level, bands


def _energy_sum(levels_db: Sequence[float]) -> float:
    return 10.0 * math.log10(max(sum(10.0 ** (v / 10.0) for v in levels_db), _FLOOR))


def _energy_sum_bands(levels_db: Sequence[np.ndarray]) -> np.ndarray:
    return 10.0 * np.log10(np.sum([10.0 ** (v / 10.0) for v in levels_db], axis=0) + _FLOOR)


def _energy_mean(levels: list[np.ndarray]) -> np.ndarray:
    return 10.0 * np.log10(np.mean([10.0 ** (v / 10.0) for v in levels], axis=0))


def kit_recordings(kit: MultimicKit, *, sample_rate: int = 44100) -> HitRecordings:
    """The loudest layer of each drum's main piece, as every mic of the real kit recorded it.

    Drums are ``kick``, ``snare``, ``hi-hat`` (closed), ``tom0``.. (highest first),
    each from its first piece of the main articulation (of the first piece set).
    """
    from drumassist.learn.corpus.kitmap import Articulation
    from drumassist.learn.corpus.multimic_kit import stroke_audio

    mains = {"kick": Articulation.KICK, "snare": Articulation.SNARE,
             "hi-hat": Articulation.HAT_CLOSED}  # fmt: skip
    pieces = {d: kit.choices(a)[0] for d, a in mains.items() if kit.choices(a)}
    pieces.update({f"tom{i}": p for i, p in enumerate(kit.toms)})
    hits: dict[str, dict[str, list[np.ndarray]]] = {}
    for drum, piece in pieces.items():
        takes = [stroke_audio(s, sample_rate) for s in piece.layers[-1].strokes]
        hits[drum] = {m.name: [t[i] for t in takes] for i, m in enumerate(kit.mics)}
    close = {m.name: str(m.source) for m in kit.mics if m.kind == "close"}
    close = {m: d for m, d in close.items() if d in hits}
    first_of: dict[str, str] = {}
    for mic in kit.mics:  # one close mic per drum: the top, not the bottom
        on = close.get(mic.name)
        if on is None:
            continue
        current = first_of.get(on)
        if current is None or (_variant(kit, current) == "bottom" and mic.variant != "bottom"):
            first_of[on] = mic.name
    return HitRecordings(
        sample_rate,
        hits,
        {mic: drum for drum, mic in first_of.items()},
        [m.name for m in kit.mics if m.kind == "overhead"],
        [m.name for m in kit.mics if m.kind == "room"],
    )


def _variant(kit: MultimicKit, mic: str) -> str | None:
    return next(m.variant for m in kit.mics if m.name == mic)
