"""What the trim model measures of a multitrack: bleed transfer and level statistics.

:func:`anchor_inputs` measures every track's levels (:data:`LEVELS`) and the transfer
matrix between mics (:func:`~drumassist.learn.bleed.trims.transfer_matrix`) once, from
the audio, and keeps them in the cache folder keyed by the audio of every track.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import os
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from drumassist.core.atomic import write_atomically
from drumassist.core.conditioning import RECIPE as CONDITIONING
from drumassist.core.conditioning import analysis_view
from drumassist.core.loudness import block_energies
from drumassist.core.mixloudness import gated_loudness
from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress, ScaledProgress, check_cancelled
from drumassist.core.roles import Role
from drumassist.learn.bleed import measure, trims
from drumassist.learn.bleed.trims import kind_of, transfer_matrix

log = logging.getLogger(__name__)

#: Level measures per track, besides the anchor: BS.1770 integrated, sample peak, and
#: statistics of the momentary (400 ms) loudness: percentiles, maximum, maximum 3 s
#: mean, and the mean over the blocks within 20, 10 and 30 dB of the maximum.
LEVELS = ("int", "peak", "m90", "m95", "m99", "mmax", "stmax", "g20", "g10", "g30")
SHORT_TERM_BLOCKS = 27  # ~3 s of momentary blocks at a 100 ms hop


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


def track_levels(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """The :data:`LEVELS` of one track (``(frames, channels)`` audio), in dB / LUFS."""
    data = np.asarray(audio, dtype=np.float64)
    out = np.full(len(LEVELS), -math.inf)
    peak = float(np.max(np.abs(data))) if data.size else 0.0
    if peak <= 0:
        return out
    z = block_energies(data, sample_rate).sum(axis=1)
    loud = -0.691 + 10 * np.log10(np.maximum(z, 1e-30))
    k = min(SHORT_TERM_BLOCKS, len(z))
    short_term = np.convolve(z, np.ones(k) / k, mode="valid")
    values = {
        "int": gated_loudness(z),  # BS.1770 integrated, from the same blocks
        "peak": _db(peak),
        "mmax": float(loud.max()),
        "stmax": -0.691 + 10 * math.log10(max(float(short_term.max()), 1e-30)),
    }
    values["m90"], values["m95"], values["m99"] = np.percentile(loud, [90, 95, 99])
    for gate in (20, 10, 30):
        values[f"g{gate}"] = -0.691 + 10 * math.log10(z[loud >= loud.max() - gate].mean())
    return np.array([values[name] for name in LEVELS], dtype=float)


def anchor_inputs(
    multitrack: Multitrack, *, progress: Progress | None = None, cache: bool = True
) -> AnchorInputs:
    """Measure everything the trim model needs of ``multitrack`` (no learned tables).

    Parameters
    ----------
    multitrack : Multitrack
        The stems, with their roles.
    progress : Progress, optional
        Receives a report per track; cancelling raises CancelledError.
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
        levels = []
        for i, track in enumerate(tracks):
            check_cancelled(progress)
            levels.append(track_levels(track.audio, multitrack.sample_rate))
            if progress is not None:
                progress.report(0.6 + 0.4 * (i + 1) / len(tracks), f"levels: {track.name}")
        matrix = np.array(levels, dtype=float).reshape(len(tracks), len(LEVELS))
        if key is not None:
            _cache_store(key, g, matrix)
    return AnchorInputs(
        names=multitrack_in.names,
        roles=multitrack_in.roles,
        kinds=tuple(kind_of(t.name, t.role.value) for t in tracks),
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
    rows = [track_levels(t.audio, view.sample_rate) for t in view.tracks]
    kinds = tuple(kind_of(t.name, t.role.value) for t in view.tracks)
    return kinds, np.array(rows, dtype=float).reshape(len(rows), len(LEVELS))


#: Bumped when what :func:`anchor_inputs` measures changes: old cache entries are not found.
#: 2: the audio hashed track by track; 3: measured on the conditioned audio; 4: keyed by
#: the audio as given (conditioned only when measured).
CACHE_FORMAT = "drumassist-anchor-4"


def _cache_key(multitrack: Multitrack) -> str:
    # Every setting the measures depend on: change one and old entries are not found.
    recipe = {
        "format": CACHE_FORMAT,
        "conditioning": CONDITIONING,
        "sample_rate": multitrack.sample_rate,
        "levels": LEVELS,
        "short_term_blocks": SHORT_TERM_BLOCKS,
        "transfer": [
            trims.BAND_HZ, trims.MIN_BAND_BINS, measure.FRAME_S, measure.LOUD_FRAME_DB,
            measure.DOMINANT_PERCENTILE, measure.MIN_FRAMES,
        ],
        "shapes": [list(t.audio.shape) for t in multitrack.tracks],
    }  # fmt: skip
    digest = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode())
    for track_digest in _audio_digests(multitrack):
        digest.update(track_digest)
    return digest.hexdigest()


def _audio_digests(multitrack: Multitrack) -> list[bytes]:
    """The sha256 of every track's float32 samples, on up to one thread per core
    (hashlib releases the GIL: 8 stems of 3 minutes hash in half the time on two)."""

    def one(audio: np.ndarray) -> bytes:
        return hashlib.sha256(np.ascontiguousarray(audio, dtype=np.float32).data).digest()

    audio = [track.audio for track in multitrack.tracks]
    workers = min(len(audio), os.cpu_count() or 1)
    if workers <= 1:
        return [one(a) for a in audio]
    with ThreadPoolExecutor(workers, thread_name_prefix="drumassist-hash") as executor:
        return list(executor.map(one, audio))


def _cache_path(key: str) -> Path:
    from drumassist.core.paths import cache_dir

    return cache_dir() / "anchor" / key[:2] / f"{key}.npz"


def _cache_load(key: str, tracks: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The cached transfer matrix and levels, or None (a bad entry is deleted, not trusted)."""
    path = _cache_path(key)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as entry:
            g = np.asarray(entry["transfer_db"], dtype=float)
            levels = np.asarray(entry["levels_db"], dtype=float)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        _discard(path, f"unreadable ({exc})")
        return None
    if g.shape != (tracks, tracks) or levels.shape != (tracks, len(LEVELS)):
        _discard(path, "wrong shape")
        return None
    return g, levels


def _discard(path: Path, reason: str) -> None:
    log.warning("ignoring the anchor cache entry %s: %s; measuring again", path.name, reason)
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:  # only a cache: a read-only folder must not stop a suggestion
        log.debug("cannot delete %s: %s", path, exc)


def _cache_store(key: str, g: np.ndarray, levels: np.ndarray) -> None:
    """Write an entry atomically; a failure is logged, never raised (it is only a cache)."""
    buffer = io.BytesIO()
    np.savez(buffer, transfer_db=g, levels_db=levels)
    path = _cache_path(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, lambda h: h.write(buffer.getvalue()), overwrite=True)
    except OSError as exc:
        log.warning("cannot write the anchor cache entry %s: %s", path, exc)
