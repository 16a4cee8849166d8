"""Time from stems on disk to a suggestion: the default model against the published pipeline.

Writes the built-in demo (8 stems) at 30 s and at 3 minutes into a temporary folder.
Each case runs in a fresh Python process, as ``drumassist suggest DEMO`` does:

- default: ``load_stems`` then ``suggest(method="default")`` (the shipped trim model:
  its level and bleed measures, kept in the cache folder's ``anchor/`` cache, and
  three gradient-boosted regressors);
- published: ``load_stems``, ``load_model`` of a fixed-slot forest trained on
  MusicExtractor ("paper") features, ``track_inputs(extractor="paper")``,
  ``SlotModel.predict`` with ``assign_slots``, and the same scaling to -23 LUFS. The
  shipped ``rf-slots`` model was trained on fast features, so this script first
  renders a small corpus (12 sessions of 8 s by default; the Hydrogen kits come from
  the cache, fetched once with apt-get download) and trains a 600-tree slot forest
  on its paper features (setup, not timed).

For each it reports:

- cold: a fresh process with an empty cache folder (features and anchor measures);
  the time inside the process from before loading the stems to the suggestion,
  split into stages, and the process's time from its start to the suggestion plus
  its exit (interpreter start, imports and exit included, the "again" below left out);
- warm: the same in a fresh process once that cache is filled;
- again: a second suggestion in the warm process, model loaded and the loudness
  meter given, as the window asks for one (it measures the meter on opening);
- peak memory: the process's maximum RSS (from wait4), and the peak total of it and
  the processes it starts (proportional set size, so shared pages count once),
  sampled from /proc by this process (so the timed process runs no sampler).

Figures only, never assertions; ratios compare cases measured in the same run::

    python benchmarks/bench_suggest.py [--quick] [--skip-published] [--repeat N]

Last, on the longest stems, it prints issue 11's targets: ``drumassist suggest`` run as
a command (a fresh process, as a user runs it) with the cache filled and empty, each
against a process that only reads the stems with soundfile; ``drumassist --help``
against ``python -c "import numpy, soundfile"``; and the second suggestion above.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from procmem import descendants, pss_mb

TRACKS = 8
LENGTHS_S = (30.0, 180.0)
TARGET_LUFS = -23.0
PIPELINES = ("default", "published")
#: Stages of the timed path, as they are printed.
STAGES = ("stems", "model", "anchors", "features", "loudness", "meter", "scaling", "other")


# --- the timed process -------------------------------------------------------------


class Stages:
    """Seconds spent in each stage of the path, by wrapping the functions it calls."""

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(STAGES, 0.0)

    @contextmanager
    def timing(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] += time.perf_counter() - started

    def wrap(self, module: Any, name: str, stage: str) -> None:
        """Time every call of ``module.name`` (looked up by name when called) as ``stage``."""
        original = getattr(module, name, None)
        if original is None:  # the code moved on: that stage then shows under "other"
            return

        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.timing(stage):
                return original(*args, **kwargs)

        setattr(module, name, timed)

    def reset(self) -> None:
        self.seconds = dict.fromkeys(STAGES, 0.0)

    def close(self, total_s: float) -> dict[str, float]:
        figures = dict(self.seconds)
        figures["other"] = max(0.0, total_s - sum(figures.values()))
        return figures


def _child(pipeline: str, folder: Path, model_dir: Path | None) -> None:
    """Time one case in this fresh process; print a JSON line."""
    started = time.perf_counter()
    # What `drumassist suggest` imports before it starts working; the heavy
    # libraries (scipy, sklearn, Essentia) load inside the timed path, as there.
    import drumassist.analysis
    import drumassist.learn.data.anchor
    import drumassist.learn.data.inputs
    import drumassist.learn.models.persist
    import drumassist.learn.models.trim
    import drumassist.learn.suggest.suggestion  # noqa: F401
    from drumassist.cli.common import load_stems
    from drumassist.core.memory import keep_freed_memory, skip_huge_page_advice

    keep_freed_memory()  # as every command but the window does (core.memory)
    skip_huge_page_advice()
    imports_s = time.perf_counter() - started
    stages = _timed_stages()
    run = _published(model_dir) if pipeline == "published" else _default
    started = time.perf_counter()
    with stages.timing("stems"):
        multitrack = load_stems([folder])
    gains_db = run(multitrack, None, stages)
    total_s = time.perf_counter() - started
    ready = time.monotonic()  # system-wide on Linux: the parent compares it with its own
    figures: dict[str, Any] = {"total": total_s, "imports": imports_s, "ready": ready}
    figures["gains_db"] = gains_db
    figures["stages"] = stages.close(total_s)
    # The window measures its meter when it opens the stems, and passes it.
    from drumassist.core.mixloudness import MixLoudness

    meter = MixLoudness(multitrack)
    started = time.perf_counter()
    again_db = run(multitrack, meter, stages)
    figures["again"] = time.perf_counter() - started
    # Without a meter the mono mix is measured once (float32 mix): the same to 1e-4 dB.
    if max(abs(a - b) for a, b in zip(again_db, gains_db, strict=True)) > 1e-4:
        raise SystemExit(f"the second suggestion differs: {again_db} != {gains_db}")
    figures["done"] = time.monotonic()
    print(json.dumps(figures), flush=True)


def _timed_stages() -> Stages:
    """Stages timing the functions the suggestion calls, by the modules that call them."""
    import drumassist.analysis
    import drumassist.learn.data.anchor
    import drumassist.learn.data.inputs
    import drumassist.learn.models.persist
    import drumassist.learn.models.trim
    import drumassist.learn.suggest.suggestion

    stages = Stages()
    stages.wrap(drumassist.learn.models.persist, "load_shipped_model", "model")
    stages.wrap(drumassist.analysis, "analyse", "features")
    stages.wrap(drumassist.learn.data.inputs, "track_loudness", "loudness")
    stages.wrap(drumassist.learn.suggest.suggestion, "MixLoudness", "meter")
    stages.wrap(drumassist.learn.data.anchor, "anchor_inputs", "anchors")
    stages.wrap(drumassist.learn.models.trim, "anchor_inputs", "anchors")  # its own import
    stages.wrap(drumassist.learn.suggest.suggestion, "mono_mix_offset_db", "scaling")
    return stages


#: One suggestion: (multitrack, meter or None, stages) -> gains in dB.
Run = Callable[[Any, Any, Stages], list[float]]


def _default(multitrack: Any, meter: Any, stages: Stages) -> list[float]:
    """``drumassist suggest --method default``."""
    from drumassist.learn.suggest.suggestion import suggest

    result = suggest(multitrack, method="default", target_lufs=TARGET_LUFS, meter=meter)
    return list(result.gains_db)


def _published(model_dir: Path | None) -> Run:
    """The published pipeline with the slot forest saved in ``model_dir``."""
    model: list[Any] = []

    def run(multitrack: Any, meter: Any, stages: Stages) -> list[float]:
        from drumassist.core.mixloudness import MixLoudness, normalise_offset_db
        from drumassist.learn.models.persist import load_model

        if not model:
            with stages.timing("model"):
                model.append(load_model(model_dir or Path()))
        prediction = model[0].predict(model[0].measure(multitrack))
        meter = meter or MixLoudness(multitrack)
        offset_db, _ = normalise_offset_db(meter, prediction.gains_db, TARGET_LUFS)
        return [float(g + offset_db) for g in prediction.gains_db]

    return run


# --- the measuring process ---------------------------------------------------------


class TreeMemory(threading.Thread):
    """Peak proportional set size of a process and its descendants, from /proc."""

    def __init__(self, root: int, interval_s: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.interval_s = interval_s
        self.peak_mb = 0.0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(self.interval_s):
            pids = [self.root, *descendants(self.root)]
            self.peak_mb = max(self.peak_mb, sum(pss_mb(pid) for pid in pids))


def _measure(pipeline: str, folder: Path, cache: Path, model_dir: Path | None) -> dict[str, Any]:
    """Run one case in a fresh process; its figures, wall time and peak memory."""
    script = Path(__file__).resolve()
    command = [sys.executable, str(script), "--child", pipeline, str(folder)]
    command += [str(model_dir)] if model_dir else []
    # This checkout's drumassist, not whichever one is installed in the venv.
    root = str(script.parents[1])
    env = {**os.environ, "DRUMASSIST_CACHE_DIR": str(cache), "PYTHONPATH": root}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=script.parents[1])
        sampler = TreeMemory(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        ended = time.monotonic()
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.stop.set()
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"{pipeline} on {folder.name} failed:\n{err.read().decode()}")
        figures: dict[str, Any] = json.loads(out.read().decode().strip().splitlines()[-1])
    # Start to suggestion, plus the interpreter's exit; not the second suggestion between.
    figures["wall"] = (figures["ready"] - started) + (ended - figures["done"])
    figures["rss_mb"] = usage.ru_maxrss / 1024
    figures["tree_mb"] = sampler.peak_mb
    return figures


def _best(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the shortest in-process time (the least disturbed by other load)."""
    return min(runs, key=lambda f: float(f["total"]))


