"""The built-in demo: a procedurally synthesised, humanised drum multitrack.

Nothing is downloaded. Each drum is synthesised once per seed as two components, a
*body* and a *bright* part, so a hit of velocity ``v`` is ``v * body + v**2 * bright``:
louder hits are brighter as well as louder, with no synthesis per hit. Every mic hears
every drum from a simulated kit geometry (delay = distance / speed of sound; level and
low-pass from distance). That response is applied to the short components, not to the
long stems, and hits are placed by addition, so time and memory grow only with the
stem length and the number of hits.
"""

from __future__ import annotations

import bisect
import logging
import math
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple

import numpy as np
import numpy.typing as npt
from scipy import signal

from drumassist.core.atomic import write_atomically, write_failure
from drumassist.core.drumsynth import SOUNDS as _SOUNDS
from drumassist.core.drumsynth import VARIANTS, FloatArray, filt, synth_sounds, time_axis
from drumassist.core.progress import Progress, check_cancelled
from drumassist.core.soundio import write_sound
from drumassist.errors import DrumassistError, ExportError

logger = logging.getLogger(__name__)

Stem = npt.NDArray[np.float32]

# fmt: off
DEMO_TRACKS: tuple[str, ...] = (
    "kick", "snare", "hi-hat", "overhead_L", "overhead_R", "tom_1", "tom_2", "tom_3")
# Faders an engineer might start from: hats and overheads tucked under kick and snare.
DEMO_BALANCE_DB: dict[str, float] = {
    "kick": 0.0, "snare": -1.0, "hi-hat": -7.0, "overhead_L": -5.0, "overhead_R": -5.0,
    "tom_1": -4.0, "tom_2": -4.0, "tom_3": -3.0}

SPEED_OF_SOUND_M_S = 343.0
MIN_SAMPLE_RATE_HZ, MAX_SAMPLE_RATE_HZ = 22050, 192000
MAX_DURATION_S = 3600.0
PEAK_TARGET_DBFS, PEAK_CEILING_DBFS = -6.0, -3.0
_LEAD_IN_S = 0.1
_HUMANISE_SD_S, _HUMANISE_MAX_S = 0.0018, 0.004
_CHOKE_FADE_S = 0.01

# Kit geometry in metres: x to the drummer's right, y away from the drummer, z up.
_SOURCE_POS_M = {
    "kick": (0.0, 0.0, 0.35), "snare": (-0.3, 0.3, 0.65), "hi-hat": (-0.6, 0.35, 0.95),
    "tom_1": (-0.15, 0.05, 0.85), "tom_2": (0.2, 0.05, 0.85), "tom_3": (0.55, 0.4, 0.55),
    "crash": (-0.5, -0.15, 1.4), "ride": (0.75, 0.15, 1.2)}
# A close mic is named after its drum; the kick mic sits inside the shell.
_MIC_POS_M = {
    "kick": (0.0, -0.12, 0.35), "snare": (-0.3, 0.22, 0.72), "hi-hat": (-0.6, 0.3, 1.05),
    "tom_1": (-0.15, -0.02, 0.92), "tom_2": (0.2, -0.02, 0.92), "tom_3": (0.55, 0.33, 0.63),
    "overhead_L": (-0.45, 0.2, 1.8), "overhead_R": (0.45, 0.2, 1.8)}
_OFF_AXIS_REJECTION_DB = 6.0
_ISOLATION_DB = {"kick": 6.0}  # the shell shields the kick mic from the rest of the kit
_BLEED_RANGE_DB = (20.0, 32.0)
# Low cuts at the mics: a small condenser over the hats, roll-off on the overheads.
_MIC_HIGHPASS_HZ = {"hi-hat": 200.0, "overhead_L": 120.0, "overhead_R": 120.0}

_KICK_PATTERNS = ((0, 8, 10), (0, 7, 8), (0, 3, 8, 10), (0, 6, 10, 11), (0, 10), (0, 8, 9))
_FILLS = (  # (16th step, drum) over the end of the last bar of a phrase
    ((8, "snare"), (9, "snare"), (10, "tom_1"), (11, "tom_1"),
     (12, "tom_2"), (13, "tom_2"), (14, "tom_3"), (15, "tom_3")),
    ((12, "tom_1"), (13, "tom_2"), (14, "tom_3"), (15, "tom_3")),
    ((8, "tom_1"), (10, "tom_1"), (11, "tom_2"), (12, "tom_2"), (14, "tom_3"), (15, "kick")),
    ((12, "snare"), (13, "tom_1"), (14, "tom_2"), (15, "tom_3")))
# fmt: on


class _Hit(NamedTuple):
    sound: str
    time_s: float
    velocity: float
    variant: int
    stop_s: float | None = None  # an open hat is choked here by the next hat hit


