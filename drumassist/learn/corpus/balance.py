"""The reference balance of a multi-microphone session: what an engineer would set.

Nobody mixed the real multi-mic kits, so their target is defined from the two kinds
of human balance decisions we have, and is a rule, not a measurement of an engineer:

1. **Close mics: the Hydrogen kit authors.** Each author set a ``volume * gain`` per
   instrument so that the kit sounds balanced. :data:`AUTHOR_BALANCE_DB` is, per
   drum, the *hit level* (below) of the loudest layer times its balance, in dB
   relative to the snare's, per acoustic kit, then the median within each
   recording group and the median across the groups (black-pearl, bja-pacific,
   forzeestereo, millo; ColomboAcousticDrumkit is held out and left out).
   :func:`author_balances` measures it again (``scripts/reference_balance.py``
   prints it). In a session each close mic's *own* drum signal (the renderer
   places every hit, so it knows that signal apart from the bleed) gets the gain
   that puts its hit level at that drum's balance plus the engineer's variation.
2. **Overheads: the ENST engineer.** Reverse engineering ENST's ``ref_dry_mix.wav``
   and ``ref_wet_mix.wav`` from its stems (``drumassist.learn.reverse``, mono fit,
   R² 0.991 and 0.982) gives the engineer's gains; the overhead pair's K-weighted
   level in the mix is then 7.7 dB (dry) and 7.0 dB (wet) under the snare close
   mic's (:data:`ENST_OVERHEAD_VS_SNARE_DB`). A session's overhead pair, one gain
   for both sides (keeping the recorded image), sits that far under the snare close
   mic's contribution, drawn between the two mixes widened by 1.5 dB each way.
3. **Our rules, stated, for what neither decided:** a snare bottom's own signal
   4 to 12 dB under the top's, polarity matched to the top; several kick mics share
   the kick, the first 0.5 to 0.8 of it; room mics together 4 to 12 dB under the
   overhead pair, each at the same level; a drum with no balance of its own
   (none in the table) 10 dB under the snare.

The engineer's variation per session: every drum's balance moves by a normal
error of :data:`ENGINEER_SD_DB` (2 dB, clipped at 4 dB), half the 3 to 4 dB
spread of the authors' balances, since one engineer varies less than four authors.

*Hit level*: the K-weighted (BS.1770) mean square of the first 200 ms of a hit,
in dB, averaged (as energy) over the round robins of the loudest layer. *Session
level*: the K-weighted mean square of a whole contribution (gain times stem).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from drumassist.core.loudness import k_weighting_sos

HIT_WINDOW_S = 0.2
#: Per drum, dB relative to the snare: median over recording groups of the Hydrogen
#: authors' balances (measured 2026-12-01 from hydrogen-drumkits 0.9.7 and
#: hydrogen-data by author_balances(); per group: kick -0.2/-2.4/+3.3/+2.9,
#: hi-hat -5.0/-2.8/-1.0/-8.7, toms +1.7/-2.3/+6.4/+0.8, cymbals -6.1/-4.9/-0.8/-1.2
#: for black-pearl/bja-pacific/forzeestereo/millo).
AUTHOR_BALANCE_DB: dict[str, float] = {
    "kick": 1.4,
    "snare": 0.0,
    "hi-hat": -3.9,
    "tom": 1.3,
    "cymbal": -3.1,
}
ENGINEER_SD_DB = 2.0
ENGINEER_MAX_DB = 4.0
ENST_OVERHEAD_VS_SNARE_DB = (-7.7, -7.0)  # dry mix, wet mix
ENST_WIDEN_DB = 1.5
ROOM_VS_OVERHEAD_DB = (-12.0, -4.0)
BOTTOM_VS_TOP_DB = (-12.0, -4.0)
FIRST_KICK_SHARE = (0.5, 0.8)
MISSING_DRUM_DB = -10.0
_FLOOR = 1e-20


def hit_level_db(audio: np.ndarray, sample_rate: int) -> float:
    """K-weighted mean square of the first :data:`HIT_WINDOW_S` of one hit, in dB."""
    from scipy.signal import sosfilt

    head = np.asarray(audio[: round(HIT_WINDOW_S * sample_rate)], dtype=np.float64)
    if head.size == 0:
        return -math.inf
    weighted = sosfilt(k_weighting_sos(sample_rate), head)
    return 10.0 * math.log10(max(float(np.mean(weighted**2)), _FLOOR))


def mean_level_db(levels_db: Sequence[float]) -> float:
    """The energy mean of levels in dB."""
    finite = [10.0 ** (v / 10.0) for v in levels_db if math.isfinite(v)]
    return 10.0 * math.log10(max(float(np.mean(finite)), _FLOOR)) if finite else -math.inf


def session_level_db(audio: np.ndarray, sample_rate: int) -> float:
    """K-weighted mean square of a whole signal, in dB."""
    from scipy.signal import sosfilt

    weighted = sosfilt(k_weighting_sos(sample_rate), np.asarray(audio, dtype=np.float64))
    return 10.0 * math.log10(max(float(np.mean(weighted**2)), _FLOOR))


def balance_key(source: str) -> str:
    """The :data:`AUTHOR_BALANCE_DB` key of a source (``tom2`` is a tom, ``ride`` a cymbal)."""
    if source.startswith("tom"):
        return "tom"
    return "cymbal" if source in ("crash", "ride", "cymbal") else source


@dataclass(frozen=True)
class CloseMic:
    """What the rule needs of a close mic: its drum, variant, own hit level and polarity.

    ``own_hit_db`` is the hit level of the drum's own loudest layer in this mic
    (finite: a close mic whose drum the kit lacks is left out of the session).

    ``polarity`` is +1 or -1: the sign of the correlation of this mic's own signal
    with the first close mic on the same drum (+1 for that first mic).
    """

    name: str
    source: str
    variant: str | None
    own_hit_db: float
    polarity: int


@dataclass(frozen=True)
class EngineerChoice:
    """One session's draws of the engineer's variation (see the module docstring)."""

    drum_offsets_db: dict[str, float]
    overhead_vs_snare_db: float
    room_vs_overhead_db: float
    bottom_vs_top_db: float
    first_kick_share: float


def draw_engineer(rng: np.random.Generator, sources: Sequence[str]) -> EngineerChoice:
    """Draw a session's engineer variation."""
    offsets = {
        s: float(np.clip(rng.normal(0.0, ENGINEER_SD_DB), -ENGINEER_MAX_DB, ENGINEER_MAX_DB))
        for s in sorted(set(sources))
    }
    low, high = min(ENST_OVERHEAD_VS_SNARE_DB), max(ENST_OVERHEAD_VS_SNARE_DB)
    return EngineerChoice(
        drum_offsets_db=offsets,
        overhead_vs_snare_db=float(rng.uniform(low - ENST_WIDEN_DB, high + ENST_WIDEN_DB)),
        room_vs_overhead_db=float(rng.uniform(*ROOM_VS_OVERHEAD_DB)),
        bottom_vs_top_db=float(rng.uniform(*BOTTOM_VS_TOP_DB)),
        first_kick_share=float(rng.uniform(*FIRST_KICK_SHARE)),
    )


