"""Render one session from a multi-microphone kit: real hits on every real mic.

The drummer's performance comes from :mod:`~drumassist.learn.corpus.grooves` (a
Hydrogen demo song's patterns or a generated groove, humanised). Each hit picks a
piece (one per articulation per session; pieces of one piece set, such as one of
Frankensnare's snares, are kept together), a recorded velocity layer by its
velocity (never a gain) and the next round robin of that layer (they rotate from a
random start), and is placed on **every** mic at its onset, sample-exact: the
mics' files are one recording, so their relative delays, bleed, polar patterns and
room are real. An open hi-hat is cut (10 ms fade) on every mic at the next hat stroke.

Mics (the layout): about half of the sessions keep only the mics with an ENST slot,
named by their slots (``kick``, ``snare``, ``overhead_L``...); the others keep every
close and overhead mic and each room mic with probability 0.6, named as the mic map
says (``Kick``, ``OH L``, ``Room Window``). Then each stem gets a random input trim
(peak at -18 dBFS plus +-10 dB; a pair shares its offset within +-1.5 dB), and the
reference mix is made from the stems by the rule of
:mod:`~drumassist.learn.corpus.balance`, scaled to peak at -3 dBFS.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from drumassist.learn.corpus.balance import (
    HIT_WINDOW_S,
    CloseMic,
    EngineerChoice,
    ambient_gains,
    close_gains,
    draw_engineer,
    hit_level_db,
    mean_level_db,
    session_level_db,
)
from drumassist.learn.corpus.grooves import Hit, Performance
from drumassist.learn.corpus.kitmap import FALLBACKS, SOURCE_OF, Articulation
from drumassist.learn.corpus.micmap import MicInfo
from drumassist.learn.corpus.multimic_kit import KitPiece, MultimicKit, stroke_audio
from drumassist.learn.corpus.render import choke_time, perform, place_hit
from drumassist.learn.corpus.session_gains import (
    MIX_PEAK_DBFS,
    PAIR_SPREAD_DB,
    TRIM_RANGE_DB,
    TRIM_REFERENCE_DBFS,
    reference_mics,
    unplayed_trim,
)

ENST_SHARE = 0.5
ROOM_KEEP = 0.6
_KIND_ORDER = {"close": 0, "overhead": 1, "room": 2}
_SOURCE_ORDER = {"kick": 0, "snare": 1, "hi-hat": 2}
_MAIN = {
    "kick": (Articulation.KICK,),
    "snare": (Articulation.SNARE, Articulation.RIMSHOT, Articulation.SIDESTICK),
    "hi-hat": (Articulation.HAT_CLOSED, Articulation.HAT_PEDAL, Articulation.HAT_OPEN),
    "cymbal": (Articulation.CRASH, Articulation.RIDE, Articulation.SPLASH, Articulation.CHINA),
}


@dataclass(frozen=True)
class MultimicRendered:
    """A rendered session: stems (trimmed, float32) by track name, the mono mix, gains."""

    layout: str
    mics: tuple[MicInfo, ...]
    tracks: tuple[str, ...]
    performance: Performance
    stems: dict[str, np.ndarray]
    mix: np.ndarray
    gains_lin: dict[str, float]
    trims_db: dict[str, float]
    trims_lin: dict[str, float]
    onsets: tuple[tuple[int, str, int, int], ...]  # (frame, piece, layer, round robin)


def drum_of(articulation: Articulation, tom: int) -> str:
    """The source (drum) a hit sounds, as close mics name theirs."""
    if articulation == Articulation.TOM:
        return f"tom{tom}"
    source = SOURCE_OF[articulation]
    return "cymbal" if source in ("crash", "ride") else source


def render_multimic(
    kit: MultimicKit,
    *,
    songs: tuple[Path, ...],
    seed: int,
    duration_s: float,
    sample_rate: int,
    label: str,
) -> MultimicRendered:
    """Render one session of ``kit``; ``seed`` alone decides everything random in it."""
    rng = np.random.default_rng(seed)
    chosen = _choose_pieces(kit, rng)
    mics = _layout_mics(kit, chosen, rng)
    layout, tracks = _track_names(mics)
    toms = len(kit.toms)
    performance = perform(songs, rng, duration_s=duration_s, toms=toms, label=label)
    frames = round(duration_s * sample_rate)
    index = [kit.mics.index(m) for m in mics]
    recorded = [np.zeros(frames) for _ in mics]
    onsets = _play(kit, chosen, performance.hits, recorded, index, rng=rng, rate=sample_rate)
    engineer = draw_engineer(rng, [m.source for m in mics if m.source])
    close = _close_mics(mics, chosen, kit, index, sample_rate)
    gains = close_gains(close, engineer)
    played = {
        drum_of(piece.articulation, hit.tom)
        for hit in performance.hits
        if (piece := _resolve(hit, chosen, kit)) is not None
    }
    gains.update(_ambient(mics, recorded, gains, played, engineer=engineer, rate=sample_rate))
    stems, trims_db, trims = _trim(mics, tracks, recorded, played, rng)
    mix, set_gains = _reference_mix(mics, tracks, recorded, gains, trims)
    return MultimicRendered(
        layout, tuple(mics), tuple(tracks), performance, stems, mix, set_gains, trims_db,
        trims, tuple(onsets),
    )  # fmt: skip


def _reference_mix(
    mics: list[MicInfo],
    tracks: list[str],
    recorded: list[np.ndarray],
    gains: dict[str, float],
    trims: dict[str, float],
) -> tuple[np.ndarray, dict[str, float]]:
    """The reference mix (float32, peaking at :data:`MIX_PEAK_DBFS`) of the mics at the
    rule's ``gains``, and the gain each trimmed stem was set to in it."""
    mix = np.zeros(len(recorded[0]))
    set_gains = {}
    for mic, track, audio in zip(mics, tracks, recorded, strict=True):
        set_gains[track] = gains[mic.name] / trims[track]
        mix += gains[mic.name] * audio
    scale = 10.0 ** (MIX_PEAK_DBFS / 20.0) / max(float(np.max(np.abs(mix))), 1e-12)
    return (mix * scale).astype(np.float32), {t: g * scale for t, g in set_gains.items()}


