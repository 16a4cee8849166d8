"""Play a real kit's drums through the simulator, to compare its statistics with the real mics.

:func:`simulated_recordings` takes the real recordings of a kit (as
:func:`~drumassist.learn.corpus.bleed_stats.kit_recordings` reads them), uses each
drum's own close-mic recording as the dry sample the Hydrogen renderer would have
(the first overhead's recording for drums with no close mic), and records every hit
again on the simulated mics of :mod:`~drumassist.learn.corpus.mics`: a close mic
per real close mic, the overhead pair and, if the kit has rooms, the room pair. The
same :func:`~drumassist.learn.corpus.bleed_stats.bleed_statistics` then applies to both.
"""

from __future__ import annotations

import numpy as np

from drumassist.learn.corpus.bleed_stats import HitRecordings
from drumassist.learn.corpus.calibration import Profile
from drumassist.learn.corpus.mics import Mic, kit_geometry, mic_position, render_mics

_SIM_OVERHEADS = (Mic("OH L", "overhead", place="overhead_L"),
                  Mic("OH R", "overhead", place="overhead_R"))  # fmt: skip
_SIM_ROOMS = (Mic("Room L", "room", place="room_L"), Mic("Room R", "room", place="room_R"))


def simulated_recordings(
    real: HitRecordings, *, profile: Profile, rng: np.random.Generator
) -> HitRecordings:
    """The real kit's hits recorded again by simulated mics (one session's geometry)."""
    drums = list(real.hits)
    geometry = kit_geometry(drums, rng)
    close_of = {drum: mic for mic, drum in real.close.items()}
    mics = [Mic(mic, "close", drum) for mic, drum in real.close.items()]
    mics += list(_SIM_OVERHEADS) + (list(_SIM_ROOMS) if real.rooms else [])
    positions = {m.name: mic_position(m, geometry, rng) for m in mics}
    hits: dict[str, dict[str, list[np.ndarray]]] = {}
    for drum in drums:
        source_mic = close_of.get(drum, real.overheads[0])
        takes = [np.asarray(t, dtype=np.float64) for t in real.hits[drum][source_mic]]
        hits[drum] = {m.name: [] for m in mics}
        for take in takes:
            heard = render_mics(
                [(m, positions[m.name]) for m in mics], {drum: take}, geometry,
                sample_rate=real.sample_rate, rng=rng, profile=profile,
            )  # fmt: skip
            for mic, audio in zip(mics, heard, strict=True):
                hits[drum][mic.name].append(audio)
    return HitRecordings(
        real.sample_rate,
        hits,
        dict(real.close),
        [m.name for m in _SIM_OVERHEADS],
        [m.name for m in _SIM_ROOMS] if real.rooms else [],
    )
