"""BS.1770 loudness: agrees with pyloudnorm, copes with silence and very short tracks."""

from __future__ import annotations

import math
import tracemalloc

import numpy as np
import pyloudnorm
import pytest
from scipy.signal import sosfilt

from drumassist.core import loudness
from drumassist.core.loudness import (
    BLOCK_S,
    OVERLAP,
    block_energies,
    gain_to_target_db,
    integrated_loudness,
    is_silent,
    k_weighting_sos,
)


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


def _unchunked_block_energies(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """The former whole-track block_energies: the reference the chunked one must equal."""
    data = audio[:, None] if audio.ndim == 1 else audio
    block = math.ceil(BLOCK_S * sample_rate)
    frames = max(data.shape[0], block)
    hop_s = BLOCK_S * (1.0 - OVERLAP)
    hops_per_block = round(BLOCK_S / hop_s)
    count = round((frames / sample_rate - BLOCK_S) / hop_s) + 1
    bounds = (np.arange(count + hops_per_block - 1) * hop_s * sample_rate).astype(np.int64)
    energies = np.zeros((count, data.shape[1]))
    for ch in range(data.shape[1]):
        signal = np.zeros(frames)
        signal[: data.shape[0]] = data[:, ch]
        weighted = sosfilt(k_weighting_sos(sample_rate), signal)
        hops = np.add.reduceat(weighted * weighted, bounds[bounds < frames])
        hops = np.pad(hops, (0, len(bounds) - len(hops)))
        windows = np.lib.stride_tricks.sliding_window_view(hops, hops_per_block)
        energies[:, ch] = windows[:count].sum(axis=1)
    return energies / (BLOCK_S * sample_rate)


@pytest.mark.parametrize("chunk_hops", [1, 3, 50])
@pytest.mark.parametrize(
    ("sample_rate", "seconds"), [(44100, 12.34), (48000, 5.0), (22050, 0.25), (44100, 0.4)]
)
@pytest.mark.parametrize("channels", [1, 2])
def test_chunked_block_energies_equal_the_whole_track_ones(
    monkeypatch, chunk_hops, sample_rate, seconds, channels
):
    monkeypatch.setattr(loudness, "CHUNK_HOPS", chunk_hops)
    audio = _bursty(sample_rate, seconds, channels, seed=channels).astype(np.float32)
    if channels == 1:
        audio = audio[:, 0]
    np.testing.assert_array_equal(
        block_energies(audio, sample_rate), _unchunked_block_energies(audio, sample_rate)
    )


@pytest.mark.parametrize("channels", [1, 2])
def test_block_energies_memory_does_not_grow_with_length(channels):
    # One minute of stereo float64 was about 60 MB of temporaries before chunking.
    audio = _bursty(44100, 60.0, channels, seed=3).astype(np.float32)
    block_energies(audio[:44100], 44100)  # the filter design is cached outside the trace
    tracemalloc.start()
    try:
        block_energies(audio, 44100)
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak_bytes < 12e6
