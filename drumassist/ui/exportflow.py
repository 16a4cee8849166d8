"""What an export from the window writes: the default path, the job, the summary line."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from drumassist.core.export import ExportResult
from drumassist.core.multitrack import Multitrack
from drumassist.ui.document import MixDocument
from drumassist.ui.exportdialog import ExportRequest
from drumassist.ui.loading import ExportJob


def source_folder(multitrack: Multitrack) -> Path:
    """The folder the stems came from (the home folder for stems made in memory)."""
    paths = [t.path for t in multitrack.tracks if t.path is not None]
    return paths[0].parent if paths else Path.home()


def default_export_path(multitrack: Multitrack) -> Path:
    """``<folder>-mix.wav`` beside the stems' folder."""
    folder = source_folder(multitrack)
    return folder.parent / f"{folder.name}-mix.wav"


def export_job(doc: MixDocument, request: ExportRequest, *, overwrite: bool) -> ExportJob:
    """Capture on the GUI thread everything the export of ``request`` needs."""
    heard = request.source in ("A", "B")
    gains = doc.gains_b() if request.source == "B" else doc.gains_a()
    return ExportJob(
        multitrack=doc.multitrack,
        meter=doc.meter,
        method=None if heard else request.source,
        gains_db=gains if gains is not None else doc.gains_a(),
        pans=doc.pans(),
        # A and B export what is heard (mutes, solos); a method exports every track.
        mutes=~doc.audible() if heard else np.zeros(len(doc.strips), bool),
        inverted=doc.inverted(),  # polarity is the track's wiring: every export has it
        path=request.path,
        stereo=request.stereo,
        bit_depth=request.bit_depth,
        loudness_lufs=request.loudness_lufs,
        ceiling_dbfs=request.ceiling_dbfs,
        overwrite=overwrite,
    )


def export_summary(result: ExportResult) -> str:
    """The status line after an export: name, folder, loudness and peak."""
    level = f"{result.loudness_lufs:.1f} LUFS" if math.isfinite(result.loudness_lufs) else "silent"
    where = result.path.parent
    return f"Exported {result.path.name} to {where} ({level}, peak {result.peak_dbfs:+.1f} dBFS)"
