"""What real microphones hear, measured on the real multi-mic kits: the simulator's table.

:func:`measure_profile` reduces the statistics of
:mod:`~drumassist.learn.corpus.bleed_stats` of one real kit (its loudest layer of
kick ``ks``, snare ``sc``/``sn``, closed hat ``hc`` and toms, every round robin, on
every mic) to a :class:`Profile`, and :data:`PROFILES` holds the result for the
two kits in ``../shared/kits`` (``scripts/measure_bleed.py`` prints it; a test
measures it again). Mic classes: ``kick`` (the kick close mic) and ``top`` (a
top-head close mic: snare, and by analogy toms and hi-hat); drum classes: ``kick``,
``snare``, ``hi-hat``, ``tom``, ``cymbal``.

Where each number comes from
----------------------------
``gogodze-phu-vol-ii`` (7 mics: ``kick_mic``, ``snare_mic``, overheads ``oh_mic`` +
``side_mic``, rooms ``front_mic``, ``wndw_mic``, ``retro_mic``; drums ``ks``, ``sc``,
``hc``, ``th``/``tm``/``tl``, ``Samples/<mic>/<drum>_vl<top>_rr*.flac``):

* ``bleed_db[(receiver, drum)]``: bleed re own at equal overhead level, for the
  ``kick_mic`` and ``snare_mic``, toms by place (``th`` high, ``tm`` mid, ``tl``
  low). Measured: kick mic <- snare -19.3, hi-hat -14.1, toms -14.6/-8.1/-7.9;
  top (snare mic) <- kick -4.3, hi-hat -13.1, toms -12.4/-14.2/-13.6 dB. *Derived*,
  not measured (no such pair was recorded): a cymbal is heard like the hi-hat, and a
  top-head mic hears the snare (a tom or hat mic) as the snare mic hears the toms.
* ``colour_db[(receiver, drum)]``: per octave (63 Hz..16 kHz), the bleed's spectrum
  relative to the overheads' (shape only).
* ``own_vs_oh_db[receiver]``: a close mic's own drum relative to the overheads (shape).
* ``room_colour_db``: median over room mics and drums of the room's shape re the overheads.
* ``ambient_db[kind]``: the kick re the snare in the overheads (mean of the two)
  and rooms (mean of three), minus the same in their close mics.
* ``tail_db[kind]``: energy after the first 50 ms of the snare hit re the first
  50 ms, mean over the mics of a kind.

``frankensnare`` (snares ``10_basic``, first piece set, on ``top``, ``btm``, stereo
``oh``): only ``own_vs_oh_db["top"]`` (the ``top`` mic) and the tails (close: ``top``
and ``btm``; overhead: both sides); the rest is taken from gogodze-phu-vol-ii.
The old recipe put every bleed 20 to 32 dB down, the same both ways, low-passed at
2 to 5 kHz; the real kit has bleed 4 to 19 dB down, 15 dB asymmetric between the
kick and snare mics (the snare mic hears the kick 4.3 dB under its snare, the kick
mic the snare 19.3 dB under its kick), and coloured by the receiving mic rather than
low-passed (the kick mic adds 10 dB at 63 Hz to all it hears, the snare mic 3 dB
at 8 kHz). Overheads hear the kick 1.3 dB less, rooms 3.9 dB more, relative to the
snare, than the close mics do.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

import numpy as np

from drumassist.learn.corpus.bleed_stats import BleedStatistics, HitRecordings

BANDS = 9  # bleed_stats.BANDS_HZ: 63 Hz to 16 kHz
#: Per-session error on every bleed path, dB (sd, clip).
BLEED_JITTER_DB = (1.5, 3.0)


@dataclass(frozen=True)
class Profile:
    """A kit's measured microphone behaviour (see the module docstring)."""

    kit: str
    bleed_db: dict[tuple[str, str], float] = field(default_factory=dict)
    colour_db: dict[tuple[str, str], tuple[float, ...]] = field(default_factory=dict)
    own_vs_oh_db: dict[str, tuple[float, ...]] = field(default_factory=dict)
    room_colour_db: tuple[float, ...] | None = None
    ambient_db: dict[str, float] = field(default_factory=dict)
    tail_db: dict[str, float] = field(default_factory=dict)


