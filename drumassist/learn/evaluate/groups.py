"""The report's table of each recording group left out, real recordings apart."""

from __future__ import annotations

import math
from collections.abc import Mapping

from drumassist.learn.evaluate.protocol import Evaluation, MethodResult


def _cell(value: float, digits: int) -> str:
    return f"{value:.{digits}f}" if math.isfinite(value) else "n/a"


def group_section(evaluation: Evaluation) -> list[str]:
    """Markdown lines: per recording group left out, every method's R² and median error.

    Real multi-mic recordings come first and are marked *real*; the others *simulated*.
    """
    methods: Mapping[str, MethodResult] = evaluation.methods
    groups = sorted(
        {g for m in methods.values() for g in m.per_group},
        key=lambda g: (g not in evaluation.real_groups, g),
    )
    if not groups:
        return []
    names = list(methods)
    lines = [
        "## Each recording group left out (real recordings apart)",
        "",
        "Fitted on every other group of the training corpus and scored on the one left out;"
        " a baseline is not fitted, so its row is its score on that group. *Real* groups are"
        " real multi-microphone recordings (every hit recorded on all mics at once, with an"
        " engineer-style reference balance); *simulated* groups are Hydrogen kits with"
        " simulated mics. Cells: R² / median balance error (dB).",
        "",
        "| group | kind | sessions | " + " | ".join(names) + " |",
        "|---|---|---|" + "---|" * len(names),
    ]
    for group in groups:
        kind = "real" if group in evaluation.real_groups else "simulated"
        cells, sessions = [], 0
        for name in names:
            scores = methods[name].per_group.get(group)
            if scores is None:
                cells.append("n/a")
                continue
            sessions = scores.sessions
            cells.append(f"{_cell(scores.r2, 3)} / {_cell(scores.balance_median_db, 2)}")
        lines.append(f"| {group} | {kind} | {sessions} | " + " | ".join(cells) + " |")
    return [*lines, ""]
