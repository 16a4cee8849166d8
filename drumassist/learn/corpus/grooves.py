"""What the drummer plays: a Hydrogen song's patterns, or a generated groove, humanised.

Song notes are read through the song's own instrument names (the demo songs were
written for GMRockKit), so they can be played on any kit: each note becomes an
:class:`~drumassist.learn.corpus.kitmap.Articulation`, and toms are mapped by
their rank from high to low onto however many toms the session has.

Generated grooves (rock, funk, half-time, ride and shuffle feels, 60 to 170 bpm)
add tempi and tom fills over every tom of the session, which the songs lack.
Every hit is humanised: timing by a normal error of 1.8 ms clipped to 4 ms,
velocity by a log-normal factor of about 8 %.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from drumassist.learn.corpus.hydrogen import TICKS_PER_QUARTER, Song
from drumassist.learn.corpus.kitmap import Articulation as A  # noqa: N817
from drumassist.learn.corpus.kitmap import classify, tom_order_key

LEAD_IN_S = 0.1
HUMANISE_SD_S, HUMANISE_MAX_S = 0.0018, 0.004
VELOCITY_SD = 0.08
SONG_TEMPO_RANGE = (0.88, 1.12)


@dataclass(frozen=True)
class Hit:
    """One stroke: what, on which tom (0 is the session's highest; -1 if no tom), when, how hard."""

    articulation: A
    tom: int
    time_s: float
    velocity: float


@dataclass(frozen=True)
class Performance:
    hits: tuple[Hit, ...]
    tempo_bpm: float
    pattern: str


# A step is (beat within the 4/4 bar, articulation, tom or -1, nominal velocity).
Step = tuple[float, A, int, float]


def from_song(song: Song, rng: np.random.Generator, *, duration_s: float, toms: int) -> Performance:
    """Play ``song`` from a random section, looping, at its tempo varied by +-12 %."""
    articulations = {i: classify(name) for i, name in song.instrument_names.items()}
    song_toms = sorted(
        (i for i, a in articulations.items() if a == A.TOM),
        key=lambda i: tom_order_key(song.instrument_names[i], i),
    )
    tom_of = {i: _scale_rank(rank, len(song_toms), toms) for rank, i in enumerate(song_toms)}
    tempo = song.bpm * float(rng.uniform(*SONG_TEMPO_RANGE))
    tick_s = 60.0 / tempo / TICKS_PER_QUARTER
    start = int(rng.integers(len(song.sections))) if song.sections else 0
    steps: list[tuple[float, A, int, float]] = []
    origin_s, n = LEAD_IN_S, 0
    while song.sections and origin_s < duration_s and n < 10_000:
        section = song.sections[(start + n) % len(song.sections)]
        for note in section.notes:
            articulation = articulations.get(note.instrument)
            if articulation is None or (articulation == A.TOM and toms == 0):
                continue
            if note.probability < 1.0 and rng.random() >= note.probability:
                continue
            tom = tom_of.get(note.instrument, -1) if articulation == A.TOM else -1
            steps.append((origin_s + note.tick * tick_s, articulation, tom, note.velocity))
        origin_s += section.ticks * tick_s
        n += 1
    pattern = f"song:{song.path.name}#{start}"
    return Performance(_humanise(steps, rng, duration_s), round(tempo, 2), pattern)


def _scale_rank(rank: int, count: int, toms: int) -> int:
    if toms <= 1 or count <= 1:
        return 0
    return round(rank * (toms - 1) / (count - 1))


def generated(rng: np.random.Generator, *, duration_s: float, toms: int) -> Performance:
    """A generated groove in one of five feels, with crashes and tom fills."""
    name = str(rng.choice(sorted(_STYLES)))
    style, (low, high) = _STYLES[name]
    tempo = float(rng.uniform(low, high))
    bar_s = 4 * 60.0 / tempo
    phrase = int(rng.choice([4, 8]))
    kicks = _KICKS[int(rng.integers(len(_KICKS)))]
    steps = []
    for bar in range(math.ceil(duration_s / bar_s) + 1):
        bar_steps = style(rng, kicks)
        if bar % phrase == 0:
            bar_steps = [s for s in bar_steps if s[0] > 0 or s[1] == A.KICK]
            bar_steps.append((0.0, A.CRASH, -1, 0.9))
        if (bar + 1) % phrase == 0 and toms > 0:
            bar_steps = _fill(bar_steps, rng, toms)
        steps += [
            (LEAD_IN_S + (bar * 4 + beat) * bar_s / 4, a, t, v) for beat, a, t, v in bar_steps
        ]
    return Performance(_humanise(steps, rng, duration_s), round(tempo, 2), f"groove:{name}")


_KICKS = ((0.0, 2.0), (0.0, 1.5, 2.0), (0.0, 2.5), (0.0, 0.75, 2.0, 2.5), (0.0, 1.75, 2.5))


def _rock(rng: np.random.Generator, kicks: tuple[float, ...]) -> list[Step]:
    open_last = rng.random() < 0.3
    hats = [(b / 2, A.HAT_OPEN if open_last and b == 7 else A.HAT_CLOSED, -1,
             0.75 if b % 2 == 0 else 0.5) for b in range(8)]  # fmt: skip
    return [*hats, *((k, A.KICK, -1, 0.9) for k in kicks), (1.0, A.SNARE, -1, 0.9),
            (3.0, A.SNARE, -1, 0.9)]  # fmt: skip


def _funk(rng: np.random.Generator, kicks: tuple[float, ...]) -> list[Step]:
    hats = [(b / 4, A.HAT_CLOSED, -1, (0.7, 0.35, 0.5, 0.35)[b % 4]) for b in range(16)]
    ghosts = [(g, A.SNARE, -1, 0.2) for g in (0.75, 1.75, 2.25, 3.5) if rng.random() < 0.4]
    return [*hats, *ghosts, *((k, A.KICK, -1, 0.85) for k in kicks), (1.0, A.SNARE, -1, 0.9),
            (3.0, A.SNARE, -1, 0.9)]  # fmt: skip


def _halftime(rng: np.random.Generator, kicks: tuple[float, ...]) -> list[Step]:
    hats = [(b / 2, A.HAT_CLOSED, -1, 0.7 if b % 2 == 0 else 0.45) for b in range(8)]
    extra = [(3.5, A.KICK, -1, 0.7)] if rng.random() < 0.5 else []
    return [*hats, (0.0, A.KICK, -1, 0.95), *extra, (2.0, A.SNARE, -1, 0.95)]


def _ride(rng: np.random.Generator, kicks: tuple[float, ...]) -> list[Step]:
    ride = [(b, A.RIDE, -1, 0.7) for b in range(4)] + [(b + 2 / 3, A.RIDE, -1, 0.5) for b in (1, 3)]
    comp = [(float(b), A.SNARE, -1, 0.35) for b in rng.choice(8, 2, replace=False) / 2]
    bell = [(0.0, A.RIDE_BELL, -1, 0.6)] if rng.random() < 0.2 else []
    return [*ride, *bell, (1.0, A.HAT_PEDAL, -1, 0.6), (3.0, A.HAT_PEDAL, -1, 0.6),
            *((k, A.KICK, -1, 0.6) for k in kicks[:2]), *comp]  # fmt: skip


def _shuffle(rng: np.random.Generator, kicks: tuple[float, ...]) -> list[Step]:
    hats = [
        (b + t, A.HAT_CLOSED, -1, 0.7 if t == 0 else 0.45) for b in range(4) for t in (0, 2 / 3)
    ]
    pickup = [(1 + 2 / 3, A.KICK, -1, 0.6)] if rng.random() < 0.5 else []
    return [*hats, (0.0, A.KICK, -1, 0.9), (2.0, A.KICK, -1, 0.85), *pickup,
            (1.0, A.SNARE, -1, 0.9), (3.0, A.SNARE, -1, 0.9)]  # fmt: skip


_STYLES: dict[
    str, tuple[Callable[[np.random.Generator, tuple[float, ...]], list[Step]], tuple[float, float]]
] = {
    "rock": (_rock, (70.0, 160.0)),
    "funk": (_funk, (80.0, 115.0)),
    "halftime": (_halftime, (120.0, 170.0)),
    "ride": (_ride, (90.0, 170.0)),
    "shuffle": (_shuffle, (85.0, 135.0)),
}


def _fill(steps: list[Step], rng: np.random.Generator, toms: int) -> list[Step]:
    """Replace the last one or two beats with 16ths running down the toms."""
    start = float(rng.choice([2.0, 3.0]))
    count = int((4.0 - start) * 4)
    kept = [s for s in steps if s[0] < start]
    for i in range(count):
        tom = min(toms - 1, i * toms // count)
        articulation, tom = (A.SNARE, -1) if i == 0 and rng.random() < 0.5 else (A.TOM, tom)
        kept.append((start + i / 4, articulation, tom, 0.7 + 0.3 * i / count))
    return kept


def _humanise(steps: list[Step], rng: np.random.Generator, duration_s: float) -> tuple[Hit, ...]:
    hits = []
    for time_s, articulation, tom, velocity in steps:
        jitter = float(np.clip(rng.normal(0.0, HUMANISE_SD_S), -HUMANISE_MAX_S, HUMANISE_MAX_S))
        level = float(np.clip(velocity * math.exp(rng.normal(0.0, VELOCITY_SD)), 0.05, 1.0))
        when = max(0.0, time_s + jitter)
        if when < duration_s:
            hits.append(Hit(articulation, tom, when, level))
    hits.sort(key=lambda h: (h.time_s, h.articulation.value, h.tom))
    return tuple(hits)
