"""The open mix as a Qt document: a thin undo-stack shell over the pure
:class:`drumassist.core.mixstate.MixState`, with signals for the views.

Live changes (a fader being dragged) go through ``set_*`` and are heard at once; the
end of a gesture is recorded with ``commit_*`` as one undoable command, so undo
steps back one gesture, not one pixel.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from drumassist.core.mixloudness import MixLoudness
from drumassist.core.mixstate import Balance, MixState, Strip, moved
from drumassist.core.multitrack import Multitrack
from drumassist.core.roles import Role
from drumassist.core.session import Session, TrackState
from drumassist.core.sessionpaths import stem_exists
from drumassist.learn.bleed.polarity_report import PolarityReport
from drumassist.learn.suggest.suggestion import Suggestion
from drumassist.ui.taper import MAX_DB, clamp_db

__all__ = ["MixDocument", "Strip"]


#: Steps (keys, wheel) on one control that follow each other within this many seconds
#: are one undo step.
MERGE_STEPS_S = 1.0


class _Change(QUndoCommand):
    """Replace strips (by index) with new values; undo puts the old ones back.

    ``merge`` names the control a run of steps was made on (say ``("gain", 2)``): such a
    change merges with the next one on the same control that comes within
    :data:`MERGE_STEPS_S`, keeping the first one's before.
    """

    def __init__(
        self,
        doc: MixDocument,
        text: str,
        before: dict[int, Strip],
        after: dict[int, Strip],
        *,
        merge: tuple[str, int] | None = None,
    ) -> None:
        super().__init__(text)
        self._doc, self._before, self._after = doc, before, after
        self._merge, self._at = merge, time.monotonic()

    def id(self) -> int:
        return -1 if self._merge is None else 1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, _Change) or other._merge != self._merge:
            return False
        if other._at - self._at > MERGE_STEPS_S:
            return False
        self._after, self._at = other._after, other._at
        # Steps back to where the run started leave nothing to undo.
        self.setObsolete(self._after == self._before)
        return True

    def redo(self) -> None:
        self._doc.apply_strips(self._after)

    def undo(self) -> None:
        self._doc.apply_strips(self._before)


class _Reorder(QUndoCommand):
    """Lay the strips out in another order; undo restores the old one."""

    def __init__(self, doc: MixDocument, text: str, before: list[str], after: list[str]) -> None:
        super().__init__(text)
        self._doc, self._before, self._after = doc, before, after

    def redo(self) -> None:
        self._doc.apply_order(self._after)

    def undo(self) -> None:
        self._doc.apply_order(self._before)


class MixDocument(QObject):
    """The state behind the mixer strips, with undo."""

    strip_changed = Signal(int)
    suggestion_changed = Signal()
    order_changed = Signal()
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
        self.state = MixState(multitrack, meter)
        self.session_path = session_path
        self.suggestion: Suggestion | None = None
        self.undo_stack = QUndoStack(self)
        # A bound slot, not a lambda: Qt disconnects it when the document is deleted, so
        # the stack's last cleanChanged (as it is destroyed with a dirty mix) goes nowhere.
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)

    def _on_clean_changed(self, clean: bool) -> None:
        self.dirty_changed.emit(not clean)

    @property
    def multitrack(self) -> Multitrack:
        return self.state.multitrack

    @property
    def meter(self) -> MixLoudness:
        return self.state.meter

    @property
    def strips(self) -> list[Strip]:
        return self.state.strips

    @property
    def order(self) -> list[str]:
        """Every strip's track name, loaded and missing, left to right."""
        return self.state.order

    @property
    def missing(self) -> dict[str, TrackState]:
        """The session's tracks whose files were not found, by name."""
        return self.state.missing

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

    def commit_gain(self, index: int, old_db: float, new_db: float, *, steps: bool = False) -> None:
        """One fader move; ``steps`` (keys, wheel) merges it with the steps just before."""
        strip = self.strips[index]
        self._push(
            f"Fader {self._name(index)}",
            index,
            replace(strip, gain_db=old_db),
            replace(strip, gain_db=new_db),
            merge=("gain", index) if steps else None,
        )

    def commit_pan(self, index: int, old: float, new: float, *, steps: bool = False) -> None:
        """One pan move; ``steps`` as for :meth:`commit_gain`."""
        strip = self.strips[index]
        self._push(
            f"Pan {self._name(index)}", index, replace(strip, pan=old), replace(strip, pan=new),
            merge=("pan", index) if steps else None,
        )  # fmt: skip

    def toggle_mute(self, index: int, mute: bool) -> None:
        self._change(index, f"Mute {self._name(index)}", mute=mute)

    def toggle_solo(self, index: int, solo: bool) -> None:
        self._change(index, f"Solo {self._name(index)}", solo=solo)

    def toggle_invert(self, index: int, invert: bool) -> None:
        self._change(index, f"Polarity of {self._name(index)}", invert=invert)

    def change_role(self, index: int, role: Role) -> None:
        self._change(index, f"Role of {self._name(index)}", role=role)

    def move_strip(self, name: str, to_index: int) -> None:
        """Move the strip of track ``name`` to position ``to_index`` (undoable)."""
        before = list(self.order)
        after = moved(before, name, to_index)
        if after != before:
            self.undo_stack.push(_Reorder(self, f"Move {name}", before, after))

    def apply_suggestion(self) -> str | None:
        """Move every fader to the marks: the suggestion at the loudness of the user's
        faders (one undoable step): the balance changes, the level the user set does not,
        unless a mark lies past the fader's top.

        Then every fader moves down together, so that the highest mark lands at the top
        and the balance is still the suggestion's (a fader held at the top under its mark
        left the balance off, and the user to lower every other fader by hand). Returns
        what to tell the user then (None when it fits).

        A suggested polarity flip is not made: it is advice, read from the mics' physical
        polarity at their lag, and on the real 14a Frankensnare snare the flip makes the
        top and bottom 1.6 dB quieter at zero lag, as they are mixed (README, Polarity).
        """
        if self.suggestion is None:
            return None
        # The suggested balance at the loudness of the user's faders (the markers).
        gains = self.state.suggestion_at_a()
        if gains is None:
            return None
        audible = [g for g in gains if math.isfinite(g)]
        lowered = max(0.0, max(audible, default=MAX_DB) - MAX_DB)
        top = int(np.argmax(gains)) if lowered > 0 else None
        before = dict(enumerate(self.strips))
        after = {
            i: replace(s, gain_db=clamp_db(gains[i] - lowered)) for i, s in enumerate(self.strips)
        }
        if after != before:  # the faders already at the marks: no step
            self.undo_stack.push(_Change(self, f"Apply {self.suggestion.method}", before, after))
        if top is None:
            return None
        return (
            f"Applied {lowered:.1f} dB under your mix's level, so that {self._name(top)} fits"
            f" under the fader's top (+{MAX_DB:g} dB): the balance is the suggestion's"
        )

    def _name(self, index: int) -> str:
        return self.multitrack.tracks[index].name

    def _change(self, index: int, text: str, **values: object) -> None:
        new = replace(self.strips[index], **values)  # type: ignore[arg-type]
        if new != self.strips[index]:
            self._push(text, index, self.strips[index], new)

    def _push(
        self,
        text: str,
        index: int,
        before: Strip,
        after: Strip,
        *,
        merge: tuple[str, int] | None = None,
    ) -> None:
        if before != after:
            self.undo_stack.push(_Change(self, text, {index: before}, {index: after}, merge=merge))

    def apply_strips(self, strips: dict[int, Strip]) -> None:
        """Set strips without an undo entry (used by undo/redo and loading)."""
        for index, strip in strips.items():
            self._set(index, strip)

    def apply_order(self, order: list[str]) -> None:
        """Set the strip order without an undo entry (used by undo/redo)."""
        self.state.order[:] = order
        self.order_changed.emit()

    # -- suggestion ------------------------------------------------------------------------

    def set_suggestion(self, suggestion: Suggestion | None) -> None:
        before = self.state.balance
        self.suggestion = suggestion
        self.state.balance = (
            None
            if suggestion is None
            else Balance(
                suggestion.method,
                suggestion.gains_db,
                suggestion.low_db,
                suggestion.high_db,
                polarity_flips=tuple(
                    (name, suggestion.polarity.reason(name)) for name in suggestion.polarity.flips
                ),
                bleed_only=suggestion.bleed_only,
            )
        )
        if repr(self.state.balance) != repr(before):  # repr: NaN reads equal to NaN
            # A session keeps the last suggestion, so a new one is a change to save.
            self.undo_stack.resetClean()
        self.suggestion_changed.emit()

    # -- what is heard (see MixState) ------------------------------------------------------

    def audible(self) -> np.ndarray:
        return self.state.audible()

    def gains_a(self) -> np.ndarray:
        return self.state.gains_a()

    def pans(self) -> np.ndarray:
        return self.state.pans()

    def inverted(self) -> np.ndarray:
        return self.state.inverted()

    def b_offset_db(self) -> float:
        """The level that puts the suggestion at A's loudness (see MixState.b_offset_db)."""
        return self.state.b_offset_db()

    def gains_b(self) -> np.ndarray | None:
        """The suggestion, loudness-matched to the user's mix A (None without one)."""
        return self.state.gains_b()

    # -- sessions --------------------------------------------------------------------------

    def to_session(self) -> Session:
        return self.state.to_session()

    def load_session_state(self, session: Session) -> list[str]:
        """Take strips, order, missing tracks, the suggestion and the reference mix from a
        session; what is missing, to tell the user."""
        self.state.load_session(session)
        for index in range(len(self.strips)):
            self.strip_changed.emit(index)
        self.order_changed.emit()
        balance = self.state.balance
        self.set_suggestion(None if balance is None else _suggestion(self.multitrack, balance))
        self.undo_stack.clear()
        notes = [
            f"{name}: {state.path.name} is missing; its settings are kept (Locate… finds it)"
            for name, state in self.missing.items()
        ]
        gone = self.state.reference
        if gone is not None and not stem_exists(gone.path):
            notes.append(
                f"The reference mix {gone.path.name} is missing: Compare methods… scores"
                " without it, and the session keeps it"
            )
        return notes


def _suggestion(multitrack: Multitrack, balance: Balance) -> Suggestion:
    return Suggestion(
        method=balance.method,
        names=multitrack.names,
        roles=tuple(r.value for r in multitrack.roles),
        gains_db=balance.gains_db,
        low_db=balance.low_db,
        high_db=balance.high_db,
        loudness_lufs=math.nan,
        polarity=PolarityReport(
            flips=tuple(name for name, _ in balance.polarity_flips),
            reasons=balance.polarity_flips,
        ),
        bleed_only=balance.bleed_only,
    )
