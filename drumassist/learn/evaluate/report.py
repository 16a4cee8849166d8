"""The evaluation report: ``report.md`` with the published table's analogue and figures.

:func:`write_report` writes, into one folder, ``report.md`` (every method's train and
test R² and balance error, the goal check, per-role errors and feature importances),
``oob-curve.png`` (out-of-bag error against the number of trees: the published Figure
1) and ``errors-by-role-<set>.png`` per held-out set (:mod:`.figures`). Figures need
matplotlib; without it the report says so and keeps its tables. Every file is written
atomically.

Feature importance
    Each model says which of its inputs matter (``GainModel.importances``), measured on
    the first held-out set (the training sessions if there is none). The trim and
    flexible models give permutation importance per role: the rise in mean squared
    balance error (dB², predictions centred per session) of that role's tracks when one
    column is shuffled among them (for the flexible forest, among the columns it uses
    most). ``rf-slots`` gives the forest's impurity importance of each slot's columns,
    LASSO how many columns it keeps.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import numpy as np

from drumassist.core.atomic import write_atomically
from drumassist.errors import ModelError
from drumassist.learn.evaluate.figures import draw_figures, remove_stale_figures
from drumassist.learn.evaluate.groups import group_section
from drumassist.learn.evaluate.metrics import Scores
from drumassist.learn.evaluate.protocol import EvalSession, Evaluation, MethodResult
from drumassist.learn.evaluate.residuals import role_residuals
from drumassist.learn.models.registry import DEFAULT_METHOD

#: The published R² (train, test) of each method, for the report's comparison column.
PUBLISHED_R2 = {
    "rf-slots": (0.98, 0.89),
    "svr": (0.95, 0.76),
    "lasso": (0.18, 0.20),
    "loudness": (-12.62, -16.45),
    "sum": (-1.06, -1.62),
}
#: The goal for the default model on held-out data.
GOAL_R2 = 0.89
GOAL_BALANCE_DB = 1.5
REPORT_NAME = "report.md"


def _num(value: float, digits: int = 2) -> str:
    if not math.isfinite(value):
        return "n/a"
    return f"{value:.{digits}f}".replace("-", "−")


def _scores_cells(scores: Scores | None) -> list[str]:
    if scores is None:
        return ["n/a", "n/a", "n/a"]
    return [
        _num(scores.r2, 3),
        f"{_num(scores.balance_median_db)} dB",
        f"{_num(scores.balance_p90_db)} dB",
    ]


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _label(name: str, default: str) -> str:
    return f"{name} (default)" if name == default else name


def goal_check(result: MethodResult, others: Sequence[MethodResult], set_name: str) -> list[str]:
    """Lines saying whether ``result`` meets the goal on held-out set ``set_name``."""
    scores = result.heldout.get(set_name)
    if scores is None:
        return [f"- no scores of {result.name} on {set_name}"]
    rivals = [o.heldout[set_name] for o in others if set_name in o.heldout]
    beats_r2 = all(scores.r2 > o.r2 for o in rivals)
    beats_balance = all(scores.balance_median_db < o.balance_median_db for o in rivals)
    checks = [
        (f"test R² {_num(scores.r2, 3)} ≥ {GOAL_R2}", scores.r2 >= GOAL_R2),
        (
            f"median balance error {_num(scores.balance_median_db)} dB ≤ {GOAL_BALANCE_DB} dB",
            scores.balance_median_db <= GOAL_BALANCE_DB,
        ),
        ("better R² than every baseline", beats_r2),
        ("smaller median balance error than every baseline", beats_balance),
    ]
    return [f"- {'met' if ok else '**not met**'}: {text}" for text, ok in checks]


def write_report(
    out_dir: str | Path,
    evaluation: Evaluation,
    *,
    heldout: Mapping[str, Sequence[EvalSession]],
    importance_sessions: Sequence[EvalSession],
    curves: Mapping[str, Sequence[tuple[int, float]]],
    corpora: Mapping[str, str],
    command: Sequence[str],
    default: str = DEFAULT_METHOD,
) -> Path:
    """Write ``report.md`` and its figures into ``out_dir``; returns the report's path."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"{out}: cannot create the report folder ({exc.strerror})") from exc
    figures = draw_figures(out, evaluation, heldout, curves)
    remove_stale_figures(out, figures)
    lines = _intro(evaluation, corpora, command)
    lines += _results_table(evaluation, heldout, default)
    lines += _goal_section(evaluation, heldout, default)
    if not figures and (curves or heldout):
        lines += ["Figures need matplotlib, which is not installed; the tables follow.", ""]
    lines += group_section(evaluation)
    lines += _oob_section(curves, evaluation.trees, figures.get("oob"))
    lines += _role_section(evaluation, heldout, figures)
    lines += _importance_section(evaluation, importance_sessions)
    text = "\n".join(lines) + "\n"
    path = out / REPORT_NAME
    write_atomically(path, lambda f: f.write(text.encode("utf-8")), overwrite=True)
    return path


