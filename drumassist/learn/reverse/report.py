"""Per-track gains and warnings from the solved sides, for :mod:`.engineer`."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from drumassist.core.mix import lin_to_db
from drumassist.core.multitrack import Multitrack
from drumassist.learn.reverse.accumulate import Layout
from drumassist.learn.reverse.solve import DEPENDENT, OK, SILENT, SideFit, stereo_gain_pan

#: A latency at least this large is reported in the warnings.
LARGE_LATENCY_MS = 10.0
#: Below this R² the warnings say the mix is more than static gains.
LOW_R2 = 0.9
#: Below this R² the mix does not appear to be made of the stems: the gains are marked
#: unreliable and no latency is claimed. Measured (mono fits, 100 ms lag search):
#: unrelated material explains 0.0001-0.021 (noise, the ENST excerpt's mixes
#: time-reversed or shifted by 2 s, an 8 s demo of another seed), while mixes made of
#: the stems explain 0.147 or more even when mangled (the ENST wet mix high-passed at
#: 1 kHz: 0.147; 2 of its 7 stems: 0.17; 5x tanh saturation of a demo mix: 0.93).
#: 0.05 lies between the two, about 3x from each.
UNRELATED_R2 = 0.05
#: The status of every fitted track when the fit is below :data:`UNRELATED_R2`.
UNRELIABLE = "unreliable"
#: A mix and stems whose lengths differ by more than this are reported.
LENGTH_MISMATCH_S = 0.1
#: The residual level is floored here: the single-pass sums are not more precise.
RESIDUAL_FLOOR_DB = -150.0

_SEVERITY = {OK: 0, DEPENDENT: 1, SILENT: 2}


def mark_unreliable(tracks: Sequence[TrackGain]) -> tuple[TrackGain, ...]:
    """``tracks`` with status "unreliable" in place of "ok" (the gains are kept, flagged)."""
    return tuple(replace(t, status=UNRELIABLE) if t.status == OK else t for t in tracks)


@dataclass(frozen=True)
class TrackGain:
    """The recovered gain of one stem.

    ``gain_lin`` is signed (mono fit) or the combined gain (stereo fit, signed by its
    louder side); ``gain_db`` is ``20 log10 |gain_lin|`` (``-inf`` for a gain held at
    zero by the non-negative fit). Both are None where the gain is undefined
    (``status`` "silent" or "dependent"). ``pan`` (-1 left to +1 right), ``left_lin``
    and ``right_lin`` are set by stereo fits only. ``sign_flipped`` says the
    unconstrained fit found a negative gain (on either side, in a stereo fit).
    """

    name: str
    gain_lin: float | None
    gain_db: float | None
    pan: float | None
    left_lin: float | None
    right_lin: float | None
    status: str
    sign_flipped: bool


def track_gains(
    multitrack: Multitrack,
    layout: Layout,
    fits: Sequence[SideFit],
    statuses: Sequence[dict[int, str]],
) -> tuple[TrackGain, ...]:
    """One :class:`TrackGain` per track, in the multitrack's order."""
    found = [_by_column(fit) for fit in fits]
    out = []
    for t, track in enumerate(multitrack.tracks):
        cols = [side[t] for side in layout.sides]
        status = max(
            (st[c] for st, c in zip(statuses, cols, strict=True)), key=_SEVERITY.__getitem__
        )
        # Only well-defined columns count: a dependent column's value is arbitrary.
        pairs = [
            f.get(c) if st[c] == OK else None
            for f, st, c in zip(found, statuses, cols, strict=True)
        ]
        flipped = any(p is not None and p[0] for p in pairs)
        gains = [None if p is None else p[1] for p in pairs]
        gain: float | None = gains[0] if status == OK else None
        pan = left = right = None
        if layout.stereo:
            left, right = gains
            gain = None
            if status == OK and left is not None and right is not None:
                gain, pan = stereo_gain_pan(left, right, stereo_source=track.channels == 2)
                pan = pan if gain else None
        gain_db = None if gain is None else float(lin_to_db(gain))
        out.append(TrackGain(track.name, gain, gain_db, pan, left, right, status, flipped))
    return tuple(out)


def fit_warnings(
    tracks: Sequence[TrackGain],
    *,
    r2: float,
    latency_ms: float,
    at_latency_limit: bool,
    nonneg: bool,
    length_diff_s: float,
) -> tuple[str, ...]:
    """Plain-language warnings about the stems, the fit and the latency.

    Below :data:`UNRELATED_R2` one warning says the mix does not appear to be made
    of the stems, and nothing is said about polarity or latency: those are noise.
    """
    if r2 < UNRELATED_R2:
        return (
            f"the mix does not appear to be made of these stems: the best gains explain only"
            f" {100.0 * max(r2, 0.0):.1f}% of its energy (under {100.0 * UNRELATED_R2:.0f}%);"
            " the gains are unreliable and no latency was found",
        )
    out = []
    silent = [t.name for t in tracks if t.status == SILENT]
    if silent:
        out.append(f"{', '.join(silent)}: silent; no gain")
    dependent = [t.name for t in tracks if t.status == DEPENDENT]
    if dependent:
        out.append(
            f"{', '.join(dependent)}: linearly dependent on other stems (a duplicate or a scaled"
            " copy?); their gains are undefined"
        )
    out.extend(_sign_warnings(tracks, nonneg=nonneg))
    if at_latency_limit:
        out.append(
            f"the latency found ({latency_ms:+.1f} ms) is at the search limit; the true offset"
            " may be larger (raise the maximum latency)"
        )
    elif abs(latency_ms) >= LARGE_LATENCY_MS:
        way = "late" if latency_ms > 0 else "early"
        out.append(f"the mix is {abs(latency_ms):.1f} ms {way} relative to the stems; compensated")
    if abs(length_diff_s) > LENGTH_MISMATCH_S:
        way = "longer" if length_diff_s > 0 else "shorter"
        out.append(
            f"the mix is {abs(length_diff_s):.2f} s {way} than the stems; only their overlap is"
            " fitted"
        )
    if r2 < LOW_R2:
        out.append(
            f"the gains explain only {100.0 * r2:.1f}% of the mix energy: the mix holds more than"
            " static gains (EQ, dynamics, effects), other takes or other stems"
        )
    return tuple(out)


def residual_db(fraction: float) -> float:
    """Residual energy fraction in dB, floored at :data:`RESIDUAL_FLOOR_DB`."""
    if fraction <= 0.0:
        return RESIDUAL_FLOOR_DB
    return max(10.0 * math.log10(fraction), RESIDUAL_FLOOR_DB)


def _sign_warnings(tracks: Sequence[TrackGain], *, nonneg: bool) -> list[str]:
    out = []
    for t in tracks:
        if not t.sign_flipped:
            continue
        if nonneg:
            out.append(f"{t.name}: negative in the unconstrained fit; held at zero or above")
        elif t.left_lin is not None and t.right_lin is not None and t.left_lin * t.right_lin < 0:
            out.append(f"{t.name}: left and right gains have opposite signs")
        else:
            out.append(f"{t.name}: negative gain; the mix flips its polarity")
    return out


def _by_column(fit: SideFit) -> dict[int, tuple[bool, float]]:
    """Column -> (polarity flipped in the unconstrained fit, reported gain)."""
    return {
        c: (bool(f), float(g)) for c, f, g in zip(fit.basis, fit.flipped, fit.gains, strict=True)
    }
