"""The fader's console taper: dB to height and back, clamping, steps, and the dB text.

The travel follows a piecewise-linear map from dB to height that gives the range
around 0 dB, where balancing happens, the most room, and squeezes everything below
-60 dB into the last few pixels above minus infinity. No widgets here.
"""

from __future__ import annotations

import itertools
import math

MAX_DB = 12.0
#: At or below this the fader reads minus infinity.
FLOOR_DB = -90.0
#: (dB, fraction of the travel from the bottom); minus infinity sits at 0.
TAPER: tuple[tuple[float, float], ...] = (
    (FLOOR_DB, 0.0),
    (-60.0, 0.05),
    (-40.0, 0.15),
    (-30.0, 0.23),
    (-20.0, 0.34),
    (-12.0, 0.46),
    (-6.0, 0.58),
    (0.0, 0.72),
    (6.0, 0.86),
    (MAX_DB, 1.0),
)
#: Scale marks drawn beside the fader.
SCALE_MARKS_DB = (12.0, 6.0, 0.0, -6.0, -12.0, -20.0, -30.0, -40.0, -60.0, -math.inf)
#: A wheel or key step down from here goes to minus infinity; a step up from there, here.
STEP_FLOOR_DB = -60.0
STEP_DB = 0.5
FINE_STEP_DB = 0.1


def db_to_fraction(gain_db: float) -> float:
    """Map a gain to its height on the fader.

    Parameters
    ----------
    gain_db : float
        Gain in dB; ``-inf`` and anything at or below :data:`FLOOR_DB` give 0, anything
        above :data:`MAX_DB` gives 1.

    Returns
    -------
    float
        Fraction of the travel from the bottom, in [0, 1].
    """
    if math.isnan(gain_db) or gain_db <= FLOOR_DB:
        return 0.0
    for (low_db, low_f), (high_db, high_f) in itertools.pairwise(TAPER):
        if gain_db <= high_db:
            return low_f + (gain_db - low_db) / (high_db - low_db) * (high_f - low_f)
    return 1.0


def fraction_to_db(fraction: float) -> float:
    """Map a height on the fader to a gain; the inverse of :func:`db_to_fraction`.

    Parameters
    ----------
    fraction : float
        Fraction of the travel from the bottom; clamped to [0, 1].

    Returns
    -------
    float
        Gain in dB, ``-inf`` at the bottom.
    """
    if fraction <= 0.0:
        return -math.inf
    for (low_db, low_f), (high_db, high_f) in itertools.pairwise(TAPER):
        if fraction <= high_f:
            return low_db + (fraction - low_f) / (high_f - low_f) * (high_db - low_db)
    return MAX_DB


def clamp_db(gain_db: float) -> float:
    """Clamp a gain to the fader's range: minus infinity at or below :data:`FLOOR_DB`
    (where the fader reads it), :data:`MAX_DB` at most."""
    if math.isnan(gain_db):
        raise ValueError("a fader level cannot be NaN")
    return -math.inf if gain_db <= FLOOR_DB else min(gain_db, MAX_DB)


def step_db(gain_db: float, delta_db: float) -> float:
    """Move a gain by one wheel or key step, falling off to and rising from ``-inf``."""
    if not math.isfinite(gain_db):
        return STEP_FLOOR_DB if delta_db > 0 else gain_db
    stepped = round(gain_db + delta_db, 2)
    if delta_db < 0 and stepped < STEP_FLOOR_DB:
        return -math.inf
    return clamp_db(stepped)


def format_db(gain_db: float) -> str:
    """Format a level as the strip shows and accepts it: ``"+3.0"``, ``"0.0"``, ``"-inf"``."""
    if not math.isfinite(gain_db):
        return "-inf"
    if abs(gain_db) < 0.05:
        return "0.0"
    return f"{gain_db:+.1f}"
