"""Every method side by side: a reference mix made at known gains on the real demo stems."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from drumassist.core.demo import write_demo
from drumassist.core.loudness import integrated_loudness
from drumassist.core.mix import mix, peak_dbfs
from drumassist.core.mixloudness import MixLoudness
from drumassist.core.multitrack import Multitrack, from_arrays, load_multitrack
from drumassist.core.progress import CancelToken
from drumassist.errors import CancelledError, DrumassistError, ExportError, InvalidStemError
from drumassist.learn.evaluate.compare import (
    check_render_targets,
    compare_methods,
    render_comparison,
    render_targets,
)
from drumassist.learn.evaluate.metrics import compare_session, normalised_gains_db, score
from drumassist.learn.suggest.suggestion import method_names, suggest
from tests.conftest import drum_hits

DURATION_S = 6.0
#: Known faders for the reference mix, in the demo folder's (sorted) track order.
KNOWN_DB = {
    "hi-hat": -9.0, "kick": -1.0, "overhead_L": -7.0, "overhead_R": -6.0,
    "snare": -2.5, "tom_1": -4.0, "tom_2": -5.0, "tom_3": -3.5,
}  # fmt: skip
CHEAP = ("sum", "loudness", "bleed")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Multitrack:
    folder = tmp_path_factory.mktemp("demo") / "stems"
    write_demo(folder, duration_s=DURATION_S)
    return load_multitrack(folder)


@pytest.fixture(scope="module")
def meter(demo: Multitrack) -> MixLoudness:
    return MixLoudness(demo)


def write_reference(path: Path, multitrack: Multitrack, gains_db) -> Path:
    """A mono reference mix at ``gains_db``, stored as float so the gains come back exactly."""
    audio = mix(multitrack, gains_db)
    assert peak_dbfs(audio) < 0.0, "the reference would clip"
    sf.write(str(path), audio, multitrack.sample_rate, subtype="FLOAT")
    return path


@pytest.fixture(scope="module")
def known_reference(demo: Multitrack, tmp_path_factory: pytest.TempPathFactory) -> Path:
    gains = [KNOWN_DB[name] for name in demo.names]
    return write_reference(tmp_path_factory.mktemp("ref") / "engineer.wav", demo, gains)


def test_the_reference_row_recovers_the_known_gains(demo, meter, known_reference):
    result = compare_methods(demo, methods=["sum"], meter=meter, reference=known_reference)
    ref = result.reference
    assert ref is not None and ref.path == known_reference
    assert ref.fit_r2 > 0.99999
    expected = normalised_gains_db(meter, [KNOWN_DB[n] for n in demo.names])
    np.testing.assert_allclose(ref.suggestion.gains_db, expected, atol=0.01)
    assert ref.suggestion.loudness_lufs == pytest.approx(-23.0, abs=0.01)
    assert ref.suggestion.names == demo.names


def test_scores_are_those_of_metrics_against_the_reverse_engineered_gains(
    demo, meter, known_reference
):
    result = compare_methods(demo, methods=CHEAP, meter=meter, reference=known_reference)
    assert result.reference is not None
    true_db = result.reference.suggestion.gains_db
    assert [m.method for m in result.methods] == list(CHEAP)
    for row in result.methods:
        assert row.error is None and row.suggestion is not None
        assert row.suggestion.gains_db == suggest(demo, method=row.method, meter=meter).gains_db
        direct = score([compare_session(meter, true_db, row.suggestion.gains_db)])
        assert row.r2 == pytest.approx(direct.r2, abs=1e-9)
        assert row.balance_error_db == pytest.approx(direct.balance_median_db, abs=1e-9)
        assert row.balance_error_db > 0.5  # none of them is the engineer's balance


def test_a_reference_at_the_loudness_balance_gives_that_method_no_error(demo, meter, tmp_path):
    balance = suggest(demo, method="loudness", meter=meter).gains_db
    reference = write_reference(tmp_path / "loud.wav", demo, np.array(balance) - 6.0)
    result = compare_methods(demo, methods=["sum", "loudness"], meter=meter, reference=reference)
    rows = {m.method: m for m in result.methods}
    assert rows["loudness"].balance_error_db == pytest.approx(0.0, abs=0.01)
    assert rows["loudness"].r2 == pytest.approx(1.0, abs=1e-4)
    assert rows["sum"].balance_error_db > 1.0


def test_without_a_reference_there_are_no_scores(demo, meter):
    result = compare_methods(demo, methods=["loudness", "sum", "loudness"], meter=meter)
    assert result.reference is None
    assert [m.method for m in result.methods] == ["loudness", "sum"]
    for row in result.methods:
        assert math.isnan(row.r2) and math.isnan(row.balance_error_db)
        assert row.suggestion is not None
        assert row.suggestion.loudness_lufs == pytest.approx(-23.0, abs=0.01)


@pytest.mark.slow
def test_every_registered_method_runs_and_a_failing_one_is_kept(
    demo, meter, known_reference, missing_flexible
):
    # A real ModelError: the flexible model's folder holds no model.
    names = method_names()
    result = compare_methods(demo, methods=names, meter=meter, reference=known_reference)
    assert [m.method for m in result.methods] == list(names)
    rows = {m.method: m for m in result.methods}
    assert rows["flexible"].suggestion is None
    assert missing_flexible.name in rows["flexible"].error
    assert not result.all_failed
    for row in result.methods:
        assert (row.suggestion is None) == (row.error is not None)
        if row.suggestion is not None:
            assert row.suggestion.method == row.method
            assert len(row.suggestion.gains_db) == len(demo.names)
            assert math.isfinite(row.balance_error_db)


def test_every_method_failing_is_reported(demo, meter, missing_flexible):
    result = compare_methods(demo, methods=["flexible"], meter=meter)
    assert result.all_failed
    assert result.methods[0].error


def test_bad_arguments_are_refused(demo, meter, tmp_path):
    with pytest.raises(DrumassistError, match="unknown method 'nope'"):
        compare_methods(demo, methods=["sum", "nope"], meter=meter)
    with pytest.raises(DrumassistError, match="no method"):
        compare_methods(demo, methods=[], meter=meter)
    with pytest.raises(InvalidStemError, match="absent.wav"):
        compare_methods(demo, methods=["sum"], meter=meter, reference=tmp_path / "absent.wav")


def test_cancelling_stops_the_comparison(demo, meter):
    token = CancelToken()
    token.cancel()
    with pytest.raises(CancelledError):
        compare_methods(demo, methods=["sum"], meter=meter, progress=token)


def test_render_matches_every_file_to_the_ceiling_limited_loudness(
    demo, meter, known_reference, tmp_path
):
    result = compare_methods(demo, methods=CHEAP, meter=meter, reference=known_reference)
    targets = render_targets(tmp_path / "new" / "mixes", CHEAP, reference=True)
    assert [p.name for p in targets.values()] == [
        "reference.wav",
        "sum.wav",
        "loudness.wav",
        "bleed.wav",
    ]
    # So loud that some mix would peak over the ceiling: every file comes down together.
    render = render_comparison(demo, result, targets, loudness_lufs=-6.0, peak_ceiling_dbfs=-1.0)
    assert render.loudness_lufs < -6.0
    peaks = []
    for name, path in targets.items():
        audio, rate = sf.read(str(path), dtype="float64")
        assert sf.info(str(path)).subtype == "PCM_24" and audio.shape[1] == 2
        assert integrated_loudness(audio, rate) == pytest.approx(render.loudness_lufs, abs=0.1)
        assert render.files[name].warnings == ()
        peaks.append(peak_dbfs(audio))
    assert max(peaks) == pytest.approx(-1.0, abs=0.01)


def test_render_refuses_to_overwrite_and_to_write_into_the_stems(demo, meter, tmp_path):
    result = compare_methods(demo, methods=["sum"], meter=meter)
    targets = render_targets(tmp_path, ["sum"], reference=False)
    render_comparison(demo, result, targets)
    before = (tmp_path / "sum.wav").read_bytes()
    with pytest.raises(ExportError, match=r"sum.wav exists in .*--force to replace it$"):
        render_comparison(demo, result, targets)
    assert (tmp_path / "sum.wav").read_bytes() == before
    render_comparison(demo, result, targets, overwrite=True)
    stems_folder = demo.tracks[0].path.parent
    with pytest.raises(ExportError, match="stems folder"):
        check_render_targets(demo, render_targets(stems_folder, ["sum"], reference=False))
    reference = tmp_path / "sum.wav"
    with pytest.raises(ExportError, match="refusing to write over the reference"):
        check_render_targets(demo, targets, overwrite=True, protected=[reference])


def test_render_file_names_are_safe_and_unique(tmp_path):
    targets = render_targets(tmp_path, ["a/b", "a b", "Reference"], reference=True)
    names = [p.name for p in targets.values()]
    assert names == ["reference.wav", "a_b.wav", "a_b-2.wav", "Reference-2.wav"]
    assert all(p.parent == tmp_path for p in targets.values())
    with pytest.raises(DrumassistError, match="clashes with the reference"):
        render_targets(tmp_path, ["reference"], reference=True)


def test_a_silent_track_is_undefined_in_the_reference_and_left_out_of_scores(tmp_path):
    frames = 3 * 44100
    arrays = {
        "kick": drum_hits(frames, 44100, freq_hz=60, every_s=0.5, seed=1),
        "snare": drum_hits(frames, 44100, freq_hz=200, every_s=0.7, seed=2),
        "hat": drum_hits(frames, 44100, freq_hz=7000, every_s=0.25, seed=3, decay_s=0.03),
        "silent": np.zeros(frames, dtype=np.float32),
    }
    multitrack = from_arrays(arrays, sample_rate=44100)
    meter = MixLoudness(multitrack)
    reference = write_reference(tmp_path / "ref.wav", multitrack, [-2.0, -4.0, -10.0, 0.0])
    result = compare_methods(multitrack, methods=["sum"], meter=meter, reference=reference)
    assert result.reference is not None
    assert result.reference.suggestion.gains_db[3] == -math.inf
    row = result.methods[0]
    direct = score([compare_session(meter, [-2.0, -4.0, -10.0, None], row.suggestion.gains_db)])
    assert row.balance_error_db == pytest.approx(direct.balance_median_db, abs=0.01)
