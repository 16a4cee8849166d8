"""Statistics of a listening test: medians per method, Kruskal-Wallis, Dunn's test.

As in the published evaluation, the ratings of each method are pooled over listeners
and sessions and the methods are compared with a Kruskal-Wallis H test (ratings are
bounded and not normal, so ranks rather than means). After it, every pair of methods
is compared with Dunn's test, with Holm's correction for the number of pairs:

- Dunn's test reuses the joint ranking the Kruskal-Wallis test was computed on, so a
  pair is judged on the same evidence as the omnibus test; pairwise Mann-Whitney U
  tests would rank each pair afresh and could disagree with it.
- Holm's step-down correction controls the family-wise error rate under any
  dependence between the pairs and rejects at least what Bonferroni rejects.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from drumassist.learn.evaluate.listening.ratings import Rating


@dataclass(frozen=True)
class MethodSummary:
    """The ratings of one method: count, median and quartiles."""

    method: str
    count: int
    median: float
    q1: float
    q3: float


@dataclass(frozen=True)
class Omnibus:
    """The Kruskal-Wallis H test over methods (NaN where it cannot be computed)."""

    h: float
    df: int
    p: float
    n: int


@dataclass(frozen=True)
class PairTest:
    """Dunn's z between two methods, its raw p-value and its Holm-adjusted p-value."""

    a: str
    b: str
    z: float
    p: float
    p_holm: float


def groups_by_method(ratings: Sequence[Rating]) -> dict[str, np.ndarray]:
    """The ratings of each method, methods in order of first appearance."""
    groups: dict[str, list[float]] = {}
    for r in ratings:
        groups.setdefault(r.method, []).append(r.rating)
    return {m: np.array(v, dtype=np.float64) for m, v in groups.items()}


def summarise(groups: dict[str, np.ndarray]) -> list[MethodSummary]:
    """Median and quartiles of each method, best median first."""
    rows = [
        MethodSummary(m, len(v), *(float(q) for q in np.percentile(v, [50, 25, 75])))
        for m, v in groups.items()
        if len(v)
    ]
    return sorted(rows, key=lambda s: (-s.median, s.method))


def kruskal_wallis(groups: dict[str, np.ndarray]) -> Omnibus:
    """Kruskal-Wallis H over the methods (``scipy.stats.kruskal``, tie-corrected)."""
    from scipy import stats

    samples = [v for v in groups.values() if len(v)]
    n = int(sum(len(v) for v in samples))
    pooled = np.concatenate(samples) if samples else np.zeros(0)
    if len(samples) < 2 or np.ptp(pooled) == 0:
        return Omnibus(math.nan, max(0, len(samples) - 1), math.nan, n)
    result = stats.kruskal(*samples)
    return Omnibus(float(result.statistic), len(samples) - 1, float(result.pvalue), n)


def dunn_holm(groups: dict[str, np.ndarray]) -> list[PairTest]:
    """Dunn's test on every pair of methods, with tie correction and Holm's adjustment."""
    from scipy import stats

    names = [m for m, v in groups.items() if len(v)]
    pooled = np.concatenate([groups[m] for m in names]) if names else np.zeros(0)
    n = len(pooled)
    if len(names) < 2 or np.ptp(pooled) == 0:
        return []
    ranks = stats.rankdata(pooled)
    _, ties = np.unique(pooled, return_counts=True)
    # Dunn (1964) variance of a mean rank, less the tie term.
    variance = n * (n + 1) / 12.0 - float(np.sum(ties**3 - ties)) / (12.0 * (n - 1))
    bounds = np.cumsum([0] + [len(groups[m]) for m in names])
    mean_rank = {m: float(ranks[bounds[i] : bounds[i + 1]].mean()) for i, m in enumerate(names)}
    raw = []
    for a, b in itertools.combinations(names, 2):
        se = math.sqrt(variance * (1.0 / len(groups[a]) + 1.0 / len(groups[b])))
        z = (mean_rank[a] - mean_rank[b]) / se
        raw.append((a, b, z, float(2.0 * stats.norm.sf(abs(z)))))
    adjusted = holm([p for *_, p in raw])
    return [PairTest(a, b, z, p, q) for (a, b, z, p), q in zip(raw, adjusted, strict=True)]


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given (monotone, capped at 1)."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [0.0] * len(p_values)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted
