"""Polarity checks: a close mic whose polarity is opposite to its drum's other mics.

Why: a snare-bottom mic faces the other head (it moves the opposite way), a kick-out
mic may be wired or placed the other way, and a close mic can be inverted by its
cable. Mixed in, an inverted mic cancels part of its drum; engineers flip it.

How: around the hits of the reference mic's drum (onsets of its band-passed
envelope, up to :data:`MAX_HITS`), the two mics are band-passed (40 Hz to 2 kHz, the
heads' motion rather than the decorrelated top end) and cross-correlated at lags up to
:data:`MAX_LAG_MS` (a pair on one drum) or :data:`MAX_LAG_OVERHEAD_MS` (a close mic
and an overhead: up to 3.4 m). The correlation, summed over the hits and normalised,
is taken at the lag of best fit (largest magnitude); its sign says whether the mic is
in polarity with the reference. A check counts as sure only when that peak is large
(:data:`MIN_CORRELATION`) and clearly larger than the best peak of the other sign
(:data:`MIN_MARGIN`) and not at the edge of the lags searched: a resonant drum's
correlation alternates in sign every half period, and a small margin means the lag
is ambiguous. On the real ENST excerpt, whose engineer flipped nothing (every
least-squares coefficient of the dry mix is positive), no flip is suggested; margins
there reach 1.44, hence 1.5.

Pairs checked: every second mic of one drum (kick out, snare bottom, or any further
mic of a kick or snare) against its drum's first mic, and the first mic of every
kick, snare and tom against each overhead (the overheads set the kit's polarity). A
first mic is flipped when every overhead finds it inverted, surely; a second mic when
it is surely inverted relative to its first mic (after that one's flip).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from drumassist.core import measurecache
from drumassist.core.conditioning import RECIPE as CONDITIONING
from drumassist.core.conditioning import analysis_view
from drumassist.core.memo import PerMultitrack
from drumassist.core.multitrack import Multitrack
from drumassist.core.parallel import map_on_cores
from drumassist.learn.bleed.hits import HIT_RANGE_DB, MAX_HITS, MIN_GAP_MS, hit_onsets
from drumassist.learn.bleed.kinds import kind_of, same_drum
from drumassist.learn.bleed.polarity_report import (
    PolarityCheck,
    PolarityReport,
    load_report,
    store_report,
)

BAND_HZ = (40.0, 2000.0)
MAX_LAG_MS = 3.0
MAX_LAG_OVERHEAD_MS = 10.0
WINDOW_MS = (-2.0, 25.0)  # around each onset
#: Around each onset, for the zero-lag correlation of two mics of one drum: a hit's body.
ZERO_LAG_WINDOW_MS = (-2.0, 150.0)
MIN_CORRELATION = 0.2
MIN_MARGIN = 1.5
#: Second mics of a drum: checked against the drum's first mic.
SECONDARY_KINDS = frozenset({"kick_out", "snare_btm"})
OVERHEAD_CHECKED = frozenset({"kick", "snare", "tom"})


# Reports already made, by multitrack object: a Multitrack's audio never changes, and the
# window asks again on every suggestion. A report goes with its stems.
_REPORTS: PerMultitrack[PolarityReport] = PerMultitrack()


def polarity_of(multitrack: Multitrack, *, cache: bool = True) -> PolarityReport:
    """:func:`check_polarity`, measured once per multitrack object.

    With ``cache``, the report is also kept in the cache folder (``polarity/``), keyed
    by the audio, names and roles of every track, so the same stems are checked once.
    """

    def make() -> PolarityReport:
        key = _cache_key(multitrack) if cache else None
        names = reference_names(multitrack)
        report = None if key is None else load_report(key, names)
        if report is None:
            report = check_polarity(multitrack)
            if key is not None:
                store_report(key, report, names)
        return report

    return _REPORTS.get_or_make(multitrack, make)


def check_polarity(multitrack: Multitrack) -> PolarityReport:
    """Check the polarity of the close mics of ``multitrack`` (see the module docstring)."""
    view = analysis_view(multitrack)
    primary, firsts = _first_mics(view)
    rate = view.sample_rate
    audio, names, overheads = _references(view)
    # (mic, reference, lag): a second mic against its drum's first, around the first's
    # hits; a first mic against each overhead, around its own hits.
    pairs = [(i, lead, MAX_LAG_MS, lead) for i, lead in primary.items()]
    pairs += [
        (i, j, MAX_LAG_OVERHEAD_MS, i)
        for i in firsts
        if view.tracks[i].role.value in OVERHEAD_CHECKED
        for j in overheads
    ]  # the first checks, two mics of one drum, are also measured as mixed (zero lag)
    # Each mic's hits found once however many checks use them; mics and checks on both cores.
    hit_mics = sorted({by for *_, by in pairs})
    found_hits = map_on_cores(lambda k: hit_onsets(audio[k], rate), hit_mics, "polarity")
    onsets = dict(zip(hit_mics, found_hits, strict=True))
    checks = map_on_cores(
        lambda p: _check(
            audio, (p[0], p[1]), names, rate, p[2], onsets=onsets[p[3]], as_mixed=p[0] in primary
        ),
        pairs,
        "polarity",
    )
    found = tuple(c for c in checks if c is not None)
    return PolarityReport(found, _flips(found, primary, view.names))


def _first_mics(view: Multitrack) -> tuple[dict[int, int], list[int]]:
    """Each second mic of a drum with its drum's first mic, and every first mic."""
    tracks = view.tracks
    kinds = [kind_of(t.name, t.role.value) for t in tracks]
    roles = [t.role.value for t in tracks]
    primary: dict[int, int] = {}  # secondary track -> the first mic of its drum
    firsts: list[int] = []
    for i in range(len(tracks)):
        if roles[i] not in ("kick", "snare"):
            firsts.append(i)
            continue
        group = [j for j in range(len(tracks)) if same_drum(roles[i], roles[j])]
        lead = next((j for j in group if kinds[j] not in SECONDARY_KINDS), group[0])
        if lead == i:
            firsts.append(i)
        else:
            primary[i] = lead
    return primary, firsts


