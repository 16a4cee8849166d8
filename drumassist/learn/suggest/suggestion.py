"""Suggest a gain balance for a multitrack with one of several methods.

Every method returns relative gains in dB; :func:`suggest` scales them so the
suggested mono mix measures the loudness target (-23 LUFS by default), as the
published evaluation compares gains after loudness normalisation. A method may
also give a confidence range per track; baselines give none (low = high = gain).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from drumassist.core.conditioning import conditioning_scope
from drumassist.core.loudness import too_short_message
from drumassist.core.mix import MAX_GAIN_DB
from drumassist.core.mixloudness import (
    DEFAULT_TARGET_LUFS,
    LoudnessAt,
    MixLoudness,
    meter_loudness_at,
    mono_mix_loudness_at,
    offset_to_target,
)
from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress
from drumassist.errors import DrumassistError, PersonalModelError
from drumassist.learn.bleed.polarity import polarity_of
from drumassist.learn.bleed.polarity_report import PolarityReport
from drumassist.learn.models import registry
from drumassist.learn.models.base import GainModel
from drumassist.learn.suggest.baselines import BASELINES
from drumassist.learn.suggest.stereo import split_stereo


@dataclass(frozen=True)
class RawGains:
    """What a method predicts: relative gains and an optional range, in dB."""

    gains_db: np.ndarray
    low_db: np.ndarray | None = None
    high_db: np.ndarray | None = None
    model: str | None = None
    bleed_only: tuple[int, ...] = ()  # tracks the model placed as carrying only bleed


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
    #: Why some tracks got no gain (``-inf``): too short to judge, or a gain beyond what
    #: a mix takes. Each starts with the track's name.
    notes: tuple[str, ...] = ()
    polarity: PolarityReport = field(default_factory=PolarityReport)
    #: Tracks the model found to carry only bleed (their drum does not play), placed at
    #: the session's level instead of being pushed up from their own (levels-gb).
    bleed_only: tuple[str, ...] = ()
    #: The tracks too short to judge (no gain; their notes say why).
    too_short: tuple[str, ...] = ()
    #: What the stems say about any balance of them: stems normalised on export or
    #: clipped (the multitrack's ``balance_notices``, told again with the suggestion).
    warnings: tuple[str, ...] = ()
    #: The loudness of the mono mix with the suggested polarity flips made (None: no
    #: flip suggested). The gains are scaled so that neither that mix nor the mix as
    #: recorded goes over the target: where two mics of one drum, wired opposite,
    #: cancel as recorded, gains scaled on that mix alone were far too high once the
    #: flip was made.
    flipped_loudness_lufs: float | None = None


def method_names() -> tuple[str, ...]:
    """Every method ``suggest`` takes: ``default``, the model kinds, ``personal``, the baselines."""
    return (registry.DEFAULT_ALIAS, *registry.model_methods(), registry.PERSONAL, *BASELINES)


def method_description(method: str) -> str:
    """A sentence saying what ``method`` does, for method lists and help."""
    if method == registry.DEFAULT_ALIAS:
        return (
            f"The default model (the {registry.DEFAULT_METHOD} model shipped in"
            f" resources/models/{registry.entry(registry.DEFAULT_METHOD).shipped})"
        )
    if method in BASELINES:
        return BASELINES[method][0]
    if method == registry.PERSONAL:
        return (
            "Your taste: the default model corrected per role by what you exported and saved"
            " (Tools > Learn from my mixes; 'drumassist train --personal')"
        )
    return registry.entry(method).description


def model_gains(multitrack: Multitrack, progress: Progress | None, model: GainModel) -> RawGains:
    """Raw gains and confidence range of a trained ``model`` for ``multitrack``.

    The model measures what it reads of the multitrack itself (features through the
    feature cache from the extractor it was trained on, or the trim measures).
    """
    prediction = model.predict(model.measure(multitrack, progress=progress))
    return RawGains(
        prediction.gains_db,
        prediction.low_db,
        prediction.high_db,
        model=model.describe(),
        bleed_only=prediction.bleed_only,
    )


def method_gains(method: str, multitrack: Multitrack, progress: Progress | None) -> RawGains:
    """Raw gains of ``method`` (a baseline, or a model kind with its shipped model)."""
    if method in BASELINES:
        return RawGains(BASELINES[method][1](multitrack, progress))
    if method == registry.PERSONAL:
        return personal_gains(multitrack, progress)
    # Imported here, not at the top: the window imports this module at start-up, and
    # loading a model pulls in scikit-learn, skops and the feature code.
    from drumassist.learn.models.persist import load_shipped_model

    return model_gains(multitrack, progress, load_shipped_model(method))


def personal_gains(multitrack: Multitrack, progress: Progress | None) -> RawGains:
    """The default model's gains corrected by the user's personal model (``personal``)."""
    from drumassist.learn.models.personal import has_personal_model, load_personal

    if not has_personal_model():
        raise PersonalModelError(
            "no personal model yet: use Tools ▸ Learn from my mixes"
            " or 'drumassist train --personal'"
        )
    model = load_personal()
    if model.base_method != registry.DEFAULT_METHOD:
        raise PersonalModelError(
            f"your personal model corrects the {model.base_method} model, and the default is"
            f" now {registry.DEFAULT_METHOD}: learn again with Tools ▸ Learn from my mixes or"
            " 'drumassist train --personal' (your recorded mixes are kept)"
        )
    base = method_gains(registry.DEFAULT_METHOD, multitrack, progress)
    offsets = model.offsets_db(multitrack.roles)
    return RawGains(
        np.asarray(base.gains_db) + offsets,
        None if base.low_db is None else np.asarray(base.low_db) + offsets,
        None if base.high_db is None else np.asarray(base.high_db) + offsets,
        model=f"personal ({model.describe()}) on {base.model or 'the default model'}",
        bleed_only=base.bleed_only,
    )


def suggest(
    multitrack: Multitrack,
    *,
    method: str = "default",
    target_lufs: float = DEFAULT_TARGET_LUFS,
    meter: MixLoudness | None = None,
    progress: Progress | None = None,
    model: GainModel | None = None,
) -> Suggestion:
    """Suggest gains for ``multitrack`` with ``method`` (see :func:`method_names`).

    ``model``, a model loaded with :func:`drumassist.learn.models.persist.load_model`, replaces
    the shipped model of its method (``method`` must then name that method or be
    ``default``, and the suggestion is named after the model's method).
    """
    names = method_names()
    if method not in names:
        raise DrumassistError(f"unknown method '{method}'; choose one of {', '.join(names)}")
    if model is not None and method not in (registry.DEFAULT_ALIAS, model.method):
        raise DrumassistError(
            f"the model is a {model.method} model; it cannot suggest with '{method}'"
        )
    # Every measure reads the conditioned stems (core.conditioning); in this scope they
    # are conditioned once, and only if a measure is not in its cache. The scaling below
    # and every mix are of the stems as they are.
    with conditioning_scope():
        if model is not None:
            method = model.method
        raw = _gains_of_channels(multitrack, progress, method, model)
        polarity = polarity_of(multitrack)
    raw, notes, too_short = _without_too_short(multitrack, raw)
    flips = np.isin(multitrack.names, polarity.flips)
    raw, offset, (loudness, flipped), beyond = _scaled(multitrack, raw, meter, target_lufs, flips)
    notes += beyond
    low = raw.gains_db if raw.low_db is None else raw.low_db
    high = raw.gains_db if raw.high_db is None else raw.high_db
    return Suggestion(
        method=method,
        names=multitrack.names,
        roles=tuple(r.value for r in multitrack.roles),
        gains_db=tuple(float(g + offset) for g in raw.gains_db),
        low_db=tuple(float(g + offset) for g in low),
        high_db=tuple(float(g + offset) for g in high),
        loudness_lufs=loudness,
        model=raw.model,
        notes=notes,
        polarity=polarity,
        bleed_only=tuple(multitrack.names[i] for i in raw.bleed_only),
        too_short=too_short,
        warnings=multitrack.balance_notices,
        flipped_loudness_lufs=flipped,
    )


def _gains_of_channels(
    multitrack: Multitrack, progress: Progress | None, method: str, model: GainModel | None
) -> RawGains:
    """``method``'s (or ``model``'s) raw gains, suggested for each channel of a stereo
    stem as for a mono one and folded into one gain per stem (:mod:`.stereo`). The
    baselines are of the stems as given (direct sum: every fader at 0 dB)."""
    if model is None and method in BASELINES:
        return method_gains(method, multitrack, progress)
    split = split_stereo(multitrack)
    mono = split.multitrack
    if model is not None:
        raw = model_gains(mono, progress, model)
    else:
        raw = method_gains(method, mono, progress)
    if not split.is_split:
        return raw
    return RawGains(
        split.fold_db(raw.gains_db),
        None if raw.low_db is None else split.fold_db(raw.low_db),
        None if raw.high_db is None else split.fold_db(raw.high_db),
        model=raw.model,
        bleed_only=split.fold_marks(raw.bleed_only),
    )


def silence_reason(suggestion: Suggestion) -> str | None:
    """Why ``suggestion`` balances nothing (its mono mix is silent, flipped or not), or None."""
    flipped = suggestion.flipped_loudness_lufs
    if math.isfinite(suggestion.loudness_lufs) or (flipped is not None and math.isfinite(flipped)):
        return None
    if not any(math.isfinite(g) for g in suggestion.gains_db):
        return (
            "every stem is silent to the analysis (digital silence, DC only, or too short):"
            " nothing to balance"
        )
    return (
        "the suggested mono mix is silent (the stems are silent or DC only, or they cancel"
        " each other out)"
    )


def _without_too_short(
    multitrack: Multitrack, raw: RawGains
) -> tuple[RawGains, tuple[str, ...], tuple[str, ...]]:
    """``raw`` with no gain (``-inf``) for tracks too short to judge, why, and their names.

    Every method would give such a track a number (a 1-sample click gets +10 dB
    from the loudness baseline); none of them means anything.
    """
    short = {}
    for i, track in enumerate(multitrack.tracks):
        message = too_short_message(track.audio, multitrack.sample_rate)
        if message is not None:
            short[i] = f"{track.name}: {message}; no gain suggested"
    names = tuple(multitrack.names[i] for i in short)
    return _muted(raw, list(short)), tuple(short.values()), names


def _scaled(
    multitrack: Multitrack,
    raw: RawGains,
    meter: MixLoudness | None,
    target_lufs: float,
    flips: np.ndarray,
) -> tuple[RawGains, float, tuple[float, float | None], tuple[str, ...]]:
    """The offset that brings the mono mix of ``raw`` to ``target_lufs`` (or its mix with
    the tracks in ``flips`` inverted, where that one is louder) and the loudness reached
    as recorded and flipped, with ``raw`` less the tracks it would put beyond what a mix
    takes (and why)."""
    offset, loudness = _scaled_offset(multitrack, raw.gains_db, meter, target_lufs, flips)
    raw, beyond = _within_mix_range(multitrack, raw, offset)
    if beyond:  # a track muted: the mix it leaves is scaled again
        offset, loudness = _scaled_offset(multitrack, raw.gains_db, meter, target_lufs, flips)
    return raw, offset, loudness, beyond


def _scaled_offset(
    multitrack: Multitrack,
    gains_db: np.ndarray,
    meter: MixLoudness | None,
    target_lufs: float,
    flips: np.ndarray,
) -> tuple[float, tuple[float, float | None]]:
    """The offset that brings the louder of the mix as recorded and the mix with ``flips``
    to ``target_lufs``, and the loudness of each then (None: no flips)."""

    def loudness_at(inverted: np.ndarray | None) -> LoudnessAt:
        if meter is None:
            return mono_mix_loudness_at(multitrack, gains_db, cache=True, inverted=inverted)
        return meter_loudness_at(meter, gains_db, inverted=inverted)

    recorded = loudness_at(None)
    offset, loudness = offset_to_target(recorded, target_lufs)
    if not flips.any():
        return offset, (loudness, None)
    flipped = loudness_at(flips)
    flipped_offset, flipped_loudness = offset_to_target(flipped, target_lufs)
    if math.isfinite(flipped_loudness) and (
        not math.isfinite(loudness) or flipped_offset < offset
    ):  # louder flipped: scaled on that mix, so neither goes over the target
        return flipped_offset, (recorded(flipped_offset), flipped_loudness)
    return offset, (loudness, flipped(offset))


def _within_mix_range(
    multitrack: Multitrack, raw: RawGains, offset: float
) -> tuple[RawGains, tuple[str, ...]]:
    """``raw`` with no gain for tracks whose scaled gain lies beyond the +-MAX_GAIN_DB
    a mix takes, and why: ``mix`` refused the gains file ``suggest --json`` wrote (trim
    gave -208 dB on odd input), and a gain that far off is no balance anyway."""
    gains = np.asarray(raw.gains_db, dtype=float) + offset
    beyond = np.flatnonzero(np.isfinite(gains) & (np.abs(gains) > MAX_GAIN_DB))
    notes = tuple(
        f"{multitrack.names[i]}: suggested at {gains[i]:+.0f} dB, beyond the"
        f" ±{MAX_GAIN_DB:g} dB a mix takes; no gain suggested"
        for i in beyond
    )
    return _muted(raw, beyond.tolist()), notes


def _muted(raw: RawGains, index: list[int]) -> RawGains:
    """``raw`` with the tracks at ``index`` given no gain (``-inf``)."""
    if not index:
        return raw

    def muted(values: np.ndarray | None) -> np.ndarray | None:
        if values is None:
            return None
        out = np.array(values, dtype=np.float64)
        out[index] = -math.inf
        return out

    gains = muted(raw.gains_db)
    assert gains is not None
    return replace(raw, gains_db=gains, low_db=muted(raw.low_db), high_db=muted(raw.high_db))
