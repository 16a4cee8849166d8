"""Session files: round trip, relative paths, missing stems reported, versioning."""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import replace

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
        TrackState(folder / "OH L.wav", "OH L", Role.ROOM, gain_db=1.0, pan=-0.7, invert=True),
    )
    suggestion = SuggestionState(
        "loudness",
        {"Kick In": -1.0, "Snare Top": -math.inf},
        {"Kick In": -2.0},
        {"Kick In": 0.0},
        polarity_flips={"Snare Top": "flip suggested: opposite to OH L"},
        bleed_only=("HH",),
    )
    return Session(tracks, suggestion)


def test_round_trip(session, tmp_path):
    path = tmp_path / "stems" / "song.drumassist"
    save_session(session, path)
    loaded = load_session(path)
    assert loaded.missing == ()
    assert loaded.session == session
    doc = json.loads(path.read_text())
    assert doc["version"] == 2  # inverted tracks and marks; no reference mix (3)
    assert "reference" not in doc
    assert doc["tracks"][0]["path"] == "Kick In.wav"  # relative to the session file
    assert doc["tracks"][1]["gain_db"] is None  # -inf is stored as null
    assert [t["invert"] for t in doc["tracks"]] == [False, False, False, True]


def test_a_session_without_inversions_or_marks_is_written_as_version_1(session, tmp_path):
    """So a drumassist of before version 2 (which refuses newer files) still opens it."""
    plain = replace(
        session,
        tracks=tuple(replace(t, invert=False) for t in session.tracks),
        suggestion=replace(session.suggestion, polarity_flips={}, bleed_only=()),
    )
    path = tmp_path / "plain.drumassist"
    save_session(plain, path)
    assert json.loads(path.read_text())["version"] == 1
    assert load_session(path).session == plain


def test_a_version_1_session_opens_with_no_track_inverted(session, tmp_path):
    path = tmp_path / "stems" / "old.drumassist"
    save_session(session, path)
    doc = json.loads(path.read_text())
    doc["version"] = 1
    for track in doc["tracks"]:
        del track["invert"]  # what drumassist wrote before polarity
    path.write_text(json.dumps(doc))
    loaded = load_session(path).session
    assert not any(t.invert for t in loaded.tracks)
    assert [t.name for t in loaded.tracks] == [t.name for t in session.tracks]


def test_moved_folder_still_opens(session, tmp_path):
    save_session(session, tmp_path / "stems" / "song.drumassist")
    shutil.move(tmp_path / "stems", tmp_path / "moved")
    loaded = load_session(tmp_path / "moved" / "song.drumassist")
    assert loaded.missing == ()
    assert loaded.session.tracks[0].path == (tmp_path / "moved" / "Kick In.wav").resolve()


def test_a_session_file_moved_away_from_its_stems_finds_them_where_it_was_saved(session, tmp_path):
    """Copying song.drumassist into a subfolder left every stem 'missing' (they were kept
    only relative to the file), and the window would not open it to locate them."""
    path = tmp_path / "stems" / "song.drumassist"
    save_session(session, path)
    doc = json.loads(path.read_text())
    assert doc["tracks"][0]["path"] == "Kick In.wav"
    assert doc["tracks"][0]["absolute_path"] == str((tmp_path / "stems" / "Kick In.wav").resolve())
    for elsewhere in (tmp_path / "stems" / "sub", tmp_path / "other"):
        elsewhere.mkdir()
        shutil.copy(path, elsewhere / "song.drumassist")
        loaded = load_session(elsewhere / "song.drumassist")
        assert loaded.missing == ()
        assert loaded.session.tracks[0].path == (tmp_path / "stems" / "Kick In.wav").resolve()
    # The folder moved whole: the relative path still comes first.
    shutil.copytree(tmp_path / "stems", tmp_path / "copy", ignore=shutil.ignore_patterns("sub"))
    again = load_session(tmp_path / "copy" / "song.drumassist")
    assert again.session.tracks[0].path == tmp_path / "copy" / "Kick In.wav"