def drum_class(source: str, *, toms: int = 1) -> str:
    """A drum's class; toms (``tom0`` the highest, of ``toms``) by place: high, mid, low.

    With two toms or more, the highest is ``tom-high`` and the lowest (the floor tom)
    ``tom-low``; the others, and a single tom, are ``tom-mid``. ``crash`` and
    ``ride`` are ``cymbal``; other drums are themselves.
    """
    if source.startswith("tom"):
        index = int(source[3:] or 0)
        if toms >= 2 and index == 0:
            return "tom-high"
        return "tom-low" if toms >= 2 and index == toms - 1 else "tom-mid"
    return "cymbal" if source in ("crash", "ride", "cymbal") else source


def receiver_class(source: str) -> str:
    """The mic class of a close mic on ``source``."""
    return "kick" if source == "kick" else "top"


def _round(values: np.ndarray) -> tuple[float, ...]:
    return tuple(round(float(v), 1) for v in values)


def measure_profile(kit: str, rec: HitRecordings, stats: BleedStatistics) -> Profile:
    """The profile of one real kit from its statistics (the numbers of :data:`PROFILES`)."""
    profile = Profile(kit)
    receivers = {mic: receiver_class(drum) for mic, drum in rec.close.items()}
    for mic, receiver in receivers.items():
        others = [d for d in rec.hits if d != rec.close[mic]]
        toms = sum(d.startswith("tom") for d in rec.hits)
        by_class: dict[str, list[str]] = {}
        for drum in others:
            by_class.setdefault(drum_class(drum, toms=toms), []).append(drum)
        for cls, drums in by_class.items():
            values = [stats.bleed_db[(mic, d)] for d in drums]
            profile.bleed_db[(receiver, cls)] = round(statistics.median(values), 1)
            shapes = [stats.spectrum_db[(mic, d)] for d in drums]
            profile.colour_db[(receiver, cls)] = _round(np.median(shapes, axis=0))
        profile.own_vs_oh_db[receiver] = _round(stats.spectrum_db[(mic, rec.close[mic])])
    if rec.rooms:
        shapes = [stats.spectrum_db[(m, d)] for m in rec.rooms for d in rec.hits]
        profile = _with(profile, room_colour_db=_round(np.median(shapes, axis=0)))
    for kind, mics in (("overhead", rec.overheads), ("room", rec.rooms)):
        values = [stats.ambient_db[(m, "kick")] for m in mics if (m, "kick") in stats.ambient_db]
        if values:
            profile.ambient_db[kind] = round(float(np.mean(values)), 1)
    ambient = {*rec.overheads, *rec.rooms}
    tail_mics = {"close": [m for m in stats.tail_db if m not in ambient],
                 "overhead": list(rec.overheads), "room": list(rec.rooms)}  # fmt: skip
    for kind, mics in tail_mics.items():
        if mics:
            profile.tail_db[kind] = round(float(np.mean([stats.tail_db[m] for m in mics])), 1)
    return profile


def _with(profile: Profile, **changes: object) -> Profile:
    from dataclasses import replace

    return replace(profile, **changes)  # type: ignore[arg-type]