def _write_demo(folder: Path, duration_s: float) -> float:
    from drumassist.core.demo import write_demo

    started = time.perf_counter()
    write_demo(folder, seed=0, duration_s=duration_s, overwrite=True)
    return time.perf_counter() - started


def _train_published(tmp: Path, args: argparse.Namespace) -> Path:
    """Render a small corpus, train the slot forest on its paper features, save it."""
    from drumassist.learn.corpus import load_corpus, render_corpus
    from drumassist.learn.data.sessions import load_sessions
    from drumassist.learn.models.persist import save_model
    from drumassist.learn.models.slots import train_slots

    started = time.perf_counter()
    corpus_dir = tmp / "corpus"
    # The kits come from the user's cache (fetched there once); the features of the
    # corpus go to a cache of their own, so the user's is left alone.
    report = render_corpus(
        corpus_dir, sessions=args.sessions, duration_s=args.session_s, workers=os.cpu_count() or 1
    )
    if report.failed:
        raise SystemExit(f"rendering the corpus failed: {report.failed}")
    rendered_s = time.perf_counter() - started
    os.environ["DRUMASSIST_CACHE_DIR"] = str(tmp / "cache-training")
    sessions = load_sessions(load_corpus(corpus_dir), extractor="paper", workers=None)
    analysed_s = time.perf_counter() - started - rendered_s
    model = train_slots(sessions, trees=args.trees, jobs=os.cpu_count() or 1)
    model_dir = save_model(model, tmp / "model-published", command=["benchmarks/bench_suggest.py"])
    size_mb = sum(p.stat().st_size for p in model_dir.glob("model.*")) / 1e6
    trained_s = time.perf_counter() - started - rendered_s - analysed_s
    print(
        f"published model: {len(sessions)} sessions of {args.session_s:g} s rendered in"
        f" {rendered_s:.0f} s, paper features in {analysed_s:.0f} s, {args.trees} trees trained"
        f" and saved ({size_mb:.1f} MB) in {trained_s:.0f} s"
    )
    return model_dir


