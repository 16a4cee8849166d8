"""Which drum each track is, from its name.

Engineers name drum tracks in many ways: ``03_Snare Top.wav``, ``OHL``, ``Bass Drum``,
``tom_1``, ``Grosse caisse``. :func:`parse_track_name` reads such a name into a
:class:`TrackName` (role, side, drum number, mic position). It matches whole *words*,
never raw substrings, so ``Snake`` is not a snare, ``Hatch`` is not a hi-hat and
``Ohm`` is not an overhead.

How a name is read
------------------
1. Folders and known audio or sidecar extensions are dropped (``Drums/Kick.wav`` is read
   as ``Kick``). ``OH.L`` keeps its ``L`` because ``L`` is not an audio extension.
2. Copy and take counters are dropped: bracketed numbers anywhere (``(01) Kick``,
   ``Kick (2)``) and a trailing ``_01``, ``#01`` or ``-001`` of two or more digits (Pro
   Tools, Logic, Reaper). So ``tom_1`` is tom 1, but ``Tom_01`` is a tom with no index.
3. The rest is split into words at separators, case changes and digits (``SnareTop`` is
   ``snare top``, ``overheadL`` is ``overhead l``, ``Tom3`` is ``tom 3``), then lower-cased
   with accents removed. Letters outside Latin script act as separators.
4. A word missing from the tables that is made entirely of table words is split into them
   (``SNARETOP``, ``subkick``, ``ohl``), so upper- or lower-casing a camelCase name does
   not change its reading. To keep ordinary words whole, the split must hold exactly one
   role word (``override`` is not ``over ride``) or one two-word phrase (``bassdrum``), a
   side word may only come last (``Lover``), and a two-letter abbreviation may only be
   followed by a side (``ohl`` is overhead left, but ``Snout`` and ``Loft`` are other).
   ``Kickback`` cannot be split at all and is other.
5. Words and two-word phrases (``bass drum``, ``hi hat``, ``caisse claire``) are looked
   up in the tables of :mod:`drumassist.core.rolewords`. To add a spelling, add it to
   one line there; a word listed under two keys fails at import.

Which role wins
---------------
- A close-mic word (kick, snare, hi-hat, tom, cymbal) beats an overhead word, which beats
  a room word. So ``Kick Room`` and ``Snare Room`` count as close mics named after their
  drum, and ``OH Room`` counts as overhead. Among equal words, the first one wins.
- ``floor`` and ``rack`` mean tom, and ``far`` means room, only when no other role word is
  present (``Floor 2`` is tom 2, ``Room Floor`` is room, ``Kick Far`` is kick).
- ``T`` is a tom only right before a number (``T1``). ``Bass`` alone is a bass guitar
  (other), but ``Bass Drum`` is a kick. ``Sub`` alone is other, but ``Sub Kick`` is a kick.
- ``Cymbal``, ``Ride``, ``Crash``, ``China`` and ``Splash`` are cymbal spot mics. The
  plurals ``Cymbals`` and ``Cyms`` name a stereo pair over the kit, so they count as
  overhead.
- ``Timbal`` (Spanish) is a tom. The plural ``Timbales`` stays other, because in English
  sessions it is the Latin percussion instrument.

Side, index and position
------------------------
- side: ``"L"`` or ``"R"`` from ``L``, ``Left``, ``SX``, ``gauche``, ... It is None when
  the name gives no side, or gives both.
- index: a number of one or two digits right after the winning role word. Position and
  side words in between are skipped (``Rack Tom 1``, ``tom_2``, ``T3``, ``FloorTom 2``,
  ``Kick In 2``). A numbered prefix (``03_``) comes before the role word, so it is never
  an index.
- position: the first position word, normalised (``Btm`` gives ``"bottom"``, ``FT`` gives
  ``"floor"``, ``Hi Tom`` gives ``"high"``). The ``hi`` of ``hi hat`` is not a position.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from drumassist.core.latin import latin_letters
from drumassist.core.rolewords import (
    FILE_EXTENSIONS,
    MIX_WORDS,
    NON_DRUM_WORDS,
    NUMBERED_ROLE_WORDS,
    POSITION_WORDS,
    ROLE_PHRASES,
    ROLE_WORDS,
    SEPARATE_POSITION_WORDS,
    SIDE_WORDS,
    WEAK_ROLE_WORDS,
)

_Key = TypeVar("_Key")


class Role(enum.StrEnum):
    """What a drum track is: the drum a close mic is on, or the kind of ambient mic."""

    KICK = "kick"
    SNARE = "snare"
    HIHAT = "hi-hat"
    TOM = "tom"
    CYMBAL = "cymbal"
    OVERHEAD = "overhead"
    ROOM = "room"
    OTHER = "other"


@dataclass(frozen=True)
class TrackName:
    """What a track name says about the track.

    Attributes
    ----------
    role : Role
        The drum or kind of mic, :attr:`Role.OTHER` if the name names none.
    side : str or None
        ``"L"`` or ``"R"`` where the name says left or right.
    index : int or None
        The drum number where given (``Rack Tom 1`` gives 1), never a numbered prefix.
    position : str or None
        A normalised mic position or drum detail, such as ``"in"``, ``"top"`` or
        ``"floor"``.
    """

    role: Role
    side: str | None
    index: int | None
    position: str | None


# A run of capitals is a word ("OHL"), except its last capital when a lower-case word
# follows ("OHSnare"); a plural "s" stays on its acronym ("OHs", "HHs 2"), and goes when
# the plural is no word the tables know ("SNRs" is "snr").
_WORD_RE = re.compile(r"(?P<plural>[A-Z]{2,}s(?![a-z]))|[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_BRACKETED_NUMBER_RE = re.compile(r"[(\[]\s*[0-9]+\s*[)\]]")
_TAKE_COUNTER_RE = re.compile(r"[-_#][0-9]{2,}(?:[-_][0-9]+)*\s*$")
_MAX_COMPOUND_CHARS = 40
_MAX_INDEX_DIGITS = 2
_SHORT_ABBREVIATION_CHARS = 2
_CLOSE_RANK, _OVERHEAD_RANK, _ROOM_RANK, _WEAK_RANK = range(4)


def _invert(table: Mapping[_Key, str], *, separator: str | None = None) -> dict[str, _Key]:
    """Map each alias in ``table`` to its key, refusing an alias listed under two keys."""
    inverted: dict[str, _Key] = {}
    for key, aliases in table.items():
        for alias in (" ".join(alias.split()) for alias in aliases.split(separator)):
            if alias in inverted:
                raise ValueError(f"{alias!r} is listed under {inverted[alias]!r} and {key!r}")
            inverted[alias] = key
    return inverted


def _by_role(table: Mapping[str, str]) -> dict[Role, str]:
    return {Role(value): words for value, words in table.items()}


_ROLE_OF_WORD = _invert(_by_role(ROLE_WORDS))
_ROLE_OF_PHRASE = _invert(_by_role(ROLE_PHRASES), separator=",")
_WEAK_ROLE_OF_WORD = _invert(_by_role(WEAK_ROLE_WORDS))
_NUMBERED_ROLE_OF_WORD = _invert(_by_role(NUMBERED_ROLE_WORDS))
_POSITION_OF_WORD = _invert(POSITION_WORDS)
_SIDE_OF_WORD = _invert(SIDE_WORDS)
_invert({"close": " ".join(_ROLE_OF_WORD), "weak": " ".join(_WEAK_ROLE_OF_WORD)})

_PHRASE_WORDS = frozenset(word for phrase in _ROLE_OF_PHRASE for word in phrase.split())
_ROLE_PIECES = frozenset(_ROLE_OF_WORD) | _WEAK_ROLE_OF_WORD.keys() | _PHRASE_WORDS
_COMPOUND_PIECES = (
    _ROLE_PIECES | (_POSITION_OF_WORD.keys() - SEPARATE_POSITION_WORDS) | _SIDE_OF_WORD.keys()
)
_LONGEST_PIECE = max(map(len, _COMPOUND_PIECES))


class _Hit(NamedTuple):
    """Words ``words[start:end]`` name ``role``; lower ``rank`` wins."""

    rank: int
    start: int
    end: int
    role: Role


def _base_name(name: str) -> str:
    """Drop folders, known extensions and take or copy counters."""
    parts = [part for part in re.split(r"[\\/]", name) if part.strip()]
    base = parts[-1] if parts else ""
    while True:
        stem, dot, extension = base.rpartition(".")
        if not (dot and stem and extension.strip().lower() in FILE_EXTENSIONS):
            break
        base = stem
    base = _BRACKETED_NUMBER_RE.sub(" ", base).rstrip()
    return _TAKE_COUNTER_RE.sub("", base)


def _words(text: str) -> list[str]:
    """Split ``text`` into lower-case ASCII words at separators, case changes and digits."""
    text = latin_letters(text)
    decomposed = unicodedata.normalize("NFKD", text.replace("ß", "ss").replace("ẞ", "SS"))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    words = []
    for match in _WORD_RE.finditer(plain):
        word = match.group().lower()
        if match.group("plural") and not _is_table_word(word):
            word = word[:-1]
        words.append(word)
    return words


def _is_table_word(word: str) -> bool:
    """True for a word of the tables, or one that splits into them ("ohls" does not)."""
    return word in _COMPOUND_PIECES or _split_compound(word) != [word]


def _split_compound(word: str) -> list[str]:
    """Split ``word`` into the fewest table words, or return it whole if it cannot be."""
    if word in _COMPOUND_PIECES or len(word) > _MAX_COMPOUND_CHARS:
        return [word]
    size = len(word)
    # best[i] is the shortest split of word[i:] into table words, None if there is none.
    best: list[list[str] | None] = [None] * (size + 1)
    best[size] = []
    for start in range(size - 1, -1, -1):
        for stop in range(min(size, start + _LONGEST_PIECE), start, -1):
            piece, rest = word[start:stop], best[stop]
            if rest is None or piece not in _COMPOUND_PIECES:
                continue
            if piece in _SIDE_OF_WORD and stop != size:
                continue  # "lover" and "rover" are not left or right overheads
            current = best[start]
            if current is None or len(rest) + 1 < len(current):
                best[start] = [piece, *rest]
    pieces = best[0]
    return pieces if pieces is not None and _is_plausible_compound(pieces) else [word]


def _is_plausible_compound(pieces: list[str]) -> bool:
    """Tell whether a split reads as one drum name rather than an unrelated word.

    It needs a role word, at most one close, overhead or room word ("override" is not
    "over ride"), and a role word of two letters only followed by a side ("ohl", but
    not "snout" or "loft").
    """
    roles = [piece for piece in pieces if piece in _ROLE_OF_WORD]
    if len(roles) > 1 or _ROLE_PIECES.isdisjoint(pieces):
        return False
    short = [role for role in roles if len(role) <= _SHORT_ABBREVIATION_CHARS]
    return not short or (len(pieces) == 2 and pieces[0] in short and pieces[1] in _SIDE_OF_WORD)


def _role_hits(words: list[str]) -> tuple[list[_Hit], set[int]]:
    """Find every role word and phrase, and the word indices that phrases take up."""
    ranks = {Role.OVERHEAD: _OVERHEAD_RANK, Role.ROOM: _ROOM_RANK}
    hits: list[_Hit] = []
    in_phrases: set[int] = set()
    start = 0
    while start < len(words):
        word, following = words[start], words[start + 1 : start + 2]
        phrase_role = _ROLE_OF_PHRASE.get(f"{word} {following[0]}") if following else None
        if phrase_role is not None:
            hits.append(_Hit(ranks.get(phrase_role, _CLOSE_RANK), start, start + 2, phrase_role))
            in_phrases.update((start, start + 1))
            start += 2
            continue
        if word in _ROLE_OF_WORD:
            role = _ROLE_OF_WORD[word]
            hits.append(_Hit(ranks.get(role, _CLOSE_RANK), start, start + 1, role))
        elif word in _WEAK_ROLE_OF_WORD:
            hits.append(_Hit(_WEAK_RANK, start, start + 1, _WEAK_ROLE_OF_WORD[word]))
        elif word in _NUMBERED_ROLE_OF_WORD and following and following[0].isdigit():
            hits.append(_Hit(_CLOSE_RANK, start, start + 1, _NUMBERED_ROLE_OF_WORD[word]))
        start += 1
    return hits, in_phrases


def _index_after(words: list[str], end: int) -> int | None:
    """Return the drum number right after ``words[:end]``, past position and side words."""
    for word in words[end:]:
        if word in _POSITION_OF_WORD or word in _SIDE_OF_WORD:
            continue
        if word.isdigit() and len(word) <= _MAX_INDEX_DIGITS:
            return int(word)
        return None
    return None


def _side(words: list[str], skip: set[int]) -> str | None:
    """Return the one side the words name, or None for no side or both sides."""
    sides = {
        _SIDE_OF_WORD[word]
        for number, word in enumerate(words)
        if number not in skip and word in _SIDE_OF_WORD
    }
    return sides.pop() if len(sides) == 1 else None


def _position(words: list[str], skip: set[int]) -> str | None:
    """Return the normalised form of the first position word outside phrases."""
    for number, word in enumerate(words):
        if number not in skip and word in _POSITION_OF_WORD:
            return _POSITION_OF_WORD[word]
    return None


def parse_track_name(name: str) -> TrackName:
    """Read the role, side, drum number and mic position from a track or file name.

    Parameters
    ----------
    name : str
        A track name or a file path such as ``"Drums/03_Rack Tom 1_01.wav"``. Folders,
        audio extensions, numbered prefixes and take counters are ignored.

    Returns
    -------
    TrackName
        Role :attr:`Role.OTHER` (with no index) when no drum word is found. The module
        docstring gives the rules.

    Examples
    --------
    >>> parse_track_name("03_Rack Tom 1.wav")
    TrackName(role=<Role.TOM: 'tom'>, side=None, index=1, position='rack')
    >>> parse_track_name("overheadL").side
    'L'
    """
    words = [piece for word in _words(_base_name(name)) for piece in _split_compound(word)]
    hits, in_phrases = _role_hits(words)
    role, index = Role.OTHER, None
    if hits:
        best = min(hits)
        role, index = best.role, _index_after(words, best.end)
    return TrackName(
        role=role,
        side=_side(words, in_phrases),
        index=index,
        position=_position(words, in_phrases),
    )


def role_from_name(name: str) -> Role:
    """Return the role a track or file name gives, :attr:`Role.OTHER` if none.

    Parameters
    ----------
    name : str
        A track name or file path; see :func:`parse_track_name`.

    Returns
    -------
    Role
        ``parse_track_name(name).role``.
    """
    return parse_track_name(name).role


def names_a_mix(name: str) -> bool:
    """True when ``name`` (a file name) names a whole mix, not a mic: a word of
    :data:`~drumassist.core.rolewords.MIX_WORDS` and no role ("Drums Mix", "mixdown",
    "Song - Bounce 2"; not "Kick Mix" or "Remix")."""
    words = _words(_base_name(name))
    return any(w in MIX_WORDS for w in words) and role_from_name(name) is Role.OTHER


def non_drum_word(name: str) -> str | None:
    """The word of :data:`~drumassist.core.rolewords.NON_DRUM_WORDS` by which ``name``
    (a file name) names a track other than a drum mic, if it has no role ("Click",
    "Talkback", "Bass DI", "Gtr L"; not "Snare Click" or "Bass Drum"); else None."""
    if role_from_name(name) is not Role.OTHER:
        return None
    return next((w for w in _words(_base_name(name)) if w in NON_DRUM_WORDS), None)


def role_from_string(text: str) -> Role:
    """Parse a role as a user or a JSON file writes it.

    Parameters
    ----------
    text : str
        A role value or name in any case and with any separators (``"kick"``,
        ``"Hi-Hat"``, ``"HIHAT"``) or one alias word or phrase (``"hh"``, ``"OH"``,
        ``"bass drum"``).

    Returns
    -------
    Role
        The role ``text`` names.

    Raises
    ------
    ValueError
        If ``text`` names no role. The message lists the valid roles.
    """
    words = _words(text) if isinstance(text, str) else []
    joined = "".join(words)
    for role in Role:
        if joined in ("".join(_words(role.value)), role.name.lower()):
            return role
    role_of_text: Role | None = None
    if len(words) == 1:
        role_of_text = _ROLE_OF_WORD.get(joined, _WEAK_ROLE_OF_WORD.get(joined))
    elif len(words) == 2:
        role_of_text = _ROLE_OF_PHRASE.get(" ".join(words))
    if role_of_text is None:
        valid = ", ".join(role.value for role in Role)
        raise ValueError(
            f"unknown drum role {text!r}: expected one of {valid}, "
            "or a common alias such as 'hh', 'OH', 'BD' or 'bass drum'"
        )
    return role_of_text
