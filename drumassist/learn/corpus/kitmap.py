"""What each Hydrogen instrument is, which kits to use, and their recording groups.

An instrument name is read with :func:`drumassist.core.roles.parse_track_name`, then
refined into an :class:`Articulation` (``Hat Pedal``, ``Ride Bell``, ``Side Stick``).
Articulations of one physical drum share its microphone: the *source* (``kick``,
``snare``, ``hi-hat``, ``crash``, ``ride``, or one source per tom). Hand percussion,
cowbells, claps, effects, chokes and unnamed slots are not drum-kit instruments and
are left out.
"""

from __future__ import annotations

import enum
import re

from drumassist.core.roles import Role, parse_track_name


class Articulation(enum.StrEnum):
    KICK = "kick"
    SNARE = "snare"
    RIMSHOT = "rimshot"
    SIDESTICK = "sidestick"
    HAT_CLOSED = "hat_closed"
    HAT_OPEN = "hat_open"
    HAT_PEDAL = "hat_pedal"
    TOM = "tom"
    CRASH = "crash"
    SPLASH = "splash"
    CHINA = "china"
    RIDE = "ride"
    RIDE_BELL = "ride_bell"


#: The physical drum (and so the close mic) of each articulation; toms get one each.
SOURCE_OF: dict[Articulation, str] = {
    Articulation.KICK: "kick",
    Articulation.SNARE: "snare",
    Articulation.RIMSHOT: "snare",
    Articulation.SIDESTICK: "snare",
    Articulation.HAT_CLOSED: "hi-hat",
    Articulation.HAT_OPEN: "hi-hat",
    Articulation.HAT_PEDAL: "hi-hat",
    Articulation.TOM: "tom",
    Articulation.CRASH: "crash",
    Articulation.SPLASH: "crash",
    Articulation.CHINA: "crash",
    Articulation.RIDE: "ride",
    Articulation.RIDE_BELL: "ride",
}
CYMBAL_SOURCES = frozenset({"crash", "ride"})

#: What plays a note when the kit lacks its articulation, in order of preference.
FALLBACKS: dict[Articulation, tuple[Articulation, ...]] = {
    Articulation.RIMSHOT: (Articulation.SNARE,),
    Articulation.SIDESTICK: (Articulation.RIMSHOT, Articulation.SNARE),
    Articulation.HAT_CLOSED: (Articulation.HAT_PEDAL, Articulation.HAT_OPEN),
    Articulation.HAT_OPEN: (Articulation.HAT_CLOSED,),
    Articulation.HAT_PEDAL: (Articulation.HAT_CLOSED,),
    Articulation.CRASH: (Articulation.SPLASH, Articulation.CHINA, Articulation.RIDE),
    Articulation.SPLASH: (Articulation.CRASH, Articulation.CHINA),
    Articulation.CHINA: (Articulation.CRASH, Articulation.SPLASH),
    Articulation.RIDE: (Articulation.RIDE_BELL, Articulation.CRASH),
    Articulation.RIDE_BELL: (Articulation.RIDE, Articulation.CRASH),
}

_NOT_KIT = frozenset(
    [
        *("cowbell", "clap", "claps", "tambourine", "agogo", "conga", "congas", "bongo"),
        *("shaker", "clave", "woodblock", "maraca", "djembe", "cajon", "whistle", "zap", "fx"),
        *("snaps", "waterglass", "choke", "sample"),
    ]
)
_HAT_OPEN_WORDS = frozenset(["open", "opened", "op", "semi", "semiopen", "swish", "free"])
_HAT_PEDAL_WORDS = frozenset(["pedal", "pd", "foot"])
_ROLE_ARTICULATION = {
    Role.KICK: Articulation.KICK,
    Role.SNARE: Articulation.SNARE,
    Role.TOM: Articulation.TOM,
}
# Toms high to low: ENST and our layouts number them from the highest.
_TOM_RANK = {"high": 0, "rack": 1, None: 1, "mid": 2, "low": 3, "floor": 4}

# Recording groups: kits that share samples count as one (data.md).
_GROUPS = {
    "the black pearl 1.0": "black-pearl",
    "gmrockkit": "black-pearl",
    "black_pearl_4_lv2": "black-pearl",
    "red_zeppelin_4_lv2": "black-pearl",
    "millo-drums_v.1": "millo",
    "millo_multilayered2": "millo",
    "millo_multilayered3": "millo",
}
#: Kits in the Debian packages that are electronic or hand percussion, not drum kits.
NOT_ACOUSTIC = frozenset(
    name.lower()
    for name in (
        "TR808EmulationKit", "Audiophob", "ElectricEmpireKit", "HardElectro1", "VariBreaks",
        "Gimme A Hand 1.0", "circAfrique v4", "rumpf_kit_z01_h2", "rumpf_kit_z01_gm",
    )
)  # fmt: skip
#: Kits reserved for evaluation (data.md): never train on them or on their songs.
HELDOUT = frozenset({"colomboacousticdrumkit"})


def _words(name: str) -> list[str]:
    return re.findall(r"[a-z]+|[0-9]+", name.lower())


def classify(name: str) -> Articulation | None:
    """The articulation an instrument name gives, None for anything not a drum-kit piece."""
    words = _words(name)
    if not words or _NOT_KIT.intersection(words):
        return None
    if "stick" in words or ("rim" in words and "click" in words):
        return Articulation.SIDESTICK
    parsed = parse_track_name(name)
    if parsed.role == Role.SNARE and ("rimshot" in words or "rim" in words):
        return Articulation.RIMSHOT
    if parsed.role == Role.HIHAT:
        if _HAT_PEDAL_WORDS.intersection(words):
            return Articulation.HAT_PEDAL
        return (
            Articulation.HAT_OPEN
            if _HAT_OPEN_WORDS.intersection(words)
            else Articulation.HAT_CLOSED
        )
    if parsed.role == Role.CYMBAL or "bell" in words:
        return _cymbal(words)
    return _ROLE_ARTICULATION.get(parsed.role)


def _cymbal(words: list[str]) -> Articulation:
    first = next((w for w in words if w in ("crash", "ride", "splash", "china")), None)
    if first == "ride" or (first is None and ("bell" in words or "cup" in words)):
        return Articulation.RIDE_BELL if {"bell", "cup"}.intersection(words) else Articulation.RIDE
    if first == "splash":
        return Articulation.SPLASH
    return Articulation.CHINA if first == "china" else Articulation.CRASH


def tom_order_key(name: str, position: int) -> tuple[int, int, int]:
    """Sort key putting toms high to low: by position word, number, then kit order."""
    parsed = parse_track_name(name)
    return (_TOM_RANK.get(parsed.position, 1), parsed.index or 0, position)


def recording_group(kit_name: str, folder_name: str) -> str:
    """The recording group of a kit: shared-sample kits share one, others are their own."""
    for key in (kit_name.lower(), folder_name.lower()):
        if key in _GROUPS:
            return _GROUPS[key]
    slug = re.sub(r"[^a-z0-9]+", "-", folder_name.lower()).strip("-")
    return slug or "kit"


def is_acoustic(kit_name: str, folder_name: str) -> bool:
    """False for the packages' electronic and hand-percussion kits; unknown kits count."""
    return not {kit_name.lower(), folder_name.lower()} & NOT_ACOUSTIC


def is_heldout(kit_name: str, folder_name: str) -> bool:
    """True for kits reserved for evaluation."""
    return bool({kit_name.lower(), folder_name.lower()} & HELDOUT)
