"""Fixtures for the analysis tests: small multitracks and a counting extractor."""

from __future__ import annotations

import numpy as np
import pytest

from drumassist.core.multitrack import Multitrack, from_arrays
from tests.conftest import drum_hits

SR = 44100


class CountingExtractor:
    """A cheap extractor that records what it computed (in-process only)."""

    name = "counting"
    version = "1"

    def __init__(self) -> None:
        self.calls: list[int] = []

    def params(self) -> dict[str, object]:
        return {}

    def feature_names(self) -> tuple[str, ...]:
        return ("peak", "rms")

    def extract(self, audio: np.ndarray, sample_rate: int) -> np.ndarray:
        self.calls.append(audio.size)
        return np.array([np.abs(audio).max(), np.sqrt(np.mean(audio**2))], dtype=np.float64)


def hits(seconds: float, *, sample_rate: int = SR, freq_hz: float = 200.0, seed: int = 1):
    """A crude drum track of ``seconds`` (at least one sample)."""
    frames = max(1, round(seconds * sample_rate))
    return drum_hits(frames, sample_rate, freq_hz=freq_hz, every_s=0.25, seed=seed)


@pytest.fixture
def small_multitrack() -> Multitrack:
    """Four 1-second tracks, one of them digital silence."""
    return from_arrays(
        {
            "kick": hits(1.0, freq_hz=60, seed=1),
            "snare": hits(1.0, freq_hz=200, seed=2),
            "hat": hits(1.0, freq_hz=7000, seed=3),
            "empty": np.zeros(SR, dtype=np.float32),
        },
        sample_rate=SR,
    )


@pytest.fixture
def counting() -> CountingExtractor:
    return CountingExtractor()
