"""The open mix as a document: per-track faders, pans, mutes, solos, roles, the
suggestion, and the undo stack that records every change the user makes.

Live changes (a fader being dragged) go through ``set_*`` and are heard at once; the
end of a gesture is recorded with ``commit_*`` as one undoable command, so undo
steps back one gesture, not one pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from drumassist.core.mixloudness import MixLoudness
from drumassist.core.multitrack import Multitrack
from drumassist.core.roles import Role
from drumassist.core.session import Session, SuggestionState, TrackState
from drumassist.learn.suggest.suggestion import Suggestion


@dataclass(frozen=True)
class Strip:
    """One track's controls."""

    gain_db: float = 0.0
    pan: float = 0.0
    mute: bool = False
    solo: bool = False
    role: Role = Role.OTHER


class _Change(QUndoCommand):
    """Replace strips (by index) with new values; undo puts the old ones back."""

    def __init__(
        self, doc: MixDocument, text: str, before: dict[int, Strip], after: dict[int, Strip]
    ) -> None:
        super().__init__(text)
        self._doc, self._before, self._after = doc, before, after

    def redo(self) -> None:
        self._doc.apply_strips(self._after)

    def undo(self) -> None:
        self._doc.apply_strips(self._before)


class MixDocument(QObject):
    """The state behind the mixer strips, with undo."""

    strip_changed = Signal(int)
    suggestion_changed = Signal()
    dirty_changed = Signal(bool)

    def __init__(
        self,
        multitrack: Multitrack,
        meter: MixLoudness,
        *,
        session_path: Path | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.multitrack = multitrack
        self.meter = meter
        self.session_path = session_path
        self.strips = [Strip(role=t.role) for t in multitrack.tracks]
        self.suggestion: Suggestion | None = None
        self._matched_b: tuple[object, np.ndarray] | None = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(lambda clean: self.dirty_changed.emit(not clean))

    # -- live edits (no undo entry; a commit follows at the end of the gesture) -----------

    def set_gain(self, index: int, gain_db: float) -> None:
        self._set(index, replace(self.strips[index], gain_db=gain_db))

    def set_pan(self, index: int, pan: float) -> None:
        self._set(index, replace(self.strips[index], pan=pan))

    def _set(self, index: int, strip: Strip) -> None:
        if strip != self.strips[index]:
            self.strips[index] = strip
            self.strip_changed.emit(index)

    # -- undoable edits --------------------------------------------------------------------

    def commit_gain(self, index: int, old_db: float, new_db: float) -> None:
        name = self.multitrack.tracks[index].name
        self._push(
            f"Fader {name}",
            index,
            replace(self.strips[index], gain_db=old_db),
            replace(self.strips[index], gain_db=new_db),
        )

    def commit_pan(self, index: int, old: float, new: float) -> None:
        name = self.multitrack.tracks[index].name
        self._push(
            f"Pan {name}",
            index,
            replace(self.strips[index], pan=old),
            replace(self.strips[index], pan=new),
        )

    def toggle_mute(self, index: int, mute: bool) -> None:
        self._change(index, f"Mute {self.multitrack.tracks[index].name}", mute=mute)

    def toggle_solo(self, index: int, solo: bool) -> None:
        self._change(index, f"Solo {self.multitrack.tracks[index].name}", solo=solo)

    def change_role(self, index: int, role: Role) -> None:
        self._change(index, f"Role of {self.multitrack.tracks[index].name}", role=role)

    def apply_suggestion(self) -> None:
        """Move every fader to the suggestion (one undoable step)."""
        if self.suggestion is None:
            return
        before = dict(enumerate(self.strips))
        after = {
            i: replace(s, gain_db=self.suggestion.gains_db[i]) for i, s in enumerate(self.strips)
        }
        self.undo_stack.push(_Change(self, f"Apply {self.suggestion.method}", before, after))

    def _change(self, index: int, text: str, **values: object) -> None:
        new = replace(self.strips[index], **values)  # type: ignore[arg-type]
        if new != self.strips[index]:
            self._push(text, index, self.strips[index], new)

    def _push(self, text: str, index: int, before: Strip, after: Strip) -> None:
        if before != after:
            self.undo_stack.push(_Change(self, text, {index: before}, {index: after}))

    def apply_strips(self, strips: dict[int, Strip]) -> None:
        """Set strips without an undo entry (used by undo/redo and loading)."""
        for index, strip in strips.items():
            self._set(index, strip)

    # -- suggestion ------------------------------------------------------------------------

    def set_suggestion(self, suggestion: Suggestion | None) -> None:
        self.suggestion = suggestion
        self.suggestion_changed.emit()

    # -- what is heard ---------------------------------------------------------------------

    def audible(self) -> np.ndarray:
        """Which tracks sound: not muted, and soloed when any track is soloed."""
        any_solo = any(s.solo for s in self.strips)
        return np.array([(s.solo if any_solo else True) and not s.mute for s in self.strips])

    def gains_a(self) -> np.ndarray:
        return np.array([s.gain_db for s in self.strips])

    def pans(self) -> np.ndarray:
        return np.array([s.pan for s in self.strips])

    def gains_b(self) -> np.ndarray | None:
        """The suggestion, loudness-matched to the user's mix A (None without one)."""
        if self.suggestion is None:
            return None
        # The player and the status bar both ask after every fader move: measure once.
        key = (tuple(self.strips), self.suggestion)
        if self._matched_b is not None and self._matched_b[0] == key:
            return self._matched_b[1]
        gains = np.array(self.suggestion.gains_db)
        mutes = ~self.audible()
        loud_a = self.meter.loudness(self.gains_a(), pans=self.pans(), mutes=mutes, stereo=True)
        loud_b = self.meter.loudness(gains, pans=self.pans(), mutes=mutes, stereo=True)
        if math.isfinite(loud_a) and math.isfinite(loud_b):
            gains = gains + (loud_a - loud_b)
        self._matched_b = (key, gains)
        return gains

    # -- sessions --------------------------------------------------------------------------

    def to_session(self) -> Session:
        tracks = tuple(
            TrackState(
                path=t.path or Path(t.name),
                name=t.name,
                role=s.role,
                gain_db=s.gain_db,
                pan=s.pan,
                mute=s.mute,
                solo=s.solo,
            )
            for t, s in zip(self.multitrack.tracks, self.strips, strict=True)
        )
        suggestion = None
        if self.suggestion is not None:
            names = self.suggestion.names
            suggestion = SuggestionState(
                method=self.suggestion.method,
                gains_db=dict(zip(names, self.suggestion.gains_db, strict=True)),
                low_db=dict(zip(names, self.suggestion.low_db, strict=True)),
                high_db=dict(zip(names, self.suggestion.high_db, strict=True)),
            )
        return Session(tracks, suggestion)

    def load_session_state(self, session: Session) -> None:
        """Take faders, pans, mutes, solos, roles and the suggestion from a session."""
        by_name = {t.name: t for t in session.tracks}
        for i, track in enumerate(self.multitrack.tracks):
            state = by_name.get(track.name)
            if state is not None:
                self.strips[i] = Strip(state.gain_db, state.pan, state.mute, state.solo, state.role)
                self.strip_changed.emit(i)
        if session.suggestion is not None:
            self.set_suggestion(_suggestion_from_state(self.multitrack, session.suggestion))
        self.undo_stack.clear()


def _suggestion_from_state(multitrack: Multitrack, state: SuggestionState) -> Suggestion:
    names = multitrack.names

    def values(source: dict[str, float]) -> tuple[float, ...]:
        return tuple(source.get(n, state.gains_db.get(n, 0.0)) for n in names)

    return Suggestion(
        method=state.method,
        names=names,
        roles=tuple(r.value for r in multitrack.roles),
        gains_db=values(state.gains_db),
        low_db=values(state.low_db),
        high_db=values(state.high_db),
        loudness_lufs=math.nan,
    )
