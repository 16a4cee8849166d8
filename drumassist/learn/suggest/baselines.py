"""Baseline gain methods that need no training: loudness-normalised, bleed-aware, direct sum.

Each returns raw relative gains in dB, one per track (``-inf`` for a silent track);
:func:`drumassist.learn.suggest.suggestion.suggest` scales them to the loudness target.
:data:`BASELINES` names them for method lists, beside the model kinds of the registry.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from drumassist.core.loudness import is_silent
from drumassist.core.mixloudness import track_loudness
from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress
from drumassist.learn.bleed.measure import bleed_aware_gains

#: Computes a baseline's raw gains for a multitrack.
Baseline = Callable[[Multitrack, Progress | None], np.ndarray]


def direct_sum_gains(multitrack: Multitrack) -> np.ndarray:
    """Every track at unity gain: the published method's anchor."""
    return np.zeros(len(multitrack.tracks))


def loudness_normalised_gains(
    multitrack: Multitrack, *, progress: Progress | None = None
) -> np.ndarray:
    """Gains that bring every track to the same BS.1770 loudness (after Ward et al.)."""
    loudness = track_loudness(multitrack, progress=progress)
    return np.array([-math.inf if is_silent(v) else -v for v in loudness])


#: Every baseline by method name, with its description, in method-list order.
BASELINES: dict[str, tuple[str, Baseline]] = {
    "loudness": (
        "Loudness-normalised: every track at the same BS.1770 loudness",
        lambda mt, progress: loudness_normalised_gains(mt, progress=progress),
    ),
    "bleed": (
        "Bleed-aware: every close mic's own drum (bleed removed) at the same loudness",
        lambda mt, progress: bleed_aware_gains(mt, progress=progress),
    ),
    "sum": ("Direct sum: every track at unity gain", lambda mt, progress: direct_sum_gains(mt)),
}
