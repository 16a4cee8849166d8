"""ITU-R BS.1770-4 integrated loudness that copes with silence and very short tracks.

The K-weighting filters are pyloudnorm's; the gating is computed here with one
cumulative sum instead of pyloudnorm's per-block Python loop, which is about ten
times faster on long stems and gives the same figure (a test checks this).

A track shorter than one 400 ms gating block is measured over one block padded
with silence: the energy of the hit spread over 400 ms, which is what a meter
shows for it. A track whose every block falls below the absolute gate
(-70 LUFS) is silent and measures ``-inf``.

A track whose sound (first to last non-zero sample) lasts less than
:data:`MIN_SOUND_S` is *too short to judge*: a click or a fragment, not a drum
track, and a meter reading of it says more about the 400 ms padding than about
the sound. :func:`too_short_message` says so; callers that judge a balance
(suggest, info, the export's normalisation) give such a track no number.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

BLOCK_S = 0.4
OVERLAP = 0.75
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
#: Loudness of a silent signal.
SILENT_LUFS = -math.inf
#: Shortest sound judged: one 100 ms hop of a gating block, the time resolution of
#: BS.1770 gating. A drum hit's body (a kick's or snare's decay) lasts longer.
MIN_SOUND_S = 0.1
#: Loudness targets accepted: the absolute gate (nothing quieter is measured) to 0 LUFS.
MIN_TARGET_LUFS, MAX_TARGET_LUFS = ABSOLUTE_GATE_LUFS, 0.0
#: 100 ms hops K-weighted at a time: 5 s of audio keeps each temporary near 2 MB.
CHUNK_HOPS = 50


@lru_cache(maxsize=16)
def k_weighting_sos(sample_rate: int) -> np.ndarray:
    """The BS.1770 K-weighting filter at ``sample_rate`` as second-order sections.

    pyloudnorm's two biquads (RBJ's cookbook formulas: a +4 dB high shelf at 1500 Hz,
    Q 1/sqrt(2), and a 38 Hz high-pass, Q 0.5), with the same arithmetic, so the
    coefficients are pyloudnorm's bit for bit (tested); computed here because importing
    pyloudnorm imports scipy.signal (half a second).
    """
    shelf = _rbj_biquad(4.0, 1 / math.sqrt(2), 1500.0, sample_rate, "high_shelf")
    high_pass = _rbj_biquad(0.0, 0.5, 38.0, sample_rate, "high_pass")
    sos = []
    for b, a in (shelf, high_pass):  # passband gain 1: b as is
        sos.append(np.concatenate([b / a[0], a / a[0]]))
    return np.array(sos)


def _rbj_biquad(
    gain_db: float, q: float, fc: float, rate: int, kind: str
) -> tuple[np.ndarray, np.ndarray]:
    """``(b, a)`` of pyloudnorm's ``IIRfilter(gain_db, q, fc, rate, kind)``, normalised."""
    big_a = 10 ** (gain_db / 40.0)
    w0 = 2.0 * np.pi * (fc / rate)
    alpha = np.sin(w0) / (2.0 * q)
    cos_w0, root_a = np.cos(w0), np.sqrt(big_a)
    if kind == "high_shelf":
        b0 = big_a * ((big_a + 1) + (big_a - 1) * cos_w0 + 2 * root_a * alpha)
        b1 = -2 * big_a * ((big_a - 1) + (big_a + 1) * cos_w0)
        b2 = big_a * ((big_a + 1) + (big_a - 1) * cos_w0 - 2 * root_a * alpha)
        a0 = (big_a + 1) - (big_a - 1) * cos_w0 + 2 * root_a * alpha
        a1 = 2 * ((big_a - 1) - (big_a + 1) * cos_w0)
        a2 = (big_a + 1) - (big_a - 1) * cos_w0 - 2 * root_a * alpha
    else:  # high_pass
        b0 = (1 + cos_w0) / 2
        b1 = -(1 + cos_w0)
        b2 = (1 + cos_w0) / 2
        a0 = 1 + alpha
        a1 = -2 * cos_w0
        a2 = 1 - alpha
    return np.array([b0, b1, b2]) / a0, np.array([a0, a1, a2]) / a0