def reference_names(multitrack: Multitrack) -> list[str]:
    """The names checks can be made against: every track, then each side of a stereo
    overhead track (``"OHs (left)"``, ``"OHs (right)"``), in track order."""
    names = list(multitrack.names)
    for t in multitrack.tracks:
        if t.role.value == "overhead" and t.channels == 2:
            names += [f"{t.name} (left)", f"{t.name} (right)"]
    return names


def _references(view: Multitrack) -> tuple[list[np.ndarray], list[str], list[int]]:
    """Every track's mono signal, then each side of a stereo overhead track (named as
    :func:`reference_names`), and the overheads to check against, by index.

    A stereo overhead pair is two overheads, as when it comes in two files: the mean
    of its sides is no mic, and a kick surely opposite to one side and unsure against
    the other was flipped as one stereo file and not as two (the ENST excerpt).
    """
    audio = [t.mono() for t in view.tracks]
    overheads = []
    for j, t in enumerate(view.tracks):
        if t.role.value != "overhead":
            continue
        if t.channels == 1:
            overheads.append(j)
            continue
        for side in range(2):
            overheads.append(len(audio))
            audio.append(np.ascontiguousarray(t.audio[:, side]))
    return audio, reference_names(view), overheads


def _flips(
    checks: Sequence[PolarityCheck], primary: dict[int, int], names: Sequence[str]
) -> tuple[str, ...]:
    """Tracks to flip: a first mic that every overhead finds inverted, surely; a second
    mic inverted relative to its drum's first mic, unless that one is flipped too."""
    seconds = {names[i] for i in primary}
    flipped = set()
    for name in names:
        own = [c for c in checks if c.track == name]
        if name not in seconds and own and all(c.inverted for c in own):
            flipped.add(name)
    for i, lead in primary.items():
        rel = next((c for c in checks if c.track == names[i]), None)
        if rel is not None and rel.sure and rel.inverted != (names[lead] in flipped):
            flipped.add(names[i])
    return tuple(n for n in names if n in flipped)


def _check(
    audio: Sequence[np.ndarray],
    pair: tuple[int, int],
    names: Sequence[str],
    rate: int,
    max_lag_ms: float,
    *,
    onsets: np.ndarray,
    as_mixed: bool = False,
) -> PolarityCheck | None:
    """Mic ``pair[0]`` against mic ``pair[1]`` around ``onsets`` (a mic's hits), and,
    ``as_mixed``, their zero-lag correlation (:func:`_zero_lag_correlation`).

    None if there are no hits or either mic is silent around them.
    """
    i, ref = pair
    if not onsets.size:
        return None
    lag = round(max_lag_ms * rate / 1000)
    correlation = _hit_correlation(audio[i], audio[ref], onsets, rate, lag)
    if correlation is None:
        return None
    best = int(np.argmax(np.abs(correlation)))
    rival = _other_sign_peak(correlation, best)
    margin = abs(correlation[best]) / max(rival, 1e-9)
    value = float(correlation[best])
    return PolarityCheck(
        track=names[i],
        reference=names[ref],
        correlation=value,
        lag_ms=(best - lag) * 1000 / rate,
        margin=float(min(margin, 1e3)),
        hits=int(onsets.size),
        # A best fit at the edge of the lags searched is no fit: the true one lies beyond.
        sure=abs(value) >= MIN_CORRELATION and margin >= MIN_MARGIN and 0 < best < 2 * lag,
        zero_lag=_zero_lag_correlation(audio[i], audio[ref], onsets, rate) if as_mixed else None,
    )


