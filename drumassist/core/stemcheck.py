"""Checks of a multitrack's stems taken together, reported when they are loaded.

Never fatal: a notice says what looks wrong and what it costs (see
:attr:`~drumassist.core.multitrack.Multitrack.notices`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

#: Stems whose peaks all lie within this of each other were normalised on export.
NORMALISED_SPREAD_DB = 0.05
#: Fewer stems with sound than this can peak alike by chance.
NORMALISED_MIN_STEMS = 3
#: A stem with this many samples at its peak is clipped (flat tops), not normalised.
CLIPPED_SAMPLES = 16
#: Only a stem peaking this close to full scale is checked for clipping on its own.
FULL_SCALE_DB = -0.1


def balance_notices(
    names: Sequence[str], peaks: Sequence[float], audio: Sequence[np.ndarray]
) -> list[str]:
    """Every notice these stems call for: all normalised or all clipped
    (:func:`normalised_notices`), else each stem clipped at full scale on its own."""
    together = normalised_notices(peaks, audio)
    if together:
        return together
    full_scale = 10 ** (FULL_SCALE_DB / 20)
    return [
        f"{name}: {count} samples at full scale: clipped (recorded or exported too hot),"
        " which no balance undoes"
        for name, peak, a in zip(names, peaks, audio, strict=True)
        if full_scale <= peak <= 1.0 and (count := _at_peak(a, peak)) >= CLIPPED_SAMPLES
    ]


def normalised_notices(peaks: Sequence[float], audio: Sequence[np.ndarray]) -> list[str]:
    """A notice when every stem with sound peaks at one level, as stems normalised on
    export do; or, when they peak alike because they are clipped, a notice of that.

    Why: a close mic whose drum never plays in the song holds only bleed. As recorded,
    its level says so, and the suggestion keeps such a mic at the session's level
    ("only bleed"); normalised, it looks as loud as a played drum's mic and is
    suggested as loud, which can put its bleed 30 dB too high. Measured on the ENST
    excerpt: with its two unplayed toms' stems trimmed up to peak like the played ones,
    the default model's balance is 11.0 dB off (2.0 dB as recorded; README, "The
    original held-out Colombo set"). ``audio`` is read only when the peaks agree.
    """
    sounding = [(p, a) for p, a in zip(peaks, audio, strict=True) if p > 0]
    levels = [20.0 * math.log10(p) for p, _ in sounding]
    if len(levels) < NORMALISED_MIN_STEMS or max(levels) - min(levels) > NORMALISED_SPREAD_DB:
        return []
    stems = f"All {len(levels)} stems" + ("" if len(levels) == len(peaks) else " with sound")
    level = f"{round(max(levels), 1) + 0.0:+.1f} dBFS"  # + 0.0: never "-0.0"
    clipped = sum(_clipped(a, p) for p, a in sounding)
    if clipped * 2 > len(sounding):
        return [
            f"{stems} peak at {level}, and in {clipped} of them many samples sit at that"
            " peak: they look clipped (recorded or exported too hot), which no balance"
            " undoes; record or export them with headroom"
        ]
    return [
        f"{stems} peak at {level}, as stems normalised on export do: a track whose drum"
        " never plays (it holds only bleed) then looks as loud as a played one, so a"
        " suggested balance may put it far too loud; export the stems without"
        " normalising, or check such a track (an unplayed tom, say) by ear"
    ]


def _clipped(audio: np.ndarray, peak: float) -> bool:
    """True if at least :data:`CLIPPED_SAMPLES` samples of ``audio`` sit at its peak."""
    return _at_peak(audio, peak) >= CLIPPED_SAMPLES


def _at_peak(audio: np.ndarray, peak: float) -> int:
    """How many samples of ``audio`` sit at its peak (either sign)."""
    at_peak = 0
    for channel in np.asarray(audio).reshape(len(audio), -1).T:
        at_peak += int(np.count_nonzero(channel >= peak * (1 - 1e-6)))
        at_peak += int(np.count_nonzero(channel <= -peak * (1 - 1e-6)))
    return at_peak


#: A stereo stem whose channels correlate at or under this is largely opposite in
#: polarity (a mic pair wired out of phase, one channel inverted by mistake): its mono
#: sum cancels (at -0.5, 6 dB of it for channels of one level).
ANTIPHASE_CORRELATION = -0.5


#: Where a stereo pair's sides are compared for the low band (:func:`_low_correlation`):
#: a kit's low end reaches both mics of a pair alike (0.55 to 0.67 on the ENST, Gogodze
#: and demo overhead pairs, whose full bands correlate at only 0.27 to 0.44), so one
#: side inverted shows there.
LOW_BAND_HZ = 150.0
_LOW_DECIMATION = 32


def antiphase_notices(
    names: Sequence[str], audio: Sequence[np.ndarray], rates: Sequence[int]
) -> list[str]:
    """A notice for each stereo stem whose channels are opposite in polarity: they
    cancel in a mono sum, or their low band does (one side of a pair wired the other
    way: its full band correlates at -0.3 to -0.4, as a spaced pair's sides differ).

    Why: drumassist's mono mix (the published method's, ``mix --mono``, and the mix the
    suggestion scales to its loudness target) sums the channels, so such a stem all but
    vanishes from it, while the stereo mix keeps it: heard in stereo, nothing says so.
    """
    notices = []
    for name, a, rate in zip(names, audio, rates, strict=True):
        if a.ndim != 2 or a.shape[1] != 2:
            continue
        ll, rr, ss = _channel_energies(a)
        if ll <= 0 or rr <= 0:
            continue
        correlation = (ss - ll - rr) / 2 / math.sqrt(ll * rr)
        low = _low_correlation(a, rate) if correlation > ANTIPHASE_CORRELATION else None
        if low is not None and low > ANTIPHASE_CORRELATION:
            continue
        mono = ss / 4
        loss = (
            f"{10 * math.log10((ll + rr) / 2 / mono):.0f} dB quieter in a mono mix than in stereo"
            if mono > (ll + rr) * 1e-12
            else "silent in a mono mix"
        )
        where = "" if low is None else f" under {LOW_BAND_HZ:.0f} Hz"
        value = correlation if low is None else low
        notices.append(
            f"{name}: its two channels are opposite in polarity{where} (correlation"
            f" {min(value, 0.0):+.2f}), so it is {loss}; invert one channel (or check"
            " the mic's wiring)"
        )
    return notices


def _low_correlation(audio: np.ndarray, rate: int) -> float | None:
    """The correlation of a stereo stem's sides under :data:`LOW_BAND_HZ` (None if
    either side is silent there or the stem is too short to filter)."""
    from drumassist.core.iir import butter_sos, sosfiltfilt

    blocks = len(audio) // _LOW_DECIMATION
    if blocks < 64:
        return None
    means = (
        audio[: blocks * _LOW_DECIMATION]
        .reshape(blocks, _LOW_DECIMATION, 2)
        .mean(axis=1, dtype=np.float64)
    )  # a decimation: block means first
    means -= means.mean(axis=0)
    left, right = sosfiltfilt(butter_sos(4, LOW_BAND_HZ, rate / _LOW_DECIMATION), means.T)
    energy = float(left @ left) * float(right @ right)
    return float(left @ right) / math.sqrt(energy) if energy > 0 else None


#: Frames summed at a time: float32 partial sums stay exact enough, and no full-length
#: float64 copy of a long stem is made.
_CHUNK = 1 << 16


def _channel_energies(audio: np.ndarray) -> tuple[float, float, float]:
    """The energies of the left channel, the right one and their sum."""
    ll = rr = ss = 0.0
    for start in range(0, len(audio), _CHUNK):
        left, right = audio[start : start + _CHUNK, 0], audio[start : start + _CHUNK, 1]
        both = left + right
        ll += float(np.dot(left, left))
        rr += float(np.dot(right, right))
        ss += float(np.dot(both, both))
    return ll, rr, ss
