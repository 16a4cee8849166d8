"""``drumassist train --personal`` and ``drumassist evaluate --personal``.

Both read the personal corpus the window records in the data folder (exports and
session saves); nothing is sent anywhere.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from drumassist.cli.common import LineProgress


def personal_argument(parser: argparse.ArgumentParser, help_text: str) -> None:
    """Add ``--personal`` to ``train`` or ``evaluate``."""
    parser.add_argument("--personal", action="store_true", help=help_text)


def require(args: argparse.Namespace, *names: str) -> None:
    """Options required unless ``--personal`` is given."""
    from drumassist.errors import DrumassistError

    missing = [f"--{n}" for n in names if getattr(args, n, None) is None]
    if missing:
        raise DrumassistError(f"{' and '.join(missing)} required (or give --personal)")


def train_personal(args: argparse.Namespace) -> int:
    from drumassist.core.personal import corpus_path
    from drumassist.learn.models.personal import MODEL_NAME, model_path
    from drumassist.learn.suggest.personal import learn_from_my_mixes

    # --out writes elsewhere (to inspect); only the data folder's model is used to suggest.
    where = args.out / MODEL_NAME if args.out is not None else model_path()
    model, loaded = learn_from_my_mixes(progress=LineProgress(args.verbose), path=where)
    for note in loaded.skipped:
        print(f"skipped {note}")
    print(f"learned from {corpus_path()}: {model.describe()}")
    print(f"personal model written to {where}; suggest with --method personal")
    return 0


def _json_number(value: float) -> float | None:
    """JSON has no NaN or infinity: a balance that cannot be scored is null."""
    return value if math.isfinite(value) else None


def evaluate_personal(args: argparse.Namespace) -> int:
    import numpy as np

    from drumassist.core.personal import corpus_path
    from drumassist.learn.evaluate.personal import leave_one_session_out
    from drumassist.learn.suggest.personal import load_examples

    loaded = load_examples(progress=LineProgress(args.verbose))
    scores = leave_one_session_out(loaded.examples)
    default = float(np.median([s.default_db for s in scores]))
    personal = float(np.median([s.personal_db for s in scores]))
    if getattr(args, "json", False):
        doc: dict[str, Any] = {
            "corpus": str(corpus_path()),
            "sessions": len(scores),
            "skipped": list(loaded.skipped),
            "balance_median_db": {
                "default": _json_number(default),
                "personal": _json_number(personal),
            },
            "per_session": [
                {k: _json_number(v) if isinstance(v, float) else v for k, v in s.__dict__.items()}
                for s in scores
            ],
        }
        print(json.dumps(doc, indent=2, allow_nan=False))
        return 0
    for note in loaded.skipped:
        print(f"skipped {note}")
    print(f"leave-one-session-out on {len(scores)} sessions of {corpus_path()}")
    print("balance error against your own mixes (dB, median):")
    print(f"  default   {_fmt(default)}")
    print(f"  personal  {_fmt(personal)}")
    for s in scores:
        scored = f"default {_fmt(s.default_db)}, personal {_fmt(s.personal_db)}"
        print(f"  session {s.session_id}: {scored}")
    return 0


def _fmt(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.2f}"
