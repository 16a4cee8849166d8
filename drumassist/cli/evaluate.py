"""``drumassist evaluate``: train every method on a corpus and score it by group and on
held-out corpora, or (``--pretrained``) score the shipped models.

Scores are those of :mod:`drumassist.learn.evaluate.metrics` (R² of linear gains as published,
and the balance error in dB).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from drumassist.cli.argtypes import SEED_RANGE, integer
from drumassist.cli.common import LineProgress
from drumassist.cli.personal import evaluate_personal, personal_argument, require
from drumassist.cli.scores import fmt_score, print_scores


def register(sub: Any) -> None:
    """Add ``evaluate`` to the ``drumassist`` parser."""
    p = sub.add_parser(
        "evaluate",
        help="train every method on a corpus and test it by group and on held-out corpora",
        description=(
            "Train every model kind on the corpus's training sessions and score it with the"
            " baselines: on the training sessions, leaving one recording group out at a time,"
            " and on each --heldout corpus. --out writes report.md with figures. With"
            " --pretrained, score the shipped (or --model) models instead, without training."
        ),
    )
    _add_set_arguments(p)
    _add_training_arguments(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_evaluate)


def _add_set_arguments(p: Any) -> None:
    """What is scored: the corpus, the held-out corpora, the methods, the report."""
    from drumassist.learn.evaluate.protocol import BASELINES as EVAL_BASELINES
    from drumassist.learn.evaluate.protocol import MODEL_KINDS
    from drumassist.learn.suggest.suggestion import method_names

    p.add_argument(
        "--corpus", type=Path, metavar="DIR", help="training corpus (required unless --personal)"
    )
    personal_argument(p, "score your personal model against the default, leaving one session out")
    p.add_argument(
        "--heldout",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="a test corpus never trained on (repeatable), e.g. a held-out kit or real mixes",
    )
    p.add_argument("--out", type=Path, metavar="REPORT", help="write REPORT/report.md and figures")
    p.add_argument(
        "--force", action="store_true", help="replace a report that REPORT already holds"
    )
    p.add_argument(
        "--method",
        action="append",
        choices=method_names(),
        metavar="METHOD",
        help=(
            "a method to score (repeatable; default every model kind and baseline:"
            f" {', '.join((*MODEL_KINDS, *EVAL_BASELINES))})"
        ),
    )


def _add_training_arguments(p: Any) -> None:
    """How the models are fitted, or which shipped models are scored instead."""
    p.add_argument("--seed", type=integer(*SEED_RANGE), default=0, help="random seed (default 0)")
    p.add_argument(
        "--trees",
        default="auto",
        metavar="N|auto",
        help="trees per forest; auto (default) takes them from the out-of-bag curve",
    )
    p.add_argument(
        "--jobs", type=integer(1, 256), default=1, help="processes for fitting (default 1)"
    )
    p.add_argument(
        "--pretrained",
        action="store_true",
        help="score the shipped models (or --model) on the held-out sessions; no training",
    )
    p.add_argument(
        "--model",
        type=Path,
        metavar="MODEL_DIR",
        help="with --pretrained: the model for the method its card names",
    )
    p.add_argument(
        "--all-sessions",
        action="store_true",
        help="with --pretrained: score every session, not only held-out ones",
    )


#: Tree counts of the out-of-bag curve (--trees auto), as in the published Figure 1.
OOB_TREES = (25, 50, 100, 200, 300, 400, 600)


def _cmd_evaluate(args: argparse.Namespace) -> int:
    if args.out is not None and (args.personal or args.pretrained):  # accepted, did nothing
        from drumassist.errors import DrumassistError

        given = "--personal" if args.personal else "--pretrained"
        raise DrumassistError(f"--out writes the report of a training run; not with {given}")
    if args.personal:
        return evaluate_personal(args)
    if args.pretrained:
        from drumassist.cli.evaluate_pretrained import score_pretrained

        return score_pretrained(args)
    require(args, "corpus")
    from drumassist.cli.common import load_corpus
    from drumassist.errors import ModelError

    if args.model is not None or args.all_sessions:
        raise ModelError("--model and --all-sessions go with --pretrained")
    if args.jobs < 1:
        raise ModelError(f"--jobs must be at least 1, got {args.jobs}")
    kinds, baselines = _chosen_methods(args.method)
    _check_report_folder(args.out, force=args.force)
    corpus = load_corpus(args.corpus)
    result, curves = _train_and_test(args, corpus, kinds, baselines)
    if args.json:
        print(json.dumps(_evaluation_doc(result, curves, corpus.manifest_sha256), indent=2))
        return 0
    _print_result(result)
    return 0


def _train_and_test(
    args: argparse.Namespace, corpus: Any, kinds: list[str], baselines: list[str]
) -> tuple[Any, Any]:
    """Prepare the training and held-out sets, train and test every kind; writes the
    report when ``--out`` is given. Returns the result and the learning curves."""
    from drumassist.learn.evaluate import protocol as evaluation

    progress = LineProgress(args.verbose)
    train_sessions, sets, corpora = _evaluation_sets(args, corpus)
    print(f"reading {len(train_sessions)} training sessions", file=sys.stderr)
    anchors = evaluation.needs_anchor(kinds)
    # Features only for the kinds that read them (levels-gb, trim and levels read none).
    extractor = "fast" if evaluation.reads_features(kinds) else None

    def prepare(sessions: Any) -> list[Any]:
        return evaluation.prepare(
            sessions, baselines=baselines, anchors=anchors, extractor=extractor, progress=progress
        )

    train = prepare(train_sessions)
    heldout = {name: prepare(sessions) for name, sessions in sets.items()}
    trees, curves = _tree_counts(args, kinds, [s.data for s in train])
    print(f"training and testing {', '.join(kinds) or 'no models'}", file=sys.stderr)
    result = evaluation.run(
        train,
        heldout,
        kinds=kinds,
        baselines=baselines,
        seed=args.seed,
        trees=trees,
        jobs=args.jobs,
        progress=progress,
    )
    if args.out is not None:
        _write_report(args, result, heldout=heldout, train=train, curves=curves, corpora=corpora)
    return result, curves


def _check_report_folder(out: Path | None, *, force: bool) -> None:
    """Refuse, before any training, to write over a report ``out`` already holds: a
    researcher's earlier figures were replaced without a word (and figures the new run
    does not draw were left beside a report they are not of)."""
    from drumassist.errors import ModelError
    from drumassist.learn.evaluate.report import REPORT_NAME

    if out is None:
        return
    if out.exists() and not out.is_dir():
        raise ModelError(f"{out}: --out names a folder for the report, and this is a file")
    if (out / REPORT_NAME).exists() and not force:
        raise ModelError(
            f"{out / REPORT_NAME} exists: give another --out folder to keep it,"
            " or --force to replace it"
        )


def _write_report(args: argparse.Namespace, result: Any, **sets: Any) -> None:
    """``report.md`` and its figures in ``--out`` (``sets``: the prepared sessions and
    the tree curves of :func:`_cmd_evaluate`)."""
    from drumassist.learn.evaluate.report import write_report

    heldout = sets["heldout"]
    path = write_report(
        args.out,
        result,
        heldout=heldout,
        importance_sessions=next(iter(heldout.values()), sets["train"]),
        curves=sets["curves"],
        corpora=sets["corpora"],
        command=_evaluate_command(args),
    )
    print(f"report written to {path}", file=sys.stderr)


def _chosen_methods(methods: list[str] | None) -> tuple[list[str], list[str]]:
    """The model kinds and the baselines ``--method`` asks for (all of both by default)."""
    from drumassist.errors import ModelError
    from drumassist.learn.evaluate import protocol as evaluation

    chosen = methods or [*evaluation.MODEL_KINDS, *evaluation.BASELINES]
    unknown = [m for m in chosen if m not in (*evaluation.MODEL_KINDS, *evaluation.BASELINES)]
    if unknown:
        raise ModelError(f"evaluate trains its own models; {', '.join(unknown)} is not one of them")
    kinds = [m for m in evaluation.MODEL_KINDS if m in chosen]
    return kinds, [m for m in evaluation.BASELINES if m in chosen]


def _print_result(result: Any) -> None:
    print(f"{result.train_sessions} training sessions")
    for name, row in result.methods.items():
        print(f"  {name:<10} train R² {fmt_score(row.train.r2 if row.train else math.nan)}")
        if row.cross_validated is not None:
            print_scores({"groups out": row.cross_validated.as_dict()}, indent=4)
        print_scores(_group_rows(row.per_group, result.real_groups), indent=6)
        kinds = result.heldout_kinds
        print_scores(
            {f"{k} ({kinds.get(k, '?')})": v.as_dict() for k, v in row.heldout.items()}, indent=4
        )


def _evaluation_sets(
    args: argparse.Namespace, corpus: Any
) -> tuple[list[Any], dict[str, Any], dict[str, str]]:
    """Training sessions, held-out sets by name, and a line about each corpus for the report."""
    from drumassist.cli.common import load_corpus
    from drumassist.errors import CorpusError

    train_sessions = [s for s in corpus.sessions if not s.heldout]
    if not train_sessions:
        raise CorpusError(f"{args.corpus}: every session is held out; nothing to train on")
    sets = {}
    own = [s for s in corpus.sessions if s.heldout]
    if own:
        sets[f"{args.corpus.name} (held out)"] = own
    corpora = {
        "training corpus": f"`{args.corpus}` (manifest sha256 {corpus.manifest_sha256[:12]},"
        f" audio sha256 {corpus.audio_sha256()[:12]})"
    }
    train_groups = {s.group for s in train_sessions}
    for path in args.heldout:
        extra = load_corpus(path)
        shared = sorted(train_groups & {s.group for s in extra.sessions})
        if shared:
            raise CorpusError(
                f"{path}: shares recording groups {', '.join(shared)} with the training corpus;"
                " a held-out set must not"
            )
        sets[path.name] = list(extra.sessions)
        corpora[f"held-out `{path.name}`"] = (
            f"`{path}`, {len(extra.sessions)} sessions (manifest sha256"
            f" {extra.manifest_sha256[:12]}, audio sha256 {extra.audio_sha256()[:12]})"
        )
    return train_sessions, sets, corpora


def _tree_counts(
    args: argparse.Namespace, kinds: list[str], data: list[Any]
) -> tuple[dict[str, int], dict[str, list[tuple[int, float]]]]:
    """Trees per forest kind, from --trees or the out-of-bag curves (also returned)."""
    from drumassist.errors import ModelError
    from drumassist.learn.evaluate import protocol as evaluation

    forests = [k for k in kinds if evaluation.is_forest(k)]
    if args.trees != "auto":
        try:
            trees = int(args.trees)
        except ValueError:
            raise ModelError(f"--trees must be a number or auto, got {args.trees!r}") from None
        if trees < 1:
            raise ModelError(f"--trees must be at least 1, got {trees}")
        return dict.fromkeys(forests, trees), {}
    curves = {}
    for kind in forests:
        print(f"out-of-bag curve of {kind}", file=sys.stderr)
        curves[kind] = evaluation.oob_curve(kind, data, OOB_TREES, seed=args.seed, jobs=args.jobs)
    return {k: evaluation.choose_trees(c) for k, c in curves.items()}, curves


def _evaluate_command(args: argparse.Namespace) -> list[str]:
    words = ["drumassist", "evaluate", "--corpus", str(args.corpus)]
    for path in args.heldout:
        words += ["--heldout", str(path)]
    for method in args.method or ():
        words += ["--method", method]
    words += ["--seed", str(args.seed), "--trees", str(args.trees)]
    return words + (["--out", str(args.out)] if args.out is not None else [])


def _evaluation_doc(result: Any, curves: dict[str, Any], sha: str) -> dict[str, Any]:
    def scores(value: Any) -> Any:
        return None if value is None else {k: _json_num(v) for k, v in value.as_dict().items()}

    return {
        "corpus_sha256": sha,
        "train_sessions": result.train_sessions,
        "groups": list(result.groups),
        "real_groups": sorted(result.real_groups),
        "trees": dict(result.trees),
        "seed": result.seed,
        "oob_curves": {k: [[n, e] for n, e in c] for k, c in curves.items()},
        "methods": {
            name: {
                "train": scores(row.train),
                "groups_out": scores(row.cross_validated),
                "group_out": {
                    g: {**scores(v), "real": g in result.real_groups}
                    for g, v in row.per_group.items()
                },
                "heldout": {k: scores(v) for k, v in row.heldout.items()},
            }
            for name, row in result.methods.items()
        },
    }


def _group_rows(per_group: dict[str, Any], real: frozenset[str]) -> dict[str, Any]:
    """Each group left out, real recordings first, each named as real or simulated."""
    order = sorted(per_group, key=lambda g: (g not in real, g))
    return {f"{g} ({'real' if g in real else 'simulated'})": per_group[g].as_dict() for g in order}


def _json_num(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value
