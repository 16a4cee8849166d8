"""Simulated microphones around a kit: close mics with bleed, overheads and room mics.

Every drum (a *source*: ``kick``, ``snare``, ``hi-hat``, ``tom0``.., ``crash``,
``ride``) sits at a point of a kit geometry in metres (x to the drummer's right, y
away from the drummer, z up), jittered per session. Every mic hears every source,
delayed by distance / 343 m/s:

* a **close** mic hears its own drum directly, and every other drum as bleed,
  attenuated by ``20 log10(d / d_own) + 6`` dB (off-axis rejection; 6 dB more inside
  a kick shell) clipped to 20..32 dB, and low-passed (first order) at
  ``1500 / d`` Hz clipped to 2..5 kHz. A kick *out* mic hears its drum low-passed at
  4 kHz (less beater); a snare *bottom* mic hears the wires (high-passed at 400 Hz)
  with inverted polarity, since the bottom head moves the other way.
* an **overhead** hears the whole kit at ``1/d`` (so the cymbals, nearest, are
  strongest), high-passed at 120 Hz, through a short room response.
* a **room** mic hears the whole kit at ``1/d``, darkened (7 kHz), through a room
  response whose tail is as loud as the direct sound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import signal

from drumassist.core.demo import SPEED_OF_SOUND_M_S
from drumassist.core.demo import room_impulse_response as room_ir

Point = tuple[float, float, float]

BLEED_RANGE_DB = (20.0, 32.0)
OFF_AXIS_REJECTION_DB = 6.0
KICK_SHELL_ISOLATION_DB = 6.0
_CUTOFF_STEP_HZ = 250.0

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
) -> np.ndarray:
    """The signal ``mic`` records (before its input trim), float64 like the sources."""
    frames = len(next(iter(sources.values())))
    groups: dict[tuple[str, float], np.ndarray] = {}
    for name, audio in sources.items():
        distance = max(math.dist(position, geometry[name]), 0.02)
        level, key = _path(mic, name, distance, position, geometry)
        delay = round(distance / SPEED_OF_SOUND_M_S * sample_rate)
        if level == 0.0 or delay >= frames:
            continue
        target = groups.setdefault(key, np.zeros(frames))
        target[delay:] += level * audio[: frames - delay]
    out = np.zeros(frames)
    for (kind, cutoff_hz), summed in groups.items():
        out += _filter(summed, kind, cutoff_hz, sample_rate)
    if mic.kind == "overhead":
        out = signal.oaconvolve(out, room_ir(rng, sample_rate))[:frames]
    elif mic.kind == "room":
        ir = room_ir(rng, sample_rate)
        ir[0] -= 0.7  # the direct sound 10 dB down, level with the tail
        out = signal.oaconvolve(out, ir)[:frames]
    return out


def _path(
    mic: Mic, name: str, distance: float, position: Point, geometry: dict[str, Point]
) -> tuple[float, tuple[str, float]]:
    """The level and filter of the path from source ``name`` to ``mic``."""
    if mic.kind == "overhead":
        return 1.0 / distance, ("highpass", 120.0)
    if mic.kind == "room":
        return 1.0 / distance, ("lowpass", 7000.0)
    if name == mic.source:
        own = {"out": (1.0, ("lowpass", 4000.0)), "bottom": (-1.0, ("highpass", 400.0))}
        return own.get(str(mic.variant), (1.0, ("none", 0.0)))
    own_distance = max(math.dist(position, geometry[str(mic.source)]), 0.02)
    isolation = KICK_SHELL_ISOLATION_DB if (mic.source, mic.variant) == ("kick", "in") else 0.0
    att_db = 20.0 * math.log10(distance / own_distance) + OFF_AXIS_REJECTION_DB + isolation
    att_db = float(np.clip(att_db, *BLEED_RANGE_DB))
    cutoff = float(np.clip(1500.0 / distance, 2000.0, 5000.0))
    cutoff = round(cutoff / _CUTOFF_STEP_HZ) * _CUTOFF_STEP_HZ  # fewer distinct filters
    return 10.0 ** (-att_db / 20.0), ("lowpass", cutoff)


def _filter(audio: np.ndarray, kind: str, cutoff_hz: float, sample_rate: int) -> np.ndarray:
    if kind == "none":
        return audio
    order = 2 if kind == "highpass" else 1
    sos = signal.butter(
        order, min(cutoff_hz, 0.45 * sample_rate), btype=kind, fs=sample_rate, output="sos"
    )
    return np.asarray(signal.sosfilt(sos, audio))
