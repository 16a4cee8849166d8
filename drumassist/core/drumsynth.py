"""Synthesised drum sounds for the built-in demo: kick, snare, hats, cymbals, toms.

Each sound is made as two components, a *body* and a *bright* part, so a hit of
velocity ``v`` is ``v * body + v**2 * bright``: louder hits are brighter as well as
louder, with no synthesis per hit. Every sound has its own seed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np
import numpy.typing as npt
from scipy import signal

FloatArray = npt.NDArray[np.float64]

VARIANTS = 2  # round robin, so repeated hits are not sample-identical
_END_FADE_S = 0.05


def time_axis(length_s: float, sr: int) -> FloatArray:
    return np.arange(round(length_s * sr)) / sr


def _env(t: FloatArray, decay_s: float, attack_s: float = 0.001) -> FloatArray:
    return (1.0 - np.exp(-t / attack_s)) * np.exp(-t / decay_s)


def _unit(x: FloatArray) -> FloatArray:
    peak = float(np.max(np.abs(x)))
    return x / peak if peak > 0 else x


def filt(
    x: FloatArray, kind: str, cutoff_hz: float | tuple[float, float], sr: int, order: int = 2
) -> FloatArray:
    """Butterworth filter with its cutoffs kept safely below Nyquist."""
    if isinstance(cutoff_hz, tuple):
        high_hz = min(cutoff_hz[1], 0.45 * sr)
        wn: float | tuple[float, float] = (min(cutoff_hz[0], high_hz / 1.25), high_hz)
    else:
        wn = min(cutoff_hz, 0.45 * sr)
    sos = signal.butter(order, wn, btype=kind, fs=sr, output="sos")
    return np.asarray(signal.sosfilt(sos, x, axis=-1))


def _metal(rng: np.random.Generator, t: FloatArray, freqs_hz: FloatArray) -> FloatArray:
    """Inharmonic square waves, the TR-808 recipe for metallic tones."""
    phases = rng.uniform(0.0, 2.0 * np.pi, (len(freqs_hz), 1))
    return np.sign(np.sin(2.0 * np.pi * np.asarray(freqs_hz)[:, None] * t + phases)).sum(axis=0)


def _kick(rng: np.random.Generator, sr: int) -> FloatArray:
    t = time_axis(0.8, sr)
    f_start_hz, f_end_hz = rng.uniform(140.0, 160.0), rng.uniform(48.0, 55.0)
    freq_hz = f_end_hz + (f_start_hz - f_end_hz) * np.exp(-t / 0.03)
    body = np.tanh(1.5 * np.sin(2.0 * np.pi * np.cumsum(freq_hz) / sr)) * _env(t, 0.2, 0.0005)
    click = filt(rng.standard_normal(t.size), "bandpass", (1500.0, 7000.0), sr)
    return np.stack([_unit(body), 0.5 * _unit(click * _env(t, 0.005, 0.0002))])


def _snare(rng: np.random.Generator, sr: int) -> FloatArray:
    t = time_axis(0.6, sr)
    bent = np.cumsum(1.0 + 0.06 * np.exp(-t / 0.012)) / sr  # the head's pitch drop
    ratio, amp, decay_s = np.array([[1.0, 1.59, 2.14, 2.3], [1.0, 0.5, 0.35, 0.25],
                                    [0.09, 0.06, 0.05, 0.04]])[:, :, None]  # fmt: skip
    f0_hz = rng.uniform(180.0, 220.0)
    tone = amp * np.sin(2.0 * np.pi * f0_hz * ratio * bent) * np.exp(-t / decay_s)
    noise = rng.standard_normal(t.size)
    wires = _unit(filt(noise, "bandpass", (800.0, 5000.0), sr)) * _env(t, 0.14)
    sizzle = _unit(filt(noise, "bandpass", (4000.0, 10000.0), sr)) * _env(t, 0.1, 0.0005)
    return np.stack([_unit(_unit(tone.sum(axis=0)) + 0.8 * wires), 0.7 * sizzle])


def _hat(rng: np.random.Generator, sr: int, *, open_hat: bool) -> FloatArray:
    t = time_axis(1.6 if open_hat else 0.35, sr)
    freqs_hz = np.array([205.3, 304.4, 369.6, 522.7, 540.0, 800.0]) * rng.uniform(0.97, 1.03)
    metal, noise = _metal(rng, t, freqs_hz), rng.standard_normal(t.size)
    band = _unit(filt(metal, "bandpass", (6000.0, 12000.0), sr))
    hiss = _unit(filt(noise, "highpass", 7000.0, sr))
    air = _unit(filt(metal + 2.0 * noise, "highpass", 10000.0, sr))
    decay_s = 0.45 if open_hat else 0.04
    body = _unit(band + 0.4 * hiss) * _env(t, decay_s, 0.0005)
    return np.stack([body, 0.5 * air * _env(t, 0.6 * decay_s, 0.0005)])


def _cymbal(rng: np.random.Generator, sr: int, *, decay_s: float, ping: bool) -> FloatArray:
    """A washy crash or, with ``ping``, a ride whose stick note rings through the wash."""
    t = time_axis(3.0 * decay_s, sr)
    ring = _metal(rng, t, rng.uniform(300.0, 1200.0, 3))  # ring modulation: denser partials
    metal = _metal(rng, t, rng.uniform(250.0, 900.0, 8)) * ring
    noise = rng.standard_normal(t.size)
    shimmer = _unit(filt(metal, "bandpass", (2500.0, 9000.0), sr))
    wash = _unit(filt(noise, "bandpass", (2000.0, 8000.0), sr))
    low = _unit(filt(metal, "bandpass", (500.0, 2500.0), sr))
    body = (shimmer + 0.6 * wash) * _env(t, decay_s, 0.002) + 0.4 * low * _env(t, 0.6 * decay_s)
    if ping:
        bell = _unit(filt(_metal(rng, t, rng.uniform(2500.0, 5000.0, 3)), "highpass", 2500.0, sr))
        body = 0.5 * _unit(body) + bell * _env(t, 0.4)
    air = _unit(filt(metal + noise, "highpass", 8000.0, sr)) * _env(t, 0.5 * decay_s)
    return np.stack([_unit(body), air])


def _tom(rng: np.random.Generator, sr: int, *, pitch_hz: float) -> FloatArray:
    t = time_axis(2.0, sr)
    f0_hz = pitch_hz * rng.uniform(0.97, 1.03)
    decay_s = 0.08 + 0.2 * (150.0 / pitch_hz) ** 0.8  # bigger drums ring longer
    bent = np.cumsum(1.0 + 0.3 * np.exp(-t / 0.06)) / sr  # pitch drops as the head settles
    tone = np.sin(2.0 * np.pi * f0_hz * bent) * np.exp(-t / decay_s)
    tone += 0.35 * np.sin(3.0 * np.pi * f0_hz * bent) * np.exp(-t / (0.5 * decay_s))
    noise = rng.standard_normal(t.size)
    skin = _unit(filt(noise, "bandpass", (2.0 * f0_hz, 10.0 * f0_hz), sr)) * _env(t, 0.05)
    stick = _unit(filt(noise, "bandpass", (1500.0, 6000.0), sr)) * _env(t, 0.006, 0.0002)
    return np.stack([_unit(_unit(np.tanh(1.3 * tone)) + 0.25 * skin), 0.4 * stick])


# sound -> (where it is in the kit, peak level at full velocity, synthesiser)
SOUNDS: dict[str, tuple[str, float, Callable[[np.random.Generator, int], FloatArray]]] = {
    "kick": ("kick", 1.0, _kick),
    "snare": ("snare", 1.0, _snare),
    "hat_closed": ("hi-hat", 0.5, partial(_hat, open_hat=False)),
    "hat_open": ("hi-hat", 0.5, partial(_hat, open_hat=True)),
    "tom_1": ("tom_1", 0.8, partial(_tom, pitch_hz=150.0)),
    "tom_2": ("tom_2", 0.8, partial(_tom, pitch_hz=110.0)),
    "tom_3": ("tom_3", 0.8, partial(_tom, pitch_hz=80.0)),
    "crash": ("crash", 0.8, partial(_cymbal, decay_s=1.4, ping=False)),
    "ride": ("ride", 0.6, partial(_cymbal, decay_s=1.0, ping=True)),
}


def synth_sounds(
    seed_seq: np.random.SeedSequence, sr: int, used: set[str]
) -> dict[str, list[FloatArray]]:
    """The variants of each used sound as (2, n) body/bright components peaking at its level.

    Every sound has its own seed, so it does not change with which others are used.
    """
    fade = np.linspace(1.0, 0.0, round(_END_FADE_S * sr))
    sounds = {}
    for (name, (_, level, synth)), sound_seq in zip(
        SOUNDS.items(), seed_seq.spawn(len(SOUNDS)), strict=True
    ):
        if name not in used:
            continue
        rng = np.random.default_rng(sound_seq)
        variants = [synth(rng, sr) for _ in range(VARIANTS)]
        for comps in variants:
            comps[:, -fade.size :] *= fade  # no click where a snippet ends
        sounds[name] = [level * c / np.max(np.abs(c.sum(axis=0))) for c in variants]
    return sounds