def _report(length_s: float, pipeline: str, cold: dict[str, Any], warm: dict[str, Any]) -> None:
    name = "default model" if pipeline == "default" else "published (paper features, slot RF)"
    print(f"{TRACKS} x {length_s:g} s, {name}:")
    for label, f in (("cold", cold), ("warm", warm)):
        parts = " ".join(f"{s} {f['stages'][s]:.2f}" for s in STAGES)
        print(
            f"    {label:<4} {f['total']:6.2f} s in-process ({parts})"
            f" | process {f['wall']:5.2f} s (imports {f['imports']:.2f} s)"
            f" | peak RSS {f['rss_mb']:4.0f} MB,"
            f" with started processes {f['tree_mb']:5.0f} MB"
        )
    print(f"    again (model loaded, meter given): {warm['again']:.3f} s in-process")


def _ratios(length_s: float, default: tuple[dict, dict], published: tuple[dict, dict]) -> None:
    (dc, dw), (pc, pw) = default, published
    print(
        f"{TRACKS} x {length_s:g} s, default/published time: cold {dc['total'] / pc['total']:.3f}"
        f" (process {dc['wall'] / pc['wall']:.3f}), warm {dw['total'] / pw['total']:.3f}"
        f" (process {dw['wall'] / pw['wall']:.3f}), again {dw['again'] / pw['again']:.3f};"
        f" peak memory {dc['tree_mb'] / pc['tree_mb']:.2f}"
    )