def test_saving_again_while_the_stems_are_away_keeps_where_they_were(session, tmp_path):
    """A session copied alone, opened and saved while its stems were away wrote the new
    folder as their place: put back, they were still 'missing'."""
    path = tmp_path / "stems" / "song.drumassist"
    save_session(session, path)
    (tmp_path / "other").mkdir()
    shutil.copy(path, tmp_path / "other" / "song.drumassist")
    shutil.move(tmp_path / "stems", tmp_path / "away")
    opened = load_session(tmp_path / "other" / "song.drumassist")
    assert len(opened.missing) == 4
    save_session(opened.session, tmp_path / "other" / "song.drumassist")
    shutil.move(tmp_path / "away", tmp_path / "stems")
    again = load_session(tmp_path / "other" / "song.drumassist")
    assert again.missing == ()
    assert again.session.tracks[0].path == (tmp_path / "stems" / "Kick In.wav").resolve()
    # Save As to a third folder while they are away, and again from there: still kept.
    shutil.move(tmp_path / "stems", tmp_path / "away")
    opened = load_session(tmp_path / "other" / "song.drumassist")
    (tmp_path / "third").mkdir()
    save_session(opened.session, tmp_path / "third" / "song.drumassist")
    save_session(load_session(tmp_path / "third" / "song.drumassist").session,
                 tmp_path / "third" / "song.drumassist")  # fmt: skip
    shutil.move(tmp_path / "away", tmp_path / "stems")
    assert load_session(tmp_path / "third" / "song.drumassist").missing == ()


def test_an_absolute_path_that_is_not_absolute_is_refused(session, tmp_path):
    path = tmp_path / "stems" / "song.drumassist"
    save_session(session, path)
    doc = json.loads(path.read_text())
    doc["tracks"][0]["absolute_path"] = "stems/Kick In.wav"
    path.write_text(json.dumps(doc))
    with pytest.raises(SessionError, match=r"track 1: 'absolute_path' = 'stems/Kick In.wav' is"):
        load_session(path)


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


def test_a_session_that_cannot_be_written_says_where_in_words(session, tmp_path):
    """It said "[Errno 2] No such file or directory: '.../.song.drumassist.k3j2h1x9.part'":
    an errno and a hidden temporary name the user never chose."""
    folder = tmp_path / "gone"
    with pytest.raises(SessionError) as caught:
        save_session(session, folder / "song.drumassist")
    message = str(caught.value)
    assert message == (
        f"song.drumassist: could not save the session: could not write the file in {folder}"
        " (No such file or directory)"
    )
    assert ".part" not in message and "Errno" not in message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a readable JSON session file"),
        ('{"format": "other"}', "not a drumassist session file"),
        ('{"format": "drumassist-session", "version": 99, "tracks": []}', "newer than this"),
        (
            '{"format": "drumassist-session", "version": 1, "tracks": [{"name": "x"}]}',
            "track 1: 'path' is missing",
        ),
        (
            '{"format": "drumassist-session", "version": 1,'
            ' "tracks": [{"name": "x", "path": "x.wav", "role": "banjo"}]}',
            "unknown drum role",
        ),
    ],
)
def test_bad_session_files(tmp_path, content, message):
    path = tmp_path / "bad.drumassist"
    path.write_text(content)
    with pytest.raises(SessionError, match=f"bad.drumassist[:,] .*{message}"):
        load_session(path)


def test_missing_session_file(tmp_path):
    with pytest.raises(SessionError, match="nope.drumassist: no such session file"):
        load_session(tmp_path / "nope.drumassist")


