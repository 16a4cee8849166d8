"""Render one session: a kit played through simulated mics, and its reference mix.

The reference mix follows the kit author's balance. Each drum (source) ``s`` has the
balance ``b_s = volume * gain`` of its main instrument in ``drumkit.xml``, and its
other articulations keep their own balance relative to it, as Hydrogen plays them.
Each mic records ``c_k = T_k m_k``: its simulated signal ``m_k`` (see
:mod:`~drumassist.learn.corpus.mics`: bleed, spectra and tails follow one of the
real multi-mic kits measured in :mod:`~drumassist.learn.corpus.calibration`, drawn
per session) times an input trim ``T_k`` that puts its peak
at -18 dBFS plus a random offset ``u_k`` of +-10 dB (a pair shares its offset within
+-1.5 dB), the way preamp gains differ between sessions. A close mic whose drum does not
play in the session gets the preamp of the close mics whose drums do (their geometric
mean trim) with its own offset (:func:`unplayed_trim`): an engineer sets it at the
soundcheck, and its bleed stays as quiet as real bleed is. (Until 2026-12-01 it too was
trimmed to peak at -18 dBFS: its bleed came out as loud as a played drum, a thing real
recordings never show; the ENST excerpt's unplayed toms sit 29 dB under its kick.)
The set mix gains are then:

* close mic: ``a_k = f_k b_s / T_k``, the author's balance undone for the trim.
  ``f_k = 1`` for a single mic; a kick in/out pair splits the kick ``f`` = 0.5..0.8
  to the inside mic and the rest outside; a snare bottom is added 4..12 dB under the
  top with inverted polarity (``a_k < 0``), which restores the bottom head's polarity.
* overheads and rooms: by the rule of the multi-mic kits' reference mixes
  (:mod:`~drumassist.learn.corpus.balance`, one rule for every corpus): the overhead
  pair's session level (K-weighted) 5.5 to 9.2 dB under the snare close mic's
  contribution, as the ENST engineer mixed it; the room mics together 4 to 12 dB under
  the pair. (Until 2026-12-01 the overheads rendered the cymbals at their author balance
  and the rooms the kit 2 to 10 dB under it, through a ``1/d`` pickup: a different rule
  from the multi-mic kits', so a model could not fit both; on real Gogodze sessions
  held out, room mics came out 7 to 10 dB too loud.)

Finally all gains are scaled together so the mix peaks at -3 dBFS. These ``a_k`` are
the ``set_gain_db`` (``20 log10 |a_k|``) and ``set_polarity`` of ``session.json``.
"""

from __future__ import annotations

import bisect
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from drumassist.core.multitrack import from_arrays
from drumassist.core.roles import role_from_name
from drumassist.learn.corpus.calibration import session_profile
from drumassist.learn.corpus.grooves import Hit, Performance, from_song, generated
from drumassist.learn.corpus.hydrogen import read_song
from drumassist.learn.corpus.kitmap import FALLBACKS, SOURCE_OF, Articulation
from drumassist.learn.corpus.kits import KitInfo, Piece, load_kit
from drumassist.learn.corpus.layouts import Layout, build_layout
from drumassist.learn.corpus.mics import (
    Point,
    kit_geometry,
    mic_position,
    render_mics,
)
from drumassist.learn.corpus.session_gains import (
    MIX_PEAK_DBFS,
    PAIR_SPREAD_DB,
    TRIM_RANGE_DB,
    TRIM_REFERENCE_DBFS,
    mix_gains,
    unplayed_trim,
)
from drumassist.learn.corpus.writer import SessionMeta, finish_session, write_audio

log = logging.getLogger(__name__)

SONG_SHARE = 0.5
ENST_SHARE = 0.5
_CHOKE_FADE_S = 0.01
_MAIN = {  # the articulation whose balance is a source's b_s, then fallbacks
    "kick": (Articulation.KICK,),
    "snare": (Articulation.SNARE, Articulation.RIMSHOT, Articulation.SIDESTICK),
    "hi-hat": (Articulation.HAT_CLOSED, Articulation.HAT_PEDAL, Articulation.HAT_OPEN),
    "crash": (Articulation.CRASH, Articulation.SPLASH, Articulation.CHINA),
    "ride": (Articulation.RIDE, Articulation.RIDE_BELL),
}


@dataclass(frozen=True)
class RenderJob:
    """One session to render; ``seed`` alone decides everything random in it."""

    id: str
    seed: int
    kit: KitInfo
    songs: tuple[Path, ...]
    duration_s: float
    sample_rate: int


@dataclass(frozen=True)
class Rendered:
    layout: Layout
    performance: Performance
    stems: dict[str, np.ndarray]
    mix: np.ndarray
    gains_lin: dict[str, float]
    trims_db: dict[str, float]
    trims_lin: dict[str, float]


