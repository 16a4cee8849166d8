"""BS.1770 loudness: agrees with pyloudnorm, copes with silence and very short tracks."""

from __future__ import annotations

import math

import numpy as np
import pyloudnorm
import pytest

from drumassist.core.loudness import gain_to_target_db, integrated_loudness, is_silent


def _bursty(sample_rate: int, seconds: float, channels: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    frames = int(sample_rate * seconds)
    env = np.repeat(rng.uniform(0, 1, frames // 1000 + 1) ** 3, 1000)[:frames]
    return rng.standard_normal((frames, channels)) * env[:, None] * 0.2


@pytest.mark.parametrize("sample_rate", [44100, 48000, 96000, 22050])
@pytest.mark.parametrize("channels", [1, 2])
def test_agrees_with_pyloudnorm(sample_rate, channels):
    audio = _bursty(sample_rate, 7.3, channels, seed=sample_rate + channels)
    ours = integrated_loudness(audio.astype(np.float32), sample_rate)
    reference = pyloudnorm.Meter(sample_rate).integrated_loudness(
        audio if channels > 1 else audio[:, 0]
    )
    assert ours == pytest.approx(reference, abs=0.01)


def test_sine_reference_level():
    # BS.1770: a 997 Hz sine at -20 dBFS peak on one channel reads about -23 LUFS.
    sr = 48000
    t = np.arange(10 * sr) / sr
    sine = 10 ** (-20 / 20) * np.sin(2 * np.pi * 997 * t)
    assert integrated_loudness(sine, sr) == pytest.approx(-23.0, abs=0.1)


@pytest.mark.parametrize(
    "audio", [np.zeros(44100), np.zeros((44100, 2)), np.zeros(0), 1e-9 * np.ones(44100)]
)
def test_silence_is_minus_infinity(audio):
    value = integrated_loudness(audio, 44100)
    assert value == -math.inf
    assert is_silent(value)
    assert gain_to_target_db(value, -23.0) == 0.0


@pytest.mark.parametrize("frames", [1, 10, 441, 17639])
def test_short_tracks_measure_over_one_padded_block(frames):
    sr = 44100
    hit = np.hanning(frames) * 0.8
    padded = np.zeros(17640)
    padded[:frames] = hit
    value = integrated_loudness(hit, sr)
    assert math.isfinite(value)
    assert value == pytest.approx(pyloudnorm.Meter(sr).integrated_loudness(padded), abs=0.01)


def test_gain_to_target():
    assert gain_to_target_db(-30.0, -23.0) == pytest.approx(7.0)
