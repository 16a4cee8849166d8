"""Simulated microphones around a kit, calibrated on real multi-microphone recordings.

Every drum (a *source*: ``kick``, ``snare``, ``hi-hat``, ``tom0``.., ``crash``,
``ride``) sits at a point of a kit geometry in metres (x to the drummer's right, y
away from the drummer, z up), jittered per session. Every mic hears every source,
delayed by distance / 343 m/s. How loud and with what spectrum follows a *profile*
measured on a real kit (:mod:`~drumassist.learn.corpus.calibration`, one drawn per
session), so that the statistics of :mod:`~drumassist.learn.corpus.bleed_stats`
come out as on that kit:

* a **close** mic hears its own drum as the dry sample (a kick *out* mic low-passed
  at 4 kHz, a snare *bottom* high-passed at 400 Hz with inverted polarity, as
  before), and every other drum as bleed whose level *re own at equal overhead
  level* is the measured one for its mic class and drum (``kick`` mic: snare
  -18.8 dB, hi-hat -12.7, toms -8.3; a top-head mic: kick -4.9, hi-hat -12.1, toms
  -12.5 on gogodze-phu-vol-ii), plus a per-session error of 1.5 dB (clipped at
  3 dB): asymmetric, since a kick mic and a snare mic do not hear each other alike.
  Its spectrum is the overheads' view of the drum coloured by the receiving mic's
  measured curve (per octave, linear-phase FIR), no longer a fixed low-pass.
* an **overhead** hears the whole kit at ``1/d`` (the kick moved by the measured
  kick-re-snare pickup), coloured as the real overheads hear each drum relative to
  its close mic, through a room response whose tail matches the measured tail.
* a **room** mic likewise, with the measured room colour and a longer tail.

Each shaping filter keeps the K-weighted energy of what it shapes, so levels are
set by the table alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import signal
from scipy.fft import next_fast_len

from drumassist.core.demo import SPEED_OF_SOUND_M_S
from drumassist.core.loudness import k_weighting_sos
from drumassist.learn.corpus.bleed_stats import BANDS_HZ, TAIL_SPLIT_S, octave_filters
from drumassist.learn.corpus.calibration import (
    BLEED_JITTER_DB,
    Profile,
    bleed_db,
    colour_db,
    drum_class,
    oh_shape_db,
    receiver_class,
)

Point = tuple[float, float, float]

FIR_TAPS = 2049
#: Decay time constants of the simulated rooms (our choice; the tail *level* is measured).
TAIL_DECAY_S = {"overhead": 0.09, "room": 0.15}
_TAIL_START_S = 0.006
_IR_LENGTH_DECAYS = 6  # room_response lasts six decay times
#: The tail energy formula ignores that the dry sample's own ring is convolved too;
#: halving it makes the simulated tails those measured (rooms -7.3 vs -7.4 dB on
#: gogodze-phu-vol-ii, overheads -2.2 vs -2.6 dB on frankensnare; measure_bleed.py).
TAIL_FIT = 0.5

_FIXED_SOURCES: dict[str, Point] = {
    "kick": (0.0, 0.0, 0.35),
    "snare": (-0.3, 0.3, 0.65),
    "hi-hat": (-0.6, 0.35, 0.95),
    "crash": (-0.5, -0.15, 1.4),
    "ride": (0.75, 0.15, 1.2),
}
_RACK_TOM, _FLOOR_TOM = np.array([-0.15, 0.05, 0.85]), np.array([0.6, 0.45, 0.55])
# Where a close mic sits relative to its drum, by variant.
_CLOSE_OFFSET_M: dict[str | None, Point] = {
    None: (0.0, -0.08, 0.06),
    "top": (0.0, -0.08, 0.06),
    "in": (0.0, -0.12, 0.0),
    "out": (0.0, -0.5, 0.0),
    "bottom": (0.0, 0.02, -0.15),
}
_AMBIENT_M: dict[str, Point] = {
    "overhead_L": (-0.45, 0.2, 1.8),
    "overhead_R": (0.45, 0.2, 1.8),
    "room_L": (-1.2, -2.8, 1.5),
    "room_R": (1.2, -2.8, 1.5),
}
_JITTER_M = {"source": 0.03, "close": 0.015, "overhead": 0.08, "room": 0.25}


@dataclass(frozen=True)
class Mic:
    """A microphone: its track name, kind (close, overhead, room), drum and variant."""

    name: str
    kind: str
    source: str | None = None
    variant: str | None = None
    place: str | None = None  # overhead_L, room_R, ... for ambient mics


def kit_geometry(sources: list[str], rng: np.random.Generator) -> dict[str, Point]:
    """Positions of ``sources`` (toms ``tom0`` highest), jittered by a few centimetres."""
    toms = sorted(s for s in sources if s.startswith("tom"))
    out: dict[str, Point] = {}
    for source in sources:
        if source in toms:
            t = toms.index(source) / max(len(toms) - 1, 1) if len(toms) > 1 else 0.0
            base = tuple(float(v) for v in _RACK_TOM + t * (_FLOOR_TOM - _RACK_TOM))
        else:
            base = _FIXED_SOURCES[source]
        out[source] = _jitter(base, rng, _JITTER_M["source"])
    return out


def mic_position(mic: Mic, geometry: dict[str, Point], rng: np.random.Generator) -> Point:
    """Where ``mic`` stands this session."""
    if mic.kind == "close" and mic.source is not None:
        base = np.add(geometry[mic.source], _CLOSE_OFFSET_M[mic.variant])
        return _jitter(tuple(float(v) for v in base), rng, _JITTER_M["close"])
    return _jitter(_AMBIENT_M[str(mic.place)], rng, _JITTER_M[mic.kind])


def _jitter(point: tuple[float, ...], rng: np.random.Generator, sd_m: float) -> Point:
    x, y, z = (float(v) + float(rng.normal(0.0, sd_m)) for v in point)
    return (x, y, z)


def pickup(position: Point, geometry: dict[str, Point], sources: list[str]) -> float:
    """Mean ``1/d`` direct-path level of ``sources`` at an ambient mic."""
    return float(np.mean([1.0 / math.dist(position, geometry[s]) for s in sources]))


def render_mic(
    mic: Mic,
    position: Point,
    sources: dict[str, np.ndarray],
    geometry: dict[str, Point],
    *,
    sample_rate: int,
    rng: np.random.Generator,
    profile: Profile,
) -> np.ndarray:
    """The signal ``mic`` records (before its input trim), float64 like the sources."""
    return render_mics(
        [(mic, position)], sources, geometry, sample_rate=sample_rate, rng=rng, profile=profile
    )[0]


def render_mics(
    placed: list[tuple[Mic, Point]],
    sources: dict[str, np.ndarray],
    geometry: dict[str, Point],
    *,
    sample_rate: int,
    rng: np.random.Generator,
    profile: Profile,
) -> list[np.ndarray]:
    """What each mic of ``placed`` (mic, position) records, in order (float64).

    Filtering is done in the frequency domain: one FFT per source, each path its
    response and its delay (a phase ramp, sample-exact), one inverse FFT per mic. The
    padding holds the FIRs' and the room response's tails, so this is the linear
    convolution the time domain would give.
    """
    frames = len(next(iter(sources.values())))
    ir_frames = round(_IR_LENGTH_DECAYS * max(TAIL_DECAY_S.values()) * sample_rate)
    n = next_fast_len(frames + FIR_TAPS + ir_frames)
    k_power = _k_power(n, sample_rate)
    spectra = {name: np.fft.rfft(a, n) for name, a in sources.items() if np.any(a)}
    energy = {name: float(np.sum(np.abs(x) ** 2 * k_power)) for name, x in spectra.items()}
    bins = np.arange(n // 2 + 1, dtype=np.int64)
    twiddles = _twiddles(n)
    outs = []
    for mic, position in placed:
        total = np.zeros(n // 2 + 1, dtype=np.complex128)
        for name in sources:
            distance = max(math.dist(position, geometry[name]), 0.02)
            level, key = _path(mic, name, distance, geometry, profile=profile, rng=rng)
            delay = round(distance / SPEED_OF_SOUND_M_S * sample_rate)
            if level == 0.0 or delay >= frames or name not in spectra:
                continue
            shaped = spectra[name]
            response = _response(key, profile, n, sample_rate)
            if response is not None:
                shaped = shaped * response
                if key[0] not in ("lowpass", "highpass"):  # a colour keeps the K-energy
                    after = float(np.sum(np.abs(shaped) ** 2 * k_power))
                    level *= math.sqrt(energy[name] / after) if after > 0 else 1.0
            total += level * shaped * twiddles[(bins * delay) % n]
        if mic.kind in TAIL_DECAY_S:
            total *= np.fft.rfft(room_response(mic.kind, profile, rng, sample_rate), n)
        outs.append(np.fft.irfft(total, n)[:frames])
    return outs


@lru_cache(maxsize=2)
def _twiddles(n: int) -> np.ndarray:
    """``exp(-2 pi i m / n)`` for every ``m``: a delay of ``d`` frames is ``[(k d) % n]``."""
    return np.exp(-2j * np.pi * np.arange(n) / n)


def overhead_pickup_db(source: str, geometry: dict[str, Point], profile: Profile) -> float:
    """How loud ``source`` is in the overhead pair (energy sum at their nominal places),
    in dB re its dry sample."""
    energy = sum(
        math.dist(_AMBIENT_M[place], geometry[source]) ** -2.0
        for place in ("overhead_L", "overhead_R")
    )
    return 10.0 * math.log10(energy) + _ambient_offset_db("overhead", source, profile)


def _mean_overhead() -> Point:
    left, right = _AMBIENT_M["overhead_L"], _AMBIENT_M["overhead_R"]
    x, y, z = ((a + b) / 2.0 for a, b in zip(left, right, strict=True))
    return (x, y, z)


def _ambient_offset_db(kind: str, source: str, profile: Profile) -> float:
    """The kick's measured pickup re the snare in overheads or rooms, less the geometry's."""
    if source != "kick" or kind not in profile.ambient_db:
        return 0.0
    place = _mean_overhead() if kind == "overhead" else _AMBIENT_M["room_L"]
    geometric = 20.0 * math.log10(
        math.dist(place, _FIXED_SOURCES["snare"]) / math.dist(place, _FIXED_SOURCES["kick"])
    )
    return profile.ambient_db[kind] - geometric


def _path(
    mic: Mic,
    name: str,
    distance: float,
    geometry: dict[str, Point],
    *,
    profile: Profile,
    rng: np.random.Generator,
) -> tuple[float, tuple[str, ...]]:
    """The level and shaping of the path from source ``name`` to ``mic``."""
    cls = drum_class(name, toms=sum(s.startswith("tom") for s in geometry))
    if mic.kind in ("overhead", "room"):
        offset = _ambient_offset_db(mic.kind, name, profile)
        return 10.0 ** (offset / 20.0) / distance, (mic.kind, cls)
    if name == mic.source:
        own = {"out": (1.0, ("lowpass", "4000")), "bottom": (-1.0, ("highpass", "400"))}
        return own.get(str(mic.variant), (1.0, ("none",)))
    receiver = receiver_class(str(mic.source))
    sd_db, clip_db = BLEED_JITTER_DB
    level_db = bleed_db(profile, receiver, cls) + float(
        np.clip(rng.normal(0.0, sd_db), -clip_db, clip_db)
    )
    # The table is re own at equal overhead level: add the overheads' view of both drums.
    level_db += overhead_pickup_db(name, geometry, profile)
    level_db -= overhead_pickup_db(str(mic.source), geometry, profile)
    return 10.0 ** (level_db / 20.0), ("bleed", receiver, cls)


def _curve(key: tuple[str, ...], profile: Profile) -> tuple[float, ...]:
    """The measured colour (dB per octave band, re the dry sample) of a shaped path."""
    curve = oh_shape_db(profile, key[-1])
    if key[0] == "bleed":
        curve = curve + colour_db(profile, key[1], key[2])
    elif key[0] == "room" and profile.room_colour_db is not None:
        curve = curve + np.asarray(profile.room_colour_db)
    return tuple(round(float(v), 2) for v in curve)


def _response(key: tuple[str, ...], profile: Profile, n: int, rate: int) -> np.ndarray | None:
    """The path's frequency response on the ``rfft`` grid of ``n`` points (None: flat)."""
    if key[0] == "none":
        return None
    if key[0] in ("lowpass", "highpass"):
        return _causal_response(key[0], float(key[1]), n, rate)
    return _zero_phase_response(_curve(key, profile), n, rate)


