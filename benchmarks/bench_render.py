"""Rendered-corpus speed: sessions per minute with one worker and with two.

Renders the same sessions (same seed) into two temporary corpora, first with one
worker (in-process) and then with two (a process pool), each starting with no kit
decoded, and prints sessions per minute and the speed-up. A session is rendered,
written (24-bit FLAC stems and mix) and reverse engineered. Uses the Debian
Hydrogen kits from the cache (fetched once if missing) unless ``--kits`` is given.
Figures only, never assertions::

    python benchmarks/bench_render.py [--sessions 10] [--duration 30] [--kits DIR]
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
from pathlib import Path

from drumassist.learn.corpus import render_corpus
from drumassist.learn.corpus.kits import load_kit


def _rate(out: Path, args: argparse.Namespace, workers: int) -> float:
    load_kit.cache_clear()  # both runs start cold (a fork would inherit decoded kits)
    report = render_corpus(
        out,
        sessions=args.sessions,
        kit_dirs=args.kits,
        seed=args.seed,
        duration_s=args.duration,
        workers=workers,
    )
    if report.failed:
        print(f"  failed: {report.failed}")
    rate = len(report.built) / report.elapsed_s * 60.0
    print(
        f"workers={workers}: {len(report.built)} sessions of {args.duration:.0f} s in"
        f" {report.elapsed_s:.1f} s = {rate:.1f} sessions/min"
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--kits", type=Path, action="append")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    print(f"{os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as temp:
        one = _rate(Path(temp) / "w1", args, 1)
        two = _rate(Path(temp) / "w2", args, 2)
    print(f"speed-up with 2 workers: {two / one:.2f}x")
    print(f"200 sessions would take about {200 / two:.1f} min with 2 workers")


if __name__ == "__main__":
    main()
