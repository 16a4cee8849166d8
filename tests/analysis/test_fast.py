"""The fast feature set: stable names, silence, level dependence, Essentia's definitions."""

from __future__ import annotations

import numpy as np
import pytest

from drumassist.analysis import get_extractor
from drumassist.analysis.fast import FRAME_FEATURES, GLOBAL_FEATURES, FastExtractor
from drumassist.analysis.spectral import BAND_EDGES_HZ

from .conftest import SR, hits


@pytest.fixture(scope="module")
def fast() -> FastExtractor:
    return FastExtractor()


def _named(extractor: FastExtractor, values: np.ndarray) -> dict[str, float]:
    return dict(zip(extractor.feature_names(), values, strict=True))


def test_names_are_unique_and_defined_by_the_tables(fast):
    names = fast.feature_names()
    assert len(names) == len(set(names))
    per_frame = sum(f.width for f in FRAME_FEATURES)
    assert len(names) == per_frame * 11 + len(GLOBAL_FEATURES)
    assert names[0] == "rms_db.mean" and names[-1] == GLOBAL_FEATURES[-1].name
    assert get_extractor("fast").feature_names() == names


@pytest.mark.parametrize("seconds", [0.05, 1.0, 20.0])
@pytest.mark.parametrize("rate", [44100, 48000, 96000])
def test_length_is_stable_for_any_duration_and_rate(fast, seconds, rate):
    values = fast.extract(hits(seconds, sample_rate=rate), rate)
    assert values.dtype == np.float64
    assert values.shape == (len(fast.feature_names()),)
    assert np.isfinite(values).all()
    assert values.any()


def test_rate_does_not_change_what_a_feature_means(fast):
    t = np.arange(2 * 48000) / 48000
    sine48 = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    t = np.arange(2 * SR) / SR
    sine44 = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    a, b = _named(fast, fast.extract(sine44, SR)), _named(fast, fast.extract(sine48, 48000))
    for name in ("centroid_hz.median", "rms_db.median", "integrated_lufs", "band_db.median[5]"):
        assert a[name] == pytest.approx(b[name], abs=0.05 * abs(a[name]) + 0.1), name


@pytest.mark.parametrize("level_dbfs", [None, -90.0])
def test_silent_and_near_silent_tracks_give_zeros(fast, level_dbfs):
    audio = np.zeros(SR, np.float32)
    if level_dbfs is not None:
        noise = np.random.default_rng(0).standard_normal(SR)
        audio = (noise * 10 ** (level_dbfs / 20)).astype(np.float32)
    values = fast.extract(audio, SR)
    assert values.shape == (len(fast.feature_names()),)
    assert not values.any()


def test_levels_follow_the_gain(fast):
    audio = hits(2.0)
    quiet = _named(fast, fast.extract(audio, SR))
    loud = _named(fast, fast.extract(audio * np.float32(2.0), SR))
    gain_db = 20 * np.log10(2.0)
    for name in ("integrated_lufs", "peak_dbfs", "rms_dbfs", "rms_db.max", "band_db.max[3]"):
        assert loud[name] - quiet[name] == pytest.approx(gain_db, abs=0.01), name
    for name in ("crest_db", "centroid_hz.mean", "onsets_per_s", "mfcc.mean[3]"):
        assert loud[name] == pytest.approx(quiet[name], rel=1e-3, abs=1e-3), name


def test_onsets_spectrum_and_bands_describe_the_signal(fast):
    clicks = np.zeros(4 * SR, np.float32)
    clicks[:: SR // 5] = 0.8  # five clicks a second
    assert _named(fast, fast.extract(clicks, SR))["onsets_per_s"] == pytest.approx(5, abs=0.3)
    t = np.arange(SR) / SR
    sine = (0.3 * np.sin(2 * np.pi * 2000 * t)).astype(np.float32)
    named = _named(fast, fast.extract(sine, SR))
    assert named["centroid_hz.median"] == pytest.approx(2000, rel=0.05)
    band = int(np.searchsorted(BAND_EDGES_HZ, 2000)) - 1
    medians = [named[f"band_db.median[{i}]"] for i in range(len(BAND_EDGES_HZ) - 1)]
    assert int(np.argmax(medians)) == band
    # A sine of amplitude A has mean square A^2 / 2.
    assert named["rms_db.median"] == pytest.approx(10 * np.log10(0.3**2 / 2), abs=0.1)
    assert medians[band] == pytest.approx(named["rms_db.median"], abs=0.5)


def test_mfcc_and_centroid_match_essentia():
    import essentia.standard as es

    from drumassist.analysis import fast as fast_module
    from drumassist.analysis import spectral

    chunk = next(fast_module._chunks(hits(1.0, freq_hz=300)))
    ours_mfcc, ours_centroid = spectral.mfcc(chunk), spectral.centroid_hz(chunk)
    window = es.Windowing(type="hann", normalized=True, zeroPhase=False)
    spectrum, mfcc = es.Spectrum(), es.MFCC(inputSize=spectral.FRAME_SIZE // 2 + 1)
    centroid = es.Centroid(range=SR / 2)
    for i in (5, 20, 30):
        magnitude = spectrum(window(np.ascontiguousarray(chunk.samples[i])))
        _, coefficients = mfcc(magnitude)
        # Essentia's MFCCs are in dB of amplitude (20 log10), ours in dB of power.
        np.testing.assert_allclose(ours_mfcc[i, 1:] * 2, coefficients[1:], rtol=0.03, atol=0.5)
        assert ours_centroid[i] == pytest.approx(centroid(magnitude), rel=1e-3)
