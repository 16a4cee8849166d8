"""The state of an open mix without Qt: strips, what is heard, B matched to A, the
strip order, the stems a session names but that are missing, and sessions.

The window's document (``ui/document.py``) is an undo-stack shell over
:class:`MixState`; everything here is plain data and numpy, tested without Qt.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from drumassist.core.mixloudness import MixLoudness
from drumassist.core.multitrack import Multitrack, Track
from drumassist.core.roles import Role, parse_track_name
from drumassist.core.session import Session, SuggestionState, TrackState
from drumassist.core.sessionpaths import Place

#: Strips are laid out in this order of roles, then by name.
ROLE_ORDER: tuple[Role, ...] = (
    Role.KICK,
    Role.SNARE,
    Role.HIHAT,
    Role.TOM,
    Role.CYMBAL,
    Role.OVERHEAD,
    Role.ROOM,
    Role.OTHER,
)


@dataclass(frozen=True)
class Strip:
    """One track's controls."""

    gain_db: float = 0.0
    pan: float = 0.0
    mute: bool = False
    solo: bool = False
    role: Role = Role.OTHER
    invert: bool = False  # polarity inverted, in A and in B alike


@dataclass(frozen=True)
class Balance:
    """A suggested balance, one value per track of the multitrack, in its order."""

    method: str
    gains_db: tuple[float, ...]
    low_db: tuple[float, ...]
    high_db: tuple[float, ...]
    #: Marks the suggestion made, by track name: a polarity flip (with its reason) and
    #: only bleed. Kept in a saved session so they show again when it is reopened.
    polarity_flips: tuple[tuple[str, str], ...] = ()
    bleed_only: tuple[str, ...] = ()


#: The two mono mics of an overhead or room pair start panned to their sides by this
#: much, as an engineer spreads a spaced pair: 80 %, a wide image that still feeds the
#: centre. The window's strips and the quickstart mix start this way.
SIDE_PAN = 0.8
#: The two halves of a split stereo file (Pro Tools' ``Overheads.L`` / ``Overheads.R``)
#: are one recording's channels: they go back to their own sides in full.
SPLIT_STEREO_SUFFIXES = {".L": -1.0, ".R": 1.0}
_SPREAD_ROLES = (Role.OVERHEAD, Role.ROOM)


def starting_pans(tracks: Sequence[Track]) -> list[float]:
    """The pan each track starts at, in order: centre, but for a pair.

    A mono overhead or room mic named left or right (``OH L``, ``overhead_R``, ``Room
    Left``) whose other side is also there starts at -/+ :data:`SIDE_PAN`, the halves
    of a split stereo file at -/+1. A lone side, a stereo track (it carries its own
    image) and every other role (a ``Kick R`` is no pair) start at the centre.
    """
    sides = [_pair_side(t) for t in tracks]
    present = {(t.role, side) for t, side in zip(tracks, sides, strict=True) if side}
    pans = []
    for track, side in zip(tracks, sides, strict=True):
        other = "R" if side == "L" else "L"
        if side is None or (track.role, other) not in present:
            pans.append(0.0)
        elif track.name[-2:] in SPLIT_STEREO_SUFFIXES:
            pans.append(SPLIT_STEREO_SUFFIXES[track.name[-2:]])
        else:
            pans.append(-SIDE_PAN if side == "L" else SIDE_PAN)
    return pans


def _pair_side(track: Track) -> str | None:
    """``"L"`` or ``"R"`` for a mono overhead or room mic named with a side, else None."""
    if track.channels != 1 or track.role not in _SPREAD_ROLES:
        return None
    return parse_track_name(track.name).side


def role_order_key(name: str, role: Role) -> tuple[int, str, str]:
    """Sort key of a strip: role (:data:`ROLE_ORDER`), then name, case-insensitively."""
    return (ROLE_ORDER.index(role), name.casefold(), name)


def moved(order: list[str], name: str, to_index: int) -> list[str]:
    """``order`` with ``name`` taken out and put back at ``to_index`` (clamped)."""
    after = [n for n in order if n != name]
    after.insert(max(0, min(to_index, len(after))), name)
    return after


def audible(strips: Sequence[Strip | TrackState]) -> np.ndarray:
    """Which tracks sound: not muted, and soloed when any track is soloed (the window's
    strips, or a saved session's)."""
    any_solo = any(s.solo for s in strips)
    return np.array([(s.solo if any_solo else True) and not s.mute for s in strips], dtype=bool)


def matched_gains(
    meter: MixLoudness,
    gains_a_db: np.ndarray,
    gains_b_db: np.ndarray,
    *,
    pans: np.ndarray,
    audible_tracks: np.ndarray,
    inverted: np.ndarray | None = None,
) -> np.ndarray:
    """``gains_b_db`` shifted so that B's stereo mix is as loud as A's (what is heard).

    When either mix is silent there is nothing to match and B is returned unchanged.
    """
    offset = matched_offset_db(
        meter, gains_a_db, gains_b_db, pans=pans, audible_tracks=audible_tracks, inverted=inverted
    )
    return np.asarray(gains_b_db, dtype=float) + offset


