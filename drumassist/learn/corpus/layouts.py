"""Which mics a rendered session has, and what the tracks are called.

About half of the sessions use the ENST-Drums layout: ``kick``, ``snare``,
``hi-hat``, ``overhead_L``, ``overhead_R`` and ``tom_1``.. ``tom_3`` (as many toms
as the kit has, up to three). The others vary, so that a model learns beyond one
layout: one kick mic or two (in and out), one snare mic or two (top and bottom), one
to four toms, the overhead pair, a room pair half of the time and, on a kit with a ride, a
ride close mic a third of the time, named in one of
three styles engineers use (``Kick In``; ``BD In``; ``01 Kick In``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from drumassist.learn.corpus.mics import Mic

ENST_LAYOUT = "enst"
VARIED_LAYOUT = "varied"
#: Varied layouts of a kit with a ride that give it a close mic (engineers mike the
#: ride often, the crashes seldom: they are what the overheads are for).
RIDE_SHARE = 0.35

# Track names per naming style, by mic key. Toms are named by build_layout.
_STYLES: dict[str, dict[str, str]] = {
    "plain": {
        "kick": "Kick", "kick_in": "Kick In", "kick_out": "Kick Out", "snare": "Snare",
        "snare_top": "Snare Top", "snare_bottom": "Snare Bottom", "hihat": "Hi-Hat",
        "oh_l": "OH L", "oh_r": "OH R", "room_l": "Room L", "room_r": "Room R", "ride": "Ride",
    },
    "short": {
        "kick": "BD", "kick_in": "BD In", "kick_out": "BD Out", "snare": "SN",
        "snare_top": "SN Top", "snare_bottom": "SN Btm", "hihat": "HH",
        "oh_l": "OHL", "oh_r": "OHR", "room_l": "Amb L", "room_r": "Amb R", "ride": "Ride",
    },
    "studio": {
        "kick": "Kick", "kick_in": "Kick In", "kick_out": "Kick Out", "snare": "Snare",
        "snare_top": "Snare Top", "snare_bottom": "Snare Bottom", "hihat": "Hat",
        "oh_l": "Overhead L", "oh_r": "Overhead R", "room_l": "Room L", "room_r": "Room R",
        "ride": "Ride Cymbal",
    },
}  # fmt: skip
_MIC_OF_KEY: dict[str, tuple[str, str | None, str | None, str | None]] = {
    # key: (kind, source, variant, place)
    "kick": ("close", "kick", None, None),
    "kick_in": ("close", "kick", "in", None),
    "kick_out": ("close", "kick", "out", None),
    "snare": ("close", "snare", None, None),
    "snare_top": ("close", "snare", "top", None),
    "snare_bottom": ("close", "snare", "bottom", None),
    "hihat": ("close", "hi-hat", None, None),
    "ride": ("close", "ride", None, None),
    "oh_l": ("overhead", None, None, "overhead_L"),
    "oh_r": ("overhead", None, None, "overhead_R"),
    "room_l": ("room", None, None, "room_L"),
    "room_r": ("room", None, None, "room_R"),
}
_ENST_NAMES = {"kick": "kick", "snare": "snare", "hihat": "hi-hat", "oh_l": "overhead_L",
               "oh_r": "overhead_R"}  # fmt: skip
_SLOT_OF_KEY = {"kick": "kick", "kick_in": "kick", "snare": "snare", "snare_top": "snare",
                "hihat": "hi-hat", "oh_l": "overhead_L", "oh_r": "overhead_R"}  # fmt: skip


@dataclass(frozen=True)
class Layout:
    """The mics of a session, their ENST slots (None for none), and the layout kind."""

    kind: str
    mics: tuple[Mic, ...]
    slots: tuple[str | None, ...]


def build_layout(
    rng: np.random.Generator, *, kit_toms: int, has_hihat: bool, enst: bool, has_ride: bool = False
) -> tuple[Layout, list[int]]:
    """A session's mics, and which of the kit's toms (indices, highest first) are miked.

    A varied layout of a kit with a ride cymbal has a ride close mic in :data:`RIDE_SHARE`
    of the sessions (drawn last, so the rest of the layout is as without it).
    """
    if enst:
        toms = list(range(min(kit_toms, 3)))
        keys = ["kick", "snare", *(["hihat"] if has_hihat else []), "oh_l", "oh_r"]
        named = [(key, _ENST_NAMES[key]) for key in keys]
        named += [(f"tom{i}", f"tom_{i + 1}") for i in range(len(toms))]
        return _layout(ENST_LAYOUT, named), toms
    count = int(rng.integers(1, min(kit_toms, 4) + 1)) if kit_toms else 0
    toms = sorted(int(i) for i in rng.choice(kit_toms, count, replace=False)) if count else []
    keys = ["kick_in", "kick_out"] if rng.random() < 0.4 else ["kick"]
    keys += ["snare_top", "snare_bottom"] if rng.random() < 0.4 else ["snare"]
    keys += ["hihat"] if has_hihat else []
    style = str(rng.choice(sorted(_STYLES)))
    named = [(key, _STYLES[style][key]) for key in keys]
    named += [(f"tom{i}", name) for i, name in enumerate(_tom_names(style, len(toms)))]
    named += [(key, _STYLES[style][key]) for key in ("oh_l", "oh_r")]
    if rng.random() < 0.5:
        named += [(key, _STYLES[style][key]) for key in ("room_l", "room_r")]
    if has_ride and rng.random() < RIDE_SHARE:
        named.insert(len(keys), ("ride", _STYLES[style]["ride"]))  # after the hi-hat
    if style == "studio":
        named = [(key, f"{n + 1:02d} {name}") for n, (key, name) in enumerate(named)]
    return _layout(VARIED_LAYOUT, named), toms


def _tom_names(style: str, count: int) -> list[str]:
    if style == "short":
        return [f"T{i + 1}" for i in range(count)]
    if style == "studio" and count >= 2:
        return [f"Rack Tom {i + 1}" for i in range(count - 1)] + ["Floor Tom"]
    return [f"Tom {i + 1}" for i in range(count)]


def _layout(kind: str, named: list[tuple[str, str]]) -> Layout:
    mics, slots = [], []
    for key, name in named:
        if key.startswith("tom"):
            index = int(key[3:])
            mics.append(Mic(name, "close", f"tom{index}"))
            slots.append(f"tom_{index + 1}" if index < 3 else None)
            continue
        kind_, source, variant, place = _MIC_OF_KEY[key]
        mics.append(Mic(name, kind_, source, variant, place))
        slots.append(_SLOT_OF_KEY.get(key))
    return Layout(kind, tuple(mics), tuple(slots))
