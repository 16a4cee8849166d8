"""What the trim model measures of a multitrack: bleed transfer and level statistics.

:func:`anchor_inputs` measures every track's levels (:data:`LEVELS`) and the transfer
matrix between mics (:func:`~drumassist.learn.bleed.trims.transfer_matrix`) once, from
the audio, and keeps them in the cache folder keyed by the audio of every track.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from drumassist.core import measurecache
from drumassist.core.conditioning import RECIPE as CONDITIONING
from drumassist.core.conditioning import analysis_view
from drumassist.core.loudness import block_energies
from drumassist.core.mixloudness import gated_loudness
from drumassist.core.multitrack import Multitrack, Track
from drumassist.core.parallel import map_on_cores
from drumassist.core.progress import Progress, ScaledProgress, check_cancelled
from drumassist.core.roles import Role
from drumassist.learn.bleed import measure, trims
from drumassist.learn.bleed.kinds import track_kinds
from drumassist.learn.bleed.trims import transfer_matrix

#: Level measures per track, besides the anchor: BS.1770 integrated, sample peak, and
#: statistics of the momentary (400 ms) loudness: percentiles (of the blocks where the
#: kit plays, above digital silence), maximum, maximum 3 s mean, and the mean over the
#: blocks (where the kit plays) within 20, 10 and 30 dB of the maximum.
LEVELS = ("int", "peak", "m90", "m95", "m99", "mmax", "stmax", "g20", "g10", "g30")
SHORT_TERM_BLOCKS = 27  # ~3 s of momentary blocks at a 100 ms hop
#: Momentary blocks under this are digital silence (zeros, or a 24-bit or float export's
#: silence; 16-bit dither sits near -93 LUFS), left out of the level percentiles; a
#: track with no block above it is silent (no level, gain -inf). Not
#: BS.1770's -70 LUFS: real mics' quiet moments fall under that (10 % of the ENST
#: excerpt's blocks), and none of its blocks under this.
SILENCE_LUFS = -100.0
#: A track whose reference level lies this far under the session's loudest track's is
#: silent to the models (dither, a noise floor, a stem of nothing): relative, so the
#: quietly recorded sessions are balanced as the loud ones. (BS.1770's -70 LUFS gate
#: was used before: a session recorded 16 dB lower lost its unplayed tom, and any mic
#: trimmed low would have been muted.) In BOTH3 (levels-gb's and levels' training
#: corpus), COLOMBO3 and the ENST corpora a track lies at most 31 dB under its
#: session's loudest.
SILENT_BELOW_LOUDEST_DB = 60.0
#: What the level and bleed measures mean, named in the card of every model trained on
#: them (trim, levels-gb, levels): a model trained on other measures is refused. 1: the
#: percentiles over every block; 2: digital silence left out of them; 3: the blocks and
#: bleed frames where the kit rests left out too, and a mic's silent frames.
MEASURES_VERSION = 3


@dataclass(frozen=True, eq=False)
class AnchorInputs:
    """What the trim model sees of one multitrack, measured once from the audio.

    ``levels_db`` has one row per track and one column per :data:`LEVELS` entry
    (``-inf`` for silent tracks); ``transfer_db`` is :func:`~drumassist.learn.bleed.trims.
    transfer_matrix`.
    """

    names: tuple[str, ...]
    roles: tuple[Role, ...]
    kinds: tuple[str, ...]
    transfer_db: np.ndarray
    peak_db: np.ndarray
    loudness_lufs: np.ndarray
    levels_db: np.ndarray

    @property
    def role_values(self) -> tuple[str, ...]:
        return tuple(r.value for r in self.roles)


def _db(x: float) -> float:
    return 20 * math.log10(x) if x > 0 else -math.inf


def track_blocks(audio: np.ndarray, sample_rate: int) -> tuple[float, np.ndarray]:
    """A track's sample peak and the K-weighted energy of each of its momentary (400 ms)
    blocks, channels summed (none for a track of zeros)."""
    # As float32: block_energies copies each chunk into float64 (exactly), and a max of
    # absolute values is exact, so a full float64 copy (63 MB for 3 minutes) gains nothing.
    data = np.asarray(audio)
    peak = float(np.max(np.abs(data))) if data.size else 0.0
    if peak <= 0:
        return 0.0, np.zeros(0)
    return peak, block_energies(data, sample_rate).sum(axis=1)


def levels_of(peak: float, z: np.ndarray, playing: np.ndarray | None = None) -> np.ndarray:
    """The :data:`LEVELS` of a track from :func:`track_blocks`, in dB / LUFS; the
    percentiles and the means near the loudest over the blocks where the kit plays
    (``playing``; every block if None)."""
    out = np.full(len(LEVELS), -math.inf)
    if peak <= 0:
        return out
    loud = -0.691 + 10 * np.log10(np.maximum(z, 1e-30))
    if loud.max() < SILENCE_LUFS:  # digital silence throughout (a -180 dBFS kick got +179 dB)
        return out
    k = min(SHORT_TERM_BLOCKS, len(z))
    short_term = np.convolve(z, np.ones(k) / k, mode="valid")
    values = {
        "int": gated_loudness(z),  # BS.1770 integrated, from the same blocks
        "peak": _db(peak),
        "mmax": float(loud.max()),
        "stmax": -0.691 + 10 * math.log10(max(float(short_term.max()), 1e-30)),
    }
    # Over the blocks where the kit plays (trims.kit_playing: within 40 dB of the
    # session's loudest; on the ENST excerpt 5 % of the blocks, at its ends, lie outside
    # and m90 moves by 0.18 dB at most), digital silence left out: silence or a noise
    # floor where the drums rest (a song's stems, a stripped tom track, a shorter stem
    # padded to the session's length) does not move a drum's level.
    heard = loud >= SILENCE_LUFS  # not empty: the loudest block is above it
    if playing is not None and (heard & playing).any():
        heard &= playing
    values["m90"], values["m95"], values["m99"] = np.percentile(loud[heard], [90, 95, 99])
    for gate in (20, 10, 30):
        near = heard & (loud >= loud.max() - gate)
        values[f"g{gate}"] = -0.691 + 10 * math.log10(z[near if near.any() else heard].mean())
    return np.array([values[name] for name in LEVELS], dtype=float)


def audible_levels(levels_db: np.ndarray) -> np.ndarray:
    """Which tracks of a session are heard, from one level each (dB or LUFS, ``-inf``
    for silence): those within :data:`SILENT_BELOW_LOUDEST_DB` of the loudest."""
    level = np.asarray(levels_db, dtype=float)
    finite = np.isfinite(level)
    if not finite.any():
        return finite
    return finite & (level >= level[finite].max() - SILENT_BELOW_LOUDEST_DB)


def session_levels(tracks: Sequence[Track], sample_rate: int) -> np.ndarray:
    """The :data:`LEVELS` of every track (one row each), the percentiles and the means
    near the loudest over the blocks where the kit plays (:func:`trims.kit_playing`).
    The filtering runs on both cores."""
    blocks = map_on_cores(lambda t: track_blocks(t.audio, sample_rate), tracks, "levels")
    playing = trims.kit_playing([z for _, z in blocks])
    rows = [levels_of(peak, z, playing) for peak, z in blocks]
    return np.array(rows, dtype=float).reshape(len(rows), len(LEVELS))


def anchor_inputs(
    multitrack: Multitrack, *, progress: Progress | None = None, cache: bool = True
) -> AnchorInputs:
    """Measure everything the trim model needs of ``multitrack`` (no learned tables).

    Parameters
    ----------
    multitrack : Multitrack
        The stems, with their roles.
    progress : Progress, optional
        Receives a report per stage; cancelling raises CancelledError (checked between
        stages: each stage runs on every track at once, on both cores).
    cache : bool
        Keep the measures in the cache folder (``anchor/``), keyed by the audio of
        every track, so the same stems are measured once.
    """
    check_cancelled(progress)
    # Keyed by the audio as given (with the conditioning recipe in the key), so a hit
    # needs no conditioning: the measures are a function of that audio alone.
    key = _cache_key(multitrack) if cache else None
    cached = None if key is None else _cache_load(key, len(multitrack.tracks))
    multitrack_in = multitrack
    if cached is not None:
        g, matrix = cached
        if progress is not None:
            progress.report(1.0, "measures from the cache")
        tracks = multitrack.tracks
    else:
        multitrack = analysis_view(multitrack)  # measured without DC and rumble
        tracks = multitrack.tracks
        g = transfer_matrix(
            multitrack, progress=None if progress is None else ScaledProgress(progress, 0.0, 0.6)
        )
        check_cancelled(progress)
        matrix = session_levels(tracks, multitrack.sample_rate)
        if progress is not None:
            progress.report(1.0, "levels")
        if key is not None:
            _cache_store(key, g, matrix)
    return AnchorInputs(
        names=multitrack_in.names,
        roles=multitrack_in.roles,
        kinds=track_kinds([t.name for t in tracks], [t.role.value for t in tracks]),
        transfer_db=g,
        peak_db=matrix[:, LEVELS.index("peak")].copy(),
        loudness_lufs=matrix[:, LEVELS.index("int")].copy(),
        levels_db=matrix,
    )


def level_inputs(multitrack: Multitrack) -> tuple[tuple[str, ...], np.ndarray]:
    """Each track's kind and :data:`LEVELS` row (no bleed measures: the levels model's).

    Measured on the conditioned audio (:func:`~drumassist.core.conditioning.analysis_view`).
    """
    view = analysis_view(multitrack)
    kinds = track_kinds(view.names, [t.role.value for t in view.tracks])
    return kinds, session_levels(view.tracks, view.sample_rate)


#: Bumped when what :func:`anchor_inputs` measures changes: old cache entries are not found.
#: 2: the audio hashed track by track; 3: measured on the conditioned audio; 4: keyed by
#: the audio as given (conditioned only when measured); 5: keyed by core.measurecache;
#: 6: the percentiles leave digital silence out (:data:`SILENCE_LUFS`), and a track of
#: nothing else is silent; 7: and the blocks where the kit does not play.
CACHE_FORMAT = "drumassist-anchor-7"
CACHE_KIND = "anchor"


def _cache_key(multitrack: Multitrack) -> str:
    # Every setting the measures depend on: change one and old entries are not found.
    recipe = {
        "format": CACHE_FORMAT,
        "conditioning": CONDITIONING,
        "levels": LEVELS,
        "short_term_blocks": SHORT_TERM_BLOCKS,
        "silence_lufs": SILENCE_LUFS,
        "kit_playing_db": trims.KIT_PLAYING_RANGE_DB,
        "mic_silent_db": trims.MIC_SILENT_DB,
        "transfer": [
            trims.BAND_HZ, trims.MIN_BAND_BINS, measure.FRAME_S, measure.LOUD_FRAME_DB,
            measure.DOMINANT_PERCENTILE, measure.MIN_FRAMES,
        ],
    }  # fmt: skip
    return measurecache.entry_key(recipe, multitrack)


def _cache_load(key: str, tracks: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The cached transfer matrix and levels, or None (a bad entry is deleted, not trusted)."""

    def valid(entry: Mapping[str, np.ndarray]) -> bool:
        return entry["transfer_db"].shape == (tracks, tracks) and entry["levels_db"].shape == (
            tracks,
            len(LEVELS),
        )

    entry = measurecache.load_entry(CACHE_KIND, key, valid)
    if entry is None:
        return None
    return np.asarray(entry["transfer_db"], dtype=float), np.asarray(
        entry["levels_db"], dtype=float
    )


def _cache_store(key: str, g: np.ndarray, levels: np.ndarray) -> None:
    measurecache.store_entry(CACHE_KIND, key, {"transfer_db": g, "levels_db": levels})
