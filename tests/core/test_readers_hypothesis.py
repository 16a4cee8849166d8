"""Property tests of the readers (issue 14): random bytes and mangled headers as stems,
random JSON as gains files. Every outcome is a loaded object or one DrumassistError
(never another exception), and no file is written or changed."""

from __future__ import annotations

import io
import json
import math
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from drumassist.core.gainsfile import Gains, read_gains
from drumassist.core.multitrack import Multitrack, load_multitrack
from drumassist.errors import GainsError, InvalidStemError

#: core.mix.MAX_GAIN_DB (a literal here, so the test also runs against older code).
MAX_GAIN_DB = 120.0
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _good_stem(subtype: str = "PCM_16", fmt: str = "WAV") -> bytes:
    t = np.arange(4410) / 44100
    audio = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    buffer = io.BytesIO()
    sf.write(buffer, audio, 44100, format=fmt, subtype=subtype)
    return buffer.getvalue()


GOOD = {
    "pcm16.wav": _good_stem(),
    "float.wav": _good_stem("FLOAT"),
    "pcm24.flac": _good_stem("PCM_24", "FLAC"),
    "pcm16.aiff": _good_stem("PCM_16", "AIFF"),
}


def _load_outcome(data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "kick.wav").write_bytes(GOOD["pcm16.wav"])
        (folder / name).write_bytes(data)
        before = _snapshot(folder)
        try:
            result = load_multitrack(folder)
        except InvalidStemError as exc:
            message = str(exc)
            assert message.startswith((f"{name}: ", "kick.wav: ", f"{folder.name}: ")), message
        else:
            assert isinstance(result, Multitrack)
            for track in result.tracks:
                assert np.isfinite(track.audio).all()
                assert track.audio.dtype == np.float32 and track.channels in (1, 2)
        assert _snapshot(folder) == before


@SETTINGS
@given(
    data=st.binary(max_size=2048),
    suffix=st.sampled_from([".wav", ".flac", ".aiff", ".ogg", ".w64", ".caf"]),
)
def test_random_bytes_as_a_stem(data, suffix):
    _load_outcome(data, f"snare{suffix}")


@SETTINGS
@example(original="pcm24.flac", edits=[(21, 114)], cut=None)  # claimed 8.6e9 frames: 32 GiB
@given(
    original=st.sampled_from(sorted(GOOD)),
    edits=st.lists(st.tuples(st.integers(0, 79), st.integers(0, 255)), min_size=1, max_size=8),
    cut=st.one_of(st.none(), st.integers(0, 4000)),
)
def test_mangled_header_as_a_stem(original, edits, cut):
    """A real file with bytes of its header (the first 80) overwritten, maybe truncated."""
    data = bytearray(GOOD[original])
    for position, value in edits:
        data[position] = value
    mangled = bytes(data if cut is None else data[:cut])
    _load_outcome(mangled, f"snare.{original.split('.')[-1]}")


JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
)
JSON_ANY = st.recursive(
    JSON_LEAF,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
NAMES = ("kick", "snare")
ENTRY = st.fixed_dictionaries(
    {"name": st.one_of(st.sampled_from(NAMES), JSON_LEAF)},
    optional={"gain_db": JSON_ANY, "pan": JSON_ANY},
)
NUMBERISH = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.none(),
    JSON_LEAF,
)
# Both tracks named, in either order, with numbers of any size: what gets furthest.
NEAR_VALID = (
    st.permutations(NAMES)
    .flatmap(
        lambda names: st.tuples(
            *[
                st.fixed_dictionaries(
                    {"name": st.just(n), "gain_db": NUMBERISH}, optional={"pan": NUMBERISH}
                )
                for n in names
            ]
        )
    )
    .map(lambda entries: {"tracks": list(entries)})
)
GAINS_DOC = st.one_of(
    NEAR_VALID,
    NEAR_VALID,
    JSON_ANY,
    st.fixed_dictionaries({"tracks": st.lists(ENTRY, max_size=4)}),
    st.fixed_dictionaries({"tracks": JSON_ANY}),
)


def _gains_outcome(text: str | bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "g.json"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
        before = _snapshot(folder)
        try:
            gains = read_gains(path, NAMES)
        except GainsError as exc:
            assert str(exc).startswith("g.json: "), exc
        else:
            assert isinstance(gains, Gains)
            for gain in gains.gains_db:
                assert gain == -math.inf or abs(gain) <= MAX_GAIN_DB
            assert all(-1.0 <= p <= 1.0 for p in gains.pans)
        assert _snapshot(folder) == before


@SETTINGS
@given(doc=GAINS_DOC)
def test_random_json_as_a_gains_file(doc):
    # allow_nan: NaN and Infinity tokens are what a careless writer produces.
    _gains_outcome(json.dumps(doc, allow_nan=True))


@SETTINGS
@given(text=st.one_of(st.binary(max_size=200), st.text(max_size=200)))
def test_random_text_as_a_gains_file(text):
    _gains_outcome(text)


def test_a_valid_gains_file_is_loaded():
    """The properties above must not hold only because everything fails."""
    doc = {
        "tracks": [
            {"name": "kick", "gain_db": -3.5, "pan": 0.25},
            {"name": "snare", "gain_db": None},
        ]
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "g.json"
        path.write_text(json.dumps(doc))
        assert read_gains(path, NAMES) == Gains((-3.5, -math.inf), (0.25, 0.0), (False, False))
