"""The corpus format: reading, refusing what it cannot read, and ENST slot assignment."""

from __future__ import annotations

import hashlib
import json

import pytest

from drumassist.errors import CorpusError
from drumassist.learn.corpus import VERSION, assign_slots, load_corpus
from drumassist.learn.corpus.store import write_manifest, write_session_json


def _session(tmp_path, session_id="s1", **changes):
    folder = tmp_path / session_id
    folder.mkdir()
    doc = {
        "id": session_id, "source": "folder", "group": "g", "sample_rate": 44100,
        "duration_s": 1.0, "mix": "/elsewhere/mix.wav",
        "tracks": [{"name": "Kick", "file": "/elsewhere/kick.wav", "role": "kick", "slot": "kick",
                    "set_gain_db": None, "target_gain_db": -3.0, "target_status": "ok",
                    "target_sign_flipped": False, "silent": False}],
        "reverse": {"r2": 0.99, "latency_ms": 0.0, "residual_db": -20.0},
    }  # fmt: skip
    doc.update(changes)
    write_session_json(folder, doc)
    return folder


def test_a_written_corpus_reads_back(tmp_path):
    _session(tmp_path, "b")
    _session(tmp_path, "a", group="other")
    (tmp_path / "incomplete").mkdir()
    manifest = write_manifest(tmp_path, builder={"command": "test"})
    corpus = load_corpus(tmp_path)
    assert [s.id for s in corpus.sessions] == ["a", "b"]
    assert corpus.groups == ("g", "other")
    assert corpus.manifest_sha256 == hashlib.sha256(manifest.read_bytes()).hexdigest()
    session = corpus.session("a")
    assert session.target_gains_db == {"Kick": -3.0}
    assert session.roles["Kick"].value == "kick" and session.slots == {"Kick": "kick"}
    assert str(session.tracks[0].path) == "/elsewhere/kick.wav"
    with pytest.raises(KeyError):
        corpus.session("zzz")


def test_a_missing_manifest_is_named(tmp_path):
    with pytest.raises(CorpusError, match=r"manifest\.json"):
        load_corpus(tmp_path)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"format": "something-else", "version": 1, "sessions": []}, "not a drumassist-corpus"),
        ({"format": "drumassist-corpus", "version": VERSION + 1, "sessions": []}, "newer"),
        ({"format": "drumassist-corpus", "version": 1, "sessions": {}}, "must be a list"),
    ],
)
def test_manifests_it_cannot_read_are_refused(tmp_path, doc, message):
    (tmp_path / "manifest.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(CorpusError, match=message):
        load_corpus(tmp_path)


def test_a_malformed_session_is_named(tmp_path):
    _session(tmp_path, "s1", tracks=[{"name": "Kick"}])
    write_manifest(tmp_path, builder={})
    with pytest.raises(CorpusError, match=r"s1.session\.json: missing 'file'"):
        load_corpus(tmp_path)


@pytest.mark.parametrize(
    ("names", "slots"),
    [
        (["Kick In", "Kick Out", "Snare Top", "Snare Bottom"], ["kick", None, "snare", None]),
        (["Kick Out", "Snare"], ["kick", "snare"]),
        (["Tom Low", "Tom Hi", "Tom Mid", "OH"], ["tom_3", "tom_1", "tom_2", None]),
        (["Rack Tom 1", "Floor Tom", "T4"], ["tom_1", "tom_2", None]),
        (["overhead_L", "overhead_R", "OH L"], ["overhead_L", "overhead_R", None]),
        (["Room L", "Bass", "Ride"], [None, None, None]),
    ],
)
def test_tracks_fill_the_enst_slots_they_can(names, slots):
    assert assign_slots(names) == slots


def test_an_unreadable_session_is_left_out_of_the_manifest(tmp_path, caplog):
    _session(tmp_path, "good")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "session.json").write_text("{not json", encoding="utf-8")
    write_manifest(tmp_path, builder={})
    assert [s.id for s in load_corpus(tmp_path).sessions] == ["good"]
    assert any("bad" in r.getMessage() for r in caplog.records)


def test_the_audio_digest_follows_the_samples_the_manifest_does_not(tiny_corpus, tmp_path):
    """A model card names both: the manifest pins each session's settings, and a render
    by another renderer keeps it while the audio changes (2026-12-02)."""
    import shutil

    copy = tmp_path / "corpus"
    shutil.copytree(tiny_corpus, copy)
    before = load_corpus(copy)
    digest = before.audio_sha256()  # read from the files each time it is asked for
    assert digest == load_corpus(tiny_corpus).audio_sha256()  # not of the corpus's place
    stem = before.sessions[1].tracks[0].path
    data = bytearray(stem.read_bytes())
    data[-1] ^= 1  # one bit
    stem.write_bytes(bytes(data))
    after = load_corpus(copy)
    assert after.manifest_sha256 == before.manifest_sha256
    assert after.audio_sha256() != digest
    before.sessions[0].mix_path.unlink()
    with pytest.raises(CorpusError, match=r"mix\.\w+: cannot read"):
        after.audio_sha256()
