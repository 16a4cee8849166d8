"""A disk cache of feature vectors, keyed by the audio and the extractor.

The key is the SHA-256 of the mono float32 samples, the sample rate and the
extractor's name, version and parameters: change any of them and the entry is
simply not found. An entry is an ``.npz`` (values, a hash of the feature names, the
silent flag) written atomically. An entry that cannot be read or does not fit
(wrong length, other names, non-finite values) is logged, deleted and recomputed,
never trusted.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from drumassist.analysis.common import Extractor
from drumassist.core.conditioning import RECIPE as CONDITIONING
from drumassist.core.measurecache import read_arrays, write_arrays

log = logging.getLogger(__name__)

#: Bumped when the layout of an entry changes.
#: 2: tracks are analysed conditioned (:mod:`drumassist.core.conditioning`), whose
#: recipe is part of the key, so no entry of unconditioned audio is ever served.
FORMAT = "drumassist-features-2"


def names_hash(names: tuple[str, ...]) -> str:
    """A short fingerprint of the feature names and their order."""
    return hashlib.sha256("\n".join(names).encode()).hexdigest()[:32]


class FeatureCache:
    """Feature vectors on disk, under ``root`` (default ``cache_dir() / "features"``)."""

    def __init__(self, root: Path | None = None) -> None:
        if root is None:
            from drumassist.core.paths import cache_dir

            root = cache_dir() / "features"
        self.root = Path(root)

    def key(self, audio: np.ndarray, sample_rate: int, extractor: Extractor) -> str:
        """The cache key of a mono track for ``extractor``."""
        data = np.ascontiguousarray(audio, dtype=np.float32)
        recipe = {
            "format": FORMAT,
            "conditioning": CONDITIONING,
            "sample_rate": int(sample_rate),
            "frames": int(data.size),
            "extractor": extractor.name,
            "version": extractor.version,
            "params": extractor.params(),
        }
        digest = hashlib.sha256(json.dumps(recipe, sort_keys=True, default=str).encode())
        digest.update(data.data)
        return digest.hexdigest()

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.npz"

    def load(self, key: str, names: tuple[str, ...]) -> tuple[np.ndarray, bool] | None:
        """The stored ``(values, silent)`` for ``key``, or None if absent or unusable."""

        def problem(entry: Mapping[str, np.ndarray]) -> str:
            values = np.asarray(entry["values"], dtype=np.float64)
            return _problem(values, str(entry["names_hash"]), names)

        entry = read_arrays(self.path(key), problem, what="feature cache", logger=log)
        if entry is None:
            return None
        return np.asarray(entry["values"], dtype=np.float64), bool(entry["silent"])

    def store(self, key: str, values: np.ndarray, names: tuple[str, ...], *, silent: bool) -> None:
        """Write an entry atomically; a failure is logged, never raised (it is only a cache)."""
        arrays = {
            "values": np.asarray(values, dtype=np.float64),
            "names_hash": np.array(names_hash(names)),
            "silent": np.array(silent),
        }
        write_arrays(self.path(key), arrays, what="feature cache", logger=log)


def _problem(values: np.ndarray, stored_hash: str, names: tuple[str, ...]) -> str:
    """Why a stored entry does not fit ``names`` ("" when it does)."""
    if values.shape != (len(names),):
        return f"{values.size} values, expected {len(names)}"
    if stored_hash != names_hash(names):
        return "the feature names differ"
    if not np.isfinite(values).all():
        return "non-finite values"
    return ""