@lru_cache(maxsize=4)
def _causal_response(kind: str, cutoff_hz: float, n: int, rate: int) -> np.ndarray:
    order = 2 if kind == "highpass" else 1
    sos = signal.butter(order, cutoff_hz, btype=kind, fs=rate, output="sos")
    _, response = signal.sosfreqz(sos, worN=np.fft.rfftfreq(n, 1.0 / rate), fs=rate)
    return np.asarray(response, dtype=np.complex64)


@lru_cache(maxsize=24)
def _zero_phase_response(curve_db: tuple[float, ...], n: int, rate: int) -> np.ndarray:
    """The linear-phase FIR of ``curve_db`` centred on frame 0: real, with no delay."""
    fir = _fir(curve_db, rate)
    centred = np.zeros(n)
    half = FIR_TAPS // 2
    centred[: half + 1] = fir[half:]
    centred[-half:] = fir[:half]
    return np.fft.rfft(centred).real.astype(np.float32)


@lru_cache(maxsize=2)
def _k_power(n: int, rate: int) -> np.ndarray:
    """|K-weighting|² on the ``rfft`` grid, with the one-sided bins counted twice."""
    _, response = signal.sosfreqz(
        k_weighting_sos(rate), worN=np.fft.rfftfreq(n, 1.0 / rate), fs=rate
    )
    power = np.abs(response) ** 2
    power[1:-1] *= 2.0
    return power


