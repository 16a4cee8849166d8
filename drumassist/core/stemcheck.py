"""Checks of a multitrack's stems taken together, reported when they are loaded.

Never fatal: a notice says what looks wrong and what it costs (see
:attr:`~drumassist.core.multitrack.Multitrack.notices`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: Stems whose peaks all lie within this of each other were normalised on export.
NORMALISED_SPREAD_DB = 0.05
#: Fewer stems than this can peak alike by chance.
NORMALISED_MIN_STEMS = 3


def normalised_notices(peaks: Sequence[float]) -> list[str]:
    """A notice when every stem peaks at one level, as stems normalised on export do.

    Why: a close mic whose drum never plays in the song holds only bleed. As recorded,
    its level says so, and the suggestion keeps such a mic at the session's level
    ("only bleed"); normalised, it looks as loud as a played drum's mic and is
    suggested as loud, which can put its bleed 30 dB too high. Measured on the ENST
    excerpt: with its two unplayed toms' stems trimmed up to peak like the played ones,
    the default model's balance is 11.0 dB off (2.0 dB as recorded; README, "The
    original held-out Colombo set").
    """
    levels = [20.0 * math.log10(p) for p in peaks if p > 0]
    if len(levels) < NORMALISED_MIN_STEMS or max(levels) - min(levels) > NORMALISED_SPREAD_DB:
        return []
    return [
        f"Every stem peaks at {max(levels):.1f} dBFS, as stems normalised on export do:"
        " a track whose drum never plays (it holds only bleed) then looks as loud as a"
        " played one, and its suggestion may be far too loud; export the stems without"
        " normalising, or check such a track (an unplayed tom, say) by ear"
    ]