def close_gains(close: Sequence[CloseMic], choice: EngineerChoice) -> dict[str, float]:
    """Linear gains (signed) of the close mics on the recorded, untrimmed stems."""
    gains: dict[str, float] = {}
    by_source: dict[str, list[CloseMic]] = {}
    for mic in close:
        by_source.setdefault(mic.source, []).append(mic)
    for source, mics in by_source.items():
        target_db = AUTHOR_BALANCE_DB.get(balance_key(source), MISSING_DRUM_DB)
        target_db += choice.drum_offsets_db.get(source, 0.0)
        tops = [m for m in mics if m.variant != "bottom"] or mics
        for mic in mics:
            level_db = target_db
            if mic.variant == "bottom" and mic is not tops[0]:
                level_db += choice.bottom_vs_top_db
            share = _share(mic, tops, choice.first_kick_share)
            gains[mic.name] = mic.polarity * share * 10.0 ** ((level_db - mic.own_hit_db) / 20.0)
    return gains


def _share(mic: CloseMic, tops: list[CloseMic], first_share: float) -> float:
    """Amplitude share of one of several (non-bottom) mics on a drum."""
    if mic not in tops or len(tops) == 1:
        return 1.0
    if mic is tops[0]:
        return first_share
    return (1.0 - first_share) / (len(tops) - 1)


def ambient_gains(
    levels_db: Mapping[str, float],
    *,
    kinds: Mapping[str, str],
    reference_db: float,
    choice: EngineerChoice,
) -> dict[str, float]:
    """Gains of the overhead and room mics from their session levels at unity gain.

    ``levels_db`` holds, for the overhead pair (key ``"overhead"``) the session level
    of the sum of its mics, and for each room mic its own; ``reference_db`` is the
    session level of the snare close mic's contribution (or of all close mics).
    """
    gains: dict[str, float] = {}
    overhead_db = reference_db + choice.overhead_vs_snare_db
    rooms = [name for name, kind in kinds.items() if kind == "room"]
    overheads = [name for name, kind in kinds.items() if kind == "overhead"]
    if overheads:
        gain = 10.0 ** ((overhead_db - levels_db["overhead"]) / 20.0)
        gains.update(dict.fromkeys(overheads, gain))
    room_total_db = overhead_db + choice.room_vs_overhead_db
    each_db = room_total_db - 10.0 * math.log10(max(len(rooms), 1))
    for name in rooms:
        gains[name] = 10.0 ** ((each_db - levels_db[name]) / 20.0)
    return gains
