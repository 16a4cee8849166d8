"""The listening-test statistics on hand-made ratings whose outcomes are known by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from drumassist.learn.evaluate.listening.ratings import Rating
from drumassist.learn.evaluate.listening.screening import screen_listeners
from drumassist.learn.evaluate.listening.stats import (
    dunn_holm,
    groups_by_method,
    holm,
    kruskal_wallis,
    summarise,
)


def test_kruskal_wallis_and_dunn_match_the_hand_computation():
    # Ranks 1-3, 4-6, 7-9: mean ranks 2, 5, 8; H = 12/(9*10) * 3 * (4+25+64) - 3*10 = 7.2,
    # chi-square with 2 df: p = exp(-3.6). Dunn: se = sqrt(9*10/12 * 2/3) = sqrt(5).
    groups = {"a": np.array([1.0, 2, 3]), "b": np.array([4.0, 5, 6]), "c": np.array([7.0, 8, 9])}
    omnibus = kruskal_wallis(groups)
    assert omnibus.h == pytest.approx(7.2)
    assert omnibus.df == 2
    assert omnibus.p == pytest.approx(math.exp(-3.6))
    pairs = {(t.a, t.b): t for t in dunn_holm(groups)}
    assert pairs["a", "c"].z == pytest.approx(-6 / math.sqrt(5))
    assert pairs["a", "c"].p == pytest.approx(0.0073, abs=5e-5)
    assert pairs["a", "c"].p_holm == pytest.approx(3 * pairs["a", "c"].p)
    assert pairs["a", "b"].z == pytest.approx(-3 / math.sqrt(5))
    assert pairs["a", "b"].p == pytest.approx(0.1797, abs=5e-5)
    # Holm: the two equal p-values share the second step's factor, 2.
    assert pairs["a", "b"].p_holm == pytest.approx(2 * pairs["a", "b"].p)
    assert pairs["b", "c"].p_holm == pytest.approx(2 * pairs["b", "c"].p)


def test_dunn_ties_lower_the_variance():
    # One tied block: the tie term (t^3 - t) / (12 (n - 1)) is subtracted from n(n+1)/12.
    groups = {"a": np.array([1.0, 1, 2]), "b": np.array([3.0, 4, 4])}
    (pair,) = dunn_holm(groups)
    n = 6
    variance = n * (n + 1) / 12 - 2 * (2**3 - 2) / (12 * (n - 1))
    mean_a, mean_b = (1.5 + 1.5 + 3) / 3, (4 + 5.5 + 5.5) / 3
    assert pair.z == pytest.approx((mean_a - mean_b) / math.sqrt(variance * 2 / 3))


def test_holm_steps_down_and_stays_monotone():
    # Sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1: 0.02, 0.03, 0.06, max(0.04, 0.06).
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == [1.0, 1.0]


def test_equal_ratings_give_no_test():
    groups = {"a": np.array([50.0, 50]), "b": np.array([50.0, 50])}
    assert math.isnan(kruskal_wallis(groups).p)
    assert dunn_holm(groups) == []


def test_summary_is_sorted_by_median_with_quartiles():
    groups = {"low": np.array([10.0, 20, 30, 40]), "high": np.array([60.0, 70, 80, 90])}
    first, second = summarise(groups)
    assert (first.method, first.median, first.q1, first.q3) == ("high", 75.0, 67.5, 82.5)
    assert (second.method, second.count) == ("low", 4)


def _trials(listener: str, reference: list[float], anchor: list[float] | None = None):
    rows = []
    for trial, value in enumerate(reference, 1):
        rows.append(
            Rating("t1", "2026-12-01T08:00:00Z", "s", listener, trial, 1, "reference", value)
        )
        rows.append(Rating("t1", "2026-12-01T08:00:00Z", "s", listener, trial, 2, "default", 60.0))
        if anchor is not None:
            rows.append(
                Rating(
                    "t1", "2026-12-01T08:00:00Z", "s", listener, trial, 3, "sum", anchor[trial - 1]
                )
            )
    return rows


@pytest.mark.parametrize(
    ("low_trials", "total", "excluded"),
    [(0, 10, False), (1, 10, False), (2, 10, True), (3, 20, False), (4, 20, True)],
)
def test_reference_rule_excludes_above_fifteen_percent(low_trials, total, excluded):
    reference = [85.0] * low_trials + [95.0] * (total - low_trials)
    result = screen_listeners(_trials("ann", reference, [20.0] * total))
    assert ("ann" in result.excluded) is excluded
    assert ("ann" in result.kept) is not excluded
    if excluded:
        (reason,) = result.excluded["ann"]
        assert f"{low_trials} of {total} trials" in reason
        assert "hidden reference below 90" in reason


def test_anchor_rule_and_a_listener_without_reference():
    ratings = _trials("bob", [100.0] * 10, [95.0] * 3 + [10.0] * 7)
    ratings += [r for r in _trials("cat", [95.0] * 5, [10.0] * 5) if r.method != "reference"]
    result = screen_listeners(ratings)
    assert "anchor (sum) above 90 in 3 of 10 trials (30 %" in result.excluded["bob"][0]
    assert result.kept == ("cat",)
    assert "no reference in their trials" in result.notes["cat"][0]


def test_groups_keep_every_rating():
    ratings = _trials("ann", [95.0, 91.0])
    groups = groups_by_method(ratings)
    assert list(groups) == ["reference", "default"]
    assert groups["reference"].tolist() == [95.0, 91.0]
