"""Every suggestion method side by side, scored against a reference mix when there is one.

Each method's gains are scaled so its mono mix measures the loudness target, as
:func:`drumassist.learn.suggest.suggestion.suggest` does, so the rows compare balances, not
levels. With a reference mix, its balance is reverse-engineered once
(:func:`drumassist.learn.suggest.reference.reference_suggestion`) and every method is scored
against it with :mod:`drumassist.learn.evaluate.metrics` (one session: R² pooled over its
tracks, and its balance error in dB).

A method that fails (a missing model file, say) is recorded with its error message
and the others carry on. :func:`render_comparison` writes every balance to a WAV file,
all at one loudness, for listening.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from drumassist.core.export import (
    DEFAULT_PEAK_CEILING_DBFS,
    EBU_R128_LUFS,
    ExportResult,
    export_audio,
)
from drumassist.core.loudness import integrated_loudness
from drumassist.core.mix import mix, peak_dbfs
from drumassist.core.mixloudness import DEFAULT_TARGET_LUFS, MixLoudness
from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress, ScaledProgress, check_cancelled
from drumassist.errors import CancelledError, DrumassistError, ExportError
from drumassist.learn.evaluate.metrics import compare_session, score
from drumassist.learn.models.registry import resolve
from drumassist.learn.suggest.reference import REFERENCE_METHOD, reference_suggestion
from drumassist.learn.suggest.suggestion import Suggestion, method_names, suggest

log = logging.getLogger(__name__)

#: Rendered mixes are 24-bit stereo WAV files.
RENDER_BIT_DEPTH = 24
#: The common render level already keeps every file under the ceiling; this slack stops
#: rounding from limiting the file that set that level a second time.
_CEILING_SLACK_DB = 1e-6


@dataclass(frozen=True)
class Reference:
    """A reference mix: its reverse-engineered balance and how well static gains fit it.

    ``suggestion.gains_db`` is ``-inf`` for tracks whose gain the fit could not tell
    (silent or linearly dependent stems); those tracks are left out of the scores.
    """

    path: Path
    suggestion: Suggestion
    fit_r2: float


@dataclass(frozen=True)
class MethodResult:
    """One method's suggestion and, with a reference, its scores; or why it failed."""

    method: str
    suggestion: Suggestion | None
    r2: float = math.nan
    balance_error_db: float = math.nan
    error: str | None = None


@dataclass(frozen=True)
class Comparison:
    """The reference (if any) and one result per method, in the order asked for."""

    reference: Reference | None
    methods: tuple[MethodResult, ...]

    @property
    def all_failed(self) -> bool:
        return not any(m.error is None for m in self.methods)


def compare_methods(
    multitrack: Multitrack,
    *,
    methods: Sequence[str],
    meter: MixLoudness,
    reference: Path | None = None,
    target_lufs: float = DEFAULT_TARGET_LUFS,
    progress: Progress | None = None,
) -> Comparison:
    """Run every method in ``methods`` on ``multitrack`` and score it against ``reference``.

    Parameters
    ----------
    methods : sequence of str
        Names from :func:`~drumassist.learn.suggest.suggestion.method_names`; repeats are
        dropped.
    meter : MixLoudness
        The loudness meter of ``multitrack``, shared by every method.
    reference : Path or None
        A mix of these stems to reverse-engineer and score against.

    Raises
    ------
    DrumassistError
        If no method or an unknown one is asked for. A method that raises a
        DrumassistError does not stop the others: its result carries the message.
    InvalidStemError
        If the reference mix cannot be read or fitted (the message names it).
    CancelledError
        If ``progress`` is cancelled.
    """
    names = _check_methods(methods)
    steps = len(names) + (reference is not None)
    ref = None
    if reference is not None:
        sub = _step(progress, 0, steps)
        suggestion, fit_r2 = reference_suggestion(
            multitrack, Path(reference), meter=meter, target_lufs=target_lufs, progress=sub
        )
        ref = Reference(Path(reference), suggestion, fit_r2)
    # "default" is an alias: a method already run under another name is not run again.
    done: dict[str, MethodResult] = {}
    results = []
    for i, name in enumerate(names, start=steps - len(names)):
        check_cancelled(progress)
        key = resolve(name)
        if key not in done:
            done[key] = _run_method(
                multitrack, name, meter=meter, reference=ref, target_lufs=target_lufs,
                progress=_step(progress, i, steps),
            )  # fmt: skip
        results.append(_renamed(done[key], name))
    if progress is not None:
        progress.report(1.0, "compared")
    return Comparison(ref, tuple(results))


