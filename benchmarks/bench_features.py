"""Feature extraction speed and memory: the fast set against the paper's MusicExtractor.

Writes the built-in demo (8 stems) at 30 s and at 3 minutes into a temporary folder,
then, for each extractor, runs a fresh Python process that times:

- cold: the first ``analyse()`` in the process with an empty cache (imports and the
  worker pool's fork server included, as a user's first analysis);
- again: a second ``analyse()`` without the cache (the process is warm);
- serial: the same with ``workers=1`` (in-process, after a warm-up that imports
  scipy or Essentia in this process: that import time is printed apart);
- warm: ``analyse()`` with the cache filled (what re-opening a session costs);

and reports the peak resident memory of that process, and the peak total of the
processes it started (the fork server and the workers; proportional set size, so
pages they share are counted once), sampled from /proc.
Figures only, never assertions::

    python benchmarks/bench_features.py [--quick] [--skip-paper]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from procmem import descendants, pss_mb

TRACKS = 8
LENGTHS_S = (30.0, 180.0)


class TreeMemory(threading.Thread):
    """Samples the resident memory of this process's descendants (Linux /proc).

    Pool workers are children of the fork server, not of this process, so
    ``RUSAGE_CHILDREN`` never sees them; sampling does.
    """

    def __init__(self, interval_s: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.interval_s = interval_s
        self.peak_total_mb = 0.0
        self.peak_one_mb = 0.0
        self.stop = threading.Event()
        # Sampling holds the GIL for milliseconds: it runs only while asked to, so
        # it does not slow the in-process (serial) measurements.
        self.active = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(self.interval_s):
            if not self.active.is_set():
                continue
            sizes = [pss_mb(pid) for pid in descendants(os.getpid())]
            self.peak_total_mb = max(self.peak_total_mb, sum(sizes))
            self.peak_one_mb = max([self.peak_one_mb, *sizes])


def _child(extractor: str, folder: Path, cache_root: Path) -> None:
    """Time one extractor on one folder; print a JSON line."""
    from drumassist.analysis import FeatureCache, analyse
    from drumassist.core.multitrack import load_multitrack

    sampler = TreeMemory()
    if Path("/proc/self/status").exists():
        sampler.start()
    multitrack = load_multitrack(folder)
    cache = FeatureCache(cache_root)
    figures: dict[str, float] = {}
    for label, kwargs in (
        ("cold", {"cache": cache}),
        ("again", {"cache": False}),
        ("serial", {"cache": False, "workers": 1}),
        ("warm", {"cache": cache}),
    ):
        if label in ("cold", "again"):
            sampler.active.set()
        else:
            sampler.active.clear()
        if label == "serial":
            figures["import_s"] = _warm_up(extractor)
        started = time.perf_counter()
        result = analyse(multitrack, extractor=extractor, **kwargs)  # type: ignore[arg-type]
        figures[label] = time.perf_counter() - started
    figures["cached_tracks"] = sum(t.cached for t in result.tracks)
    figures["features"] = len(result.feature_names)
    figures["audio_min"] = len(multitrack.tracks) * multitrack.duration_s / 60.0
    sampler.stop.set()
    figures["self_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures["worker_mb"] = sampler.peak_one_mb
    figures["others_mb"] = sampler.peak_total_mb
    print(json.dumps(figures))


def _warm_up(extractor: str) -> float:
    """Import what ``extractor`` needs in this process; returns the seconds it took."""
    import numpy as np

    from drumassist.analysis import get_extractor

    started = time.perf_counter()
    noise = np.random.default_rng(0).standard_normal(4410).astype(np.float32) * 0.1
    get_extractor(extractor).extract(noise, 44100)
    return time.perf_counter() - started


def _measure(extractor: str, folder: Path, cache_root: Path) -> dict[str, float]:
    script = Path(__file__).resolve()
    proc = subprocess.run(
        [sys.executable, str(script), "--child", extractor, str(folder), str(cache_root)],
        capture_output=True,
        text=True,
        check=True,
        cwd=script.parents[1],
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _write_stems(folder: Path, duration_s: float) -> float:
    from drumassist.core.demo import write_demo

    started = time.perf_counter()
    write_demo(folder, seed=0, duration_s=duration_s, overwrite=True)
    return time.perf_counter() - started


def _report(length_s: float, extractor: str, f: dict[str, float]) -> None:
    cached = f"{int(f['cached_tracks'])}/{TRACKS} cached"
    print(f"{length_s:>5.0f} s stems, {extractor} ({int(f['features'])} features):")
    print(
        f"    cold {f['cold']:6.2f} s | again {f['again']:6.2f} s | serial {f['serial']:6.2f} s"
        f" (+{f['import_s']:.2f} s imports) | warm {f['warm']:.3f} s ({cached})"
    )
    print(
        f"    per audio minute: {f['again'] / f['audio_min']:.3f} s parallel,"
        f" {f['serial'] / f['audio_min']:.3f} s serial | peak RSS {f['self_mb']:.0f} MB,"
        f" started processes {f['others_mb']:.0f} MB (largest {f['worker_mb']:.0f} MB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the 30-second stems")
    parser.add_argument("--skip-paper", action="store_true", help="only the fast set")
    parser.add_argument(
        "--child", nargs=3, metavar=("EXTRACTOR", "FOLDER", "CACHE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]), Path(args.child[2]))
        return
    lengths = LENGTHS_S[:1] if args.quick else LENGTHS_S
    extractors = ("fast",) if args.skip_paper else ("fast", "paper")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} CPUs (load average {load}), {TRACKS} demo stems per length")
    with tempfile.TemporaryDirectory(prefix="bench-features-") as tmp:
        for length_s in lengths:
            folder = Path(tmp) / f"demo-{length_s:.0f}s"
            print(f"demo {length_s:.0f} s written in {_write_stems(folder, length_s):.1f} s")
            results = {}
            for extractor in extractors:
                cache_root = Path(tmp) / f"cache-{extractor}-{length_s:.0f}"
                results[extractor] = _measure(extractor, folder, cache_root)
                _report(length_s, extractor, results[extractor])
            if len(results) == 2:
                fast, paper = results["fast"], results["paper"]
                print(
                    f"{length_s:>5.0f} s  fast/paper time: cold {fast['cold'] / paper['cold']:.3f}"
                    f"  again {fast['again'] / paper['again']:.3f}"
                    f"  serial {fast['serial'] / paper['serial']:.3f}"
                    f"  (paper/fast serial: {paper['serial'] / fast['serial']:.1f}x)"
                )


if __name__ == "__main__":
    main()
