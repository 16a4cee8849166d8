"""Metrics on hand-made cases: perfect, offset, and values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from drumassist.core.mixloudness import MixLoudness
from drumassist.core.multitrack import from_arrays
from drumassist.learn.evaluate.metrics import (
    balance_error_db,
    compare_session,
    format_r2,
    normalised_gains_db,
    r2_linear,
    score,
)

RATE = 44100


@pytest.fixture(scope="module")
def meter() -> MixLoudness:
    rng = np.random.default_rng(1)
    arrays = {
        "kick": 0.3 * rng.standard_normal(3 * RATE),
        "snare": 0.1 * rng.standard_normal(3 * RATE),
        "ohl": 0.05 * rng.standard_normal(3 * RATE),
    }
    return MixLoudness(from_arrays(arrays, sample_rate=RATE))


def test_normalised_gains_measure_the_target(meter: MixLoudness) -> None:
    gains = normalised_gains_db(meter, [0.0, -3.0, 2.0])
    assert meter.loudness(gains) == pytest.approx(-23.0, abs=0.01)
    assert gains[1] - gains[0] == pytest.approx(-3.0)


def test_perfect_prediction_scores_one_and_zero(meter: MixLoudness) -> None:
    true = [0.0, -4.0, 3.0]
    result = score([compare_session(meter, true, true), compare_session(meter, true, true)])
    assert result.r2 == pytest.approx(1.0)
    assert result.balance_median_db == pytest.approx(0.0, abs=1e-9)
    assert result.balance_p90_db == pytest.approx(0.0, abs=1e-9)
    assert result.sessions == 2 and result.tracks == 6


def test_constant_offset_costs_nothing(meter: MixLoudness) -> None:
    true = np.array([0.0, -4.0, 3.0])
    comparison = compare_session(meter, true, true + 7.5)
    result = score([comparison])
    assert result.balance_median_db == pytest.approx(0.0, abs=1e-9)
    # Normalisation removes the offset, so R² is perfect too.
    assert result.r2 == pytest.approx(1.0)


def test_r2_by_hand() -> None:
    # Linear gains 1 and 0.5 predicted swapped: SS_tot 0.125, SS_res 0.5, R² = -3.
    half_db = 20 * math.log10(0.5)
    assert r2_linear(np.array([0.0, half_db]), np.array([half_db, 0.0])) == pytest.approx(-3.0)


def test_balance_error_by_hand() -> None:
    assert balance_error_db(np.zeros(3), np.array([3.0, 0.0, -3.0])) == pytest.approx(
        math.sqrt(6.0)
    )
    assert balance_error_db(np.zeros(2), np.array([1.0, 5.0])) == pytest.approx(2.0)


def test_undefined_tracks_are_excluded(meter: MixLoudness) -> None:
    comparison = compare_session(meter, [0.0, None, 3.0], [0.0, 40.0, 3.0])
    assert comparison.valid.tolist() == [True, False, True]
    result = score([comparison])
    assert result.tracks == 2
    assert result.balance_median_db == pytest.approx(0.0, abs=1e-9)


def test_muted_prediction_counts_as_an_error(meter: MixLoudness) -> None:
    comparison = compare_session(meter, [0.0, -4.0, 3.0], [0.0, -math.inf, 3.0])
    result = score([comparison])
    assert result.tracks == 3
    assert result.balance_median_db > 10.0
    assert result.r2 < 1.0


def test_empty_set_gives_nan() -> None:
    result = score([])
    assert math.isnan(result.r2) and math.isnan(result.balance_median_db)


def test_r2_of_equal_true_gains_is_undefined_even_after_rounding() -> None:
    # -23 LUFS scaling leaves equal gains equal only up to rounding: still no spread.
    true = np.full(6, -3.0) + np.array([0, 1e-12, -1e-12, 0, 2e-12, 0])
    assert math.isnan(r2_linear(true, true + 1.0))
    assert r2_linear(np.array([-3.0, -2.0]), np.array([-3.0, -2.0])) == 1.0


def test_r2_reads_the_same_in_every_table():
    # The compare view, `compare` and `evaluate` print R² through this one function.
    assert format_r2(0.98765) == "0.988"
    assert format_r2(-1.75) == "-1.750"
    assert format_r2(-999.9) == "-999.900"
    assert format_r2(-1323.962) == "-1.3e+03"  # a wild one keeps its column narrow
    assert format_r2(math.nan) == "n/a" and format_r2(-math.inf) == "n/a"
