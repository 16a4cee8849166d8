"""``drumassist train`` fits a gain model on a corpus (``drumassist evaluate``: cli/evaluate.py).

Scores are those of :mod:`drumassist.learn.evaluate.metrics` (R² of linear gains as published,
and the balance error in dB).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from drumassist.cli.argtypes import SEED_RANGE, integer
from drumassist.cli.common import LineProgress
from drumassist.cli.personal import personal_argument, require, train_personal
from drumassist.cli.scores import predictor, print_scores
from drumassist.learn.models import registry


def register(sub: Any) -> None:
    """Add ``train`` to the ``drumassist`` parser."""
    p = sub.add_parser("train", help="train a gain model on a corpus")
    p.add_argument(
        "--corpus", type=Path, metavar="DIR", help="training corpus (required unless --personal)"
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="MODEL_DIR",
        help=(
            "model folder (required; with --personal optional: written there, not in the"
            " data folder)"
        ),
    )
    personal_argument(p, "fit your personal correction on your own exported and saved mixes")
    p.add_argument(
        "--method",
        choices=registry.model_methods(),
        default=registry.DEFAULT_METHOD,
        help=f"model kind (default {registry.DEFAULT_METHOD})",
    )
    p.add_argument(
        "--extractor",
        choices=("fast", "paper"),
        default="fast",
        help="features: fast (default) or paper (the published MusicExtractor set)",
    )
    p.add_argument("--seed", type=integer(*SEED_RANGE), default=0, help="random seed (default 0)")
    p.add_argument(
        "--trees", type=integer(1, 100_000), default=200, help="trees in the forest (default 200)"
    )
    p.add_argument(
        "--jobs", type=integer(1, 256), default=1, help="processes for fitting (default 1)"
    )
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
    kind = registry.kind(args.method)
    words += ["--method", args.method]
    if kind.reads_features:  # the others extract no features: the option is not theirs
        words += ["--extractor", args.extractor]
    words += ["--seed", str(args.seed)]
    if kind.forest:
        words += ["--trees", str(args.trees)]
    for path in args.eval_corpus:
        words += ["--eval-corpus", str(path)]
    return words + (["--baselines"] if args.baselines else [])


def _cmd_train(args: argparse.Namespace) -> int:
    if args.personal:
        return train_personal(args)
    require(args, "corpus", "out")
    from drumassist.cli.common import load_corpus
    from drumassist.errors import ModelError
    from drumassist.learn.data.sessions import load_sessions
    from drumassist.learn.models.persist import save_model

    if args.trees < 1 or args.jobs < 1:
        raise ModelError(f"--trees and --jobs must be at least 1, got {args.trees}, {args.jobs}")
    corpus = load_corpus(args.corpus)
    progress = LineProgress(args.verbose)
    kind = registry.kind(args.method)
    extractor = args.extractor if kind.reads_features else None  # trim, levels: none
    data = load_sessions(corpus, extractor=extractor, anchors=kind.needs_anchor, progress=progress)
    model = kind.train(data, seed=args.seed, trees=args.trees, jobs=args.jobs)
    metrics = _evaluate(args, corpus, model, progress)
    out = save_model(
        model,
        args.out,
        corpus={
            "manifest_sha256": corpus.manifest_sha256,
            "audio_sha256": corpus.audio_sha256(),
            "sessions": len(data),
            "tracks": int(sum(len(d.target_db) for d in data)),
        },
        metrics=metrics,
        command=_command(args),
    )
    print(f"trained on {len(data)} sessions; model written to {out}")
    print_scores(metrics.get("methods", {}))
    return 0


def _evaluate(args: argparse.Namespace, corpus: Any, model: Any, progress: Any) -> dict[str, Any]:
    from drumassist.cli.common import load_corpus
    from drumassist.learn.evaluate.protocol import evaluate
    from drumassist.learn.suggest.baselines import BASELINES
    from drumassist.learn.suggest.suggestion import model_gains

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
        methods[name] = predictor(name, None)
    scores = {
        name: evaluate(sessions, fn, progress=progress).as_dict() for name, fn in methods.items()
    }
    return {"eval_manifests_sha256": manifests, "eval_sessions": len(sessions), "methods": scores}