def _doc(**changes):
    track = {"path": "x.wav", "name": "x", "role": "kick", "gain_db": -3.0, "pan": 0.0}
    track.update(changes.pop("track", {}))
    doc = {"format": "drumassist-session", "version": 1, "tracks": [track]}
    doc.update(changes)
    return doc


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (_doc(version="1"), r"'version' must be a whole number, not \"1\""),
        (_doc(version=-3), "'version' = -3 is not a session format version"),
        (_doc(version=0), "'version' = 0 is not a session format version"),
        (_doc(version=True), "'version' must be a whole number"),
        (_doc(version=1.0), "'version' must be a whole number"),
        (_doc(version=None), "'version' must be a whole number, not missing"),
        (_doc(version=4), r"session format version 4 is newer than this drumassist reads \(3\)"),
        (_doc(reference="ref.wav"), "reference: must be a JSON object, not str"),
        (_doc(reference={"path": "r.wav", "file": "r"}), "reference: unknown field 'file'"),
        (_doc(reference={"file": "r.wav"}), "reference: unknown field 'file'"),
        (_doc(reference={}), "reference: 'path' is missing"),
        (_doc(tracks={"x": {}}), "'tracks' must be a list, not dict"),
        (_doc(track={"pan": 5}), r"track 1: 'pan' = 5 is outside -1 to 1"),
        (_doc(track={"gain_db": "nan"}), "track 1: 'gain_db' must be a number"),
        (_doc(track={"gain_db": 1e300}), "track 1: 'gain_db' = 1e.* is outside -120 to 24"),
        (_doc(track={"mute": "false"}), "track 1: 'mute' must be true or false"),
        (_doc(track={"solo": 1}), "track 1: 'solo' must be true or false"),
        (_doc(track={"invert": "yes"}), "track 1: 'invert' must be true or false"),
        (
            {**_doc(), "suggestion": {"method": "m", "gains_db": {}, "bleed_only": "HH"}},
            "suggestion: 'bleed_only' must be a list of track names",
        ),
        (
            {**_doc(), "suggestion": {"method": "m", "gains_db": {}, "polarity_flips": {"HH": 1}}},
            "suggestion: 'polarity_flips' must be an object of track names to text",
        ),
        (_doc(track={"role": "banjo"}), "track 1: 'role' unknown drum role 'banjo'"),
        # "track" for "tracks" said "'tracks' must be a list, not NoneType".
        ({k: v for k, v in _doc().items() if k != "tracks"}, "'tracks' is missing"),
        # A misspelt level opened the track at 0 dB, and saving lost the user's level.
        (_doc(track={"gian_db": -6.0}), "track 1: unknown field 'gian_db' \\(a track takes path,"),
        # A misspelt "suggestion" opened without it, and saving lost it.
        ({**_doc(), "sugestion": None}, r"unknown field 'sugestion' \(a session takes format,"),
        (
            _doc(suggestion={"method": "m", "gains": {"kick": 1.0}}),
            r"suggestion: unknown field 'gains' \(a suggestion takes method, gains_db,",
        ),
        (_doc(track={"name": ""}), "track 1: 'name' must be a non-empty string"),
        (_doc(track={"path": 3}), "track 1: 'path' must be a non-empty string"),
        (_doc(tracks=["kick.wav"]), "track 1: must be a JSON object, not str"),
        (_doc(suggestion=[]), "suggestion: must be a JSON object or null"),
        (_doc(suggestion={"gains_db": {}}), "suggestion: 'method' is missing"),
        (
            _doc(suggestion={"method": "m", "gains_db": {"x": "loud"}}),
            "suggestion, gains_db: 'x' must be a number",
        ),
        (
            _doc(suggestion={"method": "m", "gains_db": [1.0]}),
            "'gains_db' must be an object of track names to levels",
        ),
    ],
)
def test_every_value_is_checked(tmp_path, doc, message):
    path = tmp_path / "bad.drumassist"
    path.write_text(json.dumps(doc))
    with pytest.raises(SessionError, match=f"^bad\\.drumassist[,:] .*{message}"):
        load_session(path)


def test_two_tracks_with_one_name_are_refused(tmp_path):
    doc = _doc()
    doc["tracks"] = doc["tracks"] * 2
    path = tmp_path / "twice.drumassist"
    path.write_text(json.dumps(doc))
    with pytest.raises(SessionError, match="twice.drumassist: two tracks are named 'x'"):
        load_session(path)