def _choose_pieces(kit: MultimicKit, rng: np.random.Generator) -> dict[Articulation, KitPiece]:
    """One piece per articulation, all from one piece set where the kit has several."""
    sets = sorted({p.name.rpartition("/")[0] for p in kit.pieces})
    wanted = sets[int(rng.integers(len(sets)))]
    chosen: dict[Articulation, KitPiece] = {}
    for articulation in Articulation:
        pieces = kit.choices(articulation)
        if articulation == Articulation.TOM or not pieces:
            continue
        same_set = [p for p in pieces if p.name.rpartition("/")[0] == wanted] or pieces
        chosen[articulation] = same_set[int(rng.integers(len(same_set)))]
    return chosen


def _resolve(hit: Hit, chosen: dict[Articulation, KitPiece], kit: MultimicKit) -> KitPiece | None:
    if hit.articulation == Articulation.TOM:
        return kit.toms[hit.tom] if 0 <= hit.tom < len(kit.toms) else None
    for candidate in (hit.articulation, *FALLBACKS.get(hit.articulation, ())):
        if candidate in chosen:
            return chosen[candidate]
    return None


def _main_piece(
    source: str, chosen: dict[Articulation, KitPiece], kit: MultimicKit
) -> KitPiece | None:
    if source.startswith("tom"):
        tom = int(source[3:])
        return kit.toms[tom] if tom < len(kit.toms) else None
    return next((chosen[a] for a in _MAIN.get(source, ()) if a in chosen), None)


def _layout_mics(
    kit: MultimicKit, chosen: dict[Articulation, KitPiece], rng: np.random.Generator
) -> list[MicInfo]:
    """The session's mics, close mics first; close mics of a drum the kit lacks are left out."""
    usable = [
        m for m in kit.mics
        if m.kind != "close" or _main_piece(str(m.source), chosen, kit) is not None
    ]  # fmt: skip
    slotted = [m for m in usable if m.slot]
    if len(slotted) >= 2 and rng.random() < ENST_SHARE:
        mics = slotted
    else:
        mics = [m for m in usable if m.kind != "room" or rng.random() < ROOM_KEEP]
    return sorted(
        mics,
        key=lambda m: (
            _KIND_ORDER[m.kind], _SOURCE_ORDER.get(str(m.source), 3), str(m.source),
            m.variant == "bottom", m.side or "", m.track,
        ),
    )  # fmt: skip


def _track_names(mics: list[MicInfo]) -> tuple[str, list[str]]:
    """The layout kind and track names: ENST slot names if every mic has its own slot."""
    if all(m.slot for m in mics) and len({m.slot for m in mics}) == len(mics):
        return "enst", [str(m.slot) for m in mics]
    return "varied", [m.track for m in mics]


def _play(
    kit: MultimicKit,
    chosen: dict[Articulation, KitPiece],
    hits: tuple[Hit, ...],
    recorded: list[np.ndarray],
    index: list[int],
    *,
    rng: np.random.Generator,
    rate: int,
) -> list[tuple[int, str, int, int]]:
    """Place every hit on every session mic; the (onset, piece, layer, round robin) played."""
    turns: dict[tuple[str, int], int] = {}
    hat_times = [h.time_s for h in hits if SOURCE_OF[h.articulation] == "hi-hat"]
    onsets = []
    for hit in hits:
        piece = _resolve(hit, chosen, kit)
        if piece is None:
            continue
        layer_i = piece.layer_index(hit.velocity)
        layer = piece.layers[layer_i]
        key = (piece.name, layer_i)
        if key not in turns:
            turns[key] = int(rng.integers(len(layer.strokes)))
        rr = turns[key] % len(layer.strokes)
        turns[key] += 1
        audio = stroke_audio(layer.strokes[rr], rate)
        start = round(hit.time_s * rate)
        stop_s = None
        if piece.articulation == Articulation.HAT_OPEN:
            stop_s = choke_time(hit, hat_times)
        for out, i in zip(recorded, index, strict=True):
            place_hit(out, audio[i], 1.0, start=start, stop_s=stop_s, rate=rate)
        onsets.append((start, piece.name, layer_i, rr))
    return onsets