#: The measured profiles (measure_profile on ../shared/kits, 2026-12-01; printed by
#: scripts/measure_bleed.py, checked by tests/learn/test_corpus_calibration.py).
PROFILES: dict[str, Profile] = {
    "gogodze-phu-vol-ii": Profile(
        kit="gogodze-phu-vol-ii",
        bleed_db={
            ("kick", "snare"): -19.3, ("kick", "hi-hat"): -14.1, ("kick", "tom-high"): -14.6,
            ("kick", "tom-mid"): -8.1, ("kick", "tom-low"): -7.9,
            ("top", "kick"): -4.3, ("top", "hi-hat"): -13.1, ("top", "tom-high"): -12.4,
            ("top", "tom-mid"): -14.2, ("top", "tom-low"): -13.6,
        },
        colour_db={
            ("kick", "snare"): (5.9, 0.8, -0.8, -2.6, -5.9, -4.9, -0.8, 4.7, 3.6),
            ("kick", "hi-hat"): (10.7, 5.2, 1.1, -3.6, -8.0, -6.5, -2.7, 4.0, -0.3),
            ("kick", "tom-high"): (9.7, 5.7, -1.0, -2.2, -6.2, -5.3, -1.3, 0.8, -0.2),
            ("kick", "tom-mid"): (10.7, 10.8, -0.9, -5.0, -7.6, -4.4, -2.3, 0.4, -1.7),
            ("kick", "tom-low"): (8.3, 7.7, 4.7, -0.4, -10.4, -7.2, -3.4, -0.4, 1.0),
            ("top", "kick"): (-4.3, -5.5, -4.9, -6.0, -0.4, 0.4, 4.3, 9.7, 6.7),
            ("top", "hi-hat"): (20.6, 13.1, -3.4, -4.3, -3.1, -3.4, -3.8, -3.9, -11.7),
            ("top", "tom-high"): (15.9, 4.7, -0.7, -9.5, -7.8, -5.6, -1.4, 3.0, 1.3),
            ("top", "tom-mid"): (9.2, 2.2, -3.8, -3.7, -3.5, -2.7, -1.2, 2.8, 0.7),
            ("top", "tom-low"): (-0.1, -1.0, 0.7, -2.6, -8.1, -2.4, 0.9, 5.7, 6.8),
        },
        own_vs_oh_db={
            "kick": (16.9, -0.1, -6.4, -7.0, -6.2, -3.9, 0.1, 3.0, 3.6),
            "top": (-4.1, -5.3, -3.3, -3.3, -1.9, 0.9, 3.9, 8.3, 4.9),
        },
        room_colour_db=(1.9, 3.8, 0.8, -0.1, -0.8, -0.3, 0.3, -1.5, -6.0),
        ambient_db={"overhead": -1.3, "room": 3.9},
        tail_db={"close": -9.8, "overhead": -13.0, "room": -7.4},
    ),
    "frankensnare": Profile(
        kit="frankensnare",
        own_vs_oh_db={"top": (17.6, 8.3, 6.0, -0.3, -2.4, -5.8, -9.5, -7.9, -6.0)},
        tail_db={"close": -12.3, "overhead": -2.6},
    ),
}  # fmt: skip
#: What no real kit here measured, stated: a cymbal bleeds like the hi-hat; a top-head
#: mic (tom, hi-hat) hears the snare as the snare mic hears the toms.
DERIVED_BLEED = {"cymbal": "hi-hat", "snare": "tom-mid"}


def complete(profile: Profile, base: Profile) -> Profile:
    """``profile`` with what it lacks taken from ``base``."""
    from dataclasses import replace

    return replace(
        profile,
        bleed_db=profile.bleed_db or base.bleed_db,
        colour_db=profile.colour_db or base.colour_db,
        own_vs_oh_db={**base.own_vs_oh_db, **profile.own_vs_oh_db},
        room_colour_db=profile.room_colour_db or base.room_colour_db,
        ambient_db={**base.ambient_db, **profile.ambient_db},
        tail_db={**base.tail_db, **profile.tail_db},
    )


def session_profile(rng: np.random.Generator) -> Profile:
    """A session's mic behaviour: one of the measured kits (completed from gogodze)."""
    names = sorted(PROFILES)
    base = PROFILES["gogodze-phu-vol-ii"]
    return complete(PROFILES[names[int(rng.integers(len(names)))]], base)


def bleed_db(profile: Profile, receiver: str, drum: str) -> float:
    """Measured (or derived, :data:`DERIVED_BLEED`) bleed re own of ``drum`` in ``receiver``."""
    key = (receiver, drum)
    if key in profile.bleed_db:
        return profile.bleed_db[key]
    return profile.bleed_db[(receiver, DERIVED_BLEED.get(drum, "tom-mid"))]


def colour_db(profile: Profile, receiver: str, drum: str) -> np.ndarray:
    """Measured (or derived, as :func:`bleed_db`) colour of ``drum``'s bleed in ``receiver``."""
    key = (receiver, drum)
    if key not in profile.colour_db:
        key = (receiver, DERIVED_BLEED.get(drum, "tom-mid"))
    return np.asarray(profile.colour_db[key])


def oh_shape_db(profile: Profile, drum: str) -> np.ndarray:
    """How the overheads colour ``drum`` relative to its close (dry) sample."""
    if drum == "cymbal":
        return np.zeros(BANDS)
    return -np.asarray(profile.own_vs_oh_db[receiver_class(drum)])
