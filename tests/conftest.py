"""Shared fixtures: real audio files written to tmp_path, and the ENST excerpt."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

# One OpenMP thread for scikit-learn's boosting and numpy's BLAS in the tests (set before
# they load): on a 2-core machine shared with other jobs, spinning OpenMP threads made
# fitting a small boosted model a hundred times slower. Set OMP_NUM_THREADS to override.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pytest
import soundfile as sf

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
ENST_EXCERPT = SHARED / "fixtures" / "enst-excerpt"

WriteStems = Callable[..., Path]


@pytest.fixture(autouse=True)
def _private_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Keep tests out of the user's real data and cache folders."""
    base = tmp_path_factory.mktemp("userdirs")
    monkeypatch.setenv("DRUMASSIST_DATA_DIR", str(base / "data"))
    monkeypatch.setenv("DRUMASSIST_CACHE_DIR", str(base / "cache"))
    monkeypatch.setenv("DRUMASSIST_CONFIG_DIR", str(base / "config"))
    monkeypatch.setenv("DRUMASSIST_LOG_DIR", str(base / "log"))


@pytest.fixture
def enst_excerpt() -> Path:
    """The real ENST-Drums excerpt from ../shared; skipped where it is absent."""
    if not (ENST_EXCERPT / "stems").is_dir():
        pytest.skip(f"the ENST excerpt is not at {ENST_EXCERPT} (../shared is absent)")
    return ENST_EXCERPT


def drum_hits(
    frames: int,
    sample_rate: int,
    *,
    freq_hz: float,
    every_s: float,
    seed: int,
    decay_s: float = 0.08,
) -> np.ndarray:
    """A decaying tone burst repeated with random levels: a crude drum, distinct per track."""
    rng = np.random.default_rng(seed)
    t = np.arange(frames) / sample_rate
    phase = np.mod(t, every_s)
    env = np.exp(-phase / decay_s)
    noise = rng.standard_normal(frames) * 0.3
    levels = rng.uniform(0.3, 0.9, int(np.ceil(t[-1] / every_s)) + 1)[(t // every_s).astype(int)]
    return (levels * env * (np.sin(2 * np.pi * freq_hz * t) + noise) * 0.5).astype(np.float32)


@pytest.fixture
def make_stems(tmp_path: Path) -> WriteStems:
    """Write stems to a folder: ``make_stems({"kick": array, ...}, sample_rate=44100)``."""

    def write(
        arrays: Mapping[str, np.ndarray],
        *,
        sample_rate: int = 44100,
        folder: str = "stems",
        subtype: str = "PCM_24",
        ext: str = ".wav",
    ) -> Path:
        out = tmp_path / folder
        out.mkdir(parents=True, exist_ok=True)
        for name, data in arrays.items():
            sf.write(str(out / f"{name}{ext}"), data, sample_rate, subtype=subtype)
        return out

    return write


@pytest.fixture
def drum_arrays() -> dict[str, np.ndarray]:
    """Four 3-second tracks of distinct crude drums at 44.1 kHz."""
    frames = 3 * 44100
    return {
        "Kick In": drum_hits(frames, 44100, freq_hz=60, every_s=0.5, seed=1),
        "Snare Top": drum_hits(frames, 44100, freq_hz=200, every_s=0.7, seed=2),
        "HH": drum_hits(frames, 44100, freq_hz=7000, every_s=0.25, seed=3, decay_s=0.03),
        "OH L": drum_hits(frames, 44100, freq_hz=3000, every_s=0.33, seed=4, decay_s=0.3),
    }


@pytest.fixture
def missing_flexible(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped flexible model's folder is an empty one: asking for it is a real ModelError.

    Returns that folder (``.../drumassist-model``), which the error message names.
    """
    from drumassist.learn.models import registry
    from drumassist.learn.models.persist import load_shipped_model

    folder = tmp_path / "drumassist-model"
    folder.mkdir()
    real = registry.shipped_model_dir

    def shipped_model_dir(method: str) -> Path:
        return folder if registry.resolve(method) == "flexible" else real(method)

    monkeypatch.setattr(registry, "shipped_model_dir", shipped_model_dir)
    load_shipped_model.cache_clear()
    yield folder
    load_shipped_model.cache_clear()
