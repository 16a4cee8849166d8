"""The engineer's side of a rendered session: input trims and set mix gains.

:mod:`~drumassist.learn.corpus.render` records the stems; this module holds the
numbers and the rule that set their mix (stated in that module's docstring), shared
with the multi-mic renderer (:mod:`~drumassist.learn.corpus.multimic_render`): the
input trims' reference and spread, the close mics' gains from the kit author's
balance, the overheads and rooms by the rule of :mod:`~drumassist.learn.corpus.balance`.
"""

from __future__ import annotations

import math

import numpy as np

from drumassist.learn.corpus.balance import ambient_gains, draw_engineer, session_level_db
from drumassist.learn.corpus.layouts import Layout
from drumassist.learn.corpus.mics import Mic

#: Each mic's input trim puts its peak here, plus a random offset of up to +-TRIM_RANGE_DB.
TRIM_REFERENCE_DBFS = -18.0
TRIM_RANGE_DB = 10.0
#: The two mics of a pair share their offset within this.
PAIR_SPREAD_DB = 1.5
#: The reference mix is scaled to peak here.
MIX_PEAK_DBFS = -3.0
#: A snare bottom mic is mixed this far under the top (drawn per session), inverted.
SNARE_BOTTOM_RANGE_DB = (-12.0, -4.0)
#: The kick's share given to its inside mic when it has an in/out pair.
KICK_IN_SHARE = (0.5, 0.8)


def reference_mics(
    close_mics: list[tuple[str, str]], gains: dict[str, float], played: set[str]
) -> list[str]:
    """The close mics whose contribution the overheads are set against: the snare's top
    mic if the snare plays, else every close mic whose drum plays, else every close mic
    (``close_mics``: (name, source) pairs; a bottom mic has a negative gain)."""
    if "snare" in played:
        snare = [n for n, source in close_mics if source == "snare"]
        if snare:
            return [n for n in snare if gains[n] > 0][:1] or snare[:1]
    return [n for n, source in close_mics if source in played] or [n for n, _ in close_mics]


def unplayed_trim(played_trims: list[float], rng: np.random.Generator) -> tuple[float, float]:
    """The input trim (offset in dB, linear) of a close mic whose drum does not play: the
    geometric mean of the played close mics' trims (at least one), times its own +-10 dB
    offset."""
    if not played_trims:
        raise ValueError("no played close mic to take the preamp from")
    base = math.exp(float(np.mean(np.log(played_trims))))
    offset = float(rng.uniform(-TRIM_RANGE_DB, TRIM_RANGE_DB))
    return offset, base * 10.0 ** (offset / 20.0)


def mix_gains(
    layout: Layout,
    stems: dict[str, np.ndarray],
    trims_lin: dict[str, float],
    *,
    balances: dict[str, float],
    played: set[str],
    rng: np.random.Generator,
    sample_rate: int,
) -> dict[str, float]:
    """The engineer's mix gains of ``stems`` recorded at ``trims_lin`` (linear input trims),
    by the rule in :mod:`~drumassist.learn.corpus.render`'s docstring, before the mix is
    scaled to peak at :data:`MIX_PEAK_DBFS`."""
    kick_in = float(rng.uniform(*KICK_IN_SHARE))
    bottom_db = float(rng.uniform(*SNARE_BOTTOM_RANGE_DB))
    gains = {}
    for mic in layout.mics:
        if mic.kind == "close":
            share = _share(mic, kick_in, bottom_db)
            gains[mic.name] = share * balances[str(mic.source)] / trims_lin[mic.name]
    gains.update(_ambient_gains(layout, stems, gains, played, rng=rng, sample_rate=sample_rate))
    return gains


def _ambient_gains(
    layout: Layout,
    stems: dict[str, np.ndarray],
    close: dict[str, float],
    played: set[str],
    *,
    rng: np.random.Generator,
    sample_rate: int,
) -> dict[str, float]:
    """Overhead and room gains by the rule the multi-mic kits' reference mixes follow
    (:func:`~drumassist.learn.corpus.balance.ambient_gains`): the overhead pair under the
    snare close mic's contribution as the ENST engineer put it, rooms under the pair."""
    engineer = draw_engineer(rng, ())
    refs = reference_mics(
        [(m.name, str(m.source)) for m in layout.mics if m.kind == "close"], close, played
    )
    reference = np.sum([close[n] * stems[n] for n in refs], axis=0)
    reference_db = session_level_db(reference, sample_rate)
    kinds = {m.name: m.kind for m in layout.mics if m.kind in ("overhead", "room")}
    levels = {n: session_level_db(stems[n], sample_rate) for n, k in kinds.items() if k == "room"}
    overheads = [n for n, k in kinds.items() if k == "overhead"]
    if overheads:
        pair = np.sum([stems[n] for n in overheads], axis=0)
        levels["overhead"] = session_level_db(pair, sample_rate)
    return ambient_gains(levels, kinds=kinds, reference_db=reference_db, choice=engineer)


def _share(mic: Mic, kick_in: float, bottom_db: float) -> float:
    if mic.variant == "in":
        return kick_in
    if mic.variant == "out":
        return 1.0 - kick_in
    if mic.variant == "bottom":
        return -(10.0 ** (bottom_db / 20.0))
    return 1.0
