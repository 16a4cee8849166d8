"""drumassist.core.iir against scipy.signal: the same filters without importing it."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.signal as ss
from pyloudnorm.iirfilter import IIRfilter

from drumassist.core import iir
from drumassist.core.loudness import k_weighting_sos

RNG = np.random.default_rng(7)


def test_sosfilt_is_scipys_to_the_bit():
    sos = ss.butter(4, 1000, fs=44100, output="sos")
    x = RNG.normal(size=(3000, 3))
    zi = RNG.normal(size=(2, 2, 3))
    ours, theirs = iir.sosfilt(sos, x, axis=0, zi=zi), ss.sosfilt(sos, x, axis=0, zi=zi)
    assert np.array_equal(ours[0], theirs[0]) and np.array_equal(ours[1], theirs[1])
    assert np.array_equal(iir.sosfilt(sos, x[:, 1]), ss.sosfilt(sos, x[:, 1]))
    as_float32 = x[:, 0].astype(np.float32)
    assert np.array_equal(iir.sosfilt(sos, as_float32), ss.sosfilt(sos, as_float32))
    with pytest.raises(ValueError, match="zi must have shape"):
        iir.sosfilt(sos, x, axis=0, zi=np.zeros((2, 2)))


@pytest.mark.parametrize("padlen", [None, 0, 40])
def test_sosfiltfilt_and_its_state_are_scipys_to_the_bit(padlen):
    sos = ss.butter(2, [40.0, 2000.0], btype="bandpass", fs=44100, output="sos")
    assert np.array_equal(iir.sosfilt_zi(sos), ss.sosfilt_zi(sos))
    x = RNG.normal(size=(4, 900))
    rows = np.stack([ss.sosfiltfilt(sos, row, padtype="odd", padlen=padlen) for row in x])
    assert np.array_equal(iir.sosfiltfilt(sos, x, padlen=padlen), rows)  # row by row
    assert np.array_equal(iir.sosfiltfilt(sos, x[0], padlen=padlen), rows[0])
    with pytest.raises(ValueError, match="longer than padlen"):
        iir.sosfiltfilt(sos, x[0, :10])


@pytest.mark.parametrize("rate", [22050, 44100, 48000, 96000])
@pytest.mark.parametrize(("order", "cutoff"), [(8, 28.0), (2, (40.0, 2000.0)), (4, 500.0)])
def test_butterworth_designs_respond_as_scipys(rate, order, cutoff):
    ours = iir.butter_sos(order, cutoff, rate)
    band = isinstance(cutoff, tuple)
    theirs = ss.butter(
        order, list(cutoff) if band else cutoff, btype="bandpass" if band else "lowpass",
        fs=rate, output="sos",
    )  # fmt: skip
    freqs = np.geomspace(1.0, 0.49 * rate, 400)
    _, h_ours = ss.sosfreqz(ours, worN=freqs, fs=rate)
    _, h_theirs = ss.sosfreqz(theirs, worN=freqs, fs=rate)
    np.testing.assert_allclose(h_ours, h_theirs, rtol=0, atol=1e-9)
    x = RNG.normal(size=20000)
    np.testing.assert_allclose(
        ss.sosfilt(ours, x), ss.sosfilt(theirs, x), rtol=0, atol=1e-9 * np.abs(x).max()
    )


def test_odd_orders_are_refused_rather_than_designed_wrong():
    with pytest.raises(ValueError, match="complex-conjugate pole pairs"):
        iir.butter_sos(3, 100.0, 44100)


def test_sosfreqz_is_scipys():
    sos = k_weighting_sos(48000)
    np.testing.assert_allclose(
        iir.sosfreqz(sos, 1025), ss.sosfreqz(sos, worN=1025)[1], rtol=0, atol=1e-10
    )


@pytest.mark.parametrize("rate", [8000, 44100, 48000, 192000])
def test_k_weighting_is_pyloudnorms_to_the_bit(rate):
    stages = [
        IIRfilter(4.0, 1 / math.sqrt(2), 1500.0, rate, "high_shelf"),
        IIRfilter(0.0, 0.5, 38.0, rate, "high_pass"),
    ]
    theirs = np.array(
        [np.concatenate([s.b * s.passband_gain / s.a[0], s.a / s.a[0]]) for s in stages]
    )
    assert np.array_equal(k_weighting_sos(rate), theirs)


def test_without_the_kernel_it_falls_back_on_scipy_signal(monkeypatch):
    """Another scipy layout (no ``signal/_sosfilt`` file): the public functions instead."""
    sos = ss.butter(2, [40.0, 2000.0], btype="bandpass", fs=44100, output="sos")
    x = RNG.normal(size=(3, 500))
    expected = (ss.sosfilt(sos, x[0]), ss.sosfiltfilt(sos, x, axis=-1))
    monkeypatch.setattr(iir, "_kernel", lambda: None)
    assert np.array_equal(iir.sosfilt(sos, x[0]), expected[0])
    assert np.array_equal(iir.sosfiltfilt(sos, x), expected[1])


@pytest.mark.parametrize("cutoff", [0.0, 30000.0, (2000.0, 40.0), (40.0, 22050.0)])
def test_a_cutoff_outside_the_band_is_refused(cutoff):
    with pytest.raises(ValueError, match="must rise and lie between 0 and 22050 Hz"):
        iir.butter_sos(2, cutoff, 44100)
