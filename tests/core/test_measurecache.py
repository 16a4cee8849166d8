"""The measure cache (core.measurecache): polarity reports and mix block energies are
measured once per audio, read back from the cache folder by a fresh load of the same
stems, and a damaged entry is measured again, never trusted."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from drumassist.core import measurecache
from drumassist.core.demo import write_demo
from drumassist.core.loudness import sound_frames
from drumassist.core.multitrack import from_arrays, load_multitrack
from drumassist.core.paths import cache_dir
from drumassist.learn.bleed.polarity import check_polarity, polarity_of
from drumassist.learn.suggest.suggestion import suggest


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    write_demo(tmp_path / "demo", duration_s=4.0)
    return tmp_path / "demo"


def _entries(kind: str) -> list[Path]:
    return sorted((cache_dir() / kind).rglob("*.npz"))


def _rewrite(path: Path, **changes: np.ndarray) -> None:
    with np.load(path, allow_pickle=False) as entry:
        arrays = {name: entry[name] for name in entry.files}
    arrays.update(changes)
    with path.open("wb") as handle:
        np.savez(handle, **arrays)


def test_digests_are_made_once_per_multitrack_and_follow_the_audio(demo: Path) -> None:
    first = load_multitrack(demo)
    assert measurecache.audio_digests(first) is measurecache.audio_digests(first)
    assert measurecache.audio_digests(load_multitrack(demo)) == measurecache.audio_digests(first)
    arrays = {t.name: t.audio.copy() for t in first.tracks}
    arrays["snare"][1000, 0] += 1e-3
    other = measurecache.audio_digests(from_arrays(arrays, sample_rate=first.sample_rate))
    changed = [a != b for a, b in zip(other, measurecache.audio_digests(first), strict=True)]
    assert changed == [t.name == "snare" for t in first.tracks]


def test_the_polarity_report_is_read_back_from_the_cache(demo: Path) -> None:
    measured = polarity_of(load_multitrack(demo))
    assert measured == check_polarity(load_multitrack(demo)) and measured.checks
    (entry,) = _entries("polarity")
    # A fresh load of the same stems reads the entry: what it says is what comes back.
    _rewrite(entry, flips=np.array([0], dtype=np.int64))
    again = load_multitrack(demo)
    assert polarity_of(again).flips == (again.names[0],)
    assert polarity_of(again).checks == measured.checks
    # Without the cache the report is measured.
    assert polarity_of(load_multitrack(demo), cache=False) == measured


def test_a_damaged_polarity_entry_is_measured_again(demo: Path) -> None:
    measured = polarity_of(load_multitrack(demo))
    (entry,) = _entries("polarity")
    entry.write_bytes(b"not a zip")
    assert polarity_of(load_multitrack(demo)) == measured
    _rewrite(entry, track=np.array([99] * len(measured.checks), dtype=np.int64))
    assert polarity_of(load_multitrack(demo)) == measured  # an index past the tracks
    (rewritten,) = _entries("polarity")
    with np.load(rewritten, allow_pickle=False) as stored:
        assert int(stored["track"].max()) < len(load_multitrack(demo).tracks)


def test_renamed_stems_are_checked_again(demo: Path) -> None:
    polarity_of(load_multitrack(demo))
    (demo / "snare.wav").rename(demo / "snare_top.wav")
    report = polarity_of(load_multitrack(demo))
    assert len(_entries("polarity")) == 2
    assert "snare_top" in {c.track for c in report.checks}


def test_the_mix_loudness_is_read_back_for_the_same_audio_and_gains(demo: Path) -> None:
    first = suggest(load_multitrack(demo), method="sum")
    (entry,) = _entries("mixblocks")
    again = suggest(load_multitrack(demo), method="sum")
    assert again == first
    # The entry is what the scaling reads: ten times the energy, 10 dB less gain.
    with np.load(entry, allow_pickle=False) as stored:
        energies = stored["energies"]
    _rewrite(entry, energies=energies * 10.0)
    scaled = suggest(load_multitrack(demo), method="sum")
    np.testing.assert_allclose(np.subtract(scaled.gains_db, first.gains_db), -10.0, atol=1e-9)
    # Other gains are another mix: measured, not read.
    suggest(load_multitrack(demo), method="loudness")
    assert len(_entries("mixblocks")) == 2


def test_a_cache_that_cannot_be_written_does_not_stop_a_suggestion(
    demo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    monkeypatch.setenv("DRUMASSIST_CACHE_DIR", str(blocked))
    result = suggest(load_multitrack(demo))
    assert math.isclose(result.loudness_lufs, -23.0, abs_tol=0.05)
    assert blocked.read_text() == "a file where the cache folder should be"


@pytest.mark.parametrize(
    ("sounding", "frames"),
    [
        ((), 0),
        ((5,), 1),
        ((0, 199_999), 200_000),
        ((65_535, 65_536), 2),  # across a scan chunk's edge
        ((70_000, 140_000), 70_001),
    ],
)
def test_sound_frames_counts_from_the_first_to_the_last_sound(
    sounding: tuple[int, ...], frames: int
) -> None:
    audio = np.zeros((200_000, 2), dtype=np.float32)
    for k, index in enumerate(sounding):
        audio[index, k % 2] = 0.25
    assert sound_frames(audio) == frames
    assert sound_frames(np.abs(audio).max(axis=1)) == frames  # 1-D


def test_a_full_cache_drops_the_entries_used_longest_ago(
    demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three sets of stems suggested, oldest first, then the oldest suggested again (a
    read marks its entry used); more sets overflow a limit of three entries: within a
    day of the last scan nothing is pruned; a day later the entries used longest ago
    go, down to 80 % of the limit, and the ones used last stay."""
    import os
    import time

    monkeypatch.setattr(measurecache, "KIND_LIMIT_BYTES", 1 << 30)
    entries = []
    for seed in range(4):
        write_demo(demo.parent / f"set{seed}", seed=seed, duration_s=4.0)
    for seed, age in zip(range(3), (300, 200, 100), strict=True):
        before = set(_entries("anchor"))
        suggest(load_multitrack(demo.parent / f"set{seed}"))
        (entry,) = set(_entries("anchor")) - before
        os.utime(entry, (time.time() - age, time.time() - age))
        entries.append(entry)
    suggest(load_multitrack(demo.parent / "set0"))  # read back: used now
    assert set(_entries("anchor")) == set(entries)
    limit = sum(measurecache.disk_bytes(p) for p in entries)
    monkeypatch.setattr(measurecache, "KIND_LIMIT_BYTES", limit)
    monkeypatch.setattr(measurecache, "_PRUNED", set())  # the next process...
    suggest(load_multitrack(demo.parent / "set3"))
    assert len(_entries("anchor")) == 4  # ...within a day of the last prune: no scan
    (newer,) = set(_entries("anchor")) - set(entries)
    stamp = cache_dir() / "anchor" / measurecache.PRUNE_STAMP
    os.utime(stamp, (time.time() - 25 * 3600, time.time() - 25 * 3600))
    suggest(load_multitrack(demo.parent / "set0"))  # used again, after set 3
    monkeypatch.setattr(measurecache, "_PRUNED", set())  # a process a day later
    write_demo(demo.parent / "set4", seed=4, duration_s=4.0)
    suggest(load_multitrack(demo.parent / "set4"))
    left = set(_entries("anchor"))
    assert entries[0] in left and len(left) == 2  # set 0, used last, and the new set 4
    assert not left & {entries[1], entries[2], newer}  # used longest ago: pruned
    assert sum(measurecache.disk_bytes(p) for p in left) <= 0.8 * limit
    assert time.time() - stamp.stat().st_mtime < 60
    # A stamp from the future (a clock set wrong) does not stop pruning.
    os.utime(stamp, (time.time() + 365 * 86400, time.time() + 365 * 86400))
    monkeypatch.setattr(measurecache, "KIND_LIMIT_BYTES", 1)
    monkeypatch.setattr(measurecache, "_PRUNED", set())
    write_demo(demo.parent / "set5", seed=5, duration_s=4.0)
    suggest(load_multitrack(demo.parent / "set5"))
    assert _entries("anchor") == []