def _zero_lag_correlation(
    mic: np.ndarray, reference: np.ndarray, onsets: np.ndarray, rate: int
) -> float | None:
    """The correlation of the two K-weighted mics with no delay over
    :data:`ZERO_LAG_WINDOW_MS` around ``onsets``: the sum as mixed, where a flip's effect
    is heard (None if either is silent there)."""
    from drumassist.core.iir import sosfilt
    from drumassist.core.loudness import k_weighting_sos

    start, stop = (round(ms * rate / 1000) for ms in ZERO_LAG_WINDOW_MS)
    settle = round(0.02 * rate)
    lows = [int(onset) + start - settle for onset in onsets]
    length = stop - start + settle
    sos = k_weighting_sos(rate)
    x = sosfilt(sos, np.stack([_window(reference, lo, length) for lo in lows]))[:, settle:]
    y = sosfilt(sos, np.stack([_window(mic, lo, length) for lo in lows]))[:, settle:]
    energy = float(np.sum(x * x)) * float(np.sum(y * y))
    return float(np.sum(x * y)) / math.sqrt(energy) if energy > 0 else None


def _other_sign_peak(correlation: np.ndarray, best: int) -> float:
    """The largest magnitude of the peaks of the other sign than ``best``'s: local
    maxima of ``|correlation|`` inside the lags searched (0 if none). A slope of the
    other sign running into the edge is no rival fit: an inverted kick-out mic 1 ms
    after the kick-in (correlation -1.0 there) was unsure because the slope reached
    +0.77 at the far edge, -3 ms."""
    size = np.abs(correlation)
    inner = np.arange(1, len(size) - 1)
    peaks = inner[(size[inner] >= size[inner - 1]) & (size[inner] >= size[inner + 1])]
    rivals = peaks[np.sign(correlation[peaks]) != np.sign(correlation[best])]
    return float(size[rivals].max()) if rivals.size else 0.0


def _hit_correlation(
    mic: np.ndarray, reference: np.ndarray, onsets: np.ndarray, rate: int, lag: int
) -> np.ndarray | None:
    """The band-passed windows around ``onsets``, correlated: index k is ``mic`` k - ``lag``
    samples later than ``reference``, normalised by both windows' energies at that lag,
    so each is a correlation coefficient (None if either mic is silent there)."""
    from drumassist.core.iir import sosfiltfilt

    start, stop = (round(ms * rate / 1000) for ms in WINDOW_MS)
    settle = round(0.02 * rate)  # room for the band-pass filter to settle
    n = stop - start
    sos = _band_sos(rate)
    total = np.zeros(2 * lag + 1)
    energy_x, energy_y = 0.0, np.zeros(2 * lag + 1)
    lows = [int(onset) + start - settle for onset in onsets]
    # Every hit's window filtered in one call per mic (row by row, as one call per hit).
    xs = sosfiltfilt(sos, np.stack([_window(reference, lo, n + 2 * settle) for lo in lows]))
    ys = sosfiltfilt(
        sos, np.stack([_window(mic, lo - lag, n + 2 * settle + 2 * lag) for lo in lows])
    )
    for seg_x, seg_y in zip(
        xs[:, settle : settle + n], ys[:, settle : settle + n + 2 * lag], strict=True
    ):
        total += np.correlate(seg_y, seg_x, mode="valid")
        energy_x += float(seg_x @ seg_x)
        running = np.concatenate(([0.0], np.cumsum(seg_y * seg_y)))
        energy_y += running[n:] - running[:-n]  # the mic's window at every lag
    if energy_x <= 0 or energy_y.max() <= 0:
        return None
    with np.errstate(divide="ignore", invalid="ignore"):  # a lag where the mic is silent: 0
        return np.where(energy_y > 0, total / np.sqrt(energy_x * energy_y), 0.0)


def _window(x: np.ndarray, start: int, length: int) -> np.ndarray:
    """``x[start : start + length]`` as float, zeros where it lies outside ``x``."""
    out = np.zeros(length)
    lo, hi = max(start, 0), min(start + length, len(x))
    if hi > lo:
        out[lo - start : hi - start] = x[lo:hi]
    return out


def _band_sos(rate: int) -> np.ndarray:
    from drumassist.core.iir import butter_sos

    high = min(BAND_HZ[1], 0.45 * rate)
    return butter_sos(2, (BAND_HZ[0], high), rate)


#: Bumped when what :func:`check_polarity` finds changes: old cache entries are not found.
CACHE_FORMAT = "drumassist-polarity-4"  # 2: stereo overheads checked side by side;
# 3: each lag normalised by its own windows, and rivals only peaks inside the lags;
# 4: the zero-lag correlation of two mics of one drum


def _cache_key(multitrack: Multitrack) -> str:
    recipe = {
        "format": CACHE_FORMAT,
        "conditioning": CONDITIONING,
        "settings": [
            BAND_HZ, MAX_LAG_MS, MAX_LAG_OVERHEAD_MS, WINDOW_MS, ZERO_LAG_WINDOW_MS,
            MAX_HITS, HIT_RANGE_DB, MIN_GAP_MS, MIN_CORRELATION, MIN_MARGIN,
            sorted(SECONDARY_KINDS), sorted(OVERHEAD_CHECKED),
        ],
        # Which checks are made follows from the names and roles (kinds, drums).
        "tracks": [[t.name, t.role.value] for t in multitrack.tracks],
    }  # fmt: skip
    return measurecache.entry_key(recipe, multitrack)
