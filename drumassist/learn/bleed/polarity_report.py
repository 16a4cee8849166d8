"""What the polarity checks found (:mod:`drumassist.learn.bleed.polarity`), and its
entry in the measure cache (``polarity/``)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from drumassist.core import measurecache

CACHE_KIND = "polarity"
_CHECK_FIELDS = (
    "track", "reference", "correlation", "lag_ms", "margin", "hits", "sure", "zero_lag",
)  # fmt: skip


@dataclass(frozen=True)
class PolarityCheck:
    """One mic compared with a reference mic around the reference drum's hits.

    ``correlation`` is signed, at the lag of best fit (``lag_ms``: the mic later than
    the reference by this); ``inverted`` is True when the check is ``sure`` and the
    correlation negative. ``zero_lag`` (two mics of one drum only, else None) is their
    correlation as they are mixed, with no delay, K-weighted and over the whole band
    around the hits: what a flip does to the sum a listener hears.
    """

    track: str
    reference: str
    correlation: float
    lag_ms: float
    margin: float
    hits: int
    sure: bool
    zero_lag: float | None = None

    @property
    def inverted(self) -> bool:
        return self.sure and self.correlation < 0

    @property
    def flip_gain_db(self) -> float:
        """How much louder the two are with this mic flipped than as recorded, mixed at
        equal loudness with no delay (NaN if not measured): ``10 log10((1 - r) / (1 + r))``
        for the zero-lag correlation ``r``."""
        r = self.zero_lag
        if r is None or not math.isfinite(r) or abs(r) >= 1:
            return math.nan
        return 10 * math.log10((1 - r) / (1 + r))


@dataclass(frozen=True)
class PolarityReport:
    """Every check made on a multitrack, and the flips they suggest."""

    checks: tuple[PolarityCheck, ...] = ()
    flips: tuple[str, ...] = ()  # tracks whose polarity flip is suggested, in track order
    #: A report read back from a saved session has no checks, only each flip's reason
    #: as it was given: (track, reason) pairs.
    reasons: tuple[tuple[str, str], ...] = ()

    def reason(self, name: str) -> str:
        """Why ``name`` is (or is not) suggested a flip, from its own checks."""
        own = [c for c in self.checks if c.track == name]
        if not own:
            return dict(self.reasons).get(name, "not checked")
        said = "; ".join(
            f"{'opposite to' if c.correlation < 0 else 'with'} {c.reference} (correlation"
            f" {c.correlation:+.2f} at {c.lag_ms:+.1f} ms{'' if c.sure else ', unsure'})"
            for c in own
        )
        if name not in self.flips:
            return said
        return f"flip suggested: {said}{_as_mixed(own)}"


def _as_mixed(checks: Sequence[PolarityCheck]) -> str:
    """What the flip does to the mics mixed with no delay, where that was measured: the
    physical polarity at the lag may disagree with the sum (the real 14a snare's bottom,
    1.9 ms after its top, adds to it as recorded)."""
    gains = [c.flip_gain_db for c in checks if math.isfinite(c.flip_gain_db)]
    if not gains:
        return ""
    gain = gains[0]
    if abs(gain) < 0.5:
        return "; mixed with no delay, the flip changes their sum by under 0.5 dB"
    if gain > 0:
        return f"; mixed with no delay, the flip makes their sum {gain:.1f} dB louder"
    return (
        f"; but mixed with no delay, the flip makes their sum {-gain:.1f} dB quieter: delay"
        " the mic by its lag first, or judge by ear"
    )


def _measured(value: float) -> float | None:
    return value if math.isfinite(value) else None


def store_report(key: str, report: PolarityReport, names: Sequence[str]) -> None:
    """Keep ``report`` in the cache folder under ``key`` (tracks by their index in
    ``names``)."""
    index = {name: i for i, name in enumerate(names)}
    checks = report.checks
    measurecache.store_entry(
        CACHE_KIND,
        key,
        {
            "track": np.array([index[c.track] for c in checks], dtype=np.int64),
            "reference": np.array([index[c.reference] for c in checks], dtype=np.int64),
            "correlation": np.array([c.correlation for c in checks], dtype=float),
            "lag_ms": np.array([c.lag_ms for c in checks], dtype=float),
            "margin": np.array([c.margin for c in checks], dtype=float),
            "hits": np.array([c.hits for c in checks], dtype=np.int64),
            "sure": np.array([c.sure for c in checks], dtype=bool),
            "zero_lag": np.array(
                [math.nan if c.zero_lag is None else c.zero_lag for c in checks], dtype=float
            ),
            "flips": np.array([index[n] for n in report.flips], dtype=np.int64),
        },
    )


def load_report(key: str, names: Sequence[str]) -> PolarityReport | None:
    """The cached report, or None (a bad entry is deleted, not trusted)."""

    def valid(entry: Mapping[str, np.ndarray]) -> bool:
        count = entry["track"].shape
        indices = np.concatenate([entry[f].ravel() for f in ("track", "reference", "flips")])
        return (
            all(entry[f].shape == count for f in _CHECK_FIELDS)
            and entry["flips"].ndim == 1
            and bool(np.all((indices >= 0) & (indices < len(names))))
        )

    entry = measurecache.load_entry(CACHE_KIND, key, valid)
    if entry is None:
        return None
    checks = tuple(
        PolarityCheck(
            track=names[int(entry["track"][k])],
            reference=names[int(entry["reference"][k])],
            correlation=float(entry["correlation"][k]),
            lag_ms=float(entry["lag_ms"][k]),
            margin=float(entry["margin"][k]),
            hits=int(entry["hits"][k]),
            sure=bool(entry["sure"][k]),
            zero_lag=_measured(float(entry["zero_lag"][k])),
        )
        for k in range(entry["track"].size)
    )
    return PolarityReport(checks, tuple(names[int(i)] for i in entry["flips"]))
