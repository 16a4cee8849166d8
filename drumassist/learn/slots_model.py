"""The published fixed-slot model: one random forest over the eight ENST mic slots.

One row per session. Its columns are, for each slot of
:data:`~drumassist.learn.corpus.slots.ENST_SLOTS` in order, the track's extractor
features followed by its BS.1770 loudness; a slot with no track, or a silent one, is
all zeros. A pipeline drops zero-variance columns, standardises the rest (both fitted on
the training sessions only) and fits a multi-output random forest with eight outputs.

Targets are the slot gains in dB relative to their session mean over the present slots
(those with a track and a defined target); an absent slot's target is 0, the mean, so
it pulls no slot up or down. At prediction time tracks take slots with
:func:`~drumassist.learn.corpus.slots.assign_slots`, as the corpus does. A track with no
slot (a second kick mic, a fourth tom, a room mic) is the published method's limitation:
it gets the loudness-normalised gain, shifted by the mean offset the model gave the
slotted tracks over loudness normalisation, so it sits level with them. The 10th to
90th percentile of the trees' predictions is the confidence range of a slotted track;
a track with no slot has none (low = high = its gain).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from drumassist.errors import ModelError
from drumassist.learn.corpus.slots import ENST_SLOTS
from drumassist.learn.dataset import SessionData, TrackInputs
from drumassist.learn.models import (
    DEFAULT_TREES,
    HIGH_PERCENTILE,
    LOW_PERCENTILE,
    GainPrediction,
    check_features,
)

log = logging.getLogger(__name__)

METHOD = "rf-slots"


def slot_columns(feature_names: Sequence[str]) -> tuple[str, ...]:
    """The model's input columns: per slot, its features and then its loudness."""
    return tuple(
        f"{slot}.{name}" for slot in ENST_SLOTS for name in (*feature_names, "loudness_lufs")
    )


def slot_indices(slots: Sequence[str | None]) -> list[int | None]:
    """For each ENST slot, the index of the track that fills it (None if none does)."""
    index = {slot: i for i, slot in enumerate(slots) if slot is not None}
    return [index.get(slot) for slot in ENST_SLOTS]


def slot_row(inputs: TrackInputs, slots: Sequence[str | None]) -> np.ndarray:
    """The session's single input row; missing and silent slots are zero-padded."""
    width = len(inputs.feature_names) + 1
    row = np.zeros(len(ENST_SLOTS) * width)
    for k, i in enumerate(slot_indices(slots)):
        if i is None or not math.isfinite(inputs.loudness_lufs[i]):
            continue
        row[k * width : (k + 1) * width - 1] = inputs.features[i]
        row[(k + 1) * width - 1] = inputs.loudness_lufs[i]
    return row


def slot_targets(session: SessionData) -> np.ndarray | None:
    """Slot gains relative to their mean over present slots (0 where absent); None if none."""
    if session.slots is None:
        raise ModelError(f"session {session.session_id} has no slot assignment")
    gains = np.zeros(len(ENST_SLOTS))
    present = np.zeros(len(ENST_SLOTS), dtype=bool)
    for k, i in enumerate(slot_indices(session.slots)):
        if i is not None and math.isfinite(session.target_db[i]):
            gains[k] = session.target_db[i]
            present[k] = True
    if not present.any():
        return None
    gains[present] -= gains[present].mean()
    return gains


@dataclass(frozen=True, eq=False)
class SlotModel:
    """A trained slot pipeline (VarianceThreshold, StandardScaler, forest) and its inputs."""

    pipeline: Any  # sklearn.pipeline.Pipeline
    extractor: str
    extractor_version: str
    feature_names: tuple[str, ...]
    seed: int

    @property
    def forest(self) -> Any:
        """The pipeline's RandomForestRegressor."""
        return self.pipeline[-1]

    def predict(self, inputs: TrackInputs, slots: Sequence[str | None]) -> GainPrediction:
        """Raw gains of one multitrack whose tracks fill ``slots`` (see the module doc)."""
        self.check_inputs(inputs)
        if len(slots) != len(inputs.roles):
            raise ModelError(f"{len(slots)} slots given for {len(inputs.roles)} tracks")
        rows = self.pipeline[:-1].transform(slot_row(inputs, slots)[None, :])
        per_tree = np.stack([tree.predict(rows)[0] for tree in self.forest.estimators_])
        gains = self._gains(inputs, slots, per_tree.mean(axis=0))
        # A track with no slot has no range of its own: low = high = its gain.
        slotted = np.zeros(len(gains), dtype=bool)
        slotted[[i for i in slot_indices(slots) if i is not None]] = True

        def bound(percentile: float) -> np.ndarray:
            slot_db = np.percentile(per_tree, percentile, axis=0)
            return np.where(slotted, self._gains(inputs, slots, slot_db), gains)

        return GainPrediction(gains, bound(LOW_PERCENTILE), bound(HIGH_PERCENTILE))

    @staticmethod
    def _gains(inputs: TrackInputs, slots: Sequence[str | None], slot_db: np.ndarray) -> np.ndarray:
        loud = inputs.loudness_lufs
        audible = np.isfinite(loud)
        gains = np.full(len(loud), -math.inf)
        slotted = np.zeros(len(loud), dtype=bool)
        for k, i in enumerate(slot_indices(slots)):
            if i is not None and audible[i]:
                gains[i] = slot_db[k]
                slotted[i] = True
        # Tracks with no slot: loudness-normalised, level with the slotted tracks.
        offset = float((gains[slotted] + loud[slotted]).mean()) if slotted.any() else 0.0
        rest = audible & ~slotted
        gains[rest] = -loud[rest] + offset
        return gains

    def check_inputs(self, inputs: TrackInputs) -> None:
        """ModelError unless ``inputs`` come from the extractor the model was trained on."""
        check_features(self.extractor, self.extractor_version, self.feature_names, inputs)


def train_slots(
    sessions: Sequence[SessionData], *, seed: int = 0, trees: int = DEFAULT_TREES, jobs: int = 1
) -> SlotModel:
    """Fit the slot pipeline on every session with at least one slot target.

    Raises
    ------
    ModelError
        If there are no sessions, none with a slot target, or the sessions' inputs differ.
    """
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.feature_selection import VarianceThreshold
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    if not sessions:
        raise ModelError("no training sessions: the corpus has none that are not held out")
    first = sessions[0].inputs
    model = SlotModel(None, first.extractor, first.extractor_version, first.feature_names, seed)
    rows, targets = [], []
    for s in sessions:
        model.check_inputs(s.inputs)
        y = slot_targets(s)
        if y is not None:
            rows.append(slot_row(s.inputs, s.slots or ()))
            targets.append(y)
    if not targets:
        raise ModelError("no training sessions with a slot filled and a defined target gain")
    log.info("training the slot model on %d sessions", len(targets))
    pipeline = Pipeline(
        [
            ("variance", VarianceThreshold(0.0)),
            ("scale", StandardScaler()),
            (
                "forest",
                RandomForestRegressor(n_estimators=trees, random_state=seed, n_jobs=jobs),
            ),
        ]
    )
    pipeline.fit(np.vstack(rows), np.vstack(targets))
    return SlotModel(pipeline, first.extractor, first.extractor_version, first.feature_names, seed)
