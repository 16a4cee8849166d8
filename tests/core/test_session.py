"""Session files: round trip, relative paths, missing stems reported, versioning."""

from __future__ import annotations

import json
import math
import shutil

import pytest

from drumassist.core.roles import Role
from drumassist.core.session import (
    FORMAT_VERSION,
    Session,
    SuggestionState,
    TrackState,
    load_session,
    save_session,
)
from drumassist.errors import SessionError


@pytest.fixture
def session(make_stems, drum_arrays):
    folder = make_stems(drum_arrays)
    tracks = (
        TrackState(folder / "Kick In.wav", "Kick In", Role.KICK, gain_db=-2.5, pan=0.0),
        TrackState(folder / "Snare Top.wav", "Snare Top", Role.SNARE, gain_db=-math.inf, mute=True),
        TrackState(folder / "HH.wav", "HH", Role.HIHAT, gain_db=-9.0, pan=0.3, solo=True),
        TrackState(folder / "OH L.wav", "OH L", Role.ROOM, gain_db=1.0, pan=-0.7),
    )
    suggestion = SuggestionState(
        "loudness", {"Kick In": -1.0, "Snare Top": -math.inf}, {"Kick In": -2.0}, {"Kick In": 0.0}
    )
    return Session(tracks, suggestion)


def test_round_trip(session, tmp_path):
    path = tmp_path / "stems" / "song.drumassist"
    save_session(session, path)
    loaded = load_session(path)
    assert loaded.missing == ()
    assert loaded.session == session
    doc = json.loads(path.read_text())
    assert doc["version"] == FORMAT_VERSION
    assert doc["tracks"][0]["path"] == "Kick In.wav"  # relative to the session file
    assert doc["tracks"][1]["gain_db"] is None  # -inf is stored as null


def test_moved_folder_still_opens(session, tmp_path):
    save_session(session, tmp_path / "stems" / "song.drumassist")
    shutil.move(tmp_path / "stems", tmp_path / "moved")
    loaded = load_session(tmp_path / "moved" / "song.drumassist")
    assert loaded.missing == ()
    assert loaded.session.tracks[0].path == (tmp_path / "moved" / "Kick In.wav").resolve()


def test_missing_stem_is_reported_not_fatal(session, tmp_path):
    path = tmp_path / "stems" / "song.drumassist"
    save_session(session, path)
    (tmp_path / "stems" / "HH.wav").unlink()
    loaded = load_session(path)
    assert [p.name for p in loaded.missing] == ["HH.wav"]
    assert len(loaded.session.tracks) == 4


def test_stems_outside_the_session_folder_are_absolute(session, tmp_path):
    path = tmp_path / "elsewhere" / "song.drumassist"
    path.parent.mkdir()
    save_session(session, path)
    doc = json.loads(path.read_text())
    assert doc["tracks"][0]["path"] == str((tmp_path / "stems" / "Kick In.wav").resolve())
    assert load_session(path).missing == ()


def test_save_replaces_atomically(session, tmp_path):
    path = tmp_path / "stems" / "song.drumassist"
    save_session(session, path)
    save_session(Session(session.tracks[:2]), path)
    assert len(load_session(path).session.tracks) == 2
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a readable session file"),
        ('{"format": "other"}', "not a drumassist session file"),
        ('{"format": "drumassist-session", "version": 99, "tracks": []}', "newer than this"),
        ('{"format": "drumassist-session", "version": 1, "tracks": [{"name": "x"}]}', "malformed"),
        (
            '{"format": "drumassist-session", "version": 1,'
            ' "tracks": [{"name": "x", "path": "x.wav", "role": "banjo"}]}',
            "malformed",
        ),
    ],
)
def test_bad_session_files(tmp_path, content, message):
    path = tmp_path / "bad.drumassist"
    path.write_text(content)
    with pytest.raises(SessionError, match=f"bad.drumassist: .*{message}"):
        load_session(path)


def test_missing_session_file(tmp_path):
    with pytest.raises(SessionError, match="nope.drumassist: no such session file"):
        load_session(tmp_path / "nope.drumassist")