def test_two_tracks_of_one_stem_are_refused_naming_the_session(tmp_path):
    """It was "x.wav: given twice; give each stem once", naming no session and no
    track (found by a new-user trial editing a session by hand)."""
    doc = _doc()
    doc["tracks"] = [doc["tracks"][0], {**doc["tracks"][0], "name": "y", "role": "snare"}]
    path = tmp_path / "song.drumassist"
    path.write_text(json.dumps(doc))
    with pytest.raises(
        SessionError, match="^song.drumassist: tracks 'x' and 'y' name the same stem, x.wav$"
    ):
        load_session(path)


def test_missing_stem_keeps_every_setting(tmp_path):
    path = tmp_path / "song.drumassist"
    path.write_text(json.dumps(_doc(track={"mute": True, "pan": -0.5, "gain_db": None})))
    loaded = load_session(path)
    assert loaded.missing == (tmp_path.resolve() / "x.wav",)
    track = loaded.session.tracks[0]
    assert (track.role, track.gain_db, track.pan, track.mute) == (Role.KICK, -math.inf, -0.5, True)


def test_save_refuses_what_it_could_not_read_back(tmp_path):
    bad = Session((TrackState(tmp_path / "a.wav", "a", Role.KICK, pan=3.0),))
    with pytest.raises(SessionError, match="track 1: 'pan' = 3"):
        save_session(bad, tmp_path / "a.drumassist")
    assert list(tmp_path.iterdir()) == []


def test_order_of_tracks_is_kept(session, tmp_path):
    path = tmp_path / "stems" / "song.drumassist"
    reordered = Session(session.tracks[::-1], session.suggestion)
    save_session(reordered, path)
    assert [t.name for t in load_session(path).session.tracks] == [
        "OH L",
        "HH",
        "Snare Top",
        "Kick In",
    ]


def test_stems_read_from_where_they_were_saved_are_named(session, tmp_path, capsys):
    """A copy of the folder with one stem deleted got that stem back from the original
    folder, unsaid: two takes could be mixed. Now the CLI and the window say so."""
    from drumassist.cli import main
    from drumassist.core.sessionstems import elsewhere_notice

    path = tmp_path / "stems" / "song.drumassist"
    save_session(session, path)
    assert load_session(path).elsewhere == ()
    shutil.copytree(tmp_path / "stems", tmp_path / "copy")
    (tmp_path / "copy" / "HH.wav").unlink()
    copied = tmp_path / "copy" / "song.drumassist"
    loaded = load_session(copied)
    assert loaded.missing == () and loaded.elsewhere == ((tmp_path / "stems" / "HH.wav").resolve(),)
    notice = elsewhere_notice(loaded, copied)
    assert notice == (
        f"song.drumassist: HH.wav not found beside the session; read from where it was when"
        f" it was saved ({(tmp_path / 'stems').resolve()})"
    )
    assert main(["info", str(copied)]) == 0
    assert f"note: {notice}" in capsys.readouterr().err


def test_the_reference_mix_is_kept_where_the_stems_are_kept(session, tmp_path):
    """The reference mix last loaded goes with the session (Compare scores against it):
    relative beside it, found where it was saved if the session file alone moved, and
    kept while it is missing (found by a new-user trial: it was dropped on saving)."""
    from drumassist.core.sessionpaths import Place

    folder = tmp_path / "stems"
    reference = folder / "mixes" / "engineer.wav"
    reference.parent.mkdir()
    shutil.copy(folder / "HH.wav", reference)
    with_reference = replace(session, reference=Place(reference))
    path = folder / "song.drumassist"
    save_session(with_reference, path)
    doc = json.loads(path.read_text())
    assert doc["version"] == FORMAT_VERSION == 3
    assert doc["reference"] == {"path": "mixes/engineer.wav", "absolute_path": str(reference)}
    assert load_session(path).session == with_reference
    # The session file alone moved: the reference is found where it was saved.
    away = tmp_path / "elsewhere" / "song.drumassist"
    away.parent.mkdir()
    shutil.copy(path, away)
    assert load_session(away).session.reference == Place(reference)
    # Missing: kept, and saved again with the place it had.
    reference.unlink()
    again = load_session(away).session
    assert again.reference is not None and again.reference.saved_at == reference
    save_session(again, away)
    assert json.loads(away.read_text())["reference"]["absolute_path"] == str(reference)