@lru_cache(maxsize=64)
def _fir(curve_db: tuple[float, ...], rate: int) -> np.ndarray:
    """A linear-phase FIR whose octave-band gains are ``curve_db`` (its shape, at least).

    The gains are interpolated in dB on a log-frequency grid (flat beyond the end
    bands); three corrections then make the FIR's own band levels, measured through
    the octave filters of the statistics, match the curve's shape.
    """
    target = np.asarray(curve_db[: len(_bands(rate))], dtype=np.float64)
    design = target.copy()
    fir = _design(design, rate)
    for _ in range(3):
        achieved = _fir_band_db(fir, rate)
        error = (target - target.mean()) - (achieved - achieved.mean())
        design = design + error
        fir = _design(design, rate)
    return fir


def _bands(rate: int) -> tuple[float, ...]:
    return tuple(f for f in BANDS_HZ if f / math.sqrt(2.0) < 0.49 * rate)


def _design(curve_db: np.ndarray, rate: int) -> np.ndarray:
    nyquist = rate / 2.0
    centres = np.log(np.array(_bands(rate)))
    grid = np.concatenate([[0.0], np.geomspace(20.0, nyquist * 0.999, 256), [nyquist]])
    gains_db = np.interp(np.log(np.maximum(grid, 1.0)), centres, curve_db)
    return np.asarray(signal.firwin2(FIR_TAPS, grid, 10.0 ** (gains_db / 20.0), fs=rate))


