"""Training examples from a corpus: each session's model inputs and target gains.

:func:`load_sessions` reads the sessions of a corpus with the per-track inputs of
:mod:`drumassist.learn.data.inputs` (and, on request, the trim model's measures of
:mod:`drumassist.learn.data.anchor`) and adds each session's target gains.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from drumassist.core.conditioning import analysis_view
from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress, check_cancelled
from drumassist.learn.data.anchor import AnchorInputs, anchor_inputs
from drumassist.learn.data.inputs import TrackInputs, track_inputs

if TYPE_CHECKING:  # the corpus package imports its renderer (scipy.signal): types only
    from drumassist.learn.corpus import Corpus, CorpusSession

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class SessionData:
    """One corpus session's inputs, target gains (NaN where undefined) and ENST slots.

    ``anchor`` holds the trim model's inputs when they were measured (``anchors=True``).
    """

    session_id: str
    group: str
    inputs: TrackInputs
    target_db: np.ndarray
    slots: tuple[str | None, ...] | None = None  # per track, as the corpus assigned them
    anchor: AnchorInputs | None = None


def session_data(
    session: CorpusSession,
    *,
    extractor: str | None = "fast",
    workers: int | None = 1,
    anchors: bool = False,
    multitrack: Multitrack | None = None,
) -> SessionData:
    """Inputs and target gains of one corpus session (``multitrack``: already read).

    ``anchors`` also measures the trim model's inputs
    (:func:`~drumassist.learn.data.anchor.anchor_inputs`).
    """
    if multitrack is None:
        multitrack = session.load_multitrack()
    multitrack = analysis_view(multitrack)  # conditioned once for features and anchors
    inputs = track_inputs(multitrack, extractor=extractor, workers=workers)
    gains = session.target_gains_db
    targets = np.array(
        [math.nan if gains[t.name] is None else gains[t.name] for t in session.tracks]
    )
    slots = tuple(t.slot for t in session.tracks)
    anchor = None
    if anchors:
        anchor = anchor_inputs(multitrack)
    return SessionData(session.id, session.group, inputs, targets, slots, anchor)


def load_sessions(
    corpus: Corpus,
    *,
    heldout: bool = False,
    extractor: str | None = "fast",
    workers: int | None = 1,
    anchors: bool = False,
    progress: Progress | None = None,
) -> list[SessionData]:
    """Every session of ``corpus`` whose ``heldout`` flag equals ``heldout``, in order."""
    chosen = [s for s in corpus.sessions if s.heldout == heldout]
    data = []
    for i, session in enumerate(chosen):
        check_cancelled(progress)
        data.append(session_data(session, extractor=extractor, workers=workers, anchors=anchors))
        if progress is not None:
            progress.report((i + 1) / len(chosen), f"analysed {session.id}")
    return data
