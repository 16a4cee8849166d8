"""The eight ENST-Drums mic slots, and which track of a session fills each.

The published method learns one gain per slot. A session in another layout (two kick
mics, a snare bottom, four toms, a room pair) fills the slots it can and leaves the
rest of its tracks without a slot, so a slot-based model can still use it.
"""

from __future__ import annotations

from collections.abc import Sequence

from drumassist.core.roles import Role, TrackName, parse_track_name

#: The eight mic slots of ENST-Drums, in the order of the paper.
ENST_SLOTS: tuple[str, ...] = (
    "kick",
    "snare",
    "hi-hat",
    "overhead_L",
    "overhead_R",
    "tom_1",
    "tom_2",
    "tom_3",
)
_SINGLE_SLOTS = {Role.KICK: "kick", Role.SNARE: "snare", Role.HIHAT: "hi-hat"}
# A drum's primary close mic: none or "in"/"top" before "out"/"bottom"/"sub".
_POSITION_RANK = {None: 0, "in": 0, "top": 0, "close": 0, "mono": 0}
# Toms without a number, high to low (ENST tom_1 is the highest tom).
_TOM_RANK = {"high": 0, "rack": 1, None: 1, "mid": 2, "low": 3, "floor": 4}


def assign_slots(names: Sequence[str], roles: Sequence[Role] | None = None) -> list[str | None]:
    """The ENST slot of each track, None where it fills none.

    Parameters
    ----------
    names : sequence of str
        Track names, read with :func:`drumassist.core.roles.parse_track_name`; a name
        equal to a slot (``"tom_2"``) fills that slot.
    roles : sequence of Role, optional
        Roles that override those read from the names.

    Returns
    -------
    list of str or None
        Each slot is given at most once. Kick, snare and hi-hat go to the drum's
        primary mic: one with no position, ``in`` or ``top`` before ``out``,
        ``bottom`` or ``sub``, then the first in order. Overheads need a side. Toms go by their
        number (1 to 3); unnumbered toms fill the tom slots left, high to low by
        position (``high``/``rack``, ``mid``, ``low``/``floor``) and then by order.
    """
    parsed = [parse_track_name(name) for name in names]
    if roles is not None:
        parsed = [
            TrackName(role, p.side, p.index, p.position)
            for p, role in zip(parsed, roles, strict=True)
        ]
    slots: list[str | None] = [name if name in ENST_SLOTS else None for name in names]
    taken = {slot for slot in slots if slot is not None}
    for i, slot in _candidates(parsed, slots):
        if slot not in taken:
            slots[i] = slot
            taken.add(slot)
    return slots


def _candidates(parsed: list[TrackName], slots: list[str | None]) -> list[tuple[int, str]]:
    """(track, slot) proposals, best first within each slot."""
    free = [i for i, slot in enumerate(slots) if slot is None]
    out: list[tuple[int, str]] = []
    for role, slot in _SINGLE_SLOTS.items():
        mics = [i for i in free if parsed[i].role == role]
        mics.sort(key=lambda i: (_POSITION_RANK.get(parsed[i].position, 1), i))
        out += [(i, slot) for i in mics[:1]]
    for i in free:
        if parsed[i].role == Role.OVERHEAD and parsed[i].side is not None:
            out.append((i, f"overhead_{parsed[i].side}"))
    toms = [i for i in free if parsed[i].role == Role.TOM]
    numbered = [i for i in toms if parsed[i].index in (1, 2, 3)]
    out += [(i, f"tom_{parsed[i].index}") for i in numbered]
    # Unnumbered toms ("Floor Tom" beside "Rack Tom 1") fill the tom slots left, high to low.
    left = [f"tom_{n}" for n in (1, 2, 3) if n not in {parsed[i].index for i in numbered}]
    rest = sorted(
        (i for i in toms if parsed[i].index is None),
        key=lambda i: (_TOM_RANK.get(parsed[i].position, 1), i),
    )
    out += list(zip(rest, left, strict=False))
    return out
