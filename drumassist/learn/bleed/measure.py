"""The bleed-aware baseline: balance the loudness of each close mic's *own* drum.

Why: a close mic hears its drum and, attenuated, every other drum (bleed). Loudness
normalisation measures all of it, so a quiet drum with a loud neighbour (a tom mic
next to the snare) is measured as louder than its drum is, and gets turned down.

Model. In the short-time spectrum, drum hits are sparse, so powers add:
``|X_i(t,f)|^2 ~ |S_i(t,f)|^2 + sum_j G_ij(f) |S_j(t,f)|^2`` where ``S_i`` is drum
``i`` at its own mic and ``G_ij(f)`` the power transfer of the bleed path from drum
``j`` to mic ``i`` (attenuated and low-passed by distance). The close mic ``j`` is
dominated by its own drum, so ``|S_j|^2 ~ |X_j|^2``.

Estimation. ``G_ij(f)`` is the median of ``|X_i|^2 / |X_j|^2`` over the frames where
drum ``j`` plays and drum ``i`` does not: mic ``j`` is active and, relative to mic
``i``, louder than in 90 % of its active frames. There the ratio is the bleed
transfer. The own-drum power is then
``P_i = max(|X_i|^2 - b sum_j G_ij |X_j|^2, 0)`` (power spectral subtraction, with an
over-subtraction factor ``b = 3`` so the fluctuating residual of the bleed does not
count as the drum).

Loudness. ``P_i`` is K-weighted in the frequency domain, summed into 400 ms blocks
with 75 % overlap and gated as in BS.1770, which gives the own-drum loudness.
Two mics on the same drum (kick in and out, snare top and bottom) share a source, so
neither is treated as bleed in the other. Ambient mics (overheads, room) are meant to
hear the whole kit, so their own part is all of it: they are measured as they are.
Because the gate follows the own part, a drum that plays seldom is measured over its
hits, not diluted by the bleed between them: the loudness a listener hears when it
plays. Stereo tracks are measured on their mean.
The gains bring every track's own-part loudness to the same level.
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np

from drumassist.core.conditioning import analysis_view
from drumassist.core.loudness import k_weighting_sos
from drumassist.core.mixloudness import gated_loudness
from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress, check_cancelled
from drumassist.core.roles import Role

FRAME_S = 2048 / 44100
AMBIENT_ROLES = frozenset({Role.OVERHEAD, Role.ROOM, Role.OTHER})
LOUD_FRAME_DB = -30.0  # frames within this of a mic's loudest count as "mic j is active"
DOMINANT_PERCENTILE = 90.0
MIN_FRAMES = 4
MAX_TRANSFER = 10 ** (-6.0 / 10)
# Bleed power fluctuates around its estimate; subtracting it three times over (as in
# Berouti et al.'s spectral subtraction) keeps the residual out of the gated blocks.
OVER_SUBTRACTION = 3.0


def bleed_aware_gains(multitrack: Multitrack, *, progress: Progress | None = None) -> np.ndarray:
    """Gains in dB that equalise each track's own-drum loudness (``-inf`` if silent)."""
    loudness = own_loudness(multitrack, progress=progress)
    return np.array([-v if math.isfinite(v) else -math.inf for v in loudness])


def own_loudness(multitrack: Multitrack, *, progress: Progress | None = None) -> np.ndarray:
    """Estimated loudness (LUFS) of each track's own drum, bleed removed."""
    multitrack = analysis_view(multitrack)  # measured without DC and rumble
    rate = multitrack.sample_rate
    frame = int(2 ** round(math.log2(FRAME_S * rate)))
    hop = frame // 2
    weights = _k_weight_power(rate, frame)
    powers = [power_spectrogram(t.mono(), frame, hop) for t in multitrack.tracks]
    close = [i for i, t in enumerate(multitrack.tracks) if t.role not in AMBIENT_ROLES]
    result = []
    for i, power in enumerate(powers):
        check_cancelled(progress)
        silent = not power.any()
        others = [
            j for j in close if not _same_drum(multitrack.tracks[i].role, multitrack.tracks[j].role)
        ]
        own = power if silent or i not in close else _remove_bleed(i, powers, others)
        energy = (own * weights).sum(axis=1) / (frame * frame / 2)
        result.append(_frames_to_loudness(energy, hop, rate))
        if progress is not None:
            progress.report((i + 1) / len(powers), f"bleed-aware: {multitrack.tracks[i].name}")
    return np.array(result)