_GRID = 16384


@lru_cache(maxsize=8)
def _band_weights(rate: int) -> np.ndarray:
    """Power responses of the statistics' octave filters on freqz's grid of :data:`_GRID`."""
    weights = []
    for sos in octave_filters(rate):
        _, response = signal.sosfreqz(sos, worN=_GRID, fs=rate)
        weights.append(np.abs(response) ** 2)
    return np.array(weights)


def _fir_band_db(fir: np.ndarray, rate: int) -> np.ndarray:
    weights = _band_weights(rate)
    _, response = signal.freqz(fir, worN=_GRID, fs=rate)  # an FFT on an even grid
    flat = weights.sum(axis=1)
    return 10.0 * np.log10((weights @ (np.abs(response) ** 2) + 1e-20) / flat)


def room_response(kind: str, profile: Profile, rng: np.random.Generator, rate: int) -> np.ndarray:
    """Direct sound plus a dark decaying tail whose late energy makes the measured tail.

    The tail's energy after :data:`TAIL_SPLIT_S` re the direct sound is the measured
    tail of ``kind`` less that of the close mics (the drum's own ring, which the dry
    sample already has), at least -30 dB, times :data:`TAIL_FIT`.
    """
    decay_s = TAIL_DECAY_S[kind]
    t = np.arange(round(_IR_LENGTH_DECAYS * decay_s * rate)) / rate
    tail = rng.standard_normal(t.size) * np.exp(-t / decay_s)
    tail = np.asarray(signal.sosfilt(signal.butter(1, 5000.0, fs=rate, output="sos"), tail))
    tail[t < _TAIL_START_S] = 0.0
    extra = 10.0 ** (profile.tail_db[kind] / 10.0) - 10.0 ** (profile.tail_db["close"] / 10.0)
    late_share = math.exp(-2.0 * (TAIL_SPLIT_S - _TAIL_START_S) / decay_s)
    energy = TAIL_FIT * max(extra, 1e-3) / late_share
    ir = tail * math.sqrt(energy / float(np.sum(tail**2)))
    ir[0] += 1.0
    return ir
