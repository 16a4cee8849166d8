"""``drumassist train`` fits a gain model on a corpus; ``drumassist evaluate`` scores methods.

Scores are those of :mod:`drumassist.learn.metrics` (R² of linear gains as published,
and the balance error in dB).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

BASELINES = ("loudness", "bleed", "sum")
#: Model kinds ``train`` fits: the flexible per-track model and the published fixed-slot one.
MODEL_METHODS = ("flexible", "rf-slots")


class _LineProgress:
    """Prints one line per step on stderr when verbose, else nothing."""

    def __init__(self, verbose: bool) -> None:
        self.verbose = verbose

    def report(self, fraction: float, message: str = "") -> None:
        if self.verbose:
            print(f"[{fraction * 100:5.1f}%] {message}", file=sys.stderr, flush=True)

    def cancelled(self) -> bool:
        return False


def register(sub: Any) -> None:
    """Add ``train`` and ``evaluate`` to the ``drumassist`` parser."""
    _register_train(sub)
    _register_evaluate(sub)


def _register_train(sub: Any) -> None:
    p = sub.add_parser("train", help="train a gain model on a corpus")
    p.add_argument("--corpus", type=Path, required=True, metavar="DIR", help="training corpus")
    p.add_argument("--out", type=Path, required=True, metavar="MODEL_DIR", help="model folder")
    p.add_argument(
        "--method", choices=MODEL_METHODS, default="flexible", help="model kind (default flexible)"
    )
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--trees", type=int, default=200, help="trees in the forest (default 200)")
    p.add_argument("--jobs", type=int, default=1, help="processes for fitting (default 1)")
    p.add_argument(
        "--eval-corpus",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="score on this corpus too (repeatable); held-out sessions of --corpus always are",
    )
    p.add_argument(
        "--baselines", action="store_true", help="score the baselines on the same sessions"
    )
    p.set_defaults(func=_cmd_train)


def _command(args: argparse.Namespace) -> list[str]:
    words = ["drumassist", "train", "--corpus", str(args.corpus), "--out", str(args.out)]
    words += ["--method", args.method, "--seed", str(args.seed), "--trees", str(args.trees)]
    for path in args.eval_corpus:
        words += ["--eval-corpus", str(path)]
    return words + (["--baselines"] if args.baselines else [])


def _cmd_train(args: argparse.Namespace) -> int:
    from drumassist.errors import ModelError
    from drumassist.learn.corpus import load_corpus
    from drumassist.learn.dataset import load_sessions
    from drumassist.learn.modelio import save_model
    from drumassist.learn.models import train_flexible
    from drumassist.learn.slots_model import train_slots

    if args.trees < 1 or args.jobs < 1:
        raise ModelError(f"--trees and --jobs must be at least 1, got {args.trees}, {args.jobs}")
    corpus = load_corpus(args.corpus)
    progress = _LineProgress(args.verbose)
    data = load_sessions(corpus, progress=progress)
    train = train_slots if args.method == "rf-slots" else train_flexible
    model = train(data, seed=args.seed, trees=args.trees, jobs=args.jobs)
    metrics = _evaluate(args, corpus, model, progress)
    out = save_model(
        model,
        args.out,
        corpus={
            "manifest_sha256": corpus.manifest_sha256,
            "sessions": len(data),
            "tracks": int(sum(len(d.target_db) for d in data)),
        },
        metrics=metrics,
        command=_command(args),
    )
    print(f"trained on {len(data)} sessions; model written to {out}")
    _print_scores(metrics.get("methods", {}))
    return 0


def _evaluate(args: argparse.Namespace, corpus: Any, model: Any, progress: Any) -> dict[str, Any]:
    from drumassist.learn.corpus import load_corpus
    from drumassist.learn.dataset import evaluate
    from drumassist.learn.modelio import model_gains

    sessions = [s for s in corpus.sessions if s.heldout]
    manifests = []
    for path in args.eval_corpus:
        extra = load_corpus(path)
        sessions += list(extra.sessions)
        manifests.append(extra.manifest_sha256)
    if not sessions:
        return {"note": "no held-out sessions: give --eval-corpus to measure the model"}
    methods: dict[str, Any] = {args.method: lambda mt: model_gains(mt, None, model).gains_db}
    for name in BASELINES if args.baselines else ():
        methods[name] = _predictor(name, None)
    scores = {
        name: evaluate(sessions, fn, progress=progress).as_dict() for name, fn in methods.items()
    }
    return {"eval_manifests_sha256": manifests, "eval_sessions": len(sessions), "methods": scores}


def _fmt(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.3f}"


def _register_evaluate(sub: Any) -> None:
    from drumassist.learn.suggest import method_names

    p = sub.add_parser("evaluate", help="score gain methods on a corpus's held-out sessions")
    p.add_argument("--corpus", type=Path, required=True, metavar="DIR", help="evaluation corpus")
    p.add_argument(
        "--method",
        action="append",
        choices=method_names(),
        metavar="METHOD",
        help=f"a method to score (repeatable; default all of {', '.join(method_names())})",
    )
    p.add_argument(
        "--model",
        type=Path,
        metavar="MODEL_DIR",
        help="model for 'flexible' or 'rf-slots' (whichever its card names)",
    )
    p.add_argument(
        "--all-sessions",
        action="store_true",
        help="score every session, not only held-out ones (they may be training data)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_evaluate)


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from drumassist.errors import CorpusError
    from drumassist.learn.corpus import load_corpus
    from drumassist.learn.dataset import evaluate
    from drumassist.learn.suggest import METHODS

    corpus = load_corpus(args.corpus)
    sessions = [s for s in corpus.sessions if args.all_sessions or s.heldout]
    if not sessions:
        raise CorpusError(
            f"{args.corpus}: no held-out sessions; give --all-sessions to score every session"
        )
    scores = {}
    for name in args.method or [n for n in METHODS if n != "default"]:
        predict = _predictor(name, args.model)
        scores[name] = evaluate(sessions, predict, progress=_LineProgress(args.verbose)).as_dict()
    if args.json:
        doc = {"corpus_sha256": corpus.manifest_sha256, "sessions": len(sessions), "scores": scores}
        print(json.dumps(doc, indent=2))
        return 0
    print(f"{len(sessions)} sessions of {args.corpus}")
    _print_scores(scores)
    return 0


def _predictor(name: str, model_dir: Path | None) -> Any:
    from drumassist.learn.modelio import load_model, method_of, model_gains
    from drumassist.learn.suggest import METHODS

    if name in MODEL_METHODS and model_dir is not None:
        model = load_model(model_dir)
        if method_of(model) == name:
            return lambda mt: model_gains(mt, None, model).gains_db
    method = METHODS[name][1]
    return lambda mt: method(mt, None).gains_db


def _print_scores(scores: dict[str, Any]) -> None:
    for name, row in scores.items():
        print(
            f"  {name:<10} R² {_fmt(row['r2'])}  balance error median"
            f" {_fmt(row['balance_median_db'])} dB, p90 {_fmt(row['balance_p90_db'])} dB"
            f"  ({row['sessions']} sessions, {row['tracks']} tracks)"
        )