def _same_drum(a: Role, b: Role) -> bool:
    """Two close mics on one drum (kick in/out, snare top/bottom) hear the same source.

    Toms and cymbals are numbered separate drums, so their mics bleed into each other.
    """
    return a == b and a not in (Role.TOM, Role.CYMBAL)


def _remove_bleed(i: int, powers: list[np.ndarray], close: list[int]) -> np.ndarray:
    own = powers[i].copy()
    for j in close:
        if j != i:
            own -= OVER_SUBTRACTION * _transfer(powers[i], powers[j])[None, :] * powers[j]
    return np.maximum(own, 0.0)


def _transfer(mic: np.ndarray, source: np.ndarray) -> np.ndarray:
    """Power transfer ``G(f)`` of the bleed from ``source``'s drum into ``mic``.

    Measured in the frames where the source drum plays and the mic's own drum does
    not: the source mic is active and louder, relative to the mic, than in 90 % of
    frames. (Frames where the source mic is merely loud would include the mic's own
    drum bleeding into the source mic, and overestimate the transfer.)
    """
    source_energy = source.sum(axis=1)
    mic_energy = mic.sum(axis=1)
    active = source_energy >= source_energy.max() * 10 ** (LOUD_FRAME_DB / 10)
    if source_energy.max() <= 0 or active.sum() < MIN_FRAMES:
        return np.zeros(mic.shape[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        dominance = np.where(active & (mic_energy > 0), source_energy / mic_energy, np.nan)
    if np.isnan(dominance).all():
        return np.zeros(mic.shape[1])
    frames = dominance >= np.nanpercentile(dominance, DOMINANT_PERCENTILE)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = mic[frames] / source[frames]
    ratio = np.where(np.isfinite(ratio), ratio, np.nan)
    with warnings.catch_warnings():
        # A frequency bin with no finite ratio ("mean of empty slice") gets transfer 0.
        warnings.simplefilter("ignore", RuntimeWarning)
        transfer = np.nan_to_num(np.nanmedian(ratio, axis=0))
    # Bleed is attenuated by distance: a drum is never as loud in another drum's mic as
    # in its own. A larger estimate means the "source plays alone" frames were really
    # this mic's drum bleeding into the source mic (a drum that hardly plays).
    return np.minimum(transfer, MAX_TRANSFER)


def power_spectrogram(audio: np.ndarray, frame: int, hop: int) -> np.ndarray:
    """Hann-windowed power per frame and bin (``(frames, frame // 2 + 1)``), float64.

    Frames start every ``hop`` samples; a signal shorter than a frame is one frame,
    padded with silence. Scaled by the window's mean square, so white noise of power
    p reads about ``p * frame`` in every bin.
    """
    count = max(1, 1 + (len(audio) - frame) // hop) if len(audio) >= frame else 1
    length = (count - 1) * hop + frame
    padded = np.asarray(audio, dtype=np.float32)[:length]
    if len(padded) < length or padded.ndim != 1 or not padded.flags.c_contiguous:
        padded = np.zeros(length, dtype=np.float32)
        padded[: min(len(audio), length)] = audio[:length]
    frames = np.lib.stride_tricks.sliding_window_view(padded, frame)[::hop]
    window, mean_square = _hann(frame)
    spectrum = np.fft.rfft(frames * window, axis=1)
    return (spectrum.real**2 + spectrum.imag**2) / mean_square


@functools.lru_cache(maxsize=8)
def _hann(frame: int) -> tuple[np.ndarray, np.float64]:
    """The analysis window as float32 and its float64 mean square (read-only)."""
    window = np.hanning(frame)
    as_float32 = window.astype(np.float32)
    as_float32.flags.writeable = False
    return as_float32, (window**2).mean()


def _k_weight_power(rate: int, frame: int) -> np.ndarray:
    from drumassist.core.iir import sosfreqz

    return np.abs(sosfreqz(k_weighting_sos(rate), frame // 2 + 1)) ** 2


def _frames_to_loudness(energy: np.ndarray, hop: int, rate: int) -> float:
    """Mean-square energy per frame to BS.1770-style gated loudness over 400 ms blocks."""
    per_block = max(1, round(0.4 * rate / hop))
    step = max(1, per_block // 4)
    if energy.size < per_block:
        energy = np.pad(energy, (0, per_block - energy.size))
    windows = np.lib.stride_tricks.sliding_window_view(energy, per_block)[::step]
    return gated_loudness(windows.mean(axis=1))
