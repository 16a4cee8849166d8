"""Suggest a gain balance for a multitrack with one of several methods.

Every method returns relative gains in dB; :func:`suggest` scales them so the
suggested mono mix measures the loudness target (-23 LUFS by default), as the
published evaluation compares gains after loudness normalisation. A method may
also give a confidence range per track; baselines give none (low = high = gain).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from drumassist.core.conditioning import analysis_view
from drumassist.core.mixloudness import (
    DEFAULT_TARGET_LUFS,
    MixLoudness,
    mono_mix_offset_db,
    normalise_offset_db,
)
from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress
from drumassist.errors import DrumassistError
from drumassist.learn.bleed.measure import bleed_aware_gains
from drumassist.learn.bleed.polarity import PolarityReport, check_polarity
from drumassist.learn.suggest import baselines


@dataclass(frozen=True)
class RawGains:
    """What a method predicts: relative gains and an optional range, in dB."""

    gains_db: np.ndarray
    low_db: np.ndarray | None = None
    high_db: np.ndarray | None = None
    model: str | None = None


@dataclass(frozen=True)
class Suggestion:
    """Suggested gains per track, scaled so the mono mix meets ``loudness_lufs``.

    ``polarity`` holds the polarity checks of the close mics and the tracks whose
    polarity flip is suggested (whatever the method: it is read from the audio).
    """

    method: str
    names: tuple[str, ...]
    roles: tuple[str, ...]
    gains_db: tuple[float, ...]
    low_db: tuple[float, ...]
    high_db: tuple[float, ...]
    loudness_lufs: float
    model: str | None = None
    polarity: PolarityReport = field(default_factory=PolarityReport)


Method = Callable[[Multitrack, Progress | None], RawGains]


def model_gains(multitrack: Multitrack, progress: Progress | None, model: Any) -> RawGains:
    """Raw gains and confidence range of a trained ``model`` for ``multitrack``.

    A fixed-slot model gives tracks their ENST slots as the corpus does. Features come
    from the extractor the model was trained on, through the feature cache.
    """
    # Imported here, not at the top: the window imports this module at start-up, and
    # the models pull in the corpus and feature code (about a second).
    from drumassist.learn.corpus.slots import assign_slots
    from drumassist.learn.data.anchor import anchor_inputs, level_inputs
    from drumassist.learn.data.inputs import track_inputs
    from drumassist.learn.models.levels import LevelsModel
    from drumassist.learn.models.persist import describe
    from drumassist.learn.models.slots import SlotModel
    from drumassist.learn.models.trim import TrimModel

    if isinstance(model, TrimModel):
        prediction = model.predict(anchor_inputs(multitrack, progress=progress))
    elif isinstance(model, LevelsModel):
        kinds, levels = level_inputs(multitrack)
        prediction = model.predict_levels(kinds, levels)
    else:
        inputs = track_inputs(
            multitrack, extractor=model.extractor, workers=None, progress=progress
        )
        if isinstance(model, SlotModel):
            prediction = model.predict(inputs, assign_slots(multitrack.names, multitrack.roles))
        else:
            prediction = model.predict(inputs)
    return RawGains(
        prediction.gains_db, prediction.low_db, prediction.high_db, model=describe(model)
    )


def default_model_gains(multitrack: Multitrack, progress: Progress | None) -> RawGains:
    """:func:`model_gains` with the shipped default model."""
    from drumassist.learn.models.persist import load_default_model

    return model_gains(multitrack, progress, load_default_model())


def shipped_model_gains(method: str, multitrack: Multitrack, progress: Progress | None) -> RawGains:
    """:func:`model_gains` with the shipped model of ``method``."""
    from drumassist.learn.models.persist import load_shipped_model

    return model_gains(multitrack, progress, load_shipped_model(method))


def _shipped(method: str) -> Method:
    return lambda multitrack, progress: shipped_model_gains(method, multitrack, progress)


METHODS: dict[str, tuple[str, Method]] = {
    "default": (
        "The default model (the trim model shipped in resources/models/default)",
        default_model_gains,
    ),
    "trim": (
        "Trim model: each mic's input trim read from the bleed between mics, corrected"
        " by gradient boosting on level and bleed measures; any tracks, any order",
        default_model_gains,
    ),
    "levels": (
        "Levels model: each track's level (90th percentile of its momentary loudness)"
        " plus a learned offset per kind of mic; reads no bleed, any tracks, any order",
        _shipped("levels"),
    ),
    "flexible": (
        "Flexible per-track model: a random forest on features, role and context",
        _shipped("flexible"),
    ),
    "rf-slots": (
        "Fixed-slot model as published: a random forest on the eight ENST mic slots"
        " (tracks with no slot are loudness-normalised)",
        _shipped("rf-slots"),
    ),
    "lasso": (
        "Fixed-slot LASSO as published: a sparse linear model on the eight ENST mic slots",
        _shipped("lasso"),
    ),
    "svr": (
        "Fixed-slot SVR as published: one support-vector regressor per ENST mic slot",
        _shipped("svr"),
    ),
    "loudness": (
        "Loudness-normalised: every track at the same BS.1770 loudness",
        lambda mt, progress: RawGains(baselines.loudness_normalised_gains(mt, progress=progress)),
    ),
    "bleed": (
        "Bleed-aware: every close mic's own drum (bleed removed) at the same loudness",
        lambda mt, progress: RawGains(bleed_aware_gains(mt, progress=progress)),
    ),
    "sum": (
        "Direct sum: every track at unity gain",
        lambda mt, progress: RawGains(baselines.direct_sum_gains(mt)),
    ),
}


def method_names() -> tuple[str, ...]:
    return tuple(METHODS)


def unavailable_reason(method: str) -> str | None:
    """Why ``method`` cannot run with what is installed (no shipped model), or None."""
    from drumassist.learn.models.shipped import (
        DEFAULT_METHOD,
        SHIPPED,
        is_model_folder,
        shipped_model_dir,
    )

    kind = DEFAULT_METHOD if method == "default" else method
    if kind not in SHIPPED:
        return None
    folder = shipped_model_dir(kind)
    if is_model_folder(folder):
        return None
    return (
        f"no {kind} model is installed in {folder}; train one with 'drumassist train"
        f" --method {kind} --corpus CORPUS --out {folder}'"
    )


def suggest(
    multitrack: Multitrack,
    *,
    method: str = "default",
    target_lufs: float = DEFAULT_TARGET_LUFS,
    meter: MixLoudness | None = None,
    progress: Progress | None = None,
    model: Any = None,
) -> Suggestion:
    """Suggest gains for ``multitrack`` with ``method`` (see :data:`METHODS`).

    ``model``, a model loaded with :func:`drumassist.learn.models.persist.load_model`, replaces
    the shipped model of its method (``method`` must then name that method or be
    ``default``, and the suggestion is named after the model's method).
    """
    if method not in METHODS:
        raise DrumassistError(f"unknown method '{method}'; choose one of {', '.join(METHODS)}")
    # Conditioned once here for all of the method's measures; the scaling below and
    # every mix are of the stems as they are.
    analysed = analysis_view(multitrack)
    if model is not None:
        from drumassist.learn.models.persist import method_of
        from drumassist.learn.suggest.suggestion import model_gains

        if method not in ("default", method_of(model)):
            raise DrumassistError(
                f"the model is a {method_of(model)} model; it cannot suggest with '{method}'"
            )
        method = method_of(model)
        raw = model_gains(analysed, progress, model)
    else:
        raw = METHODS[method][1](analysed, progress)
    low = raw.gains_db if raw.low_db is None else raw.low_db
    high = raw.gains_db if raw.high_db is None else raw.high_db
    if meter is None:
        offset, loudness = mono_mix_offset_db(multitrack, raw.gains_db, target_lufs)
    else:
        offset, loudness = normalise_offset_db(meter, raw.gains_db, target_lufs)
    return Suggestion(
        method=method,
        names=multitrack.names,
        roles=tuple(r.value for r in multitrack.roles),
        gains_db=tuple(float(g + offset) for g in raw.gains_db),
        low_db=tuple(float(g + offset) for g in low),
        high_db=tuple(float(g + offset) for g in high),
        loudness_lufs=loudness,
        model=raw.model,
        polarity=check_polarity(analysed),
    )
