"""Measure the human balance decisions the reference rule is built from.

:func:`author_balances` reads the Hydrogen kit authors' per-instrument balances and
:func:`enst_engineer_levels` reverse engineers the ENST engineer's mixes; the
constants of :mod:`~drumassist.learn.corpus.balance` are their results, and the
tests check that they still agree (``scripts/reference_balance.py`` prints both).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from drumassist.learn.corpus.balance import hit_level_db, session_level_db
from drumassist.learn.corpus.hydrogen import find_files
from drumassist.learn.corpus.kitmap import Articulation
from drumassist.learn.corpus.kits import Piece, load_kit, survey_kits

#: Which articulations stand for a drum's balance, in order of preference.
_MAIN = {
    "kick": (Articulation.KICK,),
    "snare": (Articulation.SNARE,),
    "hi-hat": (Articulation.HAT_CLOSED, Articulation.HAT_PEDAL),
    "tom": (Articulation.TOM,),
    "cymbal": (Articulation.CRASH, Articulation.RIDE, Articulation.SPLASH, Articulation.CHINA),
}


@dataclass(frozen=True)
class AuthorBalances:
    """Per kit and per recording group, each drum's balanced hit level relative to the snare."""

    kits: dict[str, dict[str, float]]
    groups: dict[str, dict[str, float]]
    median_db: dict[str, float]


def _piece_level_db(piece: Piece, sample_rate: int) -> float:
    """Hit level of the loudest layer times its layer gain and the author's balance."""
    low, high, gain, audio = max(piece.layers, key=lambda layer: layer[1])
    del low, high
    return hit_level_db(audio, sample_rate) + 20.0 * math.log10(max(gain * piece.balance, 1e-9))


def author_balances(kit_dirs: Sequence[Path], *, sample_rate: int = 44100) -> AuthorBalances:
    """Each acoustic training kit's balance per drum (dB relative to the snare), and medians.

    A drum with several instruments (two toms, crash and ride) takes their median;
    a kit's groups take the median of their kits, and the result the median of the
    groups. Held-out kits are left out.
    """
    kits, _ = survey_kits(find_files(list(kit_dirs), "drumkit.xml"))
    per_kit: dict[str, dict[str, float]] = {}
    group_of: dict[str, str] = {}
    for info in kits:
        if info.heldout:
            continue
        kit = load_kit(info.xml, sample_rate)
        row = {}
        for drum, articulations in _MAIN.items():
            for articulation in articulations:
                levels = [_piece_level_db(p, sample_rate) for p in kit.choices(articulation)]
                if levels:
                    row[drum] = statistics.median(levels)
                    break
        if "snare" in row:
            per_kit[info.name] = {d: v - row["snare"] for d, v in row.items()}
            group_of[info.name] = info.group
    groups: dict[str, dict[str, float]] = {}
    for group in sorted(set(group_of.values())):
        members = [per_kit[k] for k, g in group_of.items() if g == group]
        drums = sorted({d for m in members for d in m})
        groups[group] = {d: statistics.median(m[d] for m in members if d in m) for d in drums}
    drums = sorted({d for g in groups.values() for d in g})
    median = {d: statistics.median(g[d] for g in groups.values() if d in g) for d in drums}
    return AuthorBalances(per_kit, groups, median)


@dataclass(frozen=True)
class EngineerLevels:
    """One ENST mix: R², each stem's contribution level relative to the snare's, overheads."""

    mix: str
    r2: float
    relative_db: dict[str, float]
    overhead_vs_snare_db: float


def enst_engineer_levels(excerpt: Path, mix_name: str) -> EngineerLevels:
    """Reverse engineer an ENST mix from its stems and measure the engineer's levels.

    The contribution of a stem is its recovered gain (with its sign) times the stem;
    levels are K-weighted mean squares over the whole phrase (the *session level* of
    :mod:`~drumassist.learn.corpus.balance`).
    """
    from drumassist.core.multitrack import load_multitrack
    from drumassist.learn.reverse.engineer import load_mix, reverse_engineer

    multitrack = load_multitrack(sorted((excerpt / "stems").glob("*.wav")))
    rate = multitrack.sample_rate
    mix = load_mix(excerpt / mix_name, sample_rate=rate)
    result = reverse_engineer(multitrack, mix, stereo=False)
    contributions = {}
    for track, gain in zip(multitrack.tracks, result.tracks, strict=True):
        if gain.gain_db is None:
            continue
        sign = -1.0 if gain.sign_flipped else 1.0
        contributions[track.name] = sign * 10.0 ** (gain.gain_db / 20.0) * track.mono()
    levels = {n: session_level_db(c, rate) for n, c in contributions.items()}
    snare = next(n for n in levels if "snare" in n.lower())
    overheads = [n for n in contributions if "overhead" in n.lower()]
    pair = session_level_db(np.asarray(sum(contributions[n] for n in overheads)), rate)
    return EngineerLevels(
        mix_name,
        result.r2,
        {n: v - levels[snare] for n, v in levels.items()},
        pair - levels[snare],
    )
