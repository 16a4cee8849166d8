"""``drumassist evaluate --pretrained``: score shipped (or ``--model``) models on held-out
sessions, each set apart, without training."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from drumassist.cli.common import LineProgress
from drumassist.cli.scores import predictor, print_scores
from drumassist.learn.models import registry


def score_pretrained(args: argparse.Namespace) -> int:
    """Score shipped models (or ``--model``) on a corpus's held-out sessions and on each
    ``--heldout`` corpus apart (either is enough): real and simulated sets were pooled
    into one figure (found by a researcher's trial)."""
    from drumassist.learn.evaluate.protocol import evaluate, set_kind

    corpus, sets = _pretrained_sets(args)
    methods = args.method or _installed_methods(args.model)
    predictors = {name: predictor(name, args.model) for name in methods}
    rows: list[dict[str, Any]] = []
    for label, sessions in sets:
        scores = {
            name: evaluate(sessions, predict, progress=LineProgress(args.verbose)).as_dict()
            for name, predict in predictors.items()
        }
        kind = set_kind(s.source for s in sessions)
        rows.append({"name": label, "kind": kind, "sessions": len(sessions), "scores": scores})
    if args.json:
        sha = None if corpus is None else corpus.manifest_sha256
        doc: dict[str, Any] = {"corpus_sha256": sha, "sessions": sum(r["sessions"] for r in rows)}
        doc["sets"] = rows
        if len(rows) == 1:  # one set: its scores at the top too, as before
            doc["scores"] = rows[0]["scores"]
        print(json.dumps(doc, indent=2))
        return 0
    for row in rows:
        count = f"{row['sessions']} session{'' if row['sessions'] == 1 else 's'}"
        print(f"{count} of {row['name']} ({row['kind']})")
        print_scores(row["scores"])
    return 0


def _pretrained_sets(args: argparse.Namespace) -> tuple[Any, list[tuple[str, list[Any]]]]:
    """``--corpus``'s held-out sessions (all with ``--all-sessions``), then each
    ``--heldout`` corpus, each a set of its own: (name, sessions)."""
    from drumassist.cli.common import load_corpus
    from drumassist.errors import CorpusError, DrumassistError

    if args.corpus is None and not args.heldout:
        raise DrumassistError("--corpus or --heldout required (or give --personal)")
    corpus = None if args.corpus is None else load_corpus(args.corpus)
    sets: list[tuple[str, list[Any]]] = []
    if corpus is not None:
        chosen = [s for s in corpus.sessions if args.all_sessions or s.heldout]
        if not chosen and not args.heldout:
            raise CorpusError(
                f"{args.corpus}: no held-out sessions; give --all-sessions to score every session"
            )
        if chosen:
            sets.append((str(args.corpus), chosen))
    for path in args.heldout:
        sessions = list(load_corpus(path).sessions)
        if not sessions:
            raise CorpusError(f"{path}: no sessions to score")
        sets.append((str(path), sessions))
    return corpus, sets


def _installed_methods(model_dir: Path | None) -> list[str]:
    """Every method that can run here (``--model``'s method too), saying which cannot.

    A method without an installed model (``svr`` ships none, ``personal`` needs one
    learned) is named on stderr and left out, so the others are still scored.
    """
    from drumassist.learn.models.persist import read_card
    from drumassist.learn.suggest.suggestion import method_names

    given = None if model_dir is None else read_card(model_dir).get("method")
    chosen = []
    for name in method_names():
        if name == registry.DEFAULT_ALIAS:
            continue
        reason = None if name == given else registry.unavailable_reason(name)
        if reason is None:
            chosen.append(name)
        else:
            print(f"{name}: not scored: {reason.split(';')[0]}", file=sys.stderr)
    return chosen
