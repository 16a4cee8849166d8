"""A reference mix as a suggestion: the gains reverse-engineered from it.

When the user has a mix of these stems (their own, or an engineer's), its balance is
the most direct comparison: the window shows it like any other suggestion.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from drumassist.core.mixloudness import DEFAULT_TARGET_LUFS, MixLoudness, normalise_offset_db
from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress
from drumassist.learn.reverse.engineer import read_mix, reverse_engineer
from drumassist.learn.suggest.suggestion import Suggestion

REFERENCE_METHOD = "reference"


def reference_suggestion(
    multitrack: Multitrack,
    mix_path: Path,
    *,
    meter: MixLoudness | None = None,
    target_lufs: float = DEFAULT_TARGET_LUFS,
    progress: Progress | None = None,
) -> tuple[Suggestion, float]:
    """The reference mix's gains as a Suggestion (its notes say what reading the mix
    changed: a resampling), and the R² of the fit."""
    mix, notices = read_mix(mix_path, sample_rate=multitrack.sample_rate)
    result = reverse_engineer(multitrack, mix, progress=progress, mix_name=mix_path.name)
    gains = np.array(
        [-math.inf if t.gain_db is None else t.gain_db for t in result.tracks], dtype=float
    )
    meter = meter or MixLoudness(multitrack)
    offset, loudness = normalise_offset_db(meter, gains, target_lufs)
    scaled = tuple(float(g + offset) for g in gains)
    suggestion = Suggestion(
        method=f"{REFERENCE_METHOD}: {mix_path.name}",
        names=multitrack.names,
        roles=tuple(r.value for r in multitrack.roles),
        gains_db=scaled,
        low_db=scaled,
        high_db=scaled,
        loudness_lufs=loudness,
        notes=notices,
    )
    return suggestion, result.r2
