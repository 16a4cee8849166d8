"""The audio callback, called directly with numpy buffers as PortAudio would call it."""

from __future__ import annotations

import tracemalloc
from types import SimpleNamespace

import numpy as np
import pytest

from drumassist.audio.engine import MixEngine, PlaybackState
from drumassist.core.mix import channel_factors, mix
from drumassist.core.multitrack import from_arrays

BLOCK = 512


@pytest.fixture
def multitrack(drum_arrays):
    arrays = dict(drum_arrays)
    arrays["OH pair"] = np.stack([drum_arrays["OH L"], drum_arrays["HH"]], axis=1)
    return from_arrays(arrays, sample_rate=44100)


def factors(mt, gains_db, pans=None):
    return channel_factors(mt, gains_db, pans=pans, stereo=True).astype(np.float32)


def run(engine: MixEngine, blocks: int, block: int = BLOCK, status=None) -> np.ndarray:
    out = np.zeros((blocks * block, 2), dtype=np.float32)
    for b in range(blocks):
        engine.callback(out[b * block : (b + 1) * block], block, None, status)
    return out


def test_plays_the_stereo_mix(multitrack):
    gains, pans = [-3.0, -6.0, -12.0, -1.0, -4.0], [0.0, 0.2, -0.5, 0.9, 0.0]
    engine = MixEngine(
        multitrack,
        PlaybackState(
            factors(multitrack, gains, pans), factors(multitrack, [0.0] * 5), playing=True
        ),
    )
    out = run(engine, 40)
    expected = mix(multitrack, gains, pans=pans, stereo=True, stop=40 * BLOCK)
    np.testing.assert_allclose(out, expected, atol=1e-6)
    assert engine.position == 40 * BLOCK


def test_stopped_engine_outputs_silence_and_holds_position(multitrack):
    engine = MixEngine(
        multitrack, PlaybackState(factors(multitrack, [0.0] * 5), factors(multitrack, [0.0] * 5))
    )
    out = np.ones((BLOCK, 2), dtype=np.float32)
    engine.callback(out, BLOCK, None, None)
    assert not out.any()
    assert engine.position == 0


def test_ab_switch_is_ramped_within_one_block(multitrack):
    a = factors(multitrack, [0.0, -60.0, -60.0, -60.0, -60.0])
    b = factors(multitrack, [-60.0, 0.0, -60.0, -60.0, -60.0])
    engine = MixEngine(multitrack, PlaybackState(a, b, playing=True))
    before = run(engine, 4)
    engine.state = PlaybackState(a, b, use_b=True, playing=True)
    switched = run(engine, 3)
    start = 4 * BLOCK
    mix_a = mix(multitrack, [0.0, -60.0, -60.0, -60.0, -60.0], stereo=True)
    mix_b = mix(multitrack, [-60.0, 0.0, -60.0, -60.0, -60.0], stereo=True)
    ramp = (np.arange(1, BLOCK + 1) / BLOCK)[:, None]
    expected_ramp = mix_a[start : start + BLOCK] * (1 - ramp) + mix_b[start : start + BLOCK] * ramp
    np.testing.assert_allclose(switched[:BLOCK], expected_ramp, atol=1e-6)
    np.testing.assert_allclose(
        switched[BLOCK:], mix_b[start + BLOCK : start + 3 * BLOCK], atol=1e-6
    )
    # No click: the step between consecutive samples stays within what the music itself does.
    joined = np.concatenate([before, switched])
    largest_step = np.abs(np.diff(joined, axis=0)).max()
    music_step = max(
        np.abs(np.diff(mix_a[: 7 * BLOCK], axis=0)).max(),
        np.abs(np.diff(mix_b[: 7 * BLOCK], axis=0)).max(),
    )
    assert largest_step <= music_step * 1.01


def test_fader_move_is_heard_in_the_next_block(multitrack):
    a = factors(multitrack, [0.0] * 5)
    engine = MixEngine(multitrack, PlaybackState(a, a, playing=True))
    run(engine, 2)
    engine.state = PlaybackState(factors(multitrack, [-20.0] * 5), a, playing=True)
    out = run(engine, 2)
    np.testing.assert_allclose(
        out[BLOCK:], mix(multitrack, [-20.0] * 5, stereo=True)[3 * BLOCK : 4 * BLOCK], atol=1e-6
    )


def test_end_of_file_pads_with_silence(multitrack):
    a = factors(multitrack, [0.0] * 5)
    engine = MixEngine(multitrack, PlaybackState(a, a, playing=True))
    engine.state = PlaybackState(a, a, playing=True, seek_to=multitrack.frames - 100, seek_serial=1)
    out = run(engine, 2)
    expected = mix(multitrack, [0.0] * 5, stereo=True, start=multitrack.frames - 100)
    np.testing.assert_allclose(out[:100], expected, atol=1e-6)
    assert not out[100:].any()
    assert engine.position == multitrack.frames


