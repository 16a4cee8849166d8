"""``drumassist corpus render|enst|folder`` run as a user runs them, in a subprocess."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from drumassist.learn.corpus import load_corpus
from tests.learn.corpus.test_corpus_kit import make_kit


def _run(*args, timeout_s=120):
    return subprocess.run(
        [sys.executable, "-m", "drumassist", "corpus", *map(str, args)],
        capture_output=True, text=True, timeout=timeout_s, check=False,
    )  # fmt: skip


@pytest.mark.slow
def test_render_shows_progress_and_resumes(tmp_path):
    make_kit(tmp_path / "kits")
    out = tmp_path / "out"
    args = ["render", out, "--sessions", 2, "--kits", tmp_path / "kits", "--duration", 2]
    done = _run(*args, "--workers", 2)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("done in") == 2
    assert "2 sessions built" in done.stdout
    assert len(load_corpus(out).sessions) == 2
    again = _run(*args, "--workers", 1)
    assert again.returncode == 0 and "0 sessions built" in again.stdout
    assert "2 already complete" in again.stdout


def test_render_without_kits_is_a_one_line_error(tmp_path):
    (tmp_path / "empty").mkdir()
    done = _run("render", tmp_path / "out", "--sessions", 1, "--kits", tmp_path / "empty")
    assert done.returncode == 1
    assert done.stderr.startswith("drumassist: error: no usable acoustic drumkit")
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_folder_and_enst(tmp_path):
    rng = np.random.default_rng(0)
    stems = {
        name: rng.standard_normal(22050).astype(np.float32) * 0.1 for name in ("kick", "snare")
    }
    session = tmp_path / "src" / "s1"
    enst = tmp_path / "enst" / "drummer_1" / "audio"
    session.mkdir(parents=True)
    for name, data in stems.items():
        sf.write(str(session / f"{name}.wav"), data, 44100)
        (enst / name).mkdir(parents=True)
        sf.write(str(enst / name / "001_phrase.wav"), data, 44100)
    mix = stems["kick"] + 0.5 * stems["snare"]
    sf.write(str(session / "take_mix.wav"), mix, 44100)
    (enst / "dry_mix").mkdir()
    sf.write(str(enst / "dry_mix" / "001_phrase.wav"), mix, 44100)
    done = _run("folder", tmp_path / "src", tmp_path / "f", "--workers", 1)
    assert done.returncode == 0, done.stderr
    assert load_corpus(tmp_path / "f").sessions[0].target_gains_db["snare"] is not None
    done = _run("enst", tmp_path / "enst", tmp_path / "e", "--workers", 1)
    assert done.returncode == 0, done.stderr
    assert load_corpus(tmp_path / "e").sessions[0].group == "drummer_1"


def test_a_mix_its_stems_do_not_make_is_no_session(tmp_path):
    """A session folder holding the mix of another song (here noise) became a session
    whose targets were noise, trained on and scored as truth (found by a researcher's
    trial). `corpus folder` now fails that session, naming it and why, and builds the
    others; a corpus built before keeps it out of training and scoring, and says so."""
    import json

    rng = np.random.default_rng(0)
    stems = {n: rng.standard_normal(44100).astype(np.float32) * 0.1 for n in ("kick", "snare")}
    for session, mix in (
        ("good", stems["kick"] + 0.5 * stems["snare"]),
        ("other song", rng.standard_normal(44100).astype(np.float32) * 0.1),
    ):
        folder = tmp_path / "src" / session
        folder.mkdir(parents=True)
        for name, data in stems.items():
            sf.write(folder / f"{name}.wav", data, 44100)
        sf.write(folder / "mix.wav", mix, 44100)  # fmt: skip
    done = _run("folder", tmp_path / "src", tmp_path / "c", "--workers", 1)
    assert done.returncode == 1
    assert "1 session built" in done.stdout and "1 failed" in done.stdout
    assert "failed: other_song: the mix does not appear to be made of these stems" in done.stderr
    corpus = load_corpus(tmp_path / "c")
    assert [s.id for s in corpus.sessions] == ["good"] and corpus.left_out == ()
    # As a corpus built before the check holds it: its fit R² near zero.
    (session_json,) = (tmp_path / "c").rglob("session.json")
    doc = json.loads(session_json.read_text())
    doc["reverse"]["r2"] = 0.0001
    session_json.write_text(json.dumps(doc))
    corpus = load_corpus(tmp_path / "c")
    assert corpus.sessions == () and [s.id for s in corpus.left_out] == ["good"]
    train = subprocess.run(
        [sys.executable, "-m", "drumassist", "train", "--corpus", str(tmp_path / "c"),
         "--out", str(tmp_path / "m"), "--method", "levels"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "note: c: session good left out: its mix does not appear to be made of its stems" in (
        train.stderr
    )
    assert train.returncode != 0  # nothing left to train on


def test_a_session_made_from_files_changed_since_is_built_again(tmp_path):
    """A session was complete once its session.json existed: a mix bounced again at
    -6 dB kept its old targets, trained on as true (found by a researcher's trial). Each
    session records the size and sha256 of its stems and mix; a build that finds one
    changed (the same size, other samples) fits that session again, and only it."""
    rng = np.random.default_rng(0)
    stems = {n: rng.standard_normal(44100).astype(np.float32) * 0.1 for n in ("kick", "snare")}
    for session in ("a", "b"):
        folder = tmp_path / "src" / session
        folder.mkdir(parents=True)
        for name, data in stems.items():
            sf.write(folder / f"{name}.wav", data, 44100, subtype="FLOAT")
        sf.write(folder / "mix.wav", stems["kick"] + stems["snare"], 44100, subtype="FLOAT")
    assert _run("folder", tmp_path / "src", tmp_path / "c", "--workers", 1).returncode == 0
    before = {s.id: s.target_gains_db for s in load_corpus(tmp_path / "c").sessions}
    mix = tmp_path / "src" / "a" / "mix.wav"
    size = mix.stat().st_size
    sf.write(mix, stems["kick"] * 0.5 + stems["snare"], 44100, subtype="FLOAT")  # kick -6 dB
    assert mix.stat().st_size == size
    again = _run("folder", tmp_path / "src", tmp_path / "c", "--workers", 1)
    assert again.returncode == 0, again.stderr
    assert "1 session built" in again.stdout and "1 already complete" in again.stdout
    assert "a: mix.wav changed since it was built; building it again" in again.stderr
    after = {s.id: s.target_gains_db for s in load_corpus(tmp_path / "c").sessions}
    assert after["b"] == before["b"]
    moved = (after["a"]["kick"] - after["a"]["snare"]) - (
        before["a"]["kick"] - before["a"]["snare"]
    )
    assert moved == pytest.approx(-6.02, abs=0.01)


def test_a_file_given_as_the_sessions_folder_is_named_a_file(tmp_path):
    """`corpus folder notes.json OUT` said "no such folder" of a file that is there."""
    (tmp_path / "notes.json").write_text("{}")
    done = _run("folder", tmp_path / "notes.json", tmp_path / "c")
    assert done.returncode == 1
    assert "notes.json: a file; give the folder that holds the session folders" in done.stderr
    gone = _run("folder", tmp_path / "nowhere", tmp_path / "c")
    assert "nowhere: no such folder" in gone.stderr
