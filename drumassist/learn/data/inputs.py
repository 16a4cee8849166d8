"""What a gain model sees of any multitrack: features, BS.1770 loudness, roles, silence."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from drumassist.core.mixloudness import track_loudness
from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress, ScaledProgress
from drumassist.core.roles import Role


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


def track_inputs(
    multitrack: Multitrack,
    *,
    extractor: str | None = "fast",
    workers: int | None = 1,
    progress: Progress | None = None,
) -> TrackInputs:
    """Features (through the feature cache) and loudness of every track.

    The loudness of a track is taken from its fast features where they hold it exactly
    (:func:`~drumassist.analysis.fast.known_loudness`), else measured. ``extractor=None``
    extracts no features (no column: for the models that read none, trim and levels).
    """
    from drumassist.analysis import analyse
    from drumassist.analysis.fast import known_loudness

    if extractor is None:
        return TrackInputs(
            features=np.zeros((len(multitrack.tracks), 0)),
            feature_names=(),
            extractor="none",
            extractor_version="",
            loudness_lufs=track_loudness(multitrack, progress=progress),
            roles=multitrack.roles,
        )

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