def matched_offset_db(
    meter: MixLoudness,
    gains_a_db: np.ndarray,
    gains_b_db: np.ndarray,
    *,
    pans: np.ndarray,
    audible_tracks: np.ndarray,
    inverted: np.ndarray | None = None,
) -> float:
    """The level that makes B's stereo mix as loud as A's over ``audible_tracks`` (0 when
    either mix is silent: nothing to match)."""
    mutes = ~audible_tracks
    loud_a = meter.loudness(gains_a_db, pans=pans, mutes=mutes, stereo=True, inverted=inverted)
    loud_b = meter.loudness(gains_b_db, pans=pans, mutes=mutes, stereo=True, inverted=inverted)
    return loud_a - loud_b if math.isfinite(loud_a) and math.isfinite(loud_b) else 0.0


class MixState:
    """Strips of the loaded tracks, the suggestion as B, the strip order, missing stems.

    ``order`` lists every strip by track name, loaded and missing, left to right.
    ``missing`` keeps a session's tracks whose files were not found, with all their
    settings, so saving writes them back unchanged.
    """

    def __init__(self, multitrack: Multitrack, meter: MixLoudness) -> None:
        self.multitrack = multitrack
        self.meter = meter
        self.strips = [
            Strip(role=t.role, pan=pan)
            for t, pan in zip(multitrack.tracks, starting_pans(multitrack.tracks), strict=True)
        ]
        self.balance: Balance | None = None
        self.missing: dict[str, TrackState] = {}
        #: The reference mix last loaded, saved with the session (kept if it is missing).
        self.reference: Place | None = None
        # A missing track's part of the session's suggestion, kept while it is shown.
        self._kept_suggestion: SuggestionState | None = None
        self.order = sorted(multitrack.names, key=lambda n: role_order_key(n, self._role(n)))
        self._matched: tuple[object, np.ndarray] | None = None

    def _role(self, name: str) -> Role:
        if name in self.missing:
            return self.missing[name].role
        return self.strips[self.multitrack.index(name)].role

    # -- what is heard ---------------------------------------------------------------------

    def audible(self) -> np.ndarray:
        """Which loaded tracks sound (see :func:`audible`)."""
        return audible(self.strips)

    def gains_a(self) -> np.ndarray:
        """The faders, dB, in the multitrack's order."""
        return np.array([s.gain_db for s in self.strips], dtype=float)

    def pans(self) -> np.ndarray:
        """The pans, -1 to +1, in the multitrack's order."""
        return np.array([s.pan for s in self.strips], dtype=float)

    def inverted(self) -> np.ndarray:
        """Which tracks play with their polarity inverted, in the multitrack's order."""
        return np.array([s.invert for s in self.strips], dtype=bool)

    def gains_b(self) -> np.ndarray | None:
        """The suggestion loudness-matched to A (None without one); cached per state."""
        if self.balance is None:
            return None
        key = (tuple(self.strips), self.balance)
        if self._matched is not None and self._matched[0] == key:
            return self._matched[1]
        gains = matched_gains(
            self.meter,
            self.gains_a(),
            np.array(self.balance.gains_db, dtype=float),
            pans=self.pans(),
            audible_tracks=self.audible(),
            inverted=self.inverted(),
        )
        self._matched = (key, gains)
        return gains

    def b_offset_db(self) -> float:
        """The level that puts the suggestion at the loudness of the user's faders (0
        without one): where the window marks it and where Apply puts the faders.

        Matched over the unmuted tracks, solo or not (a solo is for listening: it must
        not move the marks, nor what Apply sets); with every track muted, over all of
        them, so Apply still keeps the level the faders have.
        """
        if self.balance is None:
            return 0.0
        unmuted = np.array([not s.mute for s in self.strips])
        return matched_offset_db(
            self.meter,
            self.gains_a(),
            np.array(self.balance.gains_db, dtype=float),
            pans=self.pans(),
            audible_tracks=unmuted if unmuted.any() else ~unmuted,
            inverted=self.inverted(),
        )

    def suggestion_at_a(self) -> np.ndarray | None:
        """The suggestion moved by :meth:`b_offset_db` (None without one)."""
        if self.balance is None:
            return None
        return np.array(self.balance.gains_db, dtype=float) + self.b_offset_db()

    def heard_loudness_lufs(self, *, use_b: bool) -> float:
        """Integrated loudness of the stereo mix heard as A, or as B when ``use_b``."""
        gains_b = self.gains_b() if use_b else None
        gains = self.gains_a() if gains_b is None else gains_b
        return self.meter.loudness(
            gains, pans=self.pans(), mutes=~self.audible(), stereo=True, inverted=self.inverted()
        )

    # -- sessions --------------------------------------------------------------------------

    def to_session(self) -> Session:
        """The session to save: every strip in order, the missing ones unchanged."""
        by_name = {t.name: i for i, t in enumerate(self.multitrack.tracks)}
        tracks = tuple(
            self.missing[name] if name in self.missing else self._track_state(by_name[name])
            for name in self.order
        )
        return Session(tracks, self._suggestion_state(), self.reference)

    def _track_state(self, index: int) -> TrackState:
        track, strip = self.multitrack.tracks[index], self.strips[index]
        return TrackState(
            path=track.path or Path(track.name),
            name=track.name,
            role=strip.role,
            gain_db=strip.gain_db,
            pan=strip.pan,
            mute=strip.mute,
            solo=strip.solo,
            invert=strip.invert,
        )

    def _suggestion_state(self) -> SuggestionState | None:
        if self.balance is None:
            return None
        names = self.multitrack.names
        state = SuggestionState(
            method=self.balance.method,
            gains_db=dict(zip(names, self.balance.gains_db, strict=True)),
            low_db=dict(zip(names, self.balance.low_db, strict=True)),
            high_db=dict(zip(names, self.balance.high_db, strict=True)),
            polarity_flips=dict(self.balance.polarity_flips),
            bleed_only=self.balance.bleed_only,
        )
        kept = self._kept_suggestion
        if kept is None or kept.method != self.balance.method:
            return state
        for name in self.missing:
            for mine, theirs in (
                (state.gains_db, kept.gains_db),
                (state.low_db, kept.low_db),
                (state.high_db, kept.high_db),
            ):
                if name in theirs:
                    mine[name] = theirs[name]
            if name in kept.polarity_flips:
                state.polarity_flips[name] = kept.polarity_flips[name]
        kept_bleed = tuple(n for n in kept.bleed_only if n in self.missing)
        return replace(state, bleed_only=state.bleed_only + kept_bleed)

    def load_session(self, session: Session) -> None:
        """Take strips, order, missing tracks and the suggestion from ``session``.

        A session track is matched to a loaded track by its file, else by its name;
        the ones that match nothing are kept as missing.
        """
        index_of = _match_tracks(self.multitrack, session.tracks)
        self.missing = {}
        order: list[str] = []
        renamed: dict[str, str] = {}
        for state in session.tracks:
            index = index_of.get(state.name)
            if index is None:
                self.missing[state.name] = state
                order.append(state.name)
                continue
            self.strips[index] = Strip(
                state.gain_db, state.pan, state.mute, state.solo, state.role, state.invert
            )
            renamed[state.name] = self.multitrack.tracks[index].name
            order.append(renamed[state.name])
        # Loaded tracks the session does not name go at the end, by role.
        extra = [n for n in self.multitrack.names if n not in order]
        self.order = order + sorted(extra, key=lambda n: role_order_key(n, self._role(n)))
        self.balance = None
        self._kept_suggestion = session.suggestion
        self.reference = session.reference
        if session.suggestion is not None:
            self.balance = _balance_from_state(self.multitrack, session.suggestion, renamed)

    def located(self, name: str, path: Path) -> Session:
        """The session with the missing track ``name`` pointed at ``path``."""
        session = self.to_session()
        tracks = tuple(replace(t, path=path) if t.name == name else t for t in session.tracks)
        return replace(session, tracks=tracks)