def _close_mics(
    mics: list[MicInfo],
    chosen: dict[Articulation, KitPiece],
    kit: MultimicKit,
    index: list[int],
    rate: int,
) -> list[CloseMic]:
    """Each close mic's own hit level (loudest layer of its drum) and polarity.

    The polarity of a second mic on a drum is the one that makes it add to the first
    (the sign of their zero-lag correlation over the loudest layer's first 200 ms,
    summed over its round robins), as an engineer flips a snare bottom by ear.
    """
    close = []
    first: dict[str, list[np.ndarray]] = {}
    window = round(HIT_WINDOW_S * rate)
    for mic, i in zip(mics, index, strict=True):
        if mic.kind != "close" or mic.source is None:
            continue
        piece = _main_piece(mic.source, chosen, kit)
        assert piece is not None  # _layout_mics left out close mics of missing drums
        own = [stroke_audio(s, rate)[i] for s in piece.layers[-1].strokes]
        level_db = mean_level_db([hit_level_db(a, rate) for a in own])
        reference = first.setdefault(mic.source, own)
        dot = sum(
            float(np.dot(a[: min(len(a), len(b), window)], b[: min(len(a), len(b), window)]))
            for a, b in zip(own, reference, strict=True)
        )
        close.append(CloseMic(mic.name, mic.source, mic.variant, level_db, -1 if dot < 0 else 1))
    return close


def _ambient(
    mics: list[MicInfo],
    recorded: list[np.ndarray],
    close: dict[str, float],
    played: set[str],
    *,
    engineer: EngineerChoice,
    rate: int,
) -> dict[str, float]:
    """Overhead and room gains, from the session levels of the untrimmed signals."""
    audio = {m.name: a for m, a in zip(mics, recorded, strict=True)}
    refs = reference_mics(
        [(m.name, str(m.source)) for m in mics if m.kind == "close"], close, played
    )
    if refs:
        reference = sum(close[n] * audio[n] for n in refs)
        reference_db = session_level_db(np.asarray(reference), rate)
    else:
        reference_db = -20.0 - engineer.overhead_vs_snare_db
    kinds = {m.name: m.kind for m in mics if m.kind != "close"}
    levels = {n: session_level_db(audio[n], rate) for n, k in kinds.items() if k == "room"}
    overheads = [n for n, k in kinds.items() if k == "overhead"]
    if overheads:
        levels["overhead"] = session_level_db(np.asarray(sum(audio[n] for n in overheads)), rate)
    return ambient_gains(levels, kinds=kinds, reference_db=reference_db, choice=engineer)


def _trim(
    mics: list[MicInfo],
    tracks: list[str],
    recorded: list[np.ndarray],
    played: set[str],
    rng: np.random.Generator,
) -> tuple[dict[str, np.ndarray], dict[str, float], dict[str, float]]:
    """Stems with random input trims: (stems, trim offsets in dB, linear trims), by track.

    A close mic whose drum is not in ``played`` gets the preamp of the played ones
    (:func:`~drumassist.learn.corpus.session_gains.unplayed_trim`), as in the simulator.
    """
    pair_db = {k: float(rng.uniform(-TRIM_RANGE_DB, TRIM_RANGE_DB)) for k in ("overhead", "room")}
    stems, trims_db, trims = {}, {}, {}
    # With no played close mic there is no preamp to share: every mic is trimmed by peak.
    sharing = any(m.kind == "close" and m.source in played for m in mics)
    unplayed = []
    for mic, track, audio in zip(mics, tracks, recorded, strict=True):
        if sharing and mic.kind == "close" and mic.source not in played:
            unplayed.append((track, audio))
            continue
        if mic.kind in pair_db and mic.side:
            offset = pair_db[mic.kind] + float(rng.uniform(-PAIR_SPREAD_DB, PAIR_SPREAD_DB))
        else:
            offset = float(rng.uniform(-TRIM_RANGE_DB, TRIM_RANGE_DB))
        peak = float(np.max(np.abs(audio)))
        trim = 10.0 ** ((TRIM_REFERENCE_DBFS + offset) / 20.0) / peak if peak > 0 else 1.0
        stems[track] = (audio * trim).astype(np.float32)
        trims_db[track], trims[track] = offset, trim
    close = [
        trims[t] for m, t in zip(mics, tracks, strict=True) if m.kind == "close" and t in trims
    ]
    for track, audio in unplayed:
        trims_db[track], trims[track] = unplayed_trim(close, rng)
        stems[track] = (audio * trims[track]).astype(np.float32)
    stems = {t: stems[t] for t in tracks}  # in track order
    return stems, trims_db, trims
