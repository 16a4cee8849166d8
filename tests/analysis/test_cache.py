"""The feature cache: hits, invalidation, and entries that must not be trusted."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from drumassist.analysis import FeatureCache, analyse
from drumassist.analysis.fast import FastExtractor
from drumassist.core.multitrack import from_arrays

from .conftest import SR, hits


@pytest.fixture
def cache(tmp_path) -> FeatureCache:
    return FeatureCache(tmp_path / "features")


def _one_track(seed: int = 1):
    return from_arrays({"snare": hits(1.0, seed=seed)}, sample_rate=SR)


def test_default_root_is_in_the_user_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("DRUMASSIST_CACHE_DIR", str(tmp_path))
    assert FeatureCache().root == tmp_path / "features"


def test_a_hit_returns_identical_vectors(cache):
    first = analyse(_one_track(), cache=cache)
    second = analyse(_one_track(), cache=cache)
    assert not first.tracks[0].cached and second.tracks[0].cached
    np.testing.assert_array_equal(first.matrix(), second.matrix())
    assert len(list(cache.root.rglob("*.npz"))) == 1


def test_changed_audio_misses(cache):
    analyse(_one_track(seed=1), cache=cache)
    assert not analyse(_one_track(seed=2), cache=cache).tracks[0].cached


def test_a_new_extractor_version_misses(cache, monkeypatch):
    analyse(_one_track(), cache=cache)
    monkeypatch.setattr(FastExtractor, "version", "999")
    result = analyse(_one_track(), cache=cache)
    assert not result.tracks[0].cached and result.version == "999"


def test_the_silent_flag_is_stored(cache, small_multitrack):
    analyse(small_multitrack, cache=cache, workers=1)
    again = analyse(small_multitrack, cache=cache, workers=1)
    assert all(t.cached for t in again.tracks)
    assert [t.silent for t in again.tracks] == [False, False, False, True]


def _corrupt_truncate(path, names):
    path.write_bytes(path.read_bytes()[:40])


def _corrupt_junk(path, names):
    path.write_bytes(b"not a numpy archive at all")


def _corrupt_length(path, names):
    np.savez(path, values=np.zeros(3), names_hash=np.array("x"), silent=np.array(False))


def _corrupt_names(path, names):
    with np.load(path) as entry:
        values = entry["values"]
    np.savez(path, values=values, names_hash=np.array("other"), silent=np.array(False))


def _corrupt_nan(path, names):
    from drumassist.analysis.cache import names_hash

    values = np.full(len(names), np.nan)
    np.savez(path, values=values, names_hash=np.array(names_hash(names)), silent=np.array(False))


@pytest.mark.parametrize(
    "corrupt", [_corrupt_truncate, _corrupt_junk, _corrupt_length, _corrupt_names, _corrupt_nan]
)
def test_a_corrupt_entry_is_recomputed(cache, caplog, corrupt):
    good = analyse(_one_track(), cache=cache)
    (path,) = cache.root.rglob("*.npz")
    corrupt(path, good.feature_names)
    with caplog.at_level(logging.WARNING, logger="drumassist.analysis.cache"):
        again = analyse(_one_track(), cache=cache)
    assert not again.tracks[0].cached
    np.testing.assert_array_equal(again.matrix(), good.matrix())
    assert "recomputing" in caplog.text
    assert analyse(_one_track(), cache=cache).tracks[0].cached  # rewritten


def test_no_cache_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("DRUMASSIST_CACHE_DIR", str(tmp_path))
    analyse(_one_track(), cache=False)
    analyse(_one_track(), cache=None)
    assert not list(tmp_path.rglob("*.npz"))
    analyse(_one_track())  # cache=True: the default cache
    assert len(list(tmp_path.rglob("*.npz"))) == 1


def test_an_unwritable_cache_is_only_a_warning(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    with caplog.at_level(logging.WARNING, logger="drumassist.analysis.cache"):
        result = analyse(_one_track(), cache=FeatureCache(blocker))
    assert result.tracks[0].values.any()
    assert "cannot write" in caplog.text
