"""The real ENST-Drums excerpt loads with the right roles."""

from __future__ import annotations

import math

from drumassist.core.loudness import integrated_loudness
from drumassist.core.multitrack import load_multitrack
from drumassist.core.roles import Role


def test_enst_excerpt_loads_with_roles(enst_excerpt):
    mt = load_multitrack(enst_excerpt / "stems")
    assert mt.sample_rate == 44100
    assert abs(mt.duration_s - 13.8) < 0.1
    roles = dict(zip(mt.names, mt.roles, strict=True))
    assert roles == {
        "hihat": Role.HIHAT,
        "kick": Role.KICK,
        "overheadL": Role.OVERHEAD,
        "overheadR": Role.OVERHEAD,
        "snare": Role.SNARE,
        "tom1": Role.TOM,
        "tom2": Role.TOM,
    }
    assert mt.notices == ()
    for track in mt.tracks:
        assert track.channels == 1
        assert math.isfinite(integrated_loudness(track.audio, mt.sample_rate))
