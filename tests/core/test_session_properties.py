"""Random JSON as a session file: a loaded session or one SessionError, nothing else."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drumassist.core.session import LoadedSession, load_session, save_session
from drumassist.errors import SessionError

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)

FIELDS = ("path", "name", "role", "gain_db", "pan", "mute", "solo")
TOP = ("format", "version", "tracks", "suggestion")


def _valid_doc() -> dict[str, object]:
    track = {"path": "a.wav", "name": "a", "role": "kick", "gain_db": -3.0, "pan": 0.1}
    return {
        "format": "drumassist-session",
        "version": 1,
        "tracks": [track, {**track, "name": "b", "path": "b.wav"}],
        "suggestion": {"method": "m", "gains_db": {"a": -1.0, "b": None}},
    }


@st.composite
def mangled_sessions(draw: st.DrawFn) -> object:
    """A valid session with one or more of its values replaced by random JSON."""
    doc = _valid_doc()
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(("top", "track", "suggestion")))
        value = draw(JSON)
        if where == "top":
            doc[draw(st.sampled_from(TOP))] = value
        elif where == "track" and isinstance(doc["tracks"], list) and doc["tracks"]:
            track = doc["tracks"][0]
            if isinstance(track, dict):
                track[draw(st.sampled_from(FIELDS))] = value
        elif isinstance(doc["suggestion"], dict):
            doc["suggestion"][draw(st.sampled_from(("method", "gains_db", "low_db")))] = value
    return doc


def _check(content: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.drumassist"
        path.write_text(content, encoding="utf-8")
        try:
            loaded = load_session(path)
        except SessionError as exc:
            assert str(exc).startswith("s.drumassist")
        else:
            assert isinstance(loaded, LoadedSession)
            # What loads must save and load again to the same session.
            save_session(loaded.session, path)
            assert load_session(path).session == loaded.session
        assert sorted(p.name for p in Path(folder).iterdir()) == ["s.drumassist"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_random_json_is_a_session_or_one_session_error(doc: object) -> None:
    _check(json.dumps(doc))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mangled_sessions())
def test_mangled_sessions_are_a_session_or_one_session_error(doc: object) -> None:
    _check(json.dumps(doc))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_are_one_session_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.drumassist"
        path.write_bytes(data)
        try:
            loaded = load_session(path)
        except SessionError as exc:
            assert str(exc).startswith("s.drumassist")
        else:
            assert isinstance(loaded, LoadedSession)
        assert [p.name for p in Path(folder).iterdir()] == ["s.drumassist"]