def build_render_session(job: RenderJob, folder: Path) -> None:
    """Render ``job`` into ``folder``: stems, ``mix.flac``, then ``session.json``."""
    rendered = render_session(job)
    (folder / "stems").mkdir(exist_ok=True)
    files = []
    for name, audio in rendered.stems.items():
        files.append(folder / "stems" / f"{file_name(name)}.flac")
        write_audio(files[-1], audio, job.sample_rate)
    write_audio(folder / "mix.flac", rendered.mix, job.sample_rate)
    roles = {m.name: role_from_name(m.name) for m in rendered.layout.mics}
    multitrack = from_arrays(rendered.stems, sample_rate=job.sample_rate, roles=roles)
    gains = rendered.gains_lin
    meta = SessionMeta(
        id=job.id, source="render", group=job.kit.group, kit=job.kit.name,
        heldout=job.kit.heldout, layout=rendered.layout.kind,
        pattern=rendered.performance.pattern, seed=job.seed,
        tempo_bpm=rendered.performance.tempo_bpm,
        slots=dict(zip(rendered.stems, rendered.layout.slots, strict=True)),
        set_gains_db={n: 20.0 * math.log10(abs(g)) for n, g in gains.items()},
        set_polarity={n: 1 if g > 0 else -1 for n, g in gains.items()},
        trims_db=rendered.trims_db,
    )  # fmt: skip
    finish_session(
        folder, multitrack, rendered.mix, meta=meta, files=files, mix_file=folder / "mix.flac"
    )


def file_name(name: str) -> str:
    """A track name made safe as a file name."""
    return "".join(c if c.isalnum() or c in " -_." else "_" for c in name).strip() or "track"


def render_session(job: RenderJob) -> Rendered:
    """The stems (float32, in layout order), the mono mix and the set gains of ``job``."""
    rng = np.random.default_rng(job.seed)
    kit = load_kit(job.kit.xml, job.sample_rate)
    chosen = {a: _pick(kit.choices(a), rng) for a in Articulation if kit.choices(a)}
    has_hihat = any(SOURCE_OF[a] == "hi-hat" for a in chosen)
    has_ride = any(SOURCE_OF[a] == "ride" for a in chosen)
    enst = bool(rng.random() < ENST_SHARE)
    layout, tom_indices = build_layout(
        rng, kit_toms=len(kit.toms), has_hihat=has_hihat, enst=enst, has_ride=has_ride
    )
    toms = [kit.toms[i] for i in tom_indices]
    performance = perform(job.songs, rng, duration_s=job.duration_s, toms=len(toms), label=job.id)
    frames = round(job.duration_s * job.sample_rate)
    sources, balances = _sources(
        performance.hits, chosen, toms, frames=frames, sample_rate=job.sample_rate
    )
    for mic in layout.mics:  # a miked drum that never plays still has a balance
        if mic.source is not None and mic.source not in sources:
            sources[mic.source] = np.zeros(frames)
            balances[mic.source] = _balance(mic.source, chosen, toms)
    geometry = kit_geometry(sorted(sources), rng)
    played = _played(sources)
    recording = _record(
        layout, sources, geometry, played=played, sample_rate=job.sample_rate, rng=rng
    )
    gains = mix_gains(
        layout, recording.stems, recording.trims_lin, balances=balances, played=played,
        rng=rng, sample_rate=job.sample_rate,
    )  # fmt: skip
    mix = np.zeros(frames)
    for name, gain in gains.items():
        mix += gain * recording.stems[name]
    scale = 10.0 ** (MIX_PEAK_DBFS / 20.0) / float(np.max(np.abs(mix)))
    gains = {name: gain * scale for name, gain in gains.items()}
    mix32 = (mix * scale).astype(np.float32)
    return Rendered(
        layout, performance, recording.stems, mix32, gains, recording.trims_db, recording.trims_lin
    )


def _pick(pieces: list[Piece], rng: np.random.Generator) -> Piece:
    return pieces[int(rng.integers(len(pieces)))]


def perform(
    songs: tuple[Path, ...], rng: np.random.Generator, *, duration_s: float, toms: int, label: str
) -> Performance:
    """A song's patterns (half of the time, if there are songs) or a generated groove."""
    if songs and rng.random() < SONG_SHARE:
        song = read_song(songs[int(rng.integers(len(songs)))])
        performance = from_song(song, rng, duration_s=duration_s, toms=toms)
        if performance.hits:
            return performance
        log.info("%s: %s has no playable notes; generating a groove", label, song.path.name)
    return generated(rng, duration_s=duration_s, toms=toms)


def _resolve(articulation: Articulation, chosen: dict[Articulation, Piece]) -> Piece | None:
    for candidate in (articulation, *FALLBACKS.get(articulation, ())):
        if candidate in chosen:
            return chosen[candidate]
    return None


def _balance(source: str, chosen: dict[Articulation, Piece], toms: list[Piece]) -> float:
    if source.startswith("tom"):
        return toms[int(source[3:])].balance
    for articulation in _MAIN[source]:
        if articulation in chosen:
            return chosen[articulation].balance
    return 1.0


