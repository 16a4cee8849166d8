"""Export: equals the numpy mix within quantisation, hits loudness targets, writes atomically."""

from __future__ import annotations

import re

import numpy as np
import pytest
import soundfile as sf

from drumassist.core import export as export_module
from drumassist.core.export import export_audio
from drumassist.core.loudness import integrated_loudness
from drumassist.core.mix import mix
from drumassist.core.multitrack import from_arrays, load_multitrack
from drumassist.errors import ExportError


@pytest.fixture
def stems(make_stems, drum_arrays):
    return load_multitrack(make_stems(drum_arrays))


@pytest.mark.parametrize(
    ("suffix", "bit_depth", "lsb_tolerance"),
    [(".wav", 16, 1.5), (".wav", 24, 0.5), (".flac", 16, 1.5), (".flac", 24, 0.5), (".wav", 32, 0)],
)
def test_export_equals_numpy_sum_within_quantisation(
    stems, tmp_path, suffix, bit_depth, lsb_tolerance
):
    gains_db = np.array([-3.0, -6.0, -14.0, -2.0])
    audio = mix(stems, gains_db)
    expected = sum(
        t.audio[:, 0].astype(np.float64) * 10 ** (g / 20)
        for t, g in zip(stems.tracks, gains_db, strict=True)
    )
    out = tmp_path / f"mix{suffix}"
    result = export_audio(audio, stems.sample_rate, out, bit_depth=bit_depth)
    data, rate = sf.read(str(out), dtype="float64")
    info = sf.info(str(out))
    assert rate == 44100
    assert info.subtype == {16: "PCM_16", 24: "PCM_24", 32: "FLOAT"}[bit_depth]
    lsb = 2.0 ** -(bit_depth - 1)
    # Quantisation, plus the float32 rounding of the mix itself (a few 1e-8).
    float32_mixing = 2e-7
    tolerance = lsb_tolerance * lsb + float32_mixing
    np.testing.assert_allclose(data, expected, atol=tolerance, rtol=0)
    assert result.warnings == ()


def test_dither_is_tpdf_and_deterministic(tmp_path):
    quiet = np.full((44100, 1), 0.25 / 32768)  # a quarter of an LSB at 16 bit
    a = export_audio(quiet, 44100, tmp_path / "a.wav", bit_depth=16)
    b = export_audio(quiet, 44100, tmp_path / "b.wav", bit_depth=16)
    da, _ = sf.read(str(a.path), dtype="int16")
    db, _ = sf.read(str(b.path), dtype="int16")
    np.testing.assert_array_equal(da, db)
    # Dither keeps the sub-LSB level on average, and never exceeds +-1 LSB of error.
    assert set(np.unique(da)) <= {-1, 0, 1}
    assert da.mean() == pytest.approx(0.25, abs=0.02)


@pytest.mark.parametrize("target", [-23.0, -18.0, -30.0])
def test_loudness_normalised_export_hits_target(stems, tmp_path, target):
    audio = mix(stems, [0.0, -6.0, -10.0, -8.0], stereo=True)
    out = tmp_path / "norm.wav"
    result = export_audio(audio, stems.sample_rate, out, loudness_lufs=target)
    data, rate = sf.read(str(out))
    assert integrated_loudness(data, rate) == pytest.approx(target, abs=0.1)
    assert result.loudness_lufs == pytest.approx(target, abs=0.1)
    assert result.warnings == ()


def test_target_that_would_clip_is_limited_by_the_ceiling(stems, tmp_path):
    audio = mix(stems, [0.0, 0.0, 0.0, 0.0])
    out = tmp_path / "loud.wav"
    result = export_audio(audio, stems.sample_rate, out, loudness_lufs=-5.0, peak_ceiling_dbfs=-1.0)
    assert any("above the -1.0 dBFS ceiling" in w for w in result.warnings)
    data, _ = sf.read(str(out))
    assert 20 * np.log10(np.max(np.abs(data))) == pytest.approx(-1.0, abs=0.01)
    assert result.loudness_lufs < -5.0


