"""What a gain model sees of a multitrack, and training examples from a corpus.

:func:`track_inputs` gives the per-track inputs of any multitrack (features, BS.1770
loudness, roles, silence); training (:func:`load_sessions`) adds each session's target
gains from its corpus. :func:`evaluate` scores any gain method on corpus sessions
with :mod:`drumassist.learn.metrics`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from drumassist.core.conditioning import analysis_view
from drumassist.core.mixloudness import MixLoudness
from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress, ScaledProgress, check_cancelled
from drumassist.core.roles import Role
from drumassist.learn.baselines import track_loudness
from drumassist.learn.corpus import Corpus, CorpusSession
from drumassist.learn.metrics import Scores, compare_session, score

if TYPE_CHECKING:
    from drumassist.learn.trim_model import AnchorInputs

log = logging.getLogger(__name__)

#: Predicts raw gains in dB for a multitrack (any offset; scores normalise it).
Predictor = Callable[[Multitrack], np.ndarray]


@dataclass(frozen=True, eq=False)
class TrackInputs:
    """Per-track inputs of one multitrack, in track order."""

    features: np.ndarray  # (tracks, features) float64
    feature_names: tuple[str, ...]
    extractor: str
    extractor_version: str
    loudness_lufs: np.ndarray  # -inf where silent
    roles: tuple[Role, ...]

    @property
    def silent(self) -> np.ndarray:
        return ~np.isfinite(self.loudness_lufs)


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


def track_inputs(
    multitrack: Multitrack,
    *,
    extractor: str = "fast",
    workers: int | None = 1,
    progress: Progress | None = None,
) -> TrackInputs:
    """Features (through the feature cache) and loudness of every track.

    The loudness of a track is taken from its fast features where they hold it exactly
    (:func:`~drumassist.analysis.fast.known_loudness`), else measured.
    """
    from drumassist.analysis import analyse
    from drumassist.analysis.fast import known_loudness

    analysis = analyse(
        multitrack,
        extractor=extractor,
        workers=workers,
        progress=None if progress is None else ScaledProgress(progress, 0.0, 0.8),
    )
    loudness = track_loudness(
        multitrack,
        known=known_loudness(analysis, multitrack),
        progress=None if progress is None else ScaledProgress(progress, 0.8, 1.0),
    )
    return TrackInputs(
        features=np.nan_to_num(analysis.matrix(), nan=0.0, posinf=0.0, neginf=0.0),
        feature_names=analysis.feature_names,
        extractor=analysis.extractor,
        extractor_version=analysis.version,
        loudness_lufs=loudness,
        roles=multitrack.roles,
    )


def session_data(
    session: CorpusSession,
    *,
    extractor: str = "fast",
    workers: int | None = 1,
    anchors: bool = False,
    multitrack: Multitrack | None = None,
) -> SessionData:
    """Inputs and target gains of one corpus session (``multitrack``: already read).

    ``anchors`` also measures the trim model's inputs (:func:`~drumassist.learn.
    trim_model.anchor_inputs`).
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
        from drumassist.learn.trim_model import anchor_inputs

        anchor = anchor_inputs(multitrack)
    return SessionData(session.id, session.group, inputs, targets, slots, anchor)


def load_sessions(
    corpus: Corpus,
    *,
    heldout: bool = False,
    extractor: str = "fast",
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


def evaluate(
    sessions: Sequence[CorpusSession], predict: Predictor, *, progress: Progress | None = None
) -> Scores:
    """Score ``predict`` on ``sessions`` against their target gains."""
    comparisons = []
    for i, session in enumerate(sessions):
        check_cancelled(progress)
        multitrack = session.load_multitrack()
        targets = [session.target_gains_db[name] for name in multitrack.names]
        predicted = predict(multitrack)
        comparisons.append(
            compare_session(MixLoudness(multitrack), targets, predicted, session_id=session.id)
        )
        if progress is not None:
            progress.report((i + 1) / len(sessions), f"scored {session.id}")
    return score(comparisons)
