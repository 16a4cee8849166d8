"""Baseline gain methods that need no training: direct sum and loudness-normalised.

Both return raw relative gains in dB, one per track (``-inf`` for a silent track);
:func:`drumassist.learn.suggest.suggest` scales them to the loudness target.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from drumassist.core.conditioning import analysis_view
from drumassist.core.loudness import integrated_loudness, is_silent
from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress, check_cancelled
from drumassist.errors import DrumassistError


def direct_sum_gains(multitrack: Multitrack) -> np.ndarray:
    """Every track at unity gain: the published method's anchor."""
    return np.zeros(len(multitrack.tracks))


def track_loudness(
    multitrack: Multitrack,
    *,
    known: Sequence[float | None] | None = None,
    progress: Progress | None = None,
) -> np.ndarray:
    """BS.1770 integrated loudness of each track in LUFS (``-inf`` when silent).

    ``known`` gives loudness already measured, per track (None where it was not, e.g.
    from :func:`drumassist.analysis.fast.known_loudness`); those tracks are not
    measured again.
    """
    if known is not None and len(known) != len(multitrack.tracks):
        raise DrumassistError(
            f"{len(known)} known loudness values given for {len(multitrack.tracks)} tracks"
        )
    multitrack = analysis_view(multitrack)  # loudness without DC and rumble
    values = []
    for i, track in enumerate(multitrack.tracks):
        check_cancelled(progress)
        given = None if known is None else known[i]
        if given is None:
            given = integrated_loudness(track.audio, multitrack.sample_rate)
        values.append(given)
        if progress is not None:
            progress.report((i + 1) / len(multitrack.tracks), f"measured {track.name}")
    return np.array(values)


def loudness_normalised_gains(
    multitrack: Multitrack, *, progress: Progress | None = None
) -> np.ndarray:
    """Gains that bring every track to the same BS.1770 loudness (after Ward et al.)."""
    loudness = track_loudness(multitrack, progress=progress)
    return np.array([-math.inf if is_silent(v) else -v for v in loudness])