def test_loop_wraps_seamlessly(multitrack):
    a = factors(multitrack, [0.0] * 5)
    loop = (1000, 1000 + 700)
    engine = MixEngine(multitrack, PlaybackState(a, a, playing=True, loop=loop))
    out = run(engine, 6)  # 3072 frames: from 0 into the loop, then around it
    full = mix(multitrack, [0.0] * 5, stereo=True)
    expected = [full[:1700]]
    while sum(len(e) for e in expected) < len(out):
        expected.append(full[1000:1700])
    np.testing.assert_allclose(out, np.concatenate(expected)[: len(out)], atol=1e-6)
    assert loop[0] <= engine.position < loop[1]


def test_seek_is_taken_once(multitrack):
    a = factors(multitrack, [0.0] * 5)
    engine = MixEngine(multitrack, PlaybackState(a, a, playing=True, seek_to=5000, seek_serial=1))
    run(engine, 1)
    assert engine.position == 5000 + BLOCK
    engine.state = PlaybackState(a, a, use_b=True, playing=True, seek_to=5000, seek_serial=1)
    run(engine, 1)
    assert engine.position == 5000 + 2 * BLOCK


def test_meters_and_underflows(multitrack):
    gains = [0.0, -6.0, -60.0, 0.0, 0.0]
    engine = MixEngine(
        multitrack,
        PlaybackState(factors(multitrack, gains), factors(multitrack, gains), playing=True),
    )
    out = run(engine, 1, status=SimpleNamespace(output_underflow=True))
    assert engine.underflows == 1
    meter = engine.meter
    assert meter is not None
    kick = multitrack.tracks[0].audio[:BLOCK, 0]
    assert meter.track_peaks[0] == pytest.approx(np.abs(kick).max() * np.cos(np.pi / 4), rel=1e-5)
    assert meter.out_peaks[0] == pytest.approx(np.abs(out[:, 0]).max(), rel=1e-6)


def test_callback_does_not_allocate_buffers(multitrack):
    block = 4096  # a stereo float32 block is 32 KiB, one mono track segment 16 KiB
    a = factors(multitrack, [0.0] * 5)
    engine = MixEngine(multitrack, PlaybackState(a, a, playing=True))
    out = np.zeros((block, 2), dtype=np.float32)
    engine.callback(out, block, None, None)  # warm up
    engine.state = PlaybackState(a, factors(multitrack, [-6.0] * 5), use_b=True, playing=True)
    tracemalloc.start()
    try:
        for _ in range(8):  # the first call ramps, the others play steadily
            engine.callback(out, block, None, None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Only small Python objects (numpy scalars, the meter tuple) may be made: far less
    # than any buffer the size of a block of audio.
    assert peak < 8192


def test_stop_fades_out_one_block_then_is_silent(multitrack):
    a = factors(multitrack, [0.0] * 5)
    engine = MixEngine(multitrack, PlaybackState(a, a, playing=True))
    run(engine, 2)
    assert engine.sounding
    engine.state = PlaybackState(a, a, playing=False)
    out = run(engine, 3)
    full = mix(multitrack, [0.0] * 5, stereo=True)
    fade = (1 - np.arange(1, BLOCK + 1) / BLOCK)[:, None]
    np.testing.assert_allclose(out[:BLOCK], full[2 * BLOCK : 3 * BLOCK] * fade, atol=1e-6)
    assert not out[BLOCK:].any()
    assert not engine.sounding
    assert engine.position == 3 * BLOCK  # held where the fade ended


def test_starting_from_silence_takes_the_new_state_without_a_ramp(multitrack):
    a = factors(multitrack, [0.0] * 5)
    b = factors(multitrack, [-12.0, 0.0, -3.0, -6.0, 0.0])
    engine = MixEngine(multitrack, PlaybackState(a, a))
    run(engine, 1)  # idle: silence, nothing heard
    engine.state = PlaybackState(a, b, use_b=True, playing=True)
    out = run(engine, 2)
    expected = mix(multitrack, [-12.0, 0.0, -3.0, -6.0, 0.0], stereo=True, stop=2 * BLOCK)
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_stopping_does_not_allocate_buffers(multitrack):
    block = 4096
    a = factors(multitrack, [0.0] * 5)
    engine = MixEngine(multitrack, PlaybackState(a, a, playing=True))
    out = np.zeros((block, 2), dtype=np.float32)
    engine.callback(out, block, None, None)
    engine.state = PlaybackState(a, a, playing=False)
    tracemalloc.start()
    try:
        for _ in range(4):  # the first call fades out, the others are silent
            engine.callback(out, block, None, None)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8192
