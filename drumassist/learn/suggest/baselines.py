"""Baseline gain methods that need no training: direct sum and loudness-normalised.

Both return raw relative gains in dB, one per track (``-inf`` for a silent track);
:func:`drumassist.learn.suggest.suggestion.suggest` scales them to the loudness target.
"""

from __future__ import annotations

import math

import numpy as np

from drumassist.core.loudness import is_silent
from drumassist.core.mixloudness import track_loudness
from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress


def direct_sum_gains(multitrack: Multitrack) -> np.ndarray:
    """Every track at unity gain: the published method's anchor."""
    return np.zeros(len(multitrack.tracks))


def loudness_normalised_gains(
    multitrack: Multitrack, *, progress: Progress | None = None
) -> np.ndarray:
    """Gains that bring every track to the same BS.1770 loudness (after Ward et al.)."""
    loudness = track_loudness(multitrack, progress=progress)
    return np.array([-math.inf if is_silent(v) else -v for v in loudness])