class _Style(NamedTuple):
    bpm: int
    sixteenths: bool  # 16th hats with snare ghost notes (funk) or 8th hats (rock)
    kicks: tuple[tuple[int, ...], tuple[int, ...]]  # main pattern, every 4th bar
    phrase_bars: int


def _choose_style(rng: np.random.Generator) -> _Style:
    a, b = rng.choice(len(_KICK_PATTERNS), size=2, replace=False)
    return _Style(
        bpm=int(rng.integers(96, 121)),
        sixteenths=bool(rng.random() < 0.5),
        kicks=(_KICK_PATTERNS[a], _KICK_PATTERNS[b]),
        phrase_bars=int(rng.choice([4, 8])),
    )


def _bar_steps(bar: int, style: _Style, rng: np.random.Generator) -> list[tuple[int, str, float]]:
    """(16th step, sound, nominal velocity) for one bar: groove, then crash and fill."""
    crash = bar % style.phrase_bars == 0
    steps = [(s, "kick", 0.95 if s == 0 else 0.85) for s in style.kicks[bar % 4 == 3]]
    steps += [(s, "snare", 0.9) for s in (4, 12)]
    if style.sixteenths:
        steps += [(s, "snare", 0.22) for s in (7, 9, 15) if rng.random() < 0.4]
    steps += _cymbal_steps(bar, style, rng, first=1 if crash else 0)
    if crash:
        steps.append((0, "crash", 0.95))
    if (bar + 1) % style.phrase_bars == 0:
        fill = _FILLS[int(rng.integers(len(_FILLS)))]
        steps = [step for step in steps if step[0] < fill[0][0]]
        steps += [(s, drum, 0.7 + 0.3 * i / len(fill)) for i, (s, drum) in enumerate(fill)]
    return steps


