"""The exact BS.1770 loudness of any gain/pan mix of a multitrack, without mixing it.

A mix is linear in the stems, so each output channel's K-weighted energy in a gating
block is a quadratic form ``f' G_j f`` of the routing factors ``f`` and the block's
Gram matrix ``G_j`` of the K-weighted source channels. :class:`MixLoudness` computes
the Gram matrices once (one pass over the audio); after that the integrated loudness
of any mix, with the full absolute and relative gating, costs microseconds. This is
what lets the window loudness-match A and B on every fader move, and lets evaluation
normalise thousands of gain vectors.

Also here: the loudness of each track (:func:`track_loudness`) and the offset that
brings a mix to a loudness target (:func:`normalise_offset_db`, or
:func:`mono_mix_offset_db` measuring one mono mix without a meter).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from drumassist.core.conditioning import analysis_view
from drumassist.core.loudness import (
    ABSOLUTE_GATE_LUFS,
    BLOCK_S,
    OVERLAP,
    RELATIVE_GATE_LU,
    SILENT_LUFS,
    block_energies,
    integrated_loudness,
    k_weighting_sos,
)
from drumassist.core.memo import PerMultitrack
from drumassist.core.mix import channel_factors, mix
from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress, check_cancelled
from drumassist.errors import DrumassistError

#: The loudness suggestions and scores normalise a mono mix to, as published.
DEFAULT_TARGET_LUFS = -23.0


class MixLoudness:
    """Integrated loudness of mixes of one multitrack, from per-block Gram matrices."""

    def __init__(self, multitrack: Multitrack, *, progress: Progress | None = None) -> None:
        self._multitrack = multitrack
        columns = [
            (t, c) for t, track in enumerate(multitrack.tracks) for c in range(track.channels)
        ]
        self._columns = columns
        self._grams = _block_grams(multitrack, columns, progress)

    @property
    def blocks(self) -> int:
        return int(self._grams.shape[0])

    def loudness(
        self,
        gains_db: Sequence[float] | np.ndarray,
        *,
        pans: Sequence[float] | np.ndarray | None = None,
        mutes: Sequence[bool] | np.ndarray | None = None,
        stereo: bool = False,
        inverted: Sequence[bool] | np.ndarray | None = None,
    ) -> float:
        """Integrated loudness (LUFS) of the mix ``core.mix.mix`` would make."""
        factors = channel_factors(
            self._multitrack, gains_db, pans=pans, mutes=mutes, stereo=stereo, inverted=inverted
        )
        return self.loudness_of_factors(factors)

    def loudness_of_factors(self, factors: np.ndarray) -> float:
        """Loudness for routing matrices ``(tracks, 2, out_channels)`` from channel_factors."""
        # One row per source channel: how much of it reaches each output channel.
        routing = np.array([factors[t, c] for t, c in self._columns])  # (sources, out)
        energies = np.einsum("so,jst,to->j", routing, self._grams, routing)
        return gated_loudness(energies)


def gated_loudness(block_energies: np.ndarray) -> float:
    """BS.1770 gating of per-block energies already summed over channels."""
    with np.errstate(divide="ignore", invalid="ignore"):
        block_lufs = -0.691 + 10.0 * np.log10(np.maximum(block_energies, 0.0))
    gated = block_lufs >= ABSOLUTE_GATE_LUFS
    if not gated.any():
        return SILENT_LUFS
    relative_gate = -0.691 + 10.0 * math.log10(block_energies[gated].mean()) + RELATIVE_GATE_LU
    gated &= block_lufs > relative_gate
    if not gated.any():
        return SILENT_LUFS
    return float(-0.691 + 10.0 * math.log10(block_energies[gated].mean()))


def _block_grams(
    multitrack: Multitrack, columns: list[tuple[int, int]], progress: Progress | None
) -> np.ndarray:
    """Gram matrices ``(blocks, sources, sources)`` of the K-weighted source channels."""
    from drumassist.core.iir import sosfilt

    rate = multitrack.sample_rate
    block = math.ceil(BLOCK_S * rate)
    frames = max(multitrack.frames, block)
    hop_s = BLOCK_S * (1.0 - OVERLAP)
    hops_per_block = round(BLOCK_S / hop_s)
    count = round((frames / rate - BLOCK_S) / hop_s) + 1
    bounds = (np.arange(count + hops_per_block) * hop_s * rate).astype(np.int64)
    bounds = np.minimum(bounds, frames)
    sos = k_weighting_sos(rate)
    sources = len(columns)
    hop_grams = np.zeros((len(bounds) - 1, sources, sources))
    zi = np.zeros((sos.shape[0], 2, sources))
    chunk_hops = 50  # 5 s of audio per chunk keeps the filtered copy small
    for first in range(0, len(bounds) - 1, chunk_hops):
        check_cancelled(progress)
        last = min(first + chunk_hops, len(bounds) - 1)
        start, stop = int(bounds[first]), int(bounds[last])
        raw = np.zeros((stop - start, sources))
        available = max(0, min(stop, multitrack.frames) - start)
        for s, (t, c) in enumerate(columns):
            raw[:available, s] = multitrack.tracks[t].audio[start : start + available, c]
        weighted, zi = sosfilt(sos, raw, axis=0, zi=zi)
        for h in range(first, last):
            seg = weighted[int(bounds[h]) - start : int(bounds[h + 1]) - start]
            hop_grams[h] = seg.T @ seg
        if progress is not None:
            progress.report(last / (len(bounds) - 1), "measuring loudness")
    windows = np.lib.stride_tricks.sliding_window_view(hop_grams, hops_per_block, axis=0)
    return windows[:count].sum(axis=-1) / (BLOCK_S * rate)


# Loudness already measured, by multitrack object and track: ``compare`` (and the
# window's Compare) asks for it once per method, and each pass filters every stem
# (2 s of a 13 s compare of 8 stems of 2.5 minutes, four times over). The values go
# with their stems.
_MEASURED: PerMultitrack[dict[int, float]] = PerMultitrack()


def track_loudness(
    multitrack: Multitrack,
    *,
    known: Sequence[float | None] | None = None,
    progress: Progress | None = None,
) -> np.ndarray:
    """BS.1770 integrated loudness of each track in LUFS (``-inf`` when silent).

    ``known`` gives loudness already measured, per track (None where it was not, e.g.
    from :func:`drumassist.analysis.fast.known_loudness`); those tracks are not
    measured again, nor those measured before for this multitrack object.
    """
    if known is not None and len(known) != len(multitrack.tracks):
        raise DrumassistError(
            f"{len(known)} known loudness values given for {len(multitrack.tracks)} tracks"
        )
    measured = dict(_MEASURED.get(multitrack) or {})
    view = None
    values = []
    for i in range(len(multitrack.tracks)):
        check_cancelled(progress)
        given = None if known is None else known[i]
        if given is None:
            given = measured.get(i)
        if given is None:
            view = analysis_view(multitrack) if view is None else view  # without DC, rumble
            given = measured[i] = integrated_loudness(view.tracks[i].audio, view.sample_rate)
        values.append(given)
        if progress is not None:
            progress.report((i + 1) / len(multitrack.tracks), f"measured {multitrack.names[i]}")
    _MEASURED.put(multitrack, measured)
    return np.array(values)


def normalise_offset_db(
    meter: MixLoudness, gains_db: np.ndarray, target_lufs: float
) -> tuple[float, float]:
    """The dB offset that brings the mono mix of ``gains_db`` to ``target_lufs``.

    Returns the offset and the loudness reached (``-inf`` and offset 0 if silent).
    """
    return offset_to_target(meter_loudness_at(meter, gains_db), target_lufs)


def mono_mix_offset_db(
    multitrack: Multitrack, gains_db: np.ndarray, target_lufs: float, *, cache: bool = False
) -> tuple[float, float]:
    """As :func:`normalise_offset_db`, measuring the one mono mix instead of a meter.

    One K-weighting pass over the mix instead of the per-track passes a
    :class:`MixLoudness` makes: for a single suggestion without a window's meter. With
    ``cache``, the mix's block energies are kept in the cache folder (``mixblocks/``),
    keyed by the audio and ``gains_db``, so suggesting again for the same stems
    neither mixes nor filters them.
    """
    return offset_to_target(mono_mix_loudness_at(multitrack, gains_db, cache=cache), target_lufs)


#: The loudness (LUFS) of a mix whose gains are all moved by an offset (dB).
LoudnessAt = Callable[[float], float]


def meter_loudness_at(
    meter: MixLoudness,
    gains_db: np.ndarray,
    *,
    inverted: Sequence[bool] | np.ndarray | None = None,
) -> LoudnessAt:
    """The loudness of the mono mix of ``gains_db`` plus an offset, from ``meter`` (the
    tracks in ``inverted`` mixed with their polarity inverted)."""
    gains = np.asarray(gains_db, dtype=float)
    return lambda offset: meter.loudness(gains + offset, inverted=inverted)


def mono_mix_loudness_at(
    multitrack: Multitrack,
    gains_db: np.ndarray,
    *,
    cache: bool = False,
    inverted: Sequence[bool] | np.ndarray | None = None,
) -> LoudnessAt:
    """As :func:`meter_loudness_at`, from one pass over the mono mix (kept in the cache
    folder with ``cache``, keyed by the audio, the gains and ``inverted``)."""
    flips = None if inverted is None or not np.any(inverted) else np.asarray(inverted, bool)
    energies = _mono_mix_energies(multitrack, np.asarray(gains_db, dtype=float), cache, flips)
    return lambda offset: gated_loudness(energies * 10.0 ** (offset / 10.0))


#: A scaled mix this close to its target is there (a thousandth of a dB).
TARGET_TOLERANCE_LU = 1e-3
#: Scalings tried at most: each one moves the mix by what the last one missed.
MAX_SCALINGS = 8


def offset_to_target(loudness_at: LoudnessAt, target_lufs: float) -> tuple[float, float]:
    """The offset (dB) that brings ``loudness_at(offset)`` to ``target_lufs``, and the
    loudness reached (``-inf`` and offset 0 if silent).

    Measured again after each scaling: the absolute gate can take in or leave out blocks
    once the mix is louder or quieter, so one scaling can miss (trim's suggestion for the
    ENST excerpt reached -22.93 LUFS instead of -23; a mix 62 dB under, 5 dB off).
    """
    measured = loudness_at(0.0)
    if not math.isfinite(measured):
        return 0.0, measured
    best = (math.inf, 0.0, measured)  # (distance to the target, offset, loudness)
    offset = target_lufs - measured
    for _ in range(MAX_SCALINGS):
        reached = loudness_at(offset)
        if not math.isfinite(reached):
            break
        best = min(best, (abs(reached - target_lufs), offset, reached))
        if best[0] < TARGET_TOLERANCE_LU:
            break
        offset += target_lufs - reached
    return best[1], best[2]


#: Bumped when what :func:`_mono_mix_energies` measures changes.
MIX_BLOCKS_FORMAT = "drumassist-mixblocks-1"


def _mono_mix_energies(
    multitrack: Multitrack, gains_db: np.ndarray, cache: bool, inverted: np.ndarray | None
) -> np.ndarray:
    """The K-weighted block energies of the mono mix of ``gains_db`` (see :func:`mix`),
    the tracks in ``inverted`` (None: none) mixed with their polarity inverted."""

    def measured() -> np.ndarray:
        mono = mix(multitrack, gains_db, inverted=inverted)
        return block_energies(mono, multitrack.sample_rate)[:, 0]

    if not cache:
        return measured()
    from drumassist.core import measurecache

    recipe: dict[str, object] = {
        "format": MIX_BLOCKS_FORMAT,
        "blocks": [BLOCK_S, OVERLAP],
        # repr round-trips every float exactly (and names -inf): another gain, another entry.
        "gains_db": [repr(float(g)) for g in gains_db],
    }
    if inverted is not None:  # a mix with no track inverted keeps the key it always had
        recipe["inverted"] = [bool(v) for v in inverted]
    key = measurecache.entry_key(recipe, multitrack)
    entry = measurecache.load_entry(
        "mixblocks", key, lambda e: e["energies"].ndim == 1 and e["energies"].size > 0
    )
    if entry is not None:
        return np.asarray(entry["energies"], dtype=float)
    energies = measured()
    measurecache.store_entry("mixblocks", key, {"energies": energies})
    return energies
