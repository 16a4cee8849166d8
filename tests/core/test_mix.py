"""Mixing: gains, constant-power pans, mono and stereo, mutes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from drumassist.core.mix import channel_factors, db_to_lin, lin_to_db, mix, pan_gains, peak_dbfs
from drumassist.core.multitrack import from_arrays
from drumassist.errors import GainsError


@pytest.fixture
def multitrack(drum_arrays):
    return from_arrays(drum_arrays, sample_rate=44100)


def test_mono_mix_is_the_gained_sum(multitrack, drum_arrays):
    gains_db = [0.0, -6.0, -12.0, 3.0]
    out = mix(multitrack, gains_db)
    expected = sum(
        drum_arrays[n].astype(np.float64) * 10 ** (g / 20)
        for n, g in zip(multitrack.names, gains_db, strict=True)
    )
    assert out.shape == (multitrack.frames, 1)
    np.testing.assert_allclose(out[:, 0], expected, atol=1e-6)


def test_minus_infinity_and_mute_silence_a_track(multitrack, drum_arrays):
    only_kick = mix(multitrack, [0.0, -math.inf, -math.inf, -math.inf])
    np.testing.assert_allclose(only_kick[:, 0], drum_arrays["Kick In"], atol=1e-7)
    muted = mix(multitrack, [0.0, 0.0, 0.0, 0.0], mutes=[False, True, True, True])
    np.testing.assert_array_equal(muted, only_kick)


def test_an_inverted_track_is_mixed_with_its_polarity_inverted(drum_arrays):
    kick = drum_arrays["Kick In"]
    copies = from_arrays({"Kick": kick, "Kick again": kick.copy()}, sample_rate=44100)
    both = mix(copies, [0.0, 0.0], stereo=True)
    np.testing.assert_allclose(both[:, 0], 2 * kick * math.cos(math.pi / 4), atol=1e-6)
    # One of two identical tracks inverted: they cancel, in mono and in stereo.
    for stereo in (False, True):
        cancelled = mix(copies, [0.0, 0.0], stereo=stereo, inverted=[False, True])
        assert not cancelled.any()
    alone = mix(copies, [0.0, -math.inf], inverted=[True, False])
    np.testing.assert_allclose(alone[:, 0], -kick, atol=1e-7)
    factors = channel_factors(copies, [-6.0, -6.0], inverted=[True, False])
    assert factors[0, 0, 0] == pytest.approx(-db_to_lin(-6.0))
    assert factors[1, 0, 0] == pytest.approx(db_to_lin(-6.0))


def test_stereo_pans_are_constant_power(multitrack):
    kick = multitrack.tracks[0].audio[:, 0]
    energies = []
    for pan in np.linspace(-1, 1, 9):
        out = mix(
            multitrack, [0.0, -math.inf, -math.inf, -math.inf], pans=[pan, 0, 0, 0], stereo=True
        )
        energies.append(float(np.sum(out.astype(np.float64) ** 2)))
    np.testing.assert_allclose(energies, np.sum(kick.astype(np.float64) ** 2), rtol=1e-5)
    hard_left = mix(
        multitrack, [0.0, -math.inf, -math.inf, -math.inf], pans=[-1, 0, 0, 0], stereo=True
    )
    assert not hard_left[:, 1].any()


def test_stereo_source_is_unity_at_centre_and_keeps_its_image(drum_arrays):
    pair = np.stack([drum_arrays["OH L"], drum_arrays["HH"]], axis=1)
    mt = from_arrays({"OH": pair, "Kick": drum_arrays["Kick In"]}, sample_rate=44100)
    out = mix(mt, [0.0, -math.inf], stereo=True)
    np.testing.assert_allclose(out, pair, atol=1e-7)
    mono = mix(mt, [0.0, -math.inf])
    np.testing.assert_allclose(mono[:, 0], pair.mean(axis=1), atol=1e-7)
    left, right = pan_gains(1.0, stereo_source=True)
    assert (left, right) == (pytest.approx(0.0, abs=1e-12), 1.0)


def test_partial_range(multitrack):
    full = mix(multitrack, [0.0] * 4)
    np.testing.assert_array_equal(
        mix(multitrack, [0.0] * 4, start=1000, stop=2000), full[1000:2000]
    )


@given(st.floats(min_value=-120, max_value=40))
def test_db_round_trip(gain_db):
    assert lin_to_db(db_to_lin(gain_db)) == pytest.approx(gain_db, abs=1e-9)


def test_db_edge_values():
    assert db_to_lin(-math.inf) == 0.0
    assert lin_to_db(0.0) == -math.inf
    assert peak_dbfs(np.zeros(4)) == -math.inf
    assert peak_dbfs(np.array([0.5, -1.0])) == pytest.approx(0.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"gains_db": [0.0, 0.0]}, "expected 4 gains"),
        ({"gains_db": [0.0, 0.0, math.nan, 0.0]}, "finite"),
        ({"gains_db": [0.0, 0.0, math.inf, 0.0]}, "finite"),
        ({"gains_db": [0.0] * 4, "pans": [0.0]}, "expected 4 pans"),
        ({"gains_db": [0.0] * 4, "pans": [0.0, 1.5, 0, 0], "stereo": True}, "outside -1"),
        ({"gains_db": [0.0] * 4, "inverted": [True]}, "expected 4 polarity flags"),
        ({"gains_db": [0.0] * 4, "mutes": [True, False]}, "expected 4 mute flags"),
    ],
)
def test_bad_gains_are_refused(multitrack, kwargs, message):
    with pytest.raises(GainsError, match=message):
        channel_factors(multitrack, **kwargs)


@pytest.mark.parametrize("stereo", [False, True])
@pytest.mark.parametrize(("start", "stop"), [(0, None), (17, 70_001), (40_000, 40_001), (5, 5)])
def test_the_chunked_mix_is_the_whole_length_sum_bit_for_bit(stereo, start, stop) -> None:
    """The mix runs chunk by chunk (MIX_CHUNK frames), elementwise; across chunk
    boundaries every sample is the whole-length float32 sum: each product rounded, a
    stereo track's two channels summed, then the tracks added in order."""
    rng = np.random.default_rng(3)
    frames = 100_003  # three chunks and a part
    arrays = {
        "kick": rng.standard_normal((frames, 1)).astype(np.float32),
        "overheads": rng.standard_normal((frames, 2)).astype(np.float32),
        "snare": rng.standard_normal((frames, 1)).astype(np.float32),
    }
    tracks = from_arrays(arrays, sample_rate=44100)
    gains, pans = rng.uniform(-20, 6, 3), rng.uniform(-1, 1, 3)
    routing = channel_factors(tracks, gains, pans=pans, stereo=stereo, inverted=[0, 1, 0])
    end = frames if stop is None else stop
    expected = np.zeros((end - start, routing.shape[2]), dtype=np.float32)
    for audio, matrix in zip(arrays.values(), routing, strict=True):
        m = matrix.astype(np.float32)
        for c in range(m.shape[1]):
            track = audio[start:end, 0] * m[0, c]
            if audio.shape[1] == 2:
                track = track + audio[start:end, 1] * m[1, c]
            expected[:, c] += track
    out = mix(tracks, gains, pans=pans, stereo=stereo, start=start, stop=stop, inverted=[0, 1, 0])
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, expected)


FRAMES = (1 << 15) + 1  # one sample into a second chunk


@pytest.mark.parametrize(("start", "stop"), [(0, FRAMES + 1), (5, 4), (-1, 3), (FRAMES + 1, None)])
def test_frames_outside_the_stems_are_refused(start, stop) -> None:
    """A range past the end used to raise from numpy; chunked, it could have repeated
    the last sample over the rest of a chunk: it is refused by name."""
    tracks = from_arrays({"kick": np.ones(FRAMES, np.float32)}, sample_rate=44100)
    with pytest.raises(ValueError, match="lie outside the stems"):
        mix(tracks, [0.0], start=start, stop=stop)
