"""Stereo stems as the methods learned them: one mono track per channel.

Why: every training and test session holds its overhead and room pairs as two mono
stems, so the models learned what a mono mic's levels and bleed look like. One stereo
file of the same pair was read as a single track of twice the energy (its level 3 dB
up, its bleed spectra of the mean of its sides) and suggested 2.5 to 6 dB too low
(found by a new-user trial, 2026-12-02: on the ENST excerpt, the default's balance
error against the engineer's dry mix was 3.52 dB with its overheads in one stereo file,
1.94 with them in two). A suggestion now splits each stereo stem into its channels
and suggests for those as for mono stems. The stereo stem then gets the gain whose
mono mix (the mean of its channels, :func:`drumassist.core.mix.mix`) is nearest, in
least squares, to the channels mixed at their own gains: reverse engineering the ENST
engineer's mix, the gain of its overhead pair as one stereo file is, within 0.03 dB,
that fold of the gains of its two sides as two files (the error with the stereo file
is now 1.82 dB).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from drumassist.core.memo import PerMultitrack
from drumassist.core.multitrack import Multitrack, Track

#: How a channel of a stereo stem is named among the mono tracks (as the polarity
#: checks name the sides of a stereo overhead pair).
SIDE_NAMES = ("left", "right")


@dataclass(frozen=True, eq=False)
class StereoSplit:
    """A multitrack with one mono track per channel, and how to fold gains back.

    ``rows[i]`` are the split's tracks of the original track ``i``; ``weights[i]`` the
    weight of each one's amplitude gain in the stereo track's (see :func:`_fold_weights`).
    """

    multitrack: Multitrack
    rows: tuple[tuple[int, ...], ...]
    weights: tuple[tuple[float, ...], ...]

    @property
    def is_split(self) -> bool:
        return any(len(r) > 1 for r in self.rows)

    def fold_db(self, values_db: np.ndarray) -> np.ndarray:
        """One gain per original track from one per split track (``-inf`` if no channel
        is heard): the weighted sum of its channels' amplitude gains."""
        values = np.asarray(values_db, dtype=float)
        out = np.empty(len(self.rows))
        for i, (rows, weights) in enumerate(zip(self.rows, self.weights, strict=True)):
            amplitude = sum(
                w * 10.0 ** (values[r] / 20.0) for r, w in zip(rows, weights, strict=True)
            )
            out[i] = 20.0 * math.log10(amplitude) if amplitude > 0 else -math.inf
        return out

    def fold_marks(self, marked: Sequence[int]) -> tuple[int, ...]:
        """The original tracks all of whose channels are among ``marked``."""
        chosen = set(marked)
        return tuple(i for i, rows in enumerate(self.rows) if set(rows) <= chosen)


# Splits already made, by multitrack object: the window suggests again for the same
# stems, and a new split would be hashed again for the measure caches (0.1 s for 8 x 3
# minutes). A split goes with its stems.
_SPLITS: PerMultitrack[StereoSplit] = PerMultitrack()


def split_stereo(multitrack: Multitrack) -> StereoSplit:
    """``multitrack`` with each stereo track split into mono tracks, one per channel
    (the multitrack itself when every track is mono)."""
    return _SPLITS.get_or_make(multitrack, lambda: _split(multitrack))


def _split(multitrack: Multitrack) -> StereoSplit:
    tracks: list[Track] = []
    rows: list[tuple[int, ...]] = []
    weights: list[tuple[float, ...]] = []
    for track in multitrack.tracks:
        first = len(tracks)
        tracks += _channels(track)
        rows.append(tuple(range(first, len(tracks))))
        weights.append(_fold_weights(track))
    return StereoSplit(
        multitrack if len(tracks) == len(multitrack.tracks) else replace(
            multitrack, tracks=tuple(tracks)
        ),
        tuple(rows),
        tuple(weights),
    )  # fmt: skip


def _channels(track: Track) -> list[Track]:
    if track.channels == 1:
        return [track]
    names = SIDE_NAMES if track.channels == 2 else range(1, track.channels + 1)
    # Views of the stem's channels, no copies (every measure reads them as it reads a
    # mono stem's samples: the suggestions are the same to the bit as with copies).
    return [
        replace(track, name=f"{track.name} ({side})", audio=track.audio[:, c : c + 1])
        for c, side in enumerate(names)
    ]


_GRAM_CHUNK = 1 << 16


def _fold_weights(track: Track) -> tuple[float, ...]:
    """The weights ``w`` of the least-squares gain ``a = sum_c w_c a_c`` whose mono
    downmix ``a * mean_c x_c`` is nearest to ``sum_c a_c x_c``: ``w_c = n * s_c / S``,
    ``s_c`` the sum of row ``c`` of the channels' Gram matrix and ``S`` of all of it.
    Channels whose downmix cancels (or anticorrelated ones, where a weight would be
    negative) get their energy shares times ``n`` instead."""
    n = track.channels
    if n == 1:
        return (1.0,)
    gram = np.zeros((n, n))
    for start in range(0, len(track.audio), _GRAM_CHUNK):  # no full-length float64 copy
        part = track.audio[start : start + _GRAM_CHUNK].astype(np.float64)
        gram += part.T @ part
    rows, total = gram.sum(axis=1), float(gram.sum())
    if total > 0 and (rows >= 0).all():
        return tuple(float(n * r / total) for r in rows)
    energy = np.diag(gram)
    if not energy.sum() > 0:
        return tuple(1.0 for _ in range(n))
    return tuple(float(n * e / energy.sum()) for e in energy)