def _targets(folder: Path, tmp: Path, again_s: float, repeat: int) -> None:
    """Issue 11's targets: the ``drumassist`` command itself in fresh processes against
    plain-Python baselines (benchmarks/bench_cli.py), and the window's second suggestion."""
    from bench_cli import help_figures, suggest_figures

    cli = {**help_figures(repeat), **suggest_figures(folder, tmp / "cli-cache", repeat)}
    rows = [
        ("drumassist --help", cli["help"], "import numpy, soundfile", cli["bare"], 2.0),
        ("suggest, warm cache", cli["warm"], "read the stems", cli["read"], 2.0),
        ("suggest, empty cache", cli["cold"], "read the stems", cli["read"], 4.0),
    ]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"targets on {folder.name} (fresh processes, best of {repeat}; load average {load}):")
    print(f"    {'what':<22} {'time':>8}  {'baseline':<24} {'time':>8}  ratio  target")
    for what, seconds, baseline, base_s, target in rows:
        ratio = seconds / base_s
        verdict = "met" if ratio <= target else "MISSED"
        print(
            f"    {what:<22} {seconds:7.2f}s  {baseline:<24} {base_s:7.2f}s  {ratio:5.2f}"
            f"  <= {target:g} {verdict}"
        )
    verdict = "met" if again_s <= 0.2 else "MISSED"
    print(f"    {'second suggestion':<22} {again_s:7.3f}s  (in-process)  target <= 0.2 s {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the 30-second stems")
    parser.add_argument(
        "--skip-published", action="store_true", help="only the default model (no training)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per case; the best is shown")
    parser.add_argument("--sessions", type=int, default=12, help="corpus sessions (published)")
    parser.add_argument("--session-s", type=float, default=8.0, help="seconds per session")
    parser.add_argument("--trees", type=int, default=600, help="trees of the slot forest")
    parser.add_argument(
        "--repeat-cli", type=int, default=3, help="runs per command-line case (best counts)"
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        model_dir = Path(args.child[2]) if len(args.child) > 2 else None
        _child(args.child[0], Path(args.child[1]), model_dir)
        return
    lengths = LENGTHS_S[:1] if args.quick else LENGTHS_S
    pipelines = PIPELINES[:1] if args.skip_published else PIPELINES
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs (load average {load})")
    with tempfile.TemporaryDirectory(prefix="bench-suggest-") as name:
        tmp = Path(name)
        model_dir = _train_published(tmp, args) if "published" in pipelines else None
        for length_s in lengths:
            folder = tmp / f"demo-{length_s:.0f}s"
            print(
                f"demo {TRACKS} x {length_s:g} s written in {_write_demo(folder, length_s):.1f} s"
            )
            results = {}
            for pipeline in pipelines:
                colds, warms = [], []
                for i in range(args.repeat):
                    cache = tmp / f"cache-{pipeline}-{length_s:.0f}-{i}"
                    given = model_dir if pipeline == "published" else None
                    colds.append(_measure(pipeline, folder, cache, given))
                    warms.append(_measure(pipeline, folder, cache, given))
                results[pipeline] = (_best(colds), _best(warms))
                _report(length_s, pipeline, *results[pipeline])
            if len(results) == 2:
                _ratios(length_s, results["default"], results["published"])
            if length_s == lengths[-1]:
                _targets(folder, tmp, results["default"][1]["again"], args.repeat_cli)


if __name__ == "__main__":
    main()
