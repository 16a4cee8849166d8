"""Gain reverse engineering: the gains that best rebuild a mix from its stems.

The published method (section 2 of the paper) fits ``y ≈ X a`` by least squares,
with ``y`` the dry mix summed to mono and the columns of ``X`` the stems. Here:

* **Mono fit** (the default): ``y`` is the *mean* of the mix's channels and each
  column the mean of a stem's channels, as :func:`drumassist.core.mix.mix` mixes to
  mono. The mean rather than the sum keeps a mono mix stored as two identical
  channels at its own level; it scales every gain alike, so the balance is the same.
  A centred mono stem in a sin/cos-panned stereo mix therefore reads 3 dB below its
  stereo gain.
* **Stereo fit**: the left and right mix channels are fitted separately. A mono
  stem feeds both sides, a stereo stem feeds each side its own channel only, as in
  :mod:`drumassist.core.mix`. Per-channel gains then become a gain and a pan by
  inverting :func:`drumassist.core.mix.pan_gains` (the sin/cos law for a mono stem,
  the balance law that is unity at the centre for a stereo stem).
* A constant latency between mix and stems is found first: the lag, within
  ``max_latency_ms``, at which a least-squares fit explains the most mix energy,
  computed from every stem's cross-correlation with the mix. At a non-zero lag the
  stems are read a second time for the exact Xᵀy.
* Silent and linearly dependent stems are left out of the solve and reported with
  no gain (see :mod:`drumassist.learn.reverse.solve`).

XᵀX, Xᵀy and yᵀy are summed block by block (:mod:`drumassist.learn.reverse.accumulate`),
so long sessions need memory for one block only; R² comes from the same sums.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress
from drumassist.core.stemread import read_stem
from drumassist.errors import DrumassistError, InvalidStemError
from drumassist.learn.reverse import accumulate as acc
from drumassist.learn.reverse.report import (
    UNRELATED_R2,
    TrackGain,
    fit_warnings,
    mark_unreliable,
    residual_db,
    track_gains,
)
from drumassist.learn.reverse.solve import SideFit, best_lag, screen, solve_side

__all__ = ["ReverseResult", "TrackGain", "load_mix", "read_mix", "reverse_engineer"]

log = logging.getLogger(__name__)

#: Share of the progress bar given to the first pass when a second one may follow.
_FIRST_PASS_SHARE = 0.8


@dataclass(frozen=True)
class ReverseResult:
    """Recovered gains, how well they explain the mix, and the latency removed.

    ``r2`` is the fraction of the mix energy explained (no mean is removed: the
    model has no offset). ``residual_db`` is the residual level relative to the mix
    level. A positive latency means the mix is late relative to the stems.
    ``reliable`` is False when R² is below
    :data:`~drumassist.learn.reverse.report.UNRELATED_R2`: the mix does not appear to be
    made of these stems, the fitted tracks' status is "unreliable" and the latency
    means nothing. It is False too when the best latency lies at the search limit
    (``at_latency_limit``): the true offset is then likely beyond it, and the gains
    fitted at the wrong offset are wrong, however well they explain the mix.
    """

    tracks: tuple[TrackGain, ...]
    r2: float
    residual_db: float
    latency_samples: int
    latency_ms: float
    stereo: bool
    nonneg: bool
    warnings: tuple[str, ...]
    reliable: bool = True
    at_latency_limit: bool = False

    def gains_db(self) -> dict[str, float | None]:
        """Gain in dB per track name (None where undefined)."""
        return {t.name: t.gain_db for t in self.tracks}


def reverse_engineer(
    multitrack: Multitrack,
    mix: np.ndarray,
    *,
    stereo: bool = False,
    nonneg: bool = False,
    max_latency_ms: float = 100.0,
    block_frames: int = 1 << 16,
    progress: Progress | None = None,
    mix_name: str = "the mix",
) -> ReverseResult:
    """Find the gains ``a`` with ``mix ≈ stems · a`` by least squares.

    Parameters
    ----------
    multitrack : Multitrack
        The stems.
    mix : numpy.ndarray
        The mix, float ``(frames,)`` or ``(frames, channels)`` at ``multitrack.sample_rate``.
    stereo : bool
        Fit the left and right channels of a two-channel mix separately and report
        a gain and a pan per track; by default fit the mean of the mix's channels.
    nonneg : bool
        Constrain the gains to be non-negative (no polarity flips).
    max_latency_ms : float
        Largest latency, either way, searched between mix and stems; 0 disables the search.
    block_frames : int
        Frames summed per block; memory grows with it, the result does not change.
    progress : Progress or None
        Told after each block; cancelling it between blocks raises ``CancelledError``.
    mix_name : str
        What error messages call the mix (its file name).

    Returns
    -------
    ReverseResult

    Raises
    ------
    InvalidStemError
        If the mix is empty, silent, not finite, has the wrong shape, or does not
        overlap the stems.
    DrumassistError
        If an option is out of range.
    """
    try:
        frames = _check(
            multitrack, mix, stereo=stereo, max_latency_ms=max_latency_ms, block=block_frames
        )
        return _reverse(
            multitrack, mix, frames, stereo=stereo, nonneg=nonneg,
            max_latency_ms=max_latency_ms, block_frames=block_frames, progress=progress,
        )  # fmt: skip
    except InvalidStemError as exc:
        raise InvalidStemError(f"{mix_name}: {exc}") from exc


def _reverse(
    multitrack: Multitrack,
    mix: np.ndarray,
    frames: int,
    *,
    stereo: bool,
    nonneg: bool,
    max_latency_ms: float,
    block_frames: int,
    progress: Progress | None,
) -> ReverseResult:
    mix2d = mix[:, None] if mix.ndim == 1 else mix
    layout = acc.make_layout(multitrack, stereo=stereo)
    lag_max = round(max_latency_ms * multitrack.sample_rate / 1000.0)
    stop = min(multitrack.frames, frames + lag_max)
    share = _FIRST_PASS_SHARE if lag_max else 1.0
    sums, xcorr = acc.first_pass(
        multitrack, mix2d, layout, stop=stop, lag_frames=lag_max,
        block_frames=block_frames, progress=progress, share=share,
    )  # fmt: skip
    lag = 0
    if xcorr is not None:
        first = [screen(sums.gram, side, frames=stop) for side in layout.sides]
        lag = best_lag(xcorr, sums.gram, first)
    sums, overlap = _sums_at_lag(
        multitrack, mix2d, layout, sums, lag=lag, stop=stop, block_frames=block_frames,
        progress=progress,
    )  # fmt: skip
    fits, statuses = _solve(sums, layout, overlap, nonneg=nonneg)
    total = float(np.sum(sums.energy))
    if total <= 0.0:
        raise InvalidStemError("the mix is silent where it overlaps the stems")
    r2 = 1.0 - sum(f.residual for f in fits) / total
    tracks = track_gains(multitrack, layout, fits, statuses)
    at_limit = bool(lag_max) and abs(lag) >= lag_max
    reliable = r2 >= UNRELATED_R2 and not at_limit
    if not reliable:
        tracks = mark_unreliable(tracks)
    latency_ms = 1000.0 * lag / multitrack.sample_rate
    warnings = _averaged_notice(mix2d, stereo=stereo) + fit_warnings(
        tracks, r2=r2, latency_ms=latency_ms, at_latency_limit=at_limit, nonneg=nonneg,
        length_diff_s=(frames - multitrack.frames) / multitrack.sample_rate,
    )  # fmt: skip
    for warning in warnings:
        log.info("reverse: %s", warning)
    return ReverseResult(
        tracks=tracks, r2=r2, residual_db=residual_db(1.0 - r2), latency_samples=lag,
        latency_ms=latency_ms, stereo=stereo, nonneg=nonneg, warnings=warnings,
        reliable=reliable, at_latency_limit=at_limit,
    )  # fmt: skip


def _averaged_notice(mix: np.ndarray, *, stereo: bool) -> tuple[str, ...]:
    """Say so when a mono fit averages two channels that differ (a real stereo mix)."""
    if stereo or mix.shape[1] != 2 or np.array_equal(mix[:, 0], mix[:, 1]):
        return ()
    return (
        "the mix is stereo; the mono fit averages its two channels (a stereo fit, --stereo,"
        " gives each side's gains and the pans)",
    )


def load_mix(path: Path, *, sample_rate: int) -> np.ndarray:
    """Read a mix as float32 ``(frames, channels)``, resampled (soxr) to ``sample_rate``.

    As :func:`read_mix`, with the notices logged instead of returned.
    """
    audio, notices = read_mix(path, sample_rate=sample_rate)
    for notice in notices:
        log.info("%s", notice)
    return audio


def read_mix(path: Path, *, sample_rate: int) -> tuple[np.ndarray, tuple[str, ...]]:
    """Read a mix as float32 ``(frames, channels)`` at ``sample_rate``, and what was changed.

    A mix at another rate is resampled with soxr, and a notice says so.

    Raises
    ------
    InvalidStemError
        If the file is missing, cannot be used or is shorter than
        :data:`~drumassist.core.loudness.MIN_SOUND_S`; the message names it.
    """
    from drumassist.core.loudness import MIN_SOUND_S

    path = Path(path)
    if not path.is_file():
        raise InvalidStemError(f"{path.name}: no such mix file")
    audio, rate = read_stem(path)
    if audio.shape[0] < MIN_SOUND_S * rate:
        raise InvalidStemError(
            f"{path.name}: the mix lasts {audio.shape[0]} frame(s) ({audio.shape[0] / rate:.3g} s);"
            f" too short to fit (under {MIN_SOUND_S:g} s)"
        )
    if rate == sample_rate:
        return audio, ()
    import soxr

    resampled = soxr.resample(audio, rate, sample_rate, quality="HQ")
    notice = f"{path.name}: the mix is at {rate} Hz; resampled to the stems' {sample_rate} Hz"
    return np.ascontiguousarray(resampled, dtype=np.float32).reshape(-1, audio.shape[1]), (notice,)


def _check(
    multitrack: Multitrack, mix: np.ndarray, *, stereo: bool, max_latency_ms: float, block: int
) -> int:
    """Validate the boundary once; return the mix's frame count."""
    if not isinstance(mix, np.ndarray) or mix.ndim not in (1, 2) or mix.shape[0] == 0:
        shape = getattr(mix, "shape", type(mix).__name__)
        raise InvalidStemError(f"expected the mix as (frames,) or (frames, channels), got {shape}")
    if not np.issubdtype(mix.dtype, np.floating) or (mix.ndim == 2 and mix.shape[1] == 0):
        raise InvalidStemError(f"expected float mix samples, got {mix.dtype} {mix.shape}")
    channels = 1 if mix.ndim == 1 else mix.shape[1]
    if stereo and channels != 2:
        raise InvalidStemError(f"a stereo fit needs a two-channel mix, got {channels} channel(s)")
    if not multitrack.tracks or multitrack.frames == 0:
        raise InvalidStemError("no stems to fit the mix with")
    if not 0.0 <= max_latency_ms <= 1000.0:
        raise DrumassistError(f"max latency must be 0 to 1000 ms, got {max_latency_ms!r}")
    if isinstance(block, bool) or not isinstance(block, int) or block < 1:
        raise DrumassistError(f"block_frames must be a positive integer, got {block!r}")
    return int(mix.shape[0])