def block_energies(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mean square of the K-weighted signal per 400 ms block (75 % overlap).

    Returns an array ``(blocks, channels)``; a signal shorter than a block is
    padded with silence to one block. The audio is filtered in chunks of
    :data:`CHUNK_HOPS` hops, so the extra memory stays a few MB for any length.
    """
    from drumassist.core.iir import sosfilt

    data = np.asarray(audio)
    if data.ndim == 1:
        data = data[:, None]
    block = math.ceil(BLOCK_S * sample_rate)
    frames = max(data.shape[0], block)
    hop_s = BLOCK_S * (1.0 - OVERLAP)
    hops_per_block = round(BLOCK_S / hop_s)
    count = round((frames / sample_rate - BLOCK_S) / hop_s) + 1
    # Energy per 100 ms hop, then each block sums four hops: no per-block loop.
    bounds = (np.arange(count + hops_per_block - 1) * hop_s * sample_rate).astype(np.int64)
    # The last hop inside the signal runs to its end, as one reduceat over it would.
    starts = np.append(bounds[bounds < frames], frames)
    hops = np.zeros((len(bounds), data.shape[1]))
    sos = k_weighting_sos(sample_rate)
    state = np.zeros((data.shape[1], sos.shape[0], 2))
    for first in range(0, len(starts) - 1, CHUNK_HOPS):
        last = min(first + CHUNK_HOPS, len(starts) - 1)
        lo, hi = int(starts[first]), int(starts[last])
        for ch in range(data.shape[1]):
            signal = np.zeros(hi - lo)
            signal[: max(0, data.shape[0] - lo)] = data[lo:hi, ch]
            # Carrying the filter state makes the chunks bit-identical to one long run.
            weighted, state[ch] = sosfilt(sos, signal, zi=state[ch])
            hops[first:last, ch] = np.add.reduceat(weighted * weighted, starts[first:last] - lo)
    windows = np.lib.stride_tricks.sliding_window_view(hops, hops_per_block, axis=0)
    return windows[:count].sum(axis=-1) / (BLOCK_S * sample_rate)


def integrated_loudness(audio: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness in LUFS of ``audio`` (1-D, or ``(frames, channels)``).

    Returns ``-inf`` for silence. Each of up to two channels has weight 1, as in
    BS.1770, so a mono track is measured as mono.
    """
    data = np.asarray(audio)
    if data.size == 0 or not np.any(data):
        return SILENT_LUFS
    z = block_energies(data, sample_rate)
    with np.errstate(divide="ignore"):
        block_lufs = -0.691 + 10.0 * np.log10(z.sum(axis=1))
    gated = block_lufs >= ABSOLUTE_GATE_LUFS
    if not gated.any():
        return SILENT_LUFS
    relative_gate = -0.691 + 10.0 * math.log10(z[gated].mean(axis=0).sum()) + RELATIVE_GATE_LU
    gated &= block_lufs > relative_gate
    if not gated.any():
        return SILENT_LUFS
    return float(-0.691 + 10.0 * math.log10(z[gated].mean(axis=0).sum()))


def is_silent(loudness_lufs: float) -> bool:
    """True when a measured loudness means silence."""
    return not math.isfinite(loudness_lufs)


def gain_to_target_db(loudness_lufs: float, target_lufs: float) -> float:
    """The gain in dB that brings ``loudness_lufs`` to ``target_lufs`` (0 for silence)."""
    return 0.0 if is_silent(loudness_lufs) else target_lufs - loudness_lufs


def sound_frames(audio: np.ndarray) -> int:
    """Frames from the first to the last non-zero sample of ``audio`` (0 for silence)."""
    data = np.asarray(audio)
    data = data[:, None] if data.ndim == 1 else data
    first = _sounding_edge(data, forward=True)
    if first is None:
        return 0
    last = _sounding_edge(data, forward=False)
    assert last is not None
    return last - first + 1


_EDGE_SCAN_FRAMES = 1 << 16


def _sounding_edge(data: np.ndarray, *, forward: bool) -> int | None:
    """The first (or last) frame with a non-zero sample, scanning from that end in
    chunks: sound most often starts near the edge, so most of a stem is never read."""
    frames = data.shape[0]
    if forward:
        starts = range(0, frames, _EDGE_SCAN_FRAMES)
    else:
        starts = range(
            (frames - 1) // _EDGE_SCAN_FRAMES * _EDGE_SCAN_FRAMES, -1, -_EDGE_SCAN_FRAMES
        )
    for lo in starts:
        hit = np.flatnonzero(np.any(data[lo : lo + _EDGE_SCAN_FRAMES] != 0, axis=1))
        if hit.size:
            return lo + int(hit[0] if forward else hit[-1])
    return None


def too_short_message(audio: np.ndarray, sample_rate: int) -> str | None:
    """Why ``audio`` is too short to judge (its sound lasts under :data:`MIN_SOUND_S`), or None.

    Silence is not too short: it is silent, and measures ``-inf``.
    """
    frames = sound_frames(audio)
    if frames == 0 or frames >= MIN_SOUND_S * sample_rate:
        return None
    unit = "sample" if frames == 1 else "samples"
    return (
        f"holds only {frames} {unit} of sound ({frames / sample_rate * 1000:.3g} ms): too short"
        f" to judge (under {MIN_SOUND_S * 1000:.0f} ms)"
    )
