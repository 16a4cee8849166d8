"""Corpora from real multitracks: a fake ENST-Drums tree, folders of sessions, the excerpt."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from drumassist.errors import CorpusError
from drumassist.learn.corpus import build_enst_corpus, build_folder_corpus, load_corpus
from drumassist.learn.corpus.adapters import is_mix_file
from tests.conftest import drum_hits

RATE = 44100
FRAMES = 2 * RATE
ENST_GAINS_DB = {
    "kick": 0.0, "snare": -2.0, "hi-hat": -8.0, "overhead_L": -5.0, "overhead_R": -6.0,
    "tom_1": -3.0, "tom_2": -4.0, "tom_3": -1.5,
}  # fmt: skip


def _stems(names, seed):
    return {
        name: drum_hits(FRAMES, RATE, freq_hz=60 + 170 * i, every_s=0.21 + 0.07 * i, seed=seed + i)
        for i, name in enumerate(names)
    }


def _write_take(audio: Path, take: str, stems: dict[str, np.ndarray]) -> None:
    for mic, data in stems.items():
        (audio / mic).mkdir(parents=True, exist_ok=True)
        sf.write(str(audio / mic / f"{take}.wav"), data, RATE, subtype="FLOAT")
    mono = sum(10 ** (ENST_GAINS_DB[m] / 20) * x.astype(np.float64) for m, x in stems.items())
    for folder in ("dry_mix", "wet_mix"):
        (audio / folder).mkdir(parents=True, exist_ok=True)
        stereo = np.stack([mono, mono], axis=1)
        sf.write(str(audio / folder / f"{take}.wav"), stereo, RATE, subtype="FLOAT")


@pytest.fixture
def enst_root(tmp_path) -> Path:
    root = tmp_path / "ENST-drums-public"
    _write_take(
        root / "drummer_1" / "audio", "013_phrase_rock_simple_slow_sticks", _stems(ENST_GAINS_DB, 1)
    )
    without_tom3 = [m for m in ENST_GAINS_DB if m != "tom_3"]
    _write_take(
        root / "drummer_2" / "audio",
        "042_phrase_funk_complex_fast_brushes",
        _stems(without_tom3, 20),
    )
    _write_take(
        root / "drummer_2" / "audio", "001_hits_snare-bd_sticks", _stems(["kick", "snare"], 40)
    )
    return root


def test_enst_takes_become_sessions_with_slots_from_the_mic_folders(enst_root, tmp_path):
    report = build_enst_corpus(enst_root, tmp_path / "out", workers=1)
    assert not report.failed
    corpus = load_corpus(tmp_path / "out")
    ids = [s.id for s in corpus.sessions]
    assert ids == [
        "drummer_1-013_phrase_rock_simple_slow_sticks",
        "drummer_2-042_phrase_funk_complex_fast_brushes",
    ]  # the hits take is skipped
    assert corpus.groups == ("drummer_1", "drummer_2")
    full, partial = corpus.sessions
    assert full.names == tuple(ENST_GAINS_DB)
    assert "tom_3" not in partial.names and len(partial.names) == 7
    for session in corpus.sessions:
        assert session.source == "enst" and session.slots == {n: n for n in session.names}
        assert session.r2 > 0.9999
        for name, gain_db in session.target_gains_db.items():
            assert gain_db == pytest.approx(ENST_GAINS_DB[name], abs=0.01)
            assert session.set_gains_db[name] is None
        assert session.tracks[0].path.is_absolute() and session.tracks[0].path.is_file()


def test_enst_copy_keeps_the_corpus_self_contained(enst_root, tmp_path):
    build_enst_corpus(enst_root, tmp_path / "out", copy=True)
    shutil.rmtree(enst_root)
    session = load_corpus(tmp_path / "out").sessions[0]
    assert session.mix_path == session.dir / "mix.wav"
    assert session.load_multitrack().names == session.names


def test_a_folder_that_is_not_enst_is_refused(tmp_path):
    with pytest.raises(CorpusError, match="drummer_N"):
        build_enst_corpus(tmp_path, tmp_path / "out")


@pytest.mark.parametrize(
    ("name", "pattern", "expected"),
    [("mix.wav", None, True), ("Song_mix.flac", None, True), ("MIX.WAV", None, True),
     ("remix_kick.wav", None, False), ("kick.wav", None, False), ("ref_dry.wav", "ref_*", True)],
)  # fmt: skip
def test_mix_files_are_recognised(name, pattern, expected):
    assert is_mix_file(Path(name), pattern) is expected


def test_the_real_enst_excerpt_as_a_folder_session(enst_excerpt, tmp_path):
    src = tmp_path / "sessions"
    session = src / "enst_phrase"
    session.mkdir(parents=True)
    for stem in (enst_excerpt / "stems").glob("*.wav"):
        (session / stem.name).symlink_to(stem)
    (session / "mix.wav").symlink_to(enst_excerpt / "ref_dry_mix.wav")
    (session / "notes.txt").write_text("not audio", encoding="utf-8")
    report = build_folder_corpus(src, tmp_path / "out", workers=1)
    assert report.built == ("enst_phrase",)
    (loaded,) = load_corpus(tmp_path / "out").sessions
    assert loaded.source == "folder" and loaded.group == "enst_phrase"
    assert loaded.r2 >= 0.99
    assert sum(g is not None for g in loaded.target_gains_db.values()) >= 6
    assert loaded.slots == {
        "hihat": "hi-hat", "kick": "kick", "overheadL": "overhead_L", "overheadR": "overhead_R",
        "snare": "snare", "tom1": "tom_1", "tom2": "tom_2",
    }  # fmt: skip


def test_folder_sessions_are_grouped_by_their_top_folder(tmp_path):
    gains_db = {"Kick": 0.0, "Snare": -3.0, "OH L": -6.0}
    for where, mix_name in (
        ("band_a/song1", "mix.wav"),
        ("band_a/song2", "Song2_mix.wav"),
        ("solo", "mix.wav"),
    ):
        folder = tmp_path / "src" / where
        folder.mkdir(parents=True)
        stems = _stems(gains_db, seed=len(where))
        for name, data in stems.items():
            sf.write(str(folder / f"{name}.wav"), data, RATE, subtype="FLOAT")
        mix = sum(10 ** (gains_db[n] / 20) * x.astype(np.float64) for n, x in stems.items())
        sf.write(str(folder / mix_name), mix, RATE, subtype="FLOAT")
    ambiguous = tmp_path / "src" / "twomixes"
    shutil.copytree(tmp_path / "src" / "solo", ambiguous)
    shutil.copy(ambiguous / "mix.wav", ambiguous / "other_mix.wav")
    build_folder_corpus(tmp_path / "src", tmp_path / "out")
    corpus = load_corpus(tmp_path / "out")
    assert [(s.id, s.group) for s in corpus.sessions] == [
        ("band_a__song1", "band_a"), ("band_a__song2", "band_a"), ("solo", "solo"),
    ]  # fmt: skip
    for session in corpus.sessions:
        assert session.target_gains_db == pytest.approx(gains_db, abs=0.01)
        assert session.slots == {"Kick": "kick", "Snare": "snare", "OH L": "overhead_L"}