def _match_tracks(multitrack: Multitrack, states: tuple[TrackState, ...]) -> dict[str, int]:
    """Session track name -> index of the loaded track from the same file (or name)."""
    by_path = {_resolved(t.path): i for i, t in enumerate(multitrack.tracks) if t.path}
    by_name = {t.name: i for i, t in enumerate(multitrack.tracks)}
    matched: dict[str, int] = {}
    taken: set[int] = set()
    for state in states:
        index = by_path.get(_resolved(state.path))
        if index is None and state.name in by_name and by_name[state.name] not in taken:
            index = by_name[state.name]
        if index is not None and index not in taken:
            matched[state.name] = index
            taken.add(index)
    return matched


def _resolved(path: Path | None) -> Path | None:
    if path is None:
        return None
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path


def _balance_from_state(
    multitrack: Multitrack, state: SuggestionState, renamed: dict[str, str]
) -> Balance:
    """The suggestion for the loaded tracks; a track it does not cover gets 0 dB."""
    session_name = {new: old for old, new in renamed.items()}

    def values(source: dict[str, float]) -> tuple[float, ...]:
        out = []
        for name in multitrack.names:
            key = session_name.get(name, name)
            out.append(source.get(key, state.gains_db.get(key, 0.0)))
        return tuple(out)

    loaded = {session_name.get(n, n): n for n in multitrack.names}  # session name -> now
    return Balance(
        state.method,
        values(state.gains_db),
        values(state.low_db),
        values(state.high_db),
        polarity_flips=tuple(
            (loaded[name], why) for name, why in state.polarity_flips.items() if name in loaded
        ),
        bleed_only=tuple(loaded[name] for name in state.bleed_only if name in loaded),
    )
