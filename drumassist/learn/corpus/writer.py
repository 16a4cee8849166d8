"""Complete a session: reverse engineer the targets and write ``session.json`` last."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import soundfile as sf

from drumassist.core.atomic import write_atomically
from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress
from drumassist.errors import CorpusError
from drumassist.learn.corpus.fingerprint import fingerprints
from drumassist.learn.corpus.slots import assign_slots
from drumassist.learn.corpus.store import (
    check_unique_names,
    relative_file,
    rounded,
    write_session_json,
)
from drumassist.learn.reverse.engineer import ReverseResult, reverse_engineer
from drumassist.learn.reverse.report import UNRELATED_R2

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SessionMeta:
    """What a builder knows about a session besides its audio (see the format)."""

    id: str
    source: str
    group: str
    kit: str | None = None
    heldout: bool = False
    layout: str | None = None
    pattern: str | None = None
    seed: int | None = None
    tempo_bpm: float | None = None
    slots: Mapping[str, str | None] | None = None  # by track name; None: from the names
    set_gains_db: Mapping[str, float] = field(default_factory=dict)
    set_polarity: Mapping[str, int] = field(default_factory=dict)
    trims_db: Mapping[str, float] = field(default_factory=dict)


def finish_session(
    session_dir: Path,
    multitrack: Multitrack,
    mix: np.ndarray,
    *,
    meta: SessionMeta,
    files: Sequence[Path],
    mix_file: Path,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Fit the targets (mono reverse engineering) and write ``session.json``.

    Parameters
    ----------
    session_dir : Path
        The session's folder, which must exist.
    multitrack : Multitrack
        The stems, in the order of ``files``.
    mix : numpy.ndarray
        The reference mix at the multitrack's rate; its channels are averaged.
    meta : SessionMeta
    files, mix_file : Path
        Where the stems and the mix are stored (inside ``session_dir`` or elsewhere).

    Returns
    -------
    dict
        The document written.
    """
    check_unique_names(multitrack.names)
    result = reverse_engineer(multitrack, mix, stereo=False, progress=progress)
    if result.r2 < UNRELATED_R2:
        # Its targets would be noise: trained on and scored as truth (a mix of another
        # song or take in a session folder, found by a researcher's trial).
        raise CorpusError(
            f"{meta.id}: the mix does not appear to be made of these stems (static gains"
            f" explain {max(result.r2, 0.0):.1%}); not a session"
        )
    slots = meta.slots
    if slots is None:
        slots = dict(
            zip(multitrack.names, assign_slots(multitrack.names, multitrack.roles), strict=True)
        )
    doc: dict[str, Any] = {
        "id": meta.id,
        "source": meta.source,
        "group": meta.group,
        "kit": meta.kit,
        "heldout": meta.heldout,
        "layout": meta.layout,
        "pattern": meta.pattern,
        "seed": meta.seed,
        "tempo_bpm": rounded(meta.tempo_bpm, 2),
        "sample_rate": multitrack.sample_rate,
        "duration_s": rounded(multitrack.duration_s, 4),
        "mix": relative_file(mix_file, session_dir),
        "tracks": _tracks(session_dir, multitrack, result, meta=meta, files=files, slots=slots),
        "reverse": {
            "r2": rounded(result.r2, 6),
            "latency_ms": rounded(result.latency_ms, 3),
            "residual_db": rounded(result.residual_db, 2),
            "warnings": list(result.warnings),
        },
    }
    doc["files"] = fingerprints([*files, mix_file], session_dir)  # see corpus.fingerprint
    write_session_json(session_dir, doc)
    return doc


def _tracks(
    session_dir: Path,
    multitrack: Multitrack,
    result: ReverseResult,
    *,
    meta: SessionMeta,
    files: Sequence[Path],
    slots: Mapping[str, str | None],
) -> list[dict[str, Any]]:
    rows = []
    for track, gain, path in zip(multitrack.tracks, result.tracks, files, strict=True):
        rows.append(
            {
                "name": track.name,
                "file": relative_file(path, session_dir),
                "role": track.role.value,
                "slot": slots.get(track.name),
                "set_gain_db": rounded(meta.set_gains_db.get(track.name)),
                "set_polarity": meta.set_polarity.get(track.name),
                "trim_db": rounded(meta.trims_db.get(track.name), 3),
                "target_gain_db": rounded(gain.gain_db),
                "target_status": gain.status,
                "target_sign_flipped": gain.sign_flipped,
                "silent": gain.status == "silent",
            }
        )
    return rows


def write_audio(path: Path, audio: np.ndarray, sample_rate: int) -> None:
    """Write float audio as 24-bit FLAC atomically (it must lie within full scale)."""
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if not math.isfinite(peak) or peak >= 1.0:
        raise CorpusError(f"{path.name}: peak {peak:.3f} is at or above full scale")

    def write(handle: BinaryIO) -> None:
        sf.write(handle, audio, sample_rate, format="FLAC", subtype="PCM_24")

    try:
        write_atomically(path, write, overwrite=True)
    except (OSError, RuntimeError) as exc:  # soundfile's errors are RuntimeErrors
        raise CorpusError(f"{path}: cannot write audio ({exc})") from exc