def _sums_at_lag(
    multitrack: Multitrack,
    mix: np.ndarray,
    layout: acc.Layout,
    sums: acc.Sums,
    *,
    lag: int,
    stop: int,
    block_frames: int,
    progress: Progress | None,
) -> tuple[acc.Sums, int]:
    """The sums over the frames where stems and the ``lag``-shifted mix overlap, and their count."""
    first, last = max(0, -lag), min(multitrack.frames, mix.shape[0] - lag)
    if last - first < len(layout.columns) + 1:
        raise InvalidStemError(
            f"the mix overlaps the stems for only {max(last - first, 0)} frames at a latency of"
            f" {lag} frames"
        )
    gram = sums.gram
    if first > 0 or last < stop:
        gram = gram - acc.gram_between(multitrack, layout, 0, first, block_frames=block_frames)
        gram -= acc.gram_between(multitrack, layout, last, stop, block_frames=block_frames)
    if lag == 0:
        if progress is not None:
            progress.report(1.0, "reverse: no second pass needed at zero latency")
        return acc.Sums(gram, sums.cross, sums.energy), last - first
    cross, energy = acc.cross_at_lag(
        multitrack, mix, layout, lag=lag, start=first, stop=last,
        block_frames=block_frames, progress=progress, offset=_FIRST_PASS_SHARE,
    )  # fmt: skip
    return acc.Sums(gram, cross, energy), last - first


def _solve(
    sums: acc.Sums, layout: acc.Layout, frames: int, *, nonneg: bool
) -> tuple[list[SideFit], list[dict[int, str]]]:
    fits, statuses = [], []
    for side, columns in enumerate(layout.sides):
        scr = screen(sums.gram, columns, frames=frames)
        energy = float(sums.energy[side])
        fits.append(solve_side(sums.gram, sums.cross[side], energy, scr.basis, nonneg=nonneg))
        statuses.append(scr.status)
    return fits, statuses
