"""Fresh-process times of the ``drumassist`` command against plain Python baselines.

Every figure is the wall time of a new process (interpreter start, imports, work and
exit), the best of ``--repeat`` runs, the cases interleaved so that load from other
processes falls on all of them alike:

- ``--help``: ``python -m drumassist --help`` against ``python -c "import numpy,
  soundfile"`` (target: at most 2x);
- with ``--stems``: ``python -m drumassist suggest`` on the demo (8 stems, ``--stems-s``
  seconds each, 180 by default) with an empty cache folder (cold, target at most 4x)
  and with the cache it filled (warm, target at most 2x), against a process that only
  imports soundfile and reads those stems (float32, as drumassist reads them).

Figures only, never assertions::

    python benchmarks/bench_cli.py [--stems] [--stems-s S] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BARE = ("-c", "import numpy, soundfile")
READ = (
    "-c",
    "import sys, soundfile\n"
    "for path in sys.argv[1:]:\n"
    "    soundfile.read(path, dtype='float32', always_2d=True)",
)


def run_s(args: Sequence[str], env: Mapping[str, str] | None = None) -> float:
    """Wall seconds of ``python ARGS`` in a fresh process (run from the checkout)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=full_env, capture_output=True, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"python {' '.join(args)} failed:\n{done.stderr.decode()[-2000:]}")
    return elapsed


def help_figures(repeat: int) -> dict[str, float]:
    """Best ``--help`` and bare-import times, interleaved."""
    bare, helps = [], []
    for _ in range(repeat):
        bare.append(run_s(BARE))
        helps.append(run_s(("-m", "drumassist", "--help")))
    return {"bare": min(bare), "help": min(helps)}


def suggest_figures(folder: Path, cache_root: Path, repeat: int) -> dict[str, float]:
    """Best read, cold and warm suggest times on the stems in ``folder``, interleaved."""
    stems = sorted(str(p) for p in folder.glob("*.wav"))
    suggest = ("-m", "drumassist", "suggest", str(folder), "--json")
    reads, colds, warms = [], [], []
    for i in range(repeat):
        cache = {"DRUMASSIST_CACHE_DIR": str(cache_root / f"cache-{i}")}
        reads.append(run_s((*READ, *stems)))
        colds.append(run_s(suggest, cache))
        warms.append(run_s(suggest, cache))
    return {"read": min(reads), "cold": min(colds), "warm": min(warms)}


def write_demo(folder: Path, duration_s: float) -> None:
    """The built-in demo multitrack (8 stems) of ``duration_s`` seconds."""
    sys.path.insert(0, str(ROOT))
    from drumassist.core.demo import write_demo as write

    write(folder, seed=0, duration_s=duration_s, overwrite=True)


def print_help_figures(f: Mapping[str, float]) -> None:
    print(
        f"--help: {f['help']:.3f} s; import numpy, soundfile: {f['bare']:.3f} s;"
        f" ratio {f['help'] / f['bare']:.2f} (target <= 2)"
    )


def print_suggest_figures(f: Mapping[str, float], label: str) -> None:
    print(
        f"suggest on {label}: read the stems {f['read']:.2f} s; cold {f['cold']:.2f} s"
        f" (ratio {f['cold'] / f['read']:.2f}, target <= 4);"
        f" warm {f['warm']:.2f} s (ratio {f['warm'] / f['read']:.2f}, target <= 2)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per case; the best counts")
    parser.add_argument("--stems", action="store_true", help="also time suggest on the demo")
    parser.add_argument("--stems-s", type=float, default=180.0, help="seconds per stem")
    args = parser.parse_args()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs (load average {load})")
    print_help_figures(help_figures(args.repeat))
    if args.stems:
        with tempfile.TemporaryDirectory(prefix="bench-cli-") as name:
            folder = Path(name) / "demo"
            write_demo(folder, args.stems_s)
            figures = suggest_figures(folder, Path(name), args.repeat)
            print_suggest_figures(figures, f"8 x {args.stems_s:g} s")


if __name__ == "__main__":
    main()
