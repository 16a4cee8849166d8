"""The comparison laid out for the window's compare view: methods, rows, chart values."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from drumassist.core.mixloudness import MixLoudness
from drumassist.core.multitrack import from_arrays
from drumassist.learn.evaluate.compare import Comparison, MethodResult, Reference
from drumassist.learn.evaluate.compare_table import (
    chart_values,
    column_order,
    compare_rows,
    comparison_rows,
    installed_methods,
    missing_methods,
)
from drumassist.learn.evaluate.metrics import FLOOR_DB
from drumassist.learn.models.registry import DEFAULT_METHOD, unavailable_reason
from drumassist.learn.suggest.suggestion import Suggestion, method_names, suggest
from tests.conftest import drum_hits

NAMES = ("kick", "snare", "hat")


def balance(method: str, gains, low=None, high=None) -> Suggestion:
    gains = tuple(float(g) for g in gains)
    return Suggestion(
        method=method, names=NAMES, roles=("kick", "snare", "hi-hat"), gains_db=gains,
        low_db=gains if low is None else tuple(low), high_db=gains if high is None else tuple(high),
        loudness_lufs=-23.0,
    )  # fmt: skip


def test_installed_methods_are_every_runnable_method_once():
    names = installed_methods()
    assert "default" not in names  # an alias of the default model's method
    assert DEFAULT_METHOD in names
    expected = [n for n in method_names() if n != "default" and unavailable_reason(n) is None]
    assert list(names) == expected
    assert "sum" in names and "loudness" in names
    missing = missing_methods()
    assert set(missing) == {n for n in method_names() if n != "default"} - set(names)
    for name, why in missing.items():
        assert why == unavailable_reason(name) and why.startswith(f"no {name} model")


def test_rows_put_the_reference_first_and_label_the_default():
    ref = Reference(Path("/mixes/ref.wav"), balance("reference: ref.wav", (-3, -6, -9)), 0.99)
    comparison = Comparison(
        ref,
        (
            MethodResult(DEFAULT_METHOD, balance(DEFAULT_METHOD, (-1, -2, -3)), 0.5, 1.25),
            MethodResult("flexible", None, error="no model"),
        ),
    )
    rows = comparison_rows(comparison)
    assert [r.label for r in rows] == [
        "reference: ref.wav",
        f"{DEFAULT_METHOD} (default)",
        "flexible",
    ]
    assert rows[0].is_reference and math.isnan(rows[0].balance_error_db)
    assert rows[1].balance_error_db == 1.25 and rows[1].r2 == 0.5
    assert rows[2].suggestion is None and rows[2].error == "no model"


def test_chart_values_floor_ranges_and_muted_tracks():
    rows = comparison_rows(
        Comparison(
            None,
            (
                MethodResult(
                    "a", balance("a", (-2.0, -13.0, -5.0), (-4.0, -14.0, -5.0), (-1.0, -12.0, -3.0))
                ),
                MethodResult("b", None, error="failed"),
                MethodResult("c", balance("c", (-1.0, -math.inf, -7.0))),
            ),
        )
    )
    assert rows[0].has_range and not rows[2].has_range
    values = chart_values(rows)
    assert values.rows == (0, 2)  # the failed method has no bars
    # The quietest audible value is -14 dB: bars start at the 6 dB step at least 3 dB below.
    assert values.floor_db == -18.0
    np.testing.assert_allclose(values.gains_db, [[-2, -13, -5], [-1, -18, -7]])
    np.testing.assert_allclose(values.below_db, [[2, 1, 0], [0, 0, 0]])
    np.testing.assert_allclose(values.above_db, [[1, 1, 2], [0, 0, 0]])


def test_column_order_follows_the_strips_and_skips_missing_stems():
    # Strips in role order with a missing stem ("tom") among them: no column for it.
    assert column_order(("hat", "kick", "snare"), ["kick", "snare", "tom", "hat"]) == (1, 2, 0)
    # A loaded track the order does not name goes at the end.
    assert column_order(("hat", "kick", "snare"), ["snare", "kick"]) == (2, 1, 0)
    assert column_order(("hat", "kick"), []) == (0, 1)


def test_chart_values_are_in_the_columns_order():
    rows = comparison_rows(
        Comparison(
            None,
            (
                MethodResult(
                    "a", balance("a", (-2.0, -13.0, -5.0), (-4.0, -14.0, -5.0), (-1.0, -12.0, -3.0))
                ),
                MethodResult("c", balance("c", (-1.0, -math.inf, -7.0))),
            ),
        )
    )
    values = chart_values(rows, columns=(2, 0, 1))  # hat, kick, snare
    assert values.columns == (2, 0, 1)
    assert values.floor_db == -18.0
    np.testing.assert_allclose(values.gains_db, [[-5, -2, -13], [-7, -1, -18]])
    np.testing.assert_allclose(values.below_db, [[0, 2, 1], [0, 0, 0]])
    np.testing.assert_allclose(values.above_db, [[2, 1, 1], [0, 0, 0]])
    assert chart_values(rows).columns == (0, 1, 2)  # by default the suggestions' order


def test_chart_values_with_only_muted_tracks_stay_at_the_metric_floor():
    rows = comparison_rows(Comparison(None, (MethodResult("m", balance("m", [-math.inf] * 3)),)))
    values = chart_values(rows)
    assert values.floor_db == FLOOR_DB
    assert (values.gains_db == FLOOR_DB).all()


def test_compare_rows_are_the_methods_suggestions():
    sr = 44100
    arrays = {
        name: drum_hits(2 * sr, sr, freq_hz=f, every_s=0.4, seed=i)
        for i, (name, f) in enumerate(zip(NAMES, (60, 200, 7000), strict=True))
    }
    multitrack = from_arrays(arrays, sample_rate=sr)
    meter = MixLoudness(multitrack)
    result = compare_rows(multitrack, meter=meter, methods=("sum", "loudness"))
    rows = result.rows
    assert result.reference_error is None
    assert [r.method for r in rows] == ["sum", "loudness"]
    for row in rows:
        expected = suggest(multitrack, method=row.method, meter=meter)
        assert row.suggestion is not None
        assert row.suggestion.gains_db == pytest.approx(expected.gains_db, abs=1e-9)


def test_compare_rows_leave_out_a_reference_that_does_not_fit(tmp_path):
    sr = 44100
    arrays = {
        n: drum_hits(sr, sr, freq_hz=100 * (i + 1), every_s=0.3, seed=i)
        for i, n in enumerate(NAMES)
    }
    multitrack = from_arrays(arrays, sample_rate=sr)
    silent = tmp_path / "quiet.wav"
    sf.write(str(silent), np.zeros(sr, dtype=np.float32), sr)
    result = compare_rows(
        multitrack, meter=MixLoudness(multitrack), methods=("sum",), reference=silent
    )
    assert [r.method for r in result.rows] == ["sum"]
    assert result.reference_error == "quiet.wav: the mix is silent where it overlaps the stems"