def test_unnormalised_clipping_is_reported(tmp_path):
    hot = np.full((4410, 1), 1.5)
    result = export_audio(hot, 44100, tmp_path / "hot.wav", bit_depth=24)
    assert any("clipped" in w for w in result.warnings)
    data, _ = sf.read(str(tmp_path / "hot.wav"))
    assert data.max() <= 1.0


@pytest.mark.parametrize("bit_depth", [16, 24, 32])
def test_the_result_gives_the_peak_and_loudness_of_the_file_written(tmp_path, bit_depth):
    """A clipped export said "peak +0.9 dBFS" beside "20 samples clipped": the peak the
    mix would have had (found by a new-user trial). The result is of the file's samples:
    at full scale once clipped in 16 or 24 bit; float keeps the overs."""
    rng = np.random.default_rng(1)
    hot = (
        rng.normal(0.0, 0.3, (44100, 2)) * np.where(np.arange(44100) % 4410 < 5, 4.0, 1.0)[:, None]
    )
    result = export_audio(hot, 44100, tmp_path / "hot.wav", bit_depth=bit_depth)
    data, rate = sf.read(str(tmp_path / "hot.wav"), dtype="float64", always_2d=True)
    assert result.peak_dbfs == pytest.approx(20 * np.log10(np.max(np.abs(data))), abs=1e-6)
    assert result.loudness_lufs == pytest.approx(integrated_loudness(data, rate), abs=1e-6)
    if bit_depth == 32:
        assert result.peak_dbfs > 6.0
    else:
        assert result.peak_dbfs == pytest.approx(0.0, abs=0.01)
        assert any("clipped" in w for w in result.warnings)


def test_existing_file_needs_overwrite(tmp_path):
    out = tmp_path / "mix.wav"
    out.write_bytes(b"precious")
    with pytest.raises(ExportError, match="mix.wav: the file exists; pass --force"):
        export_audio(np.zeros((100, 1)), 44100, out)
    assert out.read_bytes() == b"precious"
    export_audio(np.zeros((100, 1)), 44100, out, overwrite=True)
    assert sf.info(str(out)).frames == 100


def test_never_writes_over_a_stem(stems):
    stem = stems.tracks[0].path
    before = stem.read_bytes()
    with pytest.raises(ExportError, match="refusing to write over one of the session's stems"):
        export_audio(
            np.zeros((100, 1)),
            44100,
            stem,
            overwrite=True,
            protected=[t.path for t in stems.tracks],
        )
    assert stem.read_bytes() == before


def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    # Simulates a full disk: libsndfile has written the header, then writing the samples
    # fails. A real ENOSPC cannot be provoked portably here, so this boundary is replaced.
    def failing_write(self, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export_module.sf.SoundFile, "write", failing_write)
    out = tmp_path / "mix.wav"
    with pytest.raises(
        ExportError,
        match=rf"^mix.wav: no space left on the device that holds {re.escape(str(tmp_path))}$",
    ):
        export_audio(np.zeros((100, 1)), 44100, out)
    assert list(tmp_path.iterdir()) == []


def test_failed_overwrite_keeps_the_old_file(tmp_path, monkeypatch):
    out = tmp_path / "mix.wav"
    export_audio(np.full((100, 1), 0.5), 44100, out)
    before = out.read_bytes()
    monkeypatch.setattr(
        export_module.sf.SoundFile,
        "write",
        lambda *a, **k: (_ for _ in ()).throw(OSError(5, "I/O error")),
    )
    with pytest.raises(ExportError):
        export_audio(np.zeros((100, 1)), 44100, out, overwrite=True)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["mix.wav"]


def test_export_is_world_readable(tmp_path):
    out = tmp_path / "mix.wav"
    export_audio(np.zeros((100, 2)), 44100, out)
    assert out.stat().st_mode & 0o777 == 0o644


def test_stereo_export_keeps_channels(drum_arrays, tmp_path):
    mt = from_arrays(drum_arrays, sample_rate=44100)
    audio = mix(mt, [0.0] * 4, pans=[-1, 1, 0, 0], stereo=True)
    export_audio(audio, 44100, tmp_path / "st.flac", bit_depth=24)
    data, _ = sf.read(str(tmp_path / "st.flac"))
    assert data.shape == (mt.frames, 2)
    np.testing.assert_allclose(data, audio, atol=2**-23)
