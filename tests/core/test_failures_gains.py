"""Failures at the gains-file boundary (issue 14, item 1): ranges, huge numbers, no warnings.

Each case is what a hostile or careless user writes in a gains file; every one must
end in one GainsError naming the file and the track, with no file written and no
numpy RuntimeWarning on the way.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import soundfile as sf

from drumassist.cli import main
from drumassist.core.gainsfile import read_gains
from drumassist.errors import GainsError

NAMES = ("kick", "snare")


def _write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("gain", "message"),
    [
        ("1e308", r"^g\.json: track 'kick': 'gain_db' = 1e\+308 is outside -120 to 120$"),
        ("400", r"^g\.json: track 'kick': 'gain_db' = 400 is outside -120 to 120$"),
        ("-121", r"^g\.json: track 'kick': 'gain_db' = -121 is outside -120 to 120$"),
        ("1" * 400, r"^g\.json: not a readable JSON gains file \(integer of 400 digits\)$"),
        ("NaN", r"^g\.json: not a readable JSON gains file \(NaN is not a number JSON allows\)"),
        ("Infinity", r"^g\.json: not a readable JSON gains file \(Infinity is not"),
        ("-Infinity", r"^g\.json: not a readable JSON gains file \(-Infinity is not"),
    ],
)
def test_gain_out_of_range_names_file_and_track(tmp_path, gain, message):
    path = _write(
        tmp_path / "g.json",
        f'{{"tracks": [{{"name": "kick", "gain_db": {gain}}}, {{"name": "snare", "gain_db": 0}}]}}',
    )
    with pytest.raises(GainsError, match=message):
        read_gains(path, NAMES)


@pytest.mark.parametrize("pan", ["1.5", "-1e308", "1" * 400, '"left"', "true"])
def test_pan_out_of_range_names_file_and_track(tmp_path, pan):
    path = _write(
        tmp_path / "g.json",
        f'{{"tracks": [{{"name": "kick", "gain_db": 0, "pan": {pan}}},'
        ' {"name": "snare", "gain_db": 0}]}',
    )
    with pytest.raises(GainsError, match=r"^g\.json: "):
        read_gains(path, NAMES)


def test_gains_at_the_limits_are_accepted(tmp_path):
    doc = {"tracks": [{"name": "kick", "gain_db": 120}, {"name": "snare", "gain_db": -120.0}]}
    gains = read_gains(_write(tmp_path / "g.json", json.dumps(doc)), NAMES)
    assert gains.gains_db == (120.0, -120.0)


@pytest.fixture
def stems(tmp_path):
    folder = tmp_path / "stems"
    folder.mkdir()
    t = np.arange(44100) / 44100
    sf.write(str(folder / "kick.wav"), 0.5 * np.sin(2 * np.pi * 60 * t), 44100)
    sf.write(str(folder / "snare.wav"), 0.3 * np.sin(2 * np.pi * 200 * t), 44100)
    return folder


@pytest.mark.parametrize("gain", ["1e308", "400", "1" * 400])
@pytest.mark.parametrize("loudness", [[], ["--loudness", "-23"]])
def test_mix_with_huge_gain_writes_nothing_and_warns_nothing(
    stems, tmp_path, capsys, gain, loudness
):
    """The issue's case: 1e308 wrote 97 % full-scale samples and exited 0 with warnings."""
    gains = _write(
        tmp_path / "g.json",
        f'{{"tracks": [{{"name": "kick", "gain_db": {gain}}}, {{"name": "snare", "gain_db": 0}}]}}',
    )
    out = tmp_path / "out.wav"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status = main(["mix", str(stems), "--gains", str(gains), "-o", str(out), *loudness])
    err = capsys.readouterr().err
    assert status == 1
    assert err.startswith("drumassist: error: g.json: ")
    assert err.count("\n") == 1, err
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.json", "stems"]


def test_mix_inverts_the_tracks_a_gains_file_marks(stems, tmp_path):
    doc = {
        "tracks": [{"name": "kick", "gain_db": 0, "invert": True}, {"name": "snare", "gain_db": -6}]
    }
    gains = _write(tmp_path / "g.json", json.dumps(doc))
    assert read_gains(gains, NAMES).inverted == (True, False)
    out = tmp_path / "out.wav"
    assert (
        main(
            [
                "mix",
                str(stems),
                "--gains",
                str(gains),
                "-o",
                str(out),
                "--mono",
                "--bit-depth",
                "32",
            ]
        )
        == 0
    )
    written, _ = sf.read(str(out), dtype="float32")
    kick, _ = sf.read(str(stems / "kick.wav"), dtype="float32")
    snare, _ = sf.read(str(stems / "snare.wav"), dtype="float32")
    np.testing.assert_allclose(written, -kick + 10 ** (-6 / 20) * snare, atol=1e-6)


def test_a_polarity_flag_that_is_not_true_or_false_names_file_and_track(tmp_path):
    doc = {
        "tracks": [{"name": "kick", "gain_db": 0, "invert": "yes"}, {"name": "snare", "gain_db": 0}]
    }
    with pytest.raises(GainsError, match=r"^g\.json: track 'kick': 'invert' must be true or false"):
        read_gains(_write(tmp_path / "g.json", json.dumps(doc)), NAMES)


@pytest.mark.parametrize(
    ("field", "hint"), [("mute", 'a muted track has "gain_db": null'), ("pann", "a track takes")]
)
def test_an_unknown_field_is_refused_not_mixed_as_if_absent(tmp_path, field, hint):
    """A typo or another format's field mixed silently as if absent (tried as a user would)."""
    doc = {"tracks": [{"name": "kick", "gain_db": 0, field: True}, {"name": "snare", "gain_db": 0}]}
    with pytest.raises(GainsError, match=rf"^g\.json: track 'kick': unknown field '{field}'"):
        read_gains(_write(tmp_path / "g.json", json.dumps(doc)), NAMES)
    with pytest.raises(GainsError, match=hint):
        read_gains(_write(tmp_path / "g.json", json.dumps(doc)), NAMES)


def test_what_suggest_writes_beside_the_gains_is_accepted(tmp_path):
    extra = {
        "role": "kick",
        "low_db": -3.0,
        "high_db": 1.0,
        "too_short": False,
        "bleed_only": False,
    }
    doc = {"tracks": [{"name": "kick", "gain_db": -1, **extra}, {"name": "snare", "gain_db": 0}]}
    assert read_gains(_write(tmp_path / "g.json", json.dumps(doc)), NAMES).gains_db == (-1.0, 0.0)
