"""The mix state without Qt: audibility, B matched to A, order, missing stems, sessions."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from drumassist.core.mixloudness import MixLoudness
from drumassist.core.mixstate import Balance, MixState, Strip, audible, moved, starting_pans
from drumassist.core.multitrack import Track, load_multitrack
from drumassist.core.roles import Role, role_from_name
from drumassist.core.session import Session, SuggestionState, TrackState, load_session, save_session


@pytest.fixture
def state(make_stems, drum_arrays):
    mt = load_multitrack(make_stems(drum_arrays))
    return MixState(mt, MixLoudness(mt))


def test_audible_follows_mute_and_solo():
    strips = [Strip(), Strip(mute=True), Strip(solo=True), Strip(solo=True, mute=True)]
    assert audible(strips).tolist() == [False, False, True, False]
    assert audible([Strip(), Strip(mute=True)]).tolist() == [True, False]


def test_the_marked_suggestion_keeps_the_faders_level_whatever_is_soloed(state):
    """Where the window marks the suggestion and Apply puts the faders: soloing the kick
    moved the marks by 2.6 dB, and with every track muted Apply fell back to -23 LUFS."""
    state.strips[1] = replace(state.strips[1], gain_db=-4.0)
    state.balance = Balance("m", (3.0, -2.0, 0.0, 10.0), (0.0,) * 4, (0.0,) * 4)
    heard = {"pans": state.pans(), "stereo": True}
    level = state.meter.loudness(state.gains_a(), **heard)
    at_a = state.suggestion_at_a()
    assert at_a is not None
    assert state.meter.loudness(at_a, **heard) == pytest.approx(level, abs=1e-6)
    offset = state.b_offset_db()
    state.strips[1] = replace(state.strips[1], solo=True)
    assert state.b_offset_db() == pytest.approx(offset)  # a solo moves nothing
    state.strips = [replace(strip, solo=False, mute=True) for strip in state.strips]
    assert state.b_offset_db() == pytest.approx(offset)  # all muted: the faders' level
    assert state.gains_b() is not None  # B as heard is still matched to what is heard


def test_strips_are_ordered_by_role_then_name(state):
    # Files load as HH, Kick In, OH L, Snare Top; the strips read kick, snare, hi-hat, OH.
    assert list(state.multitrack.names) == ["HH", "Kick In", "OH L", "Snare Top"]
    assert state.order == ["Kick In", "Snare Top", "HH", "OH L"]
    assert moved(state.order, "OH L", 0) == ["OH L", "Kick In", "Snare Top", "HH"]
    assert moved(state.order, "Kick In", 99) == ["Snare Top", "HH", "OH L", "Kick In"]


def test_b_is_loudness_matched_to_what_is_heard(state):
    state.strips[0] = replace(state.strips[0], gain_db=-6.0)
    state.strips[3] = replace(state.strips[3], mute=True)
    state.balance = Balance("m", (3.0, -2.0, 0.0, 10.0), (0.0,) * 4, (0.0,) * 4)
    b = state.gains_b()
    assert b is not None
    mutes = ~state.audible()
    loud_a = state.meter.loudness(state.gains_a(), pans=state.pans(), mutes=mutes, stereo=True)
    loud_b = state.meter.loudness(b, pans=state.pans(), mutes=mutes, stereo=True)
    assert loud_b == pytest.approx(loud_a, abs=1e-6)
    np.testing.assert_allclose(np.diff(b), np.diff([3.0, -2.0, 0.0, 10.0]))
    assert state.gains_b() is b  # measured once per state


def test_polarity_counts_in_what_is_heard_and_is_saved(state, tmp_path):
    """An inverted track changes the loudness B is matched to, and a session keeps it."""
    state.balance = Balance("m", (0.0, -3.0, -6.0, 0.0), (0.0,) * 4, (0.0,) * 4)
    plain_a = state.heard_loudness_lufs(use_b=False)
    state.strips[1] = replace(state.strips[1], invert=True)
    assert list(state.inverted()) == [False, True, False, False]
    inverted = state.inverted()
    heard = {"pans": state.pans(), "mutes": ~state.audible(), "stereo": True}
    loud_a = state.meter.loudness(state.gains_a(), inverted=inverted, **heard)
    assert state.heard_loudness_lufs(use_b=False) == pytest.approx(loud_a, abs=1e-9)
    assert loud_a != pytest.approx(plain_a, abs=1e-3)  # the tracks share sound: it counts
    b = state.gains_b()
    assert state.meter.loudness(b, inverted=inverted, **heard) == pytest.approx(loud_a, abs=1e-6)
    path = tmp_path / "inverted.drumassist"
    save_session(state.to_session(), path)
    state.strips[1] = replace(state.strips[1], invert=False)
    state.load_session(load_session(path).session)
    assert list(state.inverted()) == [False, True, False, False]


def _session_with_a_missing_tom(state, tmp_path, method="m"):
    """The loaded tracks (HH first) plus a Tom whose file is gone, with a suggestion."""
    tracks = [
        TrackState(t.path, t.name, t.role, gain_db=-float(i))
        for i, t in enumerate(state.multitrack.tracks)
    ]
    gone = TrackState(tmp_path / "Tom.wav", "Tom", Role.TOM, gain_db=-2.0, pan=0.4, mute=True)
    tracks.insert(2, gone)
    names = [t.name for t in tracks]
    suggestion = SuggestionState(
        method,
        {n: -float(i) - 0.5 for i, n in enumerate(names)},
        dict.fromkeys(names, -10.0),
        dict.fromkeys(names, 1.0),
        # Marks on a loaded track and on the missing one: both must survive a save.
        polarity_flips={"Kick In": "flip suggested: opposite to OH L", "Tom": "flip suggested"},
        bleed_only=("HH", "Tom"),
    )
    return Session(tuple(tracks), suggestion), gone


def test_session_round_trip_keeps_order_and_missing_tracks(state, tmp_path):
    session, gone = _session_with_a_missing_tom(state, tmp_path)
    state.load_session(session)
    assert state.order == ["HH", "Kick In", "Tom", "OH L", "Snare Top"]
    assert state.missing == {"Tom": gone}
    assert [s.gain_db for s in state.strips] == [0.0, -1.0, -2.0, -3.0]
    state.strips[1] = Strip(-4.5, 0.25, False, True, Role.KICK)
    state.order[:] = moved(state.order, "Snare Top", 0)
    out = state.to_session()
    assert [t.name for t in out.tracks] == ["Snare Top", "HH", "Kick In", "Tom", "OH L"]
    assert out.tracks[3] == gone
    assert out.suggestion == session.suggestion  # the Tom's part of it too
    path = tmp_path / "s.drumassist"
    save_session(out, path)
    loaded = load_session(path)
    assert [p.name for p in loaded.missing] == ["Tom.wav"]
    fresh = MixState(state.multitrack, state.meter)
    fresh.load_session(loaded.session)
    assert fresh.order == state.order
    assert fresh.strips == state.strips
    assert fresh.missing["Tom"].gain_db == -2.0 and fresh.missing["Tom"].mute
    assert fresh.balance == state.balance
    assert fresh.to_session() == loaded.session
    assert dict(fresh.balance.polarity_flips) == {"Kick In": "flip suggested: opposite to OH L"}
    assert fresh.balance.bleed_only == ("HH",)  # the loaded tracks' marks, shown again


def test_a_new_suggestion_replaces_the_missing_tracks_old_one(state, tmp_path):
    session, _gone = _session_with_a_missing_tom(state, tmp_path, method="old")
    state.load_session(session)
    state.balance = Balance("new", (0.0,) * 4, (0.0,) * 4, (0.0,) * 4)
    out = state.to_session()
    assert out.suggestion is not None and "Tom" not in out.suggestion.gains_db
    assert "Tom" in [t.name for t in out.tracks]  # the track itself stays


def test_a_located_stem_matches_by_file_even_when_renamed(state, tmp_path, make_stems):
    session = Session(
        tuple(
            TrackState(t.path, f"old {t.name}", Role.OTHER, gain_db=-float(i))
            for i, t in enumerate(state.multitrack.tracks)
            if t.path is not None
        ),
        SuggestionState("m", {"old HH": -9.0}),
    )
    state.load_session(session)
    assert state.missing == {}
    assert [s.gain_db for s in state.strips] == [0.0, -1.0, -2.0, -3.0]
    assert state.balance is not None and state.balance.gains_db[0] == -9.0
    assert math.isfinite(state.balance.gains_db[1])


def test_located_points_the_missing_track_at_the_new_file(state, tmp_path):
    session, gone = _session_with_a_missing_tom(state, tmp_path)
    state.load_session(session)
    located = state.located("Tom", tmp_path / "found.wav")
    tom = next(t for t in located.tracks if t.name == "Tom")
    assert tom.path == tmp_path / "found.wav"
    assert (tom.gain_db, tom.pan, tom.mute) == (gone.gain_db, gone.pan, gone.mute)


def _tracks(*specs: tuple[str, int]) -> list[Track]:
    return [
        Track(name, np.zeros((8, channels), np.float32), role=role_from_name(name))
        for name, channels in specs
    ]


@pytest.mark.parametrize(
    ("specs", "pans"),
    [
        ((("OH L", 1), ("OH R", 1), ("Kick", 1)), [-0.8, 0.8, 0.0]),
        ((("overhead_R", 1), ("overhead_L", 1)), [0.8, -0.8]),
        ((("Room Left", 1), ("Room Right", 1), ("OHL", 1), ("OHR", 1)), [-0.8, 0.8, -0.8, 0.8]),
        ((("Overheads.L", 1), ("Overheads.R", 1)), [-1.0, 1.0]),  # split stereo: its sides
        ((("OH L", 1), ("Snare", 1)), [0.0, 0.0]),  # a lone side is no pair
        ((("OH L", 1), ("Room R", 1)), [0.0, 0.0]),  # two roles: no pair either
        ((("Kick L", 1), ("Kick R", 1), ("Floor L", 1), ("Floor R", 1)), [0.0] * 4),
        ((("OH L", 2), ("OH R", 2)), [0.0, 0.0]),  # stereo files carry their own image
    ],
)
def test_an_overhead_or_room_pair_starts_spread_to_its_sides(specs, pans) -> None:
    assert starting_pans(_tracks(*specs)) == pans
