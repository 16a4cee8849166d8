"""The paper's feature set: MusicExtractor flattened to a fixed list of names."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from drumassist.analysis import paper
from drumassist.analysis.paper import PaperExtractor, slots

from .conftest import SR, hits

PAPER_FEATURE_COUNT = 4385


@pytest.fixture(scope="module")
def extractor() -> PaperExtractor:
    return PaperExtractor()


def test_the_name_list_is_fixed(extractor):
    names = extractor.feature_names()
    assert len(names) == PAPER_FEATURE_COUNT
    assert len(set(names)) == len(names)
    assert names[0] == "lowlevel.barkbands.mean[0]"
    assert "lowlevel.mfcc.cov[0,12]" in names and "lowlevel.mfcc.cov[12,0]" not in names
    assert not any(n.startswith("metadata.") or "beats_position" in n for n in names)


def test_the_static_list_covers_exactly_what_music_extractor_gives():
    # If Essentia adds, drops or resizes a descriptor, this says which.
    pool = paper._run_music_extractor(hits(3.0))
    numeric = {
        key
        for key in pool.descriptorNames()
        if not key.startswith("metadata.")
        and key != "rhythm.beats_position"
        and not isinstance(pool[key], str)
    }
    assert numeric == {slot.key for slot in slots()}
    for slot in slots():
        assert paper._slot_values(pool[slot.key], slot) is not None, slot.key


@pytest.mark.parametrize(("seconds", "rate"), [(0.05, 48000), (1.0, 96000)])
def test_short_tracks_and_other_rates_keep_the_length(extractor, seconds, rate):
    values = extractor.extract(hits(seconds, sample_rate=rate), rate)
    assert values.shape == (PAPER_FEATURE_COUNT,)
    assert np.isfinite(values).all()
    assert values.any()


@pytest.mark.parametrize("level_dbfs", [None, -90.0])
def test_silent_tracks_give_zeros_without_essentia(extractor, monkeypatch, level_dbfs):
    monkeypatch.setattr(paper, "_run_music_extractor", pytest.fail)
    audio = np.zeros(SR, np.float32)
    if level_dbfs is not None:
        audio = np.random.default_rng(0).standard_normal(SR).astype(np.float32)
        audio *= np.float32(10 ** (level_dbfs / 20))
    assert not extractor.extract(audio, SR).any()


def test_an_essentia_failure_is_a_silent_track_with_a_warning(extractor, monkeypatch, caplog):
    def refuse(path: str) -> None:
        raise RuntimeError("File looks like a completely silent file... Aborting...")

    monkeypatch.setattr(paper, "_music_extractor", lambda: refuse)
    with caplog.at_level(logging.WARNING, logger="drumassist.analysis.paper"):
        values = extractor.extract(hits(0.5), SR)
    assert not values.any()
    assert "treated as silent" in caplog.text


def test_missing_descriptors_are_zero():
    class Pool:
        def descriptorNames(self) -> list[str]:
            return ["lowlevel.average_loudness", "rhythm.bpm_histogram"]

        def __getitem__(self, key: str) -> object:
            return 0.5 if key == "lowlevel.average_loudness" else np.ones(7)  # wrong length

    values = paper.flatten_pool(Pool())
    names = PaperExtractor().feature_names()
    assert values[names.index("lowlevel.average_loudness")] == 0.5
    assert np.count_nonzero(values) == 1
