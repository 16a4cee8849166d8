"""Every bad input raises the right error with a message that names the file and the problem."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from drumassist.core.gainsfile import read_gains
from drumassist.core.multitrack import load_multitrack
from drumassist.errors import GainsError, InvalidStemError


def _tone(frames: int = 4410, channels: int = 1) -> np.ndarray:
    return np.full((frames, channels), 0.1, dtype=np.float32)


@pytest.fixture
def folder(tmp_path):
    out = tmp_path / "stems"
    out.mkdir()
    sf.write(str(out / "kick.wav"), _tone(), 44100)
    sf.write(str(out / "snare.wav"), _tone(), 44100)
    return out


def test_corrupt_wav(folder):
    (folder / "tom.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk")
    with pytest.raises(InvalidStemError, match=r"^tom\.wav: cannot read audio \(.+\)"):
        load_multitrack(folder)


def test_truncated_flac(folder):
    sf.write(str(folder / "hat.flac"), _tone(44100), 44100)
    data = (folder / "hat.flac").read_bytes()
    (folder / "hat.flac").write_bytes(data[:40])
    with pytest.raises(InvalidStemError, match=r"^hat\.flac: "):
        load_multitrack(folder)


def test_text_with_audio_extension(folder):
    (folder / "notes.wav").write_text("these are my session notes")
    with pytest.raises(InvalidStemError, match=r"^notes\.wav: cannot read audio"):
        load_multitrack(folder)


def test_an_empty_file_is_named_empty(folder):
    """A failed DAW bounce leaves a 0-byte file; libsndfile says "Format not recognised"."""
    (folder / "08 Hat.wav").write_bytes(b"")
    with pytest.raises(
        InvalidStemError, match=r"^08 Hat\.wav: cannot read audio \(the file is empty, 0 bytes"
    ):
        load_multitrack(folder)


def test_zero_length_track(folder):
    sf.write(str(folder / "empty.wav"), np.zeros((0, 1), dtype=np.float32), 44100)
    with pytest.raises(InvalidStemError, match=r"^empty\.wav: the file holds no samples"):
        load_multitrack(folder)


def test_too_many_channels(folder):
    sf.write(str(folder / "surround.wav"), _tone(channels=6), 44100)
    with pytest.raises(InvalidStemError, match=r"^surround\.wav: 6 channels; .*mono or stereo"):
        load_multitrack(folder)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_samples(folder, value):
    bad = _tone()
    bad[10, 0] = value
    sf.write(str(folder / "nan.wav"), bad, 44100, subtype="FLOAT")
    with pytest.raises(InvalidStemError, match=r"^nan\.wav: holds NaN or infinite samples"):
        load_multitrack(folder)


def test_empty_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InvalidStemError, match="^empty: no audio files found$"):
        load_multitrack(tmp_path / "empty")


def test_folder_with_only_junk(tmp_path):
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "readme.txt").write_text("hi")
    with pytest.raises(
        InvalidStemError, match=r"^junk: no audio files found \(ignored: readme.txt\)"
    ):
        load_multitrack(tmp_path / "junk")


def test_folder_with_one_track(tmp_path):
    (tmp_path / "one").mkdir()
    sf.write(str(tmp_path / "one" / "kick.wav"), _tone(), 44100)
    with pytest.raises(InvalidStemError, match=r"only one audio file \(kick\.wav\).*at least two"):
        load_multitrack(tmp_path / "one")


def test_missing_folder(tmp_path):
    with pytest.raises(InvalidStemError, match="nowhere: no such folder"):
        load_multitrack(tmp_path / "nowhere")


def test_file_given_as_folder(folder):
    with pytest.raises(InvalidStemError, match="kick.wav: expected a folder of stems, got a file"):
        load_multitrack(folder / "kick.wav")


def test_missing_file_in_list(folder):
    with pytest.raises(InvalidStemError, match="^ghost.wav: no such file$"):
        load_multitrack([folder / "kick.wav", folder / "ghost.wav"])


def test_a_folder_among_stem_files_is_named_as_a_folder(folder):
    """It said "no such file" about a folder that exists (tried as a new user would)."""
    with pytest.raises(InvalidStemError, match=f"^{folder.name}: a folder among stem files"):
        load_multitrack([folder, folder / "kick.wav"])


def test_bad_file_does_not_touch_the_others(folder):
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    (folder / "bad.wav").write_bytes(b"nonsense")
    with pytest.raises(InvalidStemError):
        load_multitrack(folder)
    for name, data in before.items():
        assert (folder / name).read_bytes() == data


# -- gains files ----------------------------------------------------------------------------


NAMES = ("kick", "snare")


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ("not json", "not a readable JSON gains file"),
        ({"gains": []}, "expected"),
        ({"tracks": [{"name": "kick"}]}, "track 'kick' has no gain_db"),
        ({"tracks": [{"gain_db": 0}]}, 'each track needs a "name"'),
        (
            {"tracks": [{"name": "kick", "gain_db": "loud"}, {"name": "snare", "gain_db": 0}]},
            "gain_db must be a number or null",
        ),
        (
            {"tracks": [{"name": "kick", "gain_db": 0, "pan": 2}, {"name": "snare", "gain_db": 0}]},
            "pan must be a number from -1 to 1",
        ),
        ({"tracks": [{"name": "kick", "gain_db": 0}]}, "no gain for snare"),
        (
            {"tracks": [{"name": "kick", "gain_db": 0}, {"name": "kick", "gain_db": 1}]},
            "listed twice",
        ),
        (
            {
                "tracks": [
                    {"name": "kick", "gain_db": 0},
                    {"name": "snare", "gain_db": 0},
                    {"name": "cowbell", "gain_db": 0},
                ]
            },
            "no track named cowbell",
        ),
    ],
)
def test_bad_gains_files(tmp_path, doc, message):
    path = tmp_path / "g.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    with pytest.raises(GainsError, match=f"^g.json: .*{message}"):
        read_gains(path, NAMES)


def test_gains_file_with_mute_and_pan(tmp_path):
    path = tmp_path / "g.json"
    path.write_text(
        json.dumps(
            {
                "tracks": [
                    {"name": "snare", "gain_db": None, "pan": -0.5},
                    {"name": "kick", "gain_db": -3},
                ]
            }
        )
    )
    gains = read_gains(path, NAMES)
    assert gains.gains_db == (-3.0, float("-inf"))
    assert gains.pans == (0.0, -0.5)


def test_missing_gains_file(tmp_path):
    with pytest.raises(GainsError, match="^none.json: no such gains file$"):
        read_gains(tmp_path / "none.json", NAMES)
