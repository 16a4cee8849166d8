"""Failures at the reverse boundary (issue 14, items 7 and 8): an unrelated mix, a mix at
another rate, a stereo mix fitted in mono, and a mix too short to fit."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from drumassist.cli import main
from drumassist.core.mix import mix
from drumassist.core.multitrack import load_multitrack
from drumassist.errors import InvalidStemError
from drumassist.learn.reverse import engineer
from drumassist.learn.reverse.engineer import reverse_engineer
from tests.conftest import drum_hits


@pytest.fixture
def stems(make_stems, drum_arrays):
    return make_stems(drum_arrays)


def _unrelated(frames: int) -> np.ndarray:
    """Other drums (other pitches, rates and seeds): not made of the stems."""
    left = drum_hits(frames, 44100, freq_hz=90, every_s=0.41, seed=11)
    right = drum_hits(frames, 44100, freq_hz=450, every_s=0.29, seed=12)
    return np.stack([left + right, left - 0.5 * right], axis=1)


def test_unrelated_mix_is_flagged_not_ok(stems):
    """The issue's case: 0 % explained, yet every track "ok" and a latency compensated."""
    multitrack = load_multitrack(stems)
    result = reverse_engineer(multitrack, _unrelated(multitrack.frames).mean(axis=1))
    assert result.r2 < 0.05  # reverse.report.UNRELATED_R2
    assert not result.reliable
    assert {t.status for t in result.tracks} == {"unreliable"}
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith("the mix does not appear to be made of these stems")
    assert "latency" not in result.warnings[0].replace("no latency was found", "")


def test_related_mix_stays_reliable(stems):
    multitrack = load_multitrack(stems)
    gains = np.array([-3.0, -6.0, -9.0, -1.0])
    noise = np.random.default_rng(3).standard_normal((multitrack.frames, 1)) * 0.02
    result = reverse_engineer(multitrack, mix(multitrack, gains) + noise.astype(np.float32))
    assert result.reliable and result.r2 > 0.9
    assert {t.status for t in result.tracks} == {"ok"}


def test_cli_says_unrelated_and_claims_no_latency(stems, tmp_path, capsys):
    multitrack = load_multitrack(stems)
    other = tmp_path / "other.wav"
    sf.write(str(other), _unrelated(multitrack.frames), 44100)
    assert main(["reverse", str(stems), str(other), "--json"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert doc["reliable"] is False
    assert doc["latency_ms"] is None
    assert {t["status"] for t in doc["tracks"]} == {"unreliable"}
    assert "warning: the mix does not appear to be made of these stems" in captured.err
    assert main(["reverse", str(stems), str(other), "--stereo"]) == 0
    text = capsys.readouterr().out
    assert "other.wav does not appear to be made of these stems" in text
    assert "no latency found" in text and " ok" not in text


def test_mix_at_another_rate_is_noted(stems, tmp_path, capsys):
    import soxr

    multitrack = load_multitrack(stems)
    audio = mix(multitrack, np.zeros(4))
    path = tmp_path / "m48.wav"
    sf.write(str(path), soxr.resample(audio, 44100, 48000), 48000)
    _, notices = engineer.read_mix(path, sample_rate=44100)
    assert notices == ("m48.wav: the mix is at 48000 Hz; resampled to the stems' 44100 Hz",)
    assert main(["reverse", str(stems), str(path)]) == 0
    assert "note: m48.wav: the mix is at 48000 Hz; resampled" in capsys.readouterr().err


def test_stereo_mix_fitted_in_mono_is_noted(stems, tmp_path, capsys):
    multitrack = load_multitrack(stems)
    audio = mix(multitrack, np.zeros(4), pans=[-0.5, 0.5, 0.0, -1.0], stereo=True)
    path = tmp_path / "st.wav"
    sf.write(str(path), audio, 44100, subtype="FLOAT")
    assert main(["reverse", str(stems), str(path)]) == 0
    assert "the mono fit averages its two channels" in capsys.readouterr().err
    # A mono mix stored as two identical channels is not worth a word.
    sf.write(str(path), np.repeat(mix(multitrack, np.zeros(4)), 2, axis=1), 44100)
    assert main(["reverse", str(stems), str(path)]) == 0
    assert "averages" not in capsys.readouterr().err


@pytest.mark.parametrize("frames", [1, 100])
def test_too_short_mix_is_named(stems, tmp_path, capsys, frames):
    """A 1-sample mix said "the mix overlaps the stems for only 1 frames", naming no file."""
    path = tmp_path / "tiny.wav"
    sf.write(str(path), np.full((frames, 2), 0.1, dtype=np.float32), 44100)
    with pytest.raises(InvalidStemError, match=r"^tiny\.wav: the mix lasts .*too short to fit"):
        engineer.read_mix(path, sample_rate=44100)
    assert main(["reverse", str(stems), str(path)]) == 1
    assert capsys.readouterr().err.startswith("drumassist: error: tiny.wav: ")


def test_array_errors_name_the_mix(stems):
    multitrack = load_multitrack(stems)
    with pytest.raises(InvalidStemError, match=r"^ref\.wav: the mix overlaps the stems for only"):
        reverse_engineer(multitrack, np.ones((3, 1), np.float32), mix_name="ref.wav")


def test_compare_against_an_unrelated_reference_says_so(stems, tmp_path, capsys):
    multitrack = load_multitrack(stems)
    other = tmp_path / "other.wav"
    sf.write(str(other), _unrelated(multitrack.frames), 44100)
    assert main(["compare", str(stems), "--reference", str(other), "--method", "loudness"]) == 0
    err = capsys.readouterr().err
    assert "other.wav does not appear to be made of these stems" in err
    assert "approximate" not in err