def _cymbal_steps(
    bar: int, style: _Style, rng: np.random.Generator, *, first: int
) -> list[tuple[int, str, float]]:
    """Accented hats, sometimes opened, or in every other phrase the ride."""
    if (bar // style.phrase_bars) % 2 == 1:  # the hat foot keeps 2 and 4 under the ride
        ride = [(s, "ride", 0.8 if s % 4 == 0 else 0.55) for s in range(2 * first, 16, 2)]
        return [*ride, (4, "hat_closed", 0.3), (12, "hat_closed", 0.3)]
    open_at = 14 if bar % 2 == 1 and rng.random() < 0.6 else 16  # 16: none in this bar
    every = range(first, 16) if style.sixteenths else range(2 * first, 16, 2)
    grid = [s for s in every if s != open_at + 1]  # an open hat rings for at least an 8th
    vel = {0: 0.8, 2: 0.6}  # quarters, 8ths; 16ths get 0.4
    return [(s, "hat_open" if s == open_at else "hat_closed", vel.get(s % 4, 0.4)) for s in grid]


def _make_groove(rng: np.random.Generator, duration_s: float) -> list[_Hit]:
    """Humanised hits (timing within 4 ms, velocity about 8 %) covering ``duration_s``."""
    style = _choose_style(rng)
    step_s = 60.0 / style.bpm / 4.0
    hits = []
    for bar in range(math.ceil(duration_s / (16 * step_s)) + 1):
        for step, sound, vel in _bar_steps(bar, style, rng):
            jitter_s = np.clip(rng.normal(0.0, _HUMANISE_SD_S), -_HUMANISE_MAX_S, _HUMANISE_MAX_S)
            time_s = _LEAD_IN_S + (bar * 16 + step) * step_s + float(jitter_s)
            velocity = float(np.clip(vel * math.exp(rng.normal(0.0, 0.08)), 0.05, 1.0))
            if time_s < duration_s:
                hits.append(_Hit(sound, time_s, velocity, int(rng.integers(VARIANTS))))
    hits.sort(key=lambda h: h.time_s)
    hat_times = [h.time_s for h in hits if h.sound.startswith("hat")]
    for i, hit in enumerate(hits):
        if hit.sound == "hat_open":  # choked by the next hat hit
            later = bisect.bisect_right(hat_times, hit.time_s)
            hits[i] = hit._replace(stop_s=hat_times[later] if later < len(hat_times) else None)
    return hits


def _distance_m(mic: str, source: str) -> float:
    return math.dist(_MIC_POS_M[mic], _SOURCE_POS_M[source])


def _mic_response(
    mic: str, sound: str, comps: FloatArray, sr: int, room_ir: FloatArray | None
) -> tuple[Stem, int]:
    """``comps`` as ``mic`` hears them, and the propagation delay in samples."""
    source = _SOUNDS[sound][0]
    dist_m = _distance_m(mic, source)
    if mic in _MIC_HIGHPASS_HZ:
        comps = filt(comps, "highpass", _MIC_HIGHPASS_HZ[mic], sr)
    if room_ir is not None:  # an overhead: the whole kit at 1/r, with the room
        heard = signal.oaconvolve(comps / dist_m, room_ir[np.newaxis, :], axes=-1)
    elif source == mic:
        heard = comps
    else:  # bleed: quieter with distance and off-axis, and duller
        att_db = 20.0 * math.log10(dist_m / _distance_m(mic, mic)) + _OFF_AXIS_REJECTION_DB
        att_db = float(np.clip(att_db + _ISOLATION_DB.get(mic, 0.0), *_BLEED_RANGE_DB))
        cutoff_hz = float(np.clip(1500.0 / dist_m, 2000.0, 5000.0))
        heard = filt(comps, "lowpass", cutoff_hz, sr, order=1) * 10.0 ** (-att_db / 20.0)
    return heard.astype(np.float32), round(dist_m / SPEED_OF_SOUND_M_S * sr)


def room_impulse_response(rng: np.random.Generator, sr: int) -> FloatArray:
    """Direct sound plus a short, dark, decaying diffuse tail about 10 dB down."""
    t = time_axis(0.35, sr)
    tail = filt(rng.standard_normal(t.size), "lowpass", 5000.0, sr) * np.exp(-t / 0.09)
    tail[t < 0.006] = 0.0
    ir = tail * 10.0 ** (-10.0 / 20.0) / np.sqrt(np.sum(tail**2))
    ir[0] += 1.0
    return ir


def _render_mic(
    mic: str, hits: list[_Hit], sounds: dict[str, list[FloatArray]], n_frames: int, *,
    sr: int, room_rng: np.random.Generator,
) -> Stem:  # fmt: skip
    room_ir = room_impulse_response(room_rng, sr) if mic.startswith("overhead") else None
    heard = {
        name: [_mic_response(mic, name, comps, sr, room_ir) for comps in variants]
        for name, variants in sounds.items()
    }
    out = np.zeros(n_frames, dtype=np.float32)
    fade = np.linspace(1.0, 0.0, round(_CHOKE_FADE_S * sr), dtype=np.float32)
    for hit in hits:
        comps, delay = heard[hit.sound][hit.variant]
        start = max(round(hit.time_s * sr) + delay, 0)
        n = min(comps.shape[1], n_frames - start)
        if hit.stop_s is not None:
            n = min(n, round((hit.stop_s - hit.time_s) * sr) + fade.size)
        if n <= 0:
            continue
        seg = hit.velocity * comps[0, :n] + hit.velocity**2 * comps[1, :n]
        if hit.stop_s is not None and n < comps.shape[1]:
            seg[-min(fade.size, n) :] *= fade[-min(fade.size, n) :]
        out[start : start + n] += seg
    return out


def _trim(out: Stem, mic: str, trim_db: float) -> None:
    """Set the gain as an engineer would: the mic's own drum at full velocity near -6 dBFS."""
    own = [level for source, level, _ in _SOUNDS.values() if source == mic]
    ref = own[0] if own else float(np.max(np.abs(out)))
    if ref > 0:
        out *= np.float32(10.0 ** ((PEAK_TARGET_DBFS + trim_db) / 20.0) / ref)
    peak, ceiling = float(np.max(np.abs(out))), 10.0 ** (PEAK_CEILING_DBFS / 20.0)
    if peak > ceiling:
        logger.debug("%s: peak %.2f lowered to the %.0f dBFS ceiling", mic, peak, PEAK_CEILING_DBFS)
        out *= np.float32(ceiling / peak)


def _check_args(seed: int, duration_s: float, sample_rate: int) -> int:
    """Validate the boundary once; return the number of frames."""

    def is_int(x: object) -> bool:
        return isinstance(x, int | np.integer) and not isinstance(x, bool)

    if not is_int(seed) or seed < 0:
        raise DrumassistError(f"seed must be a non-negative integer, got {seed!r}")
    if not is_int(sample_rate) or not MIN_SAMPLE_RATE_HZ <= sample_rate <= MAX_SAMPLE_RATE_HZ:
        limits = f"{MIN_SAMPLE_RATE_HZ} to {MAX_SAMPLE_RATE_HZ} Hz"
        raise DrumassistError(f"sample rate must be an integer {limits}, got {sample_rate!r}")
    real = isinstance(duration_s, int | float | np.integer | np.floating)
    if not real or not 0.0 < duration_s <= MAX_DURATION_S or round(duration_s * sample_rate) < 1:
        limits = f"at least one sample and at most {MAX_DURATION_S:.0f} s"
        raise DrumassistError(f"duration must be {limits}, got {duration_s!r}")
    return round(duration_s * sample_rate)


def demo_hits(seed: int, duration_s: float) -> list[_Hit]:
    """The groove of the demo for ``seed`` (also used by the tests to find the hits)."""
    groove_seq = np.random.SeedSequence(seed).spawn(4)[0]
    return _make_groove(np.random.default_rng(groove_seq), duration_s)


def _iter_stems(
    seed: int, duration_s: float, sample_rate: int, progress: Progress | None
) -> Iterator[tuple[str, Stem]]:
    """Render one stem at a time, so a caller writing files holds one stem in memory."""
    n_frames = _check_args(seed, duration_s, sample_rate)
    check_cancelled(progress)
    hits = demo_hits(seed, n_frames / sample_rate)
    _, synth_seq, room_seq, trim_seq = np.random.SeedSequence(seed).spawn(4)
    sounds = synth_sounds(synth_seq, sample_rate, {hit.sound for hit in hits})
    room_rng = np.random.default_rng(room_seq)
    trims_db = np.random.default_rng(trim_seq).uniform(-1.0, 1.0, len(DEMO_TRACKS))
    for i, mic in enumerate(DEMO_TRACKS):
        check_cancelled(progress)
        out = _render_mic(mic, hits, sounds, n_frames, sr=sample_rate, room_rng=room_rng)
        _trim(out, mic, float(trims_db[i]))
        yield mic, out
        if progress is not None:
            progress.report((i + 1) / len(DEMO_TRACKS), f"demo: {mic} rendered")


def synthesize_demo(
    *, seed: int = 0, duration_s: float = 24.0, sample_rate: int = 44100,
    progress: Progress | None = None,
) -> dict[str, np.ndarray]:  # fmt: skip
    """Synthesise the demo drum multitrack in memory.

    Parameters
    ----------
    seed : int
        Chooses tempo, groove, humanisation, drum tuning and mic trims.
    duration_s : float
        Length of every stem, which has exactly ``round(duration_s * sample_rate)`` frames.
    sample_rate : int
        In Hz, from 22050 to 192000.
    progress : Progress or None
        Told after each stem; cancelling it raises ``CancelledError``.

    Returns
    -------
    dict of str to numpy.ndarray
        Mono float32 stems keyed by :data:`DEMO_TRACKS`. Each close mic is trimmed
        so its own drum at full velocity peaks near -6 dBFS (overheads: their loudest
        moment); no stem exceeds -3 dBFS.

    Raises
    ------
    DrumassistError
        If the seed, duration or sample rate is out of range.
    """
    return dict(_iter_stems(seed, duration_s, sample_rate, progress))


def write_demo(
    out_dir: Path, *, seed: int = 0, duration_s: float = 24.0, sample_rate: int = 44100,
    overwrite: bool = False, progress: Progress | None = None,
) -> list[Path]:  # fmt: skip
    """Write the demo stems as 24-bit WAV files ``<track>.wav`` into ``out_dir``.

    Parameters
    ----------
    out_dir : Path
        Created if missing.
    seed, duration_s, sample_rate, progress
        As for :func:`synthesize_demo`.
    overwrite : bool
        Replace existing stems; otherwise an existing stem is an error.

    Returns
    -------
    list of Path
        The files written, in :data:`DEMO_TRACKS` order.

    Raises
    ------
    ExportError
        If a stem exists and ``overwrite`` is false (then nothing is written), or a
        file cannot be written. Each file is written atomically.
    """
    out_dir = Path(out_dir)
    _check_args(seed, duration_s, sample_rate)
    paths = [out_dir / f"{name}.wav" for name in DEMO_TRACKS]
    existing = [p.name for p in paths if p.exists()]
    if existing and not overwrite:
        raise ExportError(
            f"{existing[0]} already exists in {out_dir}; choose another folder, or replace "
            "the demo's stems (drumassist demo --force)"
        )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"{out_dir}: cannot create the demo folder ({exc})") from exc
    for name, audio in _iter_stems(seed, duration_s, sample_rate, progress):
        _write_stem(out_dir / f"{name}.wav", audio, sample_rate, overwrite=overwrite)
    logger.info("wrote %d demo stems to %s", len(paths), out_dir)
    return paths


def _write_stem(path: Path, audio: Stem, sample_rate: int, *, overwrite: bool) -> None:
    def write(handle: BinaryIO) -> None:
        write_sound(handle, audio, sample_rate, fmt="WAV", subtype="PCM_24")

    try:
        write_atomically(path, write, overwrite=overwrite)
    except FileExistsError as exc:  # it appeared while we were rendering
        raise ExportError(f"{path.name} already exists in {path.parent}") from exc
    except OSError as exc:
        raise ExportError(f"{path.name}: {write_failure(exc, path.parent)}") from exc
    except RuntimeError as exc:  # soundfile's errors are RuntimeErrors
        raise ExportError(f"{path.name}: cannot write ({exc})") from exc