def score_against(
    meter: MixLoudness,
    true_db: Sequence[float] | np.ndarray,
    pred_db: Sequence[float] | np.ndarray,
    *,
    target_lufs: float = DEFAULT_TARGET_LUFS,
) -> tuple[float, float]:
    """R² (linear gains) and balance error (dB) of ``pred_db`` against ``true_db``."""
    scores = score([compare_session(meter, true_db, pred_db, target=target_lufs)])
    return scores.r2, scores.balance_median_db


def _check_methods(methods: Sequence[str]) -> list[str]:
    names = list(dict.fromkeys(methods))
    known = method_names()
    if not names:
        raise DrumassistError("no method to compare; choose from " + ", ".join(known))
    unknown = [n for n in names if n not in known]
    if unknown:
        raise DrumassistError(f"unknown method '{unknown[0]}'; choose from {', '.join(known)}")
    return names


def _step(progress: Progress | None, index: int, steps: int) -> Progress | None:
    return (
        None if progress is None else ScaledProgress(progress, index / steps, (index + 1) / steps)
    )


def _run_method(
    multitrack: Multitrack,
    name: str,
    *,
    meter: MixLoudness,
    reference: Reference | None,
    target_lufs: float,
    progress: Progress | None,
) -> MethodResult:
    try:
        suggestion = suggest(
            multitrack, method=name, target_lufs=target_lufs, meter=meter, progress=progress
        )
    except CancelledError:
        raise
    except DrumassistError as exc:
        # One method's failure (a missing model, say) must not lose the others.
        log.info("compare: %s failed: %s", name, exc)
        return MethodResult(name, None, error=str(exc))
    if reference is None:
        return MethodResult(name, suggestion)
    r2, balance_db = score_against(
        meter, reference.suggestion.gains_db, suggestion.gains_db, target_lufs=target_lufs
    )
    return MethodResult(name, suggestion, r2=r2, balance_error_db=balance_db)


def _renamed(result: MethodResult, name: str) -> MethodResult:
    if result.method == name:
        return result
    suggestion = None if result.suggestion is None else replace(result.suggestion, method=name)
    return replace(result, method=name, suggestion=suggestion)


# -- rendering ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Render:
    """The files written, by method (``"reference"`` for the reference), and their level.

    ``loudness_lufs`` is the one integrated loudness every file was scaled to: the
    target (``target_lufs``), or lower when reaching it would have put one mix's peak
    over ``ceiling_dbfs``.
    """

    loudness_lufs: float
    files: Mapping[str, ExportResult]
    target_lufs: float = EBU_R128_LUFS
    ceiling_dbfs: float = DEFAULT_PEAK_CEILING_DBFS

    @property
    def lowered(self) -> bool:
        """True if the files are quieter than the target (by 0.05 dB or more)."""
        return self.loudness_lufs <= self.target_lufs - 0.05


def render_targets(out_dir: Path, methods: Sequence[str], *, reference: bool) -> dict[str, Path]:
    """The file each balance is rendered to: ``<out_dir>/<method>.wav``, reference first.

    Keys are method names, and :data:`REFERENCE_METHOD` for the reference mix's balance.
    """
    if reference and REFERENCE_METHOD in methods:
        raise DrumassistError(f"a method named '{REFERENCE_METHOD}' clashes with the reference")
    names = ([REFERENCE_METHOD] if reference else []) + list(dict.fromkeys(methods))
    targets: dict[str, Path] = {}
    used: set[str] = set()
    for name in names:
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "method"
        unique, n = stem, 1
        while unique.lower() in used:
            n += 1
            unique = f"{stem}-{n}"
        used.add(unique.lower())
        targets[name] = Path(out_dir) / f"{unique}.wav"
    return targets


