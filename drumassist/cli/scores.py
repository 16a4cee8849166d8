"""Scores as the commands print them, and the gains of a method for scoring."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from drumassist.learn.models import registry


def fmt_score(value: float) -> str:
    """A score with three decimals, or ``n/a``."""
    return "n/a" if not math.isfinite(value) else f"{value:.3f}"


def predictor(name: str, model_dir: Path | None) -> Any:
    """A function from a multitrack to the raw gains of ``name`` (the model in
    ``model_dir`` when it is a ``name`` model, else the shipped one or a baseline)."""
    from drumassist.learn.models.persist import load_model
    from drumassist.learn.suggest.suggestion import method_gains, model_gains

    if registry.is_model_method(name) and model_dir is not None:
        model = load_model(model_dir)
        if model.method == name:
            return lambda mt: model_gains(mt, None, model).gains_db
    return lambda mt: method_gains(name, mt, None).gains_db


def print_scores(scores: dict[str, Any], indent: int = 2) -> None:
    """One line per method: R², median and p90 balance error, sessions and tracks."""
    from drumassist.learn.evaluate.metrics import format_r2

    for name, row in scores.items():
        print(
            f"{' ' * indent}{name:<10} R² {format_r2(row['r2'])}  balance error median"
            f" {fmt_score(row['balance_median_db'])} dB, p90 {fmt_score(row['balance_p90_db'])} dB"
            f"  ({_count(row['sessions'], 'session')}, {_count(row['tracks'], 'track')})"
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