def _intro(evaluation: Evaluation, corpora: Mapping[str, str], command: Sequence[str]) -> list[str]:
    lines = [
        "# drumassist evaluation",
        "",
        f"Measured {date.today().isoformat()} with `{' '.join(command)}`.",
        "",
    ]
    lines += [f"- {label}: {text}" for label, text in corpora.items()]
    forests = ", ".join(f"{k} {n}" for k, n in evaluation.trees.items()) or "none"
    return [
        *lines,
        f"- training: {evaluation.train_sessions} sessions in {len(evaluation.groups)} recording"
        f" groups ({', '.join(evaluation.groups)}); seed {evaluation.seed}; trees per forest:"
        f" {forests}",
        "",
        "R² is the coefficient of determination of linear gains after scaling each gain vector"
        " so its mono mix measures −23 LUFS, pooled over all tracks (as published). The balance"
        " error is, per session, the RMS over tracks of the dB difference after removing its"
        " mean; median and 90th percentile over sessions. *Train* is fitted and scored on all"
        " training sessions; *test (groups)* fits on all recording groups but one and scores"
        " the one left out, for each group in turn; a baseline is not fitted, so its two"
        " columns are the same sessions.",
        "",
    ]


def _results_table(
    evaluation: Evaluation, heldout: Mapping[str, Sequence[EvalSession]], default: str
) -> list[str]:
    header = ["method", "train R²", "test R² (groups)", "median", "p90"]
    for set_name in heldout:
        kind = evaluation.heldout_kinds.get(set_name)
        header += [f"{set_name}{f' ({kind})' if kind else ''} R²", "median", "p90"]
    header.append("published R² train / test")
    rows = []
    for name, result in evaluation.methods.items():
        row = [_label(name, default), _num(result.train.r2, 3) if result.train else "n/a"]
        row += _scores_cells(result.cross_validated)
        for set_name in heldout:
            row += _scores_cells(result.heldout.get(set_name))
        published = PUBLISHED_R2.get(name)
        row.append(f"{_num(published[0])} / {_num(published[1])}" if published else "—")
        rows.append(row)
    return ["## Results", "", *_table(header, rows), ""]


def _goal_section(
    evaluation: Evaluation, heldout: Mapping[str, Sequence[EvalSession]], default: str
) -> list[str]:
    methods = evaluation.methods
    if default not in methods or not heldout:
        return []
    lines = []
    baselines = [m for m in methods.values() if m.name not in evaluation.models]
    for set_name in heldout:
        lines += [f"Goal for the default model on **{set_name}**:", ""]
        lines += goal_check(methods[default], baselines, set_name)
        lines.append("")
    return lines


def _oob_section(
    curves: Mapping[str, Sequence[tuple[int, float]]],
    chosen: Mapping[str, int],
    figure: str | None,
) -> list[str]:
    if not curves:
        return []
    lines = ["## Out-of-bag error and the number of trees", ""]
    if figure:
        lines += [f"![Out-of-bag error against the number of trees]({figure})", ""]
    counts = sorted({n for curve in curves.values() for n, _ in curve})
    rows = []
    for kind, curve in curves.items():
        by_n = dict(curve)
        rows.append([kind, *(_num(by_n[n], 3) if n in by_n else "" for n in counts)])
    lines += _table(["OOB MSE (dB²) at trees", *map(str, counts)], rows)
    picked = ", ".join(f"{chosen[k]} trees for {k}" for k in curves if k in chosen)
    lines += [
        "",
        f"Chosen: {picked}; the fewest within 1 % of the lowest out-of-bag error"
        " (the published curve flattened at 600).",
        "",
    ]
    return lines


def _role_section(
    evaluation: Evaluation, heldout: Mapping[str, Sequence[EvalSession]], figures: dict[str, str]
) -> list[str]:
    lines = ["## Errors per role", ""]
    for set_name, sessions in heldout.items():
        lines += [f"### {set_name}", ""]
        if set_name in figures:
            lines += [f"![Balance error per role on {set_name}]({figures[set_name]})", ""]
        per_method = {
            name: role_residuals(sessions, result.comparisons[set_name])
            for name, result in evaluation.methods.items()
            if set_name in result.comparisons
        }
        roles = list(dict.fromkeys(r for res in per_method.values() for r in res))
        rows = []
        for name, residuals in per_method.items():
            cells = [
                _num(float(np.sqrt(np.mean(residuals[r] ** 2)))) if r in residuals else ""
                for r in roles
            ]
            rows.append([name, *cells])
        lines += ["RMS balance error per role (dB):", ""]
        lines += _table(["method", *roles], rows)
        lines.append("")
    return lines


def _importance_section(evaluation: Evaluation, sessions: Sequence[EvalSession]) -> list[str]:
    lines = ["## Feature importance", ""]
    data = [s.data for s in sessions]
    for model in evaluation.models.values():
        found = model.importances(data)
        if found is None:
            continue
        if found.style == "permutation":
            lines += [
                f"{found.title} (rise in mean squared balance error, dB², when the column is"
                " shuffled among that role's tracks):",
                "",
            ]
            for role, items in found.groups.items():
                listed = ", ".join(f"`{i.name}` {_num(i.value)}" for i in items)
                lines.append(f"- **{role}**: {listed}")
        elif found.style == "impurity":
            lines += [found.title, ""]
            for slot, items in found.groups.items():
                total, rest = items[0], items[1:]
                listed = ", ".join(f"`{i.name}` {_num(i.value, 3)}" for i in rest)
                lines.append(f"- **{slot}** ({_num(total.value, 3)} in all): {listed}")
        else:
            lines.append(found.title)
        lines.append("")
    return lines