def check_render_targets(
    multitrack: Multitrack,
    targets: Mapping[str, Path],
    *,
    overwrite: bool = False,
    protected: Collection[Path] = (),
) -> None:
    """Refuse, before any work, a render that would overwrite or pollute the session.

    Raises
    ------
    ExportError
        If the folder is a file or holds the stems (the mixes would load as stems
        next time), a target is a stem or a ``protected`` file (the reference mix),
        or a target exists and ``overwrite`` is false.
    """
    stems = [t.path.resolve() for t in multitrack.tracks if t.path is not None]
    keep = {*stems, *(Path(p).resolve() for p in protected)}
    for folder in {p.parent for p in targets.values()}:
        if folder.exists() and not folder.is_dir():
            raise ExportError(f"{folder}: not a folder; cannot render the mixes into it")
        if folder.resolve() in {s.parent for s in stems}:
            raise ExportError(
                f"{folder}: this is the stems folder; render the mixes elsewhere, or they"
                " would be loaded as stems next time"
            )
    for path in targets.values():
        if path.resolve() in keep:
            raise ExportError(f"{path.name}: refusing to write over the reference or a stem")
    existing = [p.name for p in targets.values() if p.exists()]
    if existing and not overwrite:
        verb, them = ("exists", "it") if len(existing) == 1 else ("already exist", "them")
        raise ExportError(
            f"{', '.join(existing)} {verb} in {next(iter(targets.values())).parent};"
            f" pass --force to replace {them}"
        )


def render_comparison(
    multitrack: Multitrack,
    comparison: Comparison,
    targets: Mapping[str, Path],
    *,
    loudness_lufs: float = EBU_R128_LUFS,
    peak_ceiling_dbfs: float = DEFAULT_PEAK_CEILING_DBFS,
    overwrite: bool = False,
    protected: Collection[Path] = (),
    progress: Progress | None = None,
) -> Render:
    """Write every balance of ``comparison`` that has a target, as stereo 24-bit WAV.

    Every file has the same integrated loudness: ``loudness_lufs``, or the highest
    level at which no mix peaks above ``peak_ceiling_dbfs``. Failed methods are
    skipped. Tracks are centred; the folder is created if missing. See
    :func:`check_render_targets` for what is refused.
    """
    check_render_targets(multitrack, targets, overwrite=overwrite, protected=protected)
    balances = _balances(comparison, targets)
    # Each mix is made twice (to measure, then to write) rather than held in memory.
    levels = [_level(multitrack, gains) for gains in balances.values()]
    common = _common_loudness(levels, loudness_lufs, peak_ceiling_dbfs)
    keep = [*(t.path for t in multitrack.tracks if t.path is not None), *protected]
    files = {}
    for i, (name, gains) in enumerate(balances.items()):
        check_cancelled(progress)
        path = targets[name]
        _make_folder(path.parent)
        files[name] = export_audio(
            mix(multitrack, gains, stereo=True), multitrack.sample_rate, path,
            bit_depth=RENDER_BIT_DEPTH, loudness_lufs=common,
            peak_ceiling_dbfs=peak_ceiling_dbfs + _CEILING_SLACK_DB, overwrite=overwrite,
            protected=keep, progress=_step(progress, i, len(balances)),
        )  # fmt: skip
    return Render(common, files, target_lufs=loudness_lufs, ceiling_dbfs=peak_ceiling_dbfs)


def _balances(comparison: Comparison, targets: Mapping[str, Path]) -> dict[str, tuple[float, ...]]:
    balances = {}
    if comparison.reference is not None and REFERENCE_METHOD in targets:
        balances[REFERENCE_METHOD] = comparison.reference.suggestion.gains_db
    for result in comparison.methods:
        if result.suggestion is not None and result.method in targets:
            balances[result.method] = result.suggestion.gains_db
    return balances


def _level(multitrack: Multitrack, gains_db: Sequence[float]) -> tuple[float, float]:
    """Integrated loudness and sample peak of the stereo mix, measured as export does."""
    audio = np.asarray(mix(multitrack, gains_db, stereo=True), dtype=np.float64)
    return integrated_loudness(audio, multitrack.sample_rate), peak_dbfs(audio)


def _common_loudness(
    levels: Sequence[tuple[float, float]], target_lufs: float, ceiling_dbfs: float
) -> float:
    """The loudest level up to ``target_lufs`` that keeps every mix under the ceiling."""
    reachable = [
        min(target_lufs, loudness + ceiling_dbfs - peak)
        for loudness, peak in levels
        if math.isfinite(loudness) and math.isfinite(peak)
    ]
    common = min(reachable, default=target_lufs)
    if common < target_lufs:
        log.info("rendering at %.1f LUFS so that no mix peaks above the ceiling", common)
    return common


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"{folder}: cannot create the render folder ({exc})") from exc
