"""The built-in demo multitrack: deterministic, well-formed, and drum-like, not test tones."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy import signal

from drumassist.core.demo import (
    DEMO_BALANCE_DB,
    DEMO_TRACKS,
    demo_hits,
    synthesize_demo,
    write_demo,
)
from drumassist.core.drumsynth import SOUNDS
from drumassist.core.progress import CancelToken
from drumassist.errors import CancelledError, DrumassistError

SR = 44100
SEED = 0  # phrases of 4 bars: a tom fill and a ride phrase fit in DURATION_S
DURATION_S = 10.0
CLOSE_MICS = ("kick", "snare", "hi-hat", "tom_1", "tom_2", "tom_3")


@pytest.fixture(scope="module")
def stems() -> dict[str, np.ndarray]:
    return synthesize_demo(seed=SEED, duration_s=DURATION_S, sample_rate=SR)


def _spectrum(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return signal.welch(x, SR, nperseg=4096)


def _centroid_hz(x: np.ndarray) -> float:
    f, p = _spectrum(x)
    return float(np.sum(f * p) / np.sum(p))


def _band_share(x: np.ndarray, low_hz: float, high_hz: float) -> float:
    f, p = _spectrum(x)
    return float(np.sum(p[(f >= low_hz) & (f < high_hz)]) / np.sum(p))


def _peak_after(x: np.ndarray, time_s: float, window_s: float = 0.04) -> float:
    start = round(time_s * SR)
    return float(np.max(np.abs(x[start : start + round(window_s * SR)])))


def test_tracks_and_balance_are_consistent() -> None:
    assert DEMO_TRACKS == (
        "kick", "snare", "hi-hat", "overhead_L", "overhead_R", "tom_1", "tom_2", "tom_3",
    )  # fmt: skip
    assert set(DEMO_BALANCE_DB) == set(DEMO_TRACKS)
    assert DEMO_BALANCE_DB["hi-hat"] < DEMO_BALANCE_DB["snare"] <= DEMO_BALANCE_DB["kick"]


def test_same_seed_gives_identical_stems_and_another_seed_differs() -> None:
    a = synthesize_demo(seed=7, duration_s=1.0, sample_rate=22050)
    b = synthesize_demo(seed=7, duration_s=1.0, sample_rate=22050)
    c = synthesize_demo(seed=8, duration_s=1.0, sample_rate=22050)
    for name in DEMO_TRACKS:
        np.testing.assert_array_equal(a[name], b[name])
    assert any(not np.array_equal(a[name], c[name]) for name in DEMO_TRACKS)


def test_different_seeds_give_different_grooves() -> None:
    grooves = [[(h.sound, round(h.time_s, 3)) for h in demo_hits(seed, 8.0)] for seed in range(4)]
    assert all(grooves[0] != other for other in grooves[1:])


def test_groove_is_humanised_around_a_steady_tempo() -> None:
    hats = [h for h in demo_hits(SEED, 20.0) if h.sound == "hat_closed" and h.velocity > 0.45]
    gaps_s = np.diff([h.time_s for h in hats])
    eighth_s = float(np.median(gaps_s))
    assert 30.0 / 120.0 <= eighth_s <= 30.0 / 96.0  # 8ths at 96 to 120 BPM
    steady = gaps_s[gaps_s < 1.5 * eighth_s]
    assert np.all(np.abs(steady - eighth_s) <= 0.0081)  # two hits, each within 4 ms
    assert np.std(steady) > 0.0005  # but not quantised
    assert len({round(h.velocity, 3) for h in hats}) > len(hats) // 2


@pytest.mark.parametrize(("sample_rate", "duration_s"), [(48000, 0.5), (96000, 0.37), (22050, 2.0)])
def test_stems_have_exact_length_and_type(sample_rate: int, duration_s: float) -> None:
    stems = synthesize_demo(seed=1, duration_s=duration_s, sample_rate=sample_rate)
    assert tuple(stems) == DEMO_TRACKS
    for audio in stems.values():
        assert audio.dtype == np.float32
        assert audio.shape == (round(duration_s * sample_rate),)
        assert np.all(np.isfinite(audio))


def test_stems_have_headroom_and_no_clipping(stems: dict[str, np.ndarray]) -> None:
    assert {audio.shape for audio in stems.values()} == {(round(DURATION_S * SR),)}
    for name, audio in stems.items():
        peak_dbfs = 20.0 * math.log10(float(np.max(np.abs(audio))))
        assert -12.0 < peak_dbfs <= -2.99, name


def test_spectral_centroids_are_ordered_like_drums(stems: dict[str, np.ndarray]) -> None:
    kick, snare, hat = (_centroid_hz(stems[n]) for n in ("kick", "snare", "hi-hat"))
    assert kick < 150.0 < snare < 3000.0 < hat
    assert _band_share(stems["kick"], 0.0, 150.0) > 0.8
    assert _band_share(stems["snare"], 150.0, 8000.0) > 0.7
    assert _band_share(stems["hi-hat"], 5000.0, SR / 2) > 0.6


@pytest.mark.parametrize(("mic", "pitch_hz"), [("tom_1", 150.0), ("tom_2", 110.0), ("tom_3", 80.0)])
def test_toms_ring_at_their_pitch(stems: dict[str, np.ndarray], mic: str, pitch_hz: float) -> None:
    assert any(h.sound == mic for h in demo_hits(SEED, DURATION_S)), "no fill in the fixture"
    f, p = _spectrum(stems[mic])
    assert abs(f[np.argmax(p)] - pitch_hz) < 0.15 * pitch_hz


@pytest.mark.parametrize("mic", CLOSE_MICS)
def test_each_close_mic_hears_its_own_drum_loudest(stems: dict[str, np.ndarray], mic: str) -> None:
    # Other drums count only away from the own drum's ringing tail.
    tail_s = {"kick": 0.5, "snare": 0.35, "hi-hat": 0.1}.get(mic, 1.5)
    hits = demo_hits(SEED, DURATION_S)
    own = [h.time_s for h in hits if SOUNDS[h.sound][0] == mic]
    others = [
        h.time_s for h in hits
        if SOUNDS[h.sound][0] in CLOSE_MICS and SOUNDS[h.sound][0] != mic
        and not any(h.time_s - tail_s < t < h.time_s + 0.05 for t in own)
    ]  # fmt: skip
    assert own and len(others) >= 3
    own_level = np.median([_peak_after(stems[mic], t) for t in own])
    bleed_level = np.median([_peak_after(stems[mic], t) for t in others])
    assert 20.0 * math.log10(own_level / bleed_level) > 10.0
    assert bleed_level > 1e-4  # bleed is there, not silence


def test_snare_bleeds_into_kick_mic_much_quieter(stems: dict[str, np.ndarray]) -> None:
    # Above 300 Hz, so the kick's own low tail does not count as snare bleed.
    sos = signal.butter(2, 300.0, btype="highpass", fs=SR, output="sos")
    kick_mic, snare_mic = (signal.sosfilt(sos, stems[n]) for n in ("kick", "snare"))
    backbeats = [h.time_s for h in demo_hits(SEED, DURATION_S) if h.sound == "snare"]

    def rms(x: np.ndarray, t: float) -> float:
        return float(np.sqrt(np.mean(x[round(t * SR) : round((t + 0.05) * SR)] ** 2)))

    on_kick = np.median([rms(kick_mic, t) for t in backbeats])
    on_snare = np.median([rms(snare_mic, t) for t in backbeats])
    assert on_kick > 1e-4
    assert 20.0 * math.log10(on_kick / on_snare) < -15.0


def test_overheads_form_a_stereo_image(stems: dict[str, np.ndarray]) -> None:
    left, right = stems["overhead_L"], stems["overhead_R"]
    assert not np.allclose(left, right)
    assert abs(np.corrcoef(left, right)[0, 1]) < 0.95
    assert _centroid_hz(left) > 1000.0 and _centroid_hz(right) > 1000.0  # cymbals, not toms
    # The crash hangs on the left of the kit; judge it above 4 kHz, where it dominates.
    sos = signal.butter(2, 4000.0, btype="highpass", fs=SR, output="sos")
    high_l, high_r = signal.sosfilt(sos, left), signal.sosfilt(sos, right)
    crashes = [h.time_s for h in demo_hits(SEED, DURATION_S) if h.sound == "crash"]
    assert crashes
    assert all(_peak_after(high_l, t, 0.3) > _peak_after(high_r, t, 0.3) for t in crashes)


def test_write_demo_writes_24_bit_wav_stems(tmp_path: Path) -> None:
    out_dir = tmp_path / "new" / "demo"
    paths = write_demo(out_dir, seed=2, duration_s=1.0, sample_rate=22050)
    assert paths == [out_dir / f"{name}.wav" for name in DEMO_TRACKS]
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(p.name for p in paths)
    for path in paths:
        info = sf.info(path)
        assert (info.format, info.subtype) == ("WAV", "PCM_24")
        assert (info.samplerate, info.channels, info.frames) == (22050, 1, 22050)
    reread, _ = sf.read(paths[0], dtype="float32")
    expected = synthesize_demo(seed=2, duration_s=1.0, sample_rate=22050)["kick"]
    np.testing.assert_allclose(reread, expected, atol=2.0**-22)


def test_write_demo_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "snare.wav").write_bytes(b"mine")
    with pytest.raises(DrumassistError, match=r"snare\.wav"):
        write_demo(tmp_path, duration_s=0.5)
    assert (tmp_path / "snare.wav").read_bytes() == b"mine"
    assert [p.name for p in tmp_path.iterdir()] == ["snare.wav"]  # nothing else written
    write_demo(tmp_path, duration_s=0.5, sample_rate=22050, overwrite=True)
    assert sf.info(tmp_path / "snare.wav").frames == round(0.5 * 22050)


def test_progress_reaches_one_and_cancel_stops(tmp_path: Path) -> None:
    token = CancelToken()
    synthesize_demo(duration_s=0.3, sample_rate=22050, progress=token)
    assert token.fraction == 1.0 and "tom_3" in token.message

    class CancelAfterFirst(CancelToken):
        def report(self, fraction: float, message: str = "") -> None:
            super().report(fraction, message)
            self.cancel()

    with pytest.raises(CancelledError):
        write_demo(tmp_path, duration_s=0.3, sample_rate=22050, progress=CancelAfterFirst())
    assert [p.name for p in tmp_path.iterdir()] == ["kick.wav"]  # complete, no temp files
    assert sf.info(tmp_path / "kick.wav").frames == round(0.3 * 22050)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"duration_s": 0.0}, "duration"),
        ({"duration_s": -2.0}, "duration"),
        ({"duration_s": math.nan}, "duration"),
        ({"duration_s": math.inf}, "duration"),
        ({"duration_s": 1e-9}, "duration"),
        ({"duration_s": "2"}, "duration"),
        ({"sample_rate": 8000}, "sample rate"),
        ({"sample_rate": 10_000_000}, "sample rate"),
        ({"sample_rate": 44100.0}, "sample rate"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_arguments_raise_drumassist_error(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(DrumassistError, match=message):
        synthesize_demo(**kwargs)  # type: ignore[arg-type]