def _sources(
    hits: tuple[Hit, ...],
    chosen: dict[Articulation, Piece],
    toms: list[Piece],
    *,
    frames: int,
    sample_rate: int,
) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Each drum's dry signal, scaled so that ``b_s * signal`` is the author's balance."""
    sources: dict[str, np.ndarray] = {}
    balances: dict[str, float] = {}
    hat_times = [h.time_s for h in hits if SOURCE_OF[h.articulation] == "hi-hat"]
    for hit in hits:
        piece: Piece | None
        if hit.articulation == Articulation.TOM:
            piece, source = toms[hit.tom], f"tom{hit.tom}"
        else:
            piece, source = _resolve(hit.articulation, chosen), SOURCE_OF[hit.articulation]
        if piece is None:
            continue
        if source not in sources:
            sources[source] = np.zeros(frames)
            balances[source] = _balance(source, chosen, toms)
        audio, layer_gain = piece.sample(hit.velocity)
        level = hit.velocity * layer_gain * piece.balance / balances[source]
        start = round(hit.time_s * sample_rate)
        stop_s = choke_time(hit, hat_times) if piece.articulation == Articulation.HAT_OPEN else None
        place_hit(sources[source], audio, level, start=start, stop_s=stop_s, rate=sample_rate)
    return sources, balances


def choke_time(hit: Hit, hat_times: list[float]) -> float | None:
    """An open hat rings until the next hat stroke closes it."""
    later = bisect.bisect_right(hat_times, hit.time_s + 1e-6)
    return hat_times[later] if later < len(hat_times) else None


def place_hit(
    out: np.ndarray, audio: np.ndarray, level: float, *, start: int, stop_s: float | None, rate: int
) -> None:
    """Add ``level * audio`` to ``out`` from frame ``start``, cut (faded) at ``stop_s``."""
    n = min(len(audio), len(out) - start)
    if stop_s is not None:
        n = min(n, round(stop_s * rate) - start + round(_CHOKE_FADE_S * rate))
    if n <= 0:
        return
    segment = level * audio[:n].astype(np.float64)
    if stop_s is not None and n < len(audio):
        fade = min(n, round(_CHOKE_FADE_S * rate))
        segment[n - fade :] *= np.linspace(1.0, 0.0, fade)
    out[start : start + n] += segment


@dataclass(frozen=True)
class _Recording:
    """The trimmed stems, each mic's trim (offset in dB, and the linear factor) and position."""

    stems: dict[str, np.ndarray]
    trims_db: dict[str, float]
    trims_lin: dict[str, float]
    positions: dict[str, Point]


def _record(
    layout: Layout,
    sources: dict[str, np.ndarray],
    geometry: dict[str, Point],
    *,
    played: set[str],
    sample_rate: int,
    rng: np.random.Generator,
) -> _Recording:
    recording = _Recording({}, {}, {}, {})
    profile = session_profile(rng)  # which real kit's microphones this session imitates
    pair_db = {
        kind: float(rng.uniform(-TRIM_RANGE_DB, TRIM_RANGE_DB)) for kind in ("overhead", "room")
    }
    positions = [mic_position(mic, geometry, rng) for mic in layout.mics]
    heard_all = render_mics(
        list(zip(layout.mics, positions, strict=True)), sources, geometry,
        sample_rate=sample_rate, rng=rng, profile=profile,
    )  # fmt: skip
    # With no played close mic there is no preamp to share: every mic is trimmed by peak.
    sharing = any(m.kind == "close" and m.source in played for m in layout.mics)
    unplayed = []
    for mic, position, heard in zip(layout.mics, positions, heard_all, strict=True):
        recording.positions[mic.name] = position
        if sharing and mic.kind == "close" and mic.source not in played:
            unplayed.append((mic, heard))
            continue
        if mic.kind in pair_db:
            trim_db = pair_db[mic.kind] + float(rng.uniform(-PAIR_SPREAD_DB, PAIR_SPREAD_DB))
        else:
            trim_db = float(rng.uniform(-TRIM_RANGE_DB, TRIM_RANGE_DB))
        peak = float(np.max(np.abs(heard)))
        trim = 10.0 ** ((TRIM_REFERENCE_DBFS + trim_db) / 20.0) / peak if peak > 0 else 1.0
        _keep(recording, mic.name, heard, trim_db, trim)
    kinds = {m.name: m.kind for m in layout.mics}
    shared = [t for name, t in recording.trims_lin.items() if kinds[name] == "close"]
    for mic, heard in unplayed:
        _keep(recording, mic.name, heard, *unplayed_trim(shared, rng))
    ordered = {m.name: recording.stems.pop(m.name) for m in layout.mics}
    recording.stems.update(ordered)  # in layout order
    return recording


def _keep(recording: _Recording, name: str, heard: np.ndarray, trim_db: float, trim: float) -> None:
    """Record mic ``name``'s stem at its input trim (``trim_db``, ``trim`` linear)."""
    recording.stems[name] = (heard * trim).astype(np.float32)
    recording.trims_db[name], recording.trims_lin[name] = trim_db, trim


def _played(sources: dict[str, np.ndarray]) -> set[str]:
    return {name for name, signal in sources.items() if np.any(signal)}
