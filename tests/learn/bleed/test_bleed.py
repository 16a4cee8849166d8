"""The bleed-aware baseline measures each close mic's own drum, not its neighbours'."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.signal import butter, sosfilt

from drumassist.core.loudness import integrated_loudness
from drumassist.core.mixloudness import track_loudness
from drumassist.core.multitrack import from_arrays
from drumassist.core.roles import Role
from drumassist.learn.bleed.measure import bleed_aware_gains, own_loudness

RATE = 44100


def _drum(freq_hz: float, every_s: float, offset_s: float, level: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    frames = 12 * RATE
    out = np.zeros(frames)
    hit_len = int(0.25 * RATE)
    t = np.arange(hit_len) / RATE
    for start_s in np.arange(offset_s, 12 - 0.3, every_s):
        hit = np.sin(2 * np.pi * freq_hz * t) + 0.3 * rng.standard_normal(hit_len)
        start = int(start_s * RATE)
        out[start : start + hit_len] += level * hit * np.exp(-t / 0.06)
    return out


def _bleed(source: np.ndarray, delay_ms: float, atten_db: float) -> np.ndarray:
    lowpass = butter(2, 3000, fs=RATE, output="sos")
    shift = int(delay_ms * RATE / 1000)
    delayed = np.concatenate([np.zeros(shift), source[:-shift]])
    return sosfilt(lowpass, delayed) * 10 ** (-atten_db / 20)


@pytest.fixture
def kit():
    drums = {
        "kick": _drum(60, 0.5, 0.0, 0.8, 1),
        "snare": _drum(200, 1.0, 0.25, 0.6, 2),
        "tom": _drum(110, 3.0, 1.37, 0.1, 3),  # quiet and seldom: bleed dominates its mic
    }
    mics = {}
    for name, own in drums.items():
        others = [_bleed(src, 2.5, 20.0) for other, src in drums.items() if other != name]
        mics[name] = (own + sum(others)).astype(np.float32)
    mics["OH"] = sum(_bleed(src, 4.0, 6.0) for src in drums.values()).astype(np.float32)
    return drums, from_arrays(mics, sample_rate=RATE)


def test_own_loudness_is_the_drum_not_the_bleed(kit):
    drums, mt = kit
    estimated = own_loudness(mt)
    plain = track_loudness(mt)
    for i, name in enumerate(("kick", "snare", "tom")):
        true = integrated_loudness(drums[name], RATE)
        assert estimated[i] == pytest.approx(true, abs=1.5), name
    # The tom mic is mostly bleed: plain loudness misjudges it, the estimate does not.
    true_tom = integrated_loudness(drums["tom"], RATE)
    assert abs(plain[2] - true_tom) > 3 * abs(estimated[2] - true_tom)


def test_ambient_mics_are_measured_whole(kit):
    _, mt = kit
    assert mt.tracks[3].role is Role.OVERHEAD
    assert own_loudness(mt)[3] == pytest.approx(
        integrated_loudness(mt.tracks[3].audio, RATE), abs=0.5
    )


def test_gains_and_silence(kit):
    _, mt = kit
    arrays = {t.name: t.audio for t in mt.tracks}
    arrays["tom 2"] = np.zeros(12 * RATE, dtype=np.float32)
    gains = bleed_aware_gains(from_arrays(arrays, sample_rate=RATE))
    assert gains[-1] == -math.inf
    assert np.isfinite(gains[:-1]).all()


def test_two_mics_on_one_drum_are_not_each_others_bleed(kit):
    drums, mt = kit
    arrays = {t.name: t.audio for t in mt.tracks}
    # A snare bottom mic: the same drum, polarity inverted, a little darker and quieter.
    arrays["snare bottom"] = -_bleed(drums["snare"], 0.5, 4.0).astype(np.float32)
    two = from_arrays(arrays, sample_rate=RATE)
    assert two.tracks[-1].role is Role.SNARE
    estimated = own_loudness(two)
    plain = track_loudness(two)
    assert estimated[1] == pytest.approx(plain[1], abs=1.0)  # snare top keeps its drum
    assert estimated[-1] == pytest.approx(plain[-1], abs=1.5)
