"""Time gain reverse engineering on long synthetic sessions; prints figures, asserts nothing.

    .venv/bin/python benchmarks/bench_reverse.py            # 8 x 3 min and 16 x 10 min
    .venv/bin/python benchmarks/bench_reverse.py --quick    # 8 x 3 min only

Stems are noise bursts with random levels (decorrelated, like close mics without
bleed), the mix is their sum with known gains, delayed by 37 ms. Two baselines run in
the same process on the same data: one blocked XᵀX pass with ``np.dot`` (the least
any least-squares fit must do) and, for the small case, ``np.linalg.lstsq`` on the
full float64 matrix (what the naive method does, at known zero latency).
"""

from __future__ import annotations

import argparse
import math
import resource
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from drumassist.core.mix import mix
from drumassist.core.multitrack import Multitrack, from_arrays
from drumassist.learn.reverse.engineer import reverse_engineer

LATENCY_MS = 37.0
TILE_S = 10.0


def make_session(tracks: int, minutes: float, sample_rate: int) -> tuple[Multitrack, np.ndarray]:
    """Noise-burst stems and a mix of them with known gains, ``LATENCY_MS`` late."""
    rng = np.random.default_rng(0)
    frames = round(minutes * 60 * sample_rate)
    tile = round(TILE_S * sample_rate)
    arrays = {}
    for i in range(tracks):
        # A tiled 10 s noise keeps generation fast; tiles repeat far outside the lag range.
        noise = np.tile(rng.standard_normal(tile).astype(np.float32), -(-frames // tile))[:frames]
        period = round(rng.uniform(0.2, 0.7) * sample_rate)
        phase = (np.arange(frames, dtype=np.int64) % period).astype(np.float32)
        envelope = np.exp(-phase / np.float32(rng.uniform(0.02, 0.3) * sample_rate))
        arrays[f"stem{i + 1:02d}"] = noise * envelope * np.float32(0.1)
    multitrack = from_arrays(arrays, sample_rate=sample_rate)
    gains_db = rng.uniform(-12.0, 0.0, tracks)
    dry = mix(multitrack, gains_db)[:, 0]
    delay = round(LATENCY_MS * sample_rate / 1000)
    late = np.zeros_like(dry)
    late[delay:] = dry[: frames - delay]
    return multitrack, late


def timed(
    func: Callable[..., Any], *args: Any, repeat: int = 1, **kwargs: Any
) -> tuple[float, float, Any]:
    """Best seconds of ``repeat`` untraced calls, peak memory (MB) of a traced call, the result.

    Timing and tracing are separate runs because tracemalloc slows numpy's many
    small allocations severalfold. The best of several runs filters out other load
    on a shared machine.
    """
    seconds = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        result = func(*args, **kwargs)
        seconds = min(seconds, time.perf_counter() - start)
    tracemalloc.start()
    func(*args, **kwargs)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return seconds, peak / 1e6, result


def warm_up() -> None:
    """Import scipy's FFT, linear algebra and NNLS before anything is timed."""
    multitrack, late = make_session(2, 0.05, 8000)
    reverse_engineer(multitrack, late, nonneg=True)


def dot_pass(multitrack: Multitrack, block_frames: int = 1 << 16) -> np.ndarray:
    """Baseline: XᵀX over the session in float64 blocks, nothing else."""
    gram = np.zeros((len(multitrack.tracks),) * 2)
    for start in range(0, multitrack.frames, block_frames):
        x = np.stack([t.audio[start : start + block_frames, 0] for t in multitrack.tracks])
        x = x.astype(np.float64)
        gram += np.dot(x, x.T)
    return gram


def naive_lstsq(multitrack: Multitrack, target: np.ndarray) -> np.ndarray:
    """Baseline: the textbook fit on the whole float64 matrix (no latency search)."""
    x = np.stack([t.audio[:, 0] for t in multitrack.tracks], axis=1).astype(np.float64)
    return np.linalg.lstsq(x, target.astype(np.float64), rcond=None)[0]


def run(tracks: int, minutes: float, sample_rate: int, *, naive: bool, repeat: int) -> None:
    start = time.perf_counter()
    multitrack, late = make_session(tracks, minutes, sample_rate)
    input_mb = sum(t.audio.nbytes for t in multitrack.tracks) / 1e6 + late.nbytes / 1e6
    print(f"\n{tracks} stems x {minutes:g} min at {sample_rate} Hz ({input_mb:.0f} MB of input)")
    print(f"  generate session            {time.perf_counter() - start:7.2f} s")
    seconds, peak_mb, result = timed(reverse_engineer, multitrack, late, repeat=repeat)
    print(
        f"  reverse_engineer            {seconds:7.2f} s   peak +{peak_mb:7.1f} MB"
        f"   (latency {result.latency_ms:+.2f} ms, R² {result.r2:.6f})"
    )
    no_search, peak0_mb, _ = timed(
        reverse_engineer, multitrack, late, max_latency_ms=0.0, repeat=repeat
    )
    print(f"  reverse, no latency search  {no_search:7.2f} s   peak +{peak0_mb:7.1f} MB")
    base, base_mb, _ = timed(dot_pass, multitrack, repeat=repeat)
    print(f"  baseline: one XᵀX dot pass  {base:7.2f} s   peak +{base_mb:7.1f} MB")
    print(f"  ratio reverse / dot pass    {seconds / base:7.1f}x")
    if naive:
        delay = round(LATENCY_MS * sample_rate / 1000)
        aligned = np.zeros_like(late)
        aligned[: late.size - delay] = late[delay:]
        lst, lst_mb, _ = timed(naive_lstsq, multitrack, aligned)
        print(f"  baseline: naive full lstsq  {lst:7.2f} s   peak +{lst_mb:7.1f} MB")
        print(f"  ratio reverse / lstsq       {seconds / lst:7.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip 16 stems x 10 min")
    args = parser.parse_args()
    warm_up()
    run(8, 3.0, 44100, naive=True, repeat=3)
    if not args.quick:
        run(16, 10.0, 48000, naive=False, repeat=2)
    max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nprocess peak RSS {max_rss_mb:.0f} MB (inputs included)")


if __name__ == "__main__":
    main()
