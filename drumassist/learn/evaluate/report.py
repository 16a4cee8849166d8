"""The evaluation report: ``report.md`` with the published table's analogue and figures.

:func:`write_report` writes, into one folder, ``report.md`` (every method's train and
test R² and balance error, the goal check, per-role errors and feature importances),
``oob-curve.png`` (out-of-bag error against the number of trees: the published Figure
1) and ``errors-by-role-<set>.png`` per held-out set. Figures need matplotlib; without
it the report says so and keeps its tables. Every file is written atomically.

Feature importance
    For the trim and flexible models: permutation importance per role, on the first
    held-out set (the training sessions if there is none): the rise in mean squared
    balance error (dB², predictions centred per session) of that role's tracks when one
    column is shuffled among them (for the flexible forest, among the columns it uses
    most). For ``rf-slots``: the forest's impurity importance of each slot's columns.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from drumassist.core.atomic import write_atomically
from drumassist.core.roles import Role
from drumassist.errors import ModelError
from drumassist.learn.corpus.slots import ENST_SLOTS
from drumassist.learn.evaluate.groups import group_section
from drumassist.learn.evaluate.metrics import FLOOR_DB, Scores, SessionComparison
from drumassist.learn.evaluate.protocol import EvalSession, Evaluation, MethodResult
from drumassist.learn.models.flexible import FlexibleModel, column_names, design_matrix
from drumassist.learn.models.slots import SlotModel, slot_columns
from drumassist.learn.models.trim import METHOD as TRIM_METHOD
from drumassist.learn.models.trim import TrimModel, anchor_of
from drumassist.learn.models.trim import design_matrix as trim_design

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
#: Feature importances listed per role or slot.
TOP_FEATURES = 5
REPORT_NAME = "report.md"
OOB_FIGURE = "oob-curve.png"


@dataclass(frozen=True)
class Importance:
    """A column's importance and its name."""

    name: str
    value: float


def role_residuals(
    sessions: Sequence[EvalSession], comparisons: Sequence[SessionComparison]
) -> dict[str, np.ndarray]:
    """Per role, each valid track's balance error in dB (session mean difference removed)."""
    out: dict[str, list[float]] = {}
    for session, c in zip(sessions, comparisons, strict=True):
        if not c.valid.any():
            continue
        diff = np.maximum(c.pred_db, FLOOR_DB) - np.maximum(c.true_db, FLOOR_DB)
        diff = diff[c.valid] - diff[c.valid].mean()
        roles = [r for r, v in zip(session.data.inputs.roles, c.valid, strict=True) if v]
        for role, d in zip(roles, diff, strict=True):
            out.setdefault(role.value, []).append(float(d))
    order = [r.value for r in Role]
    return {r: np.array(out[r]) for r in order if r in out}


@dataclass(frozen=True)
class _Rows:
    """Every valid track of some sessions as model rows, with centred targets."""

    x: np.ndarray
    y: np.ndarray
    session: np.ndarray  # index of each row's session
    role: np.ndarray  # role value of each row


def _rows(
    sessions: Sequence[EvalSession],
    anchor: Callable[[EvalSession], np.ndarray],
    design: Callable[[EvalSession], np.ndarray],
) -> _Rows | None:
    rows, targets, session_of, roles = [], [], [], []
    for k, s in enumerate(sessions):
        relative = s.data.target_db + anchor(s)
        valid = np.isfinite(relative)
        if valid.sum() < 2:
            continue
        rows.append(design(s)[valid])
        targets.append(relative[valid] - relative[valid].mean())
        session_of += [k] * int(valid.sum())
        roles += [r.value for r, v in zip(s.data.inputs.roles, valid, strict=True) if v]
    if not rows:
        return None
    return _Rows(np.vstack(rows), np.concatenate(targets), np.array(session_of), np.array(roles))


def permutation_importances(
    predict: Callable[[np.ndarray], np.ndarray],
    rows: _Rows,
    names: Sequence[str],
    columns: Sequence[int],
    *,
    repeats: int = 3,
    seed: int = 0,
) -> dict[str, list[Importance]]:
    """Per role, the top ``columns`` by the rise in centred squared error when shuffled."""
    base = predict(rows.x)
    rng = np.random.default_rng(seed)
    out = {}
    for role in dict.fromkeys(rows.role.tolist()):
        members = np.flatnonzero(rows.role == role)
        if members.size < 3:
            continue
        reference = _role_mse(base, rows.y, rows.session, members)
        scores = []
        for j in columns:
            rises = []
            for _ in range(repeats):
                shuffled = rows.x[members].copy()
                shuffled[:, j] = rng.permutation(shuffled[:, j])
                pred = base.copy()
                pred[members] = predict(shuffled)
                rises.append(_role_mse(pred, rows.y, rows.session, members) - reference)
            scores.append(Importance(names[j], float(np.mean(rises))))
        scores.sort(key=lambda imp: imp.value, reverse=True)
        out[role] = scores[:TOP_FEATURES]
    return out


def flexible_importances(
    model: FlexibleModel, sessions: Sequence[EvalSession], *, candidates: int = 40
) -> dict[str, list[Importance]]:
    """Permutation importance per role of the flexible model's most used columns."""
    rows = _rows(
        sessions,
        lambda s: s.data.inputs.loudness_lufs,
        lambda s: design_matrix(s.data.inputs),
    )
    if rows is None:
        return {}
    top = np.argsort(model.forest.feature_importances_)[::-1][:candidates]
    return permutation_importances(
        model.forest.predict, rows, column_names(model.feature_names), top.tolist()
    )


def trim_importances(
    model: TrimModel, sessions: Sequence[EvalSession]
) -> dict[str, list[Importance]]:
    """Permutation importance per role of every column of the trim model's regressor."""
    usable = [s for s in sessions if s.data.anchor is not None]

    def anchor(s: EvalSession) -> np.ndarray:
        assert s.data.anchor is not None
        return anchor_of(s.data.anchor, model.tables)

    def design(s: EvalSession) -> np.ndarray:
        assert s.data.anchor is not None
        return trim_design(s.data.anchor, anchor(s), model.tables)

    rows = _rows(usable, anchor, design)
    if rows is None:
        return {}
    return permutation_importances(
        model.gain.predict, rows, model.columns, list(range(len(model.columns)))
    )


def _role_mse(pred: np.ndarray, y: np.ndarray, sid: np.ndarray, members: np.ndarray) -> float:
    # Predictions centred per session, as only the balance is defined.
    centred = pred.copy()
    for k in np.unique(sid[members]):
        rows = sid == k
        centred[rows] -= centred[rows].mean()
    return float(np.mean((centred[members] - y[members]) ** 2))


def slot_importances(model: SlotModel) -> dict[str, list[Importance]]:
    """The forest's impurity importance of each slot's columns, the top of each slot."""
    if not hasattr(model.forest, "feature_importances_"):
        raise ModelError(f"a {model.method} model has no impurity importances")
    kept = model.pipeline[0].get_support()
    names = np.array(slot_columns(model.feature_names))[kept]
    values = model.forest.feature_importances_
    out = {}
    for slot in ENST_SLOTS:
        mine = [i for i, n in enumerate(names) if n.startswith(f"{slot}.")]
        ranked = sorted(mine, key=lambda i: values[i], reverse=True)[:TOP_FEATURES]
        out[slot] = [Importance(str(names[i]).split(".", 1)[1], float(values[i])) for i in ranked]
        out[slot].insert(0, Importance("(all of the slot)", float(values[mine].sum())))
    return out


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
    default: str = TRIM_METHOD,
) -> Path:
    """Write ``report.md`` and its figures into ``out_dir``; returns the report's path."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"{out}: cannot create the report folder ({exc.strerror})") from exc
    figures = _figures(out, evaluation, heldout, curves)
    methods = evaluation.methods
    lines = [
        "# drumassist evaluation",
        "",
        f"Measured {date.today().isoformat()} with `{' '.join(command)}`.",
        "",
    ]
    lines += [f"- {label}: {text}" for label, text in corpora.items()]
    forests = ", ".join(f"{k} {n}" for k, n in evaluation.trees.items()) or "none"
    lines += [
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
        "## Results",
        "",
    ]
    header = ["method", "train R²", "test R² (groups)", "median", "p90"]
    for set_name in heldout:
        header += [f"{set_name} R²", "median", "p90"]
    header.append("published R² train / test")
    rows = []
    for name, result in methods.items():
        row = [_label(name, default), _num(result.train.r2, 3) if result.train else "n/a"]
        row += _scores_cells(result.cross_validated)
        for set_name in heldout:
            row += _scores_cells(result.heldout.get(set_name))
        published = PUBLISHED_R2.get(name)
        row.append(f"{_num(published[0])} / {_num(published[1])}" if published else "—")
        rows.append(row)
    lines += _table(header, rows)
    lines.append("")
    if default in methods and heldout:
        baselines = [m for m in methods.values() if m.name not in evaluation.models]
        for set_name in heldout:
            lines += [f"Goal for the default model on **{set_name}**:", ""]
            lines += goal_check(methods[default], baselines, set_name)
            lines.append("")
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
    per_role: list[tuple[str, dict[str, list[Importance]]]] = []
    trim = evaluation.models.get(TRIM_METHOD)
    if isinstance(trim, TrimModel) and sessions:
        title = "Trim model, permutation importance per role of its regressor's columns"
        per_role.append((title, trim_importances(trim, sessions)))
    flexible = evaluation.models.get("flexible")
    if isinstance(flexible, FlexibleModel) and sessions:
        title = "Flexible model, permutation importance per role of its most used columns"
        per_role.append((title, flexible_importances(flexible, sessions)))
    for title, importances in per_role:
        lines += [
            f"{title} (rise in mean squared balance error, dB², when the column is shuffled"
            " among that role's tracks):",
            "",
        ]
        for role, items in importances.items():
            listed = ", ".join(f"`{i.name}` {_num(i.value)}" for i in items)
            lines.append(f"- **{role}**: {listed}")
        lines.append("")
    slots = evaluation.models.get("rf-slots")
    if isinstance(slots, SlotModel):
        lines += ["Fixed-slot forest, impurity importance per slot:", ""]
        for slot, items in slot_importances(slots).items():
            total, rest = items[0], items[1:]
            listed = ", ".join(f"`{i.name}` {_num(i.value, 3)}" for i in rest)
            lines.append(f"- **{slot}** ({_num(total.value, 3)} in all): {listed}")
        lines.append("")
    lasso = evaluation.models.get("lasso")
    if isinstance(lasso, SlotModel):
        nonzero = [int((e.coef_ != 0).sum()) for e in lasso.forest.estimators_]
        width = int(lasso.pipeline[0].get_support().sum())
        lines += [
            f"LASSO keeps {', '.join(map(str, nonzero))} of {width} columns for the slots"
            f" {', '.join(ENST_SLOTS)}.",
            "",
        ]
    return lines


def _figures(
    out: Path,
    evaluation: Evaluation,
    heldout: Mapping[str, Sequence[EvalSession]],
    curves: Mapping[str, Sequence[tuple[int, float]]],
) -> dict[str, str]:
    """Draw the figures: file names by key (``oob`` or a set name); none without matplotlib."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        return {}
    names: dict[str, str] = {}

    def save(fig: Figure, name: str) -> None:
        FigureCanvasAgg(fig)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100)
        write_atomically(out / name, lambda f: f.write(buffer.getvalue()), overwrite=True)

    if curves:
        fig = Figure(figsize=(6.4, 4.0), layout="constrained")
        ax = fig.add_subplot()
        for kind, curve in curves.items():
            (line,) = ax.plot([n for n, _ in curve], [e for _, e in curve], marker="o", label=kind)
            if kind in evaluation.trees:
                n = evaluation.trees[kind]
                ax.axvline(n, color=line.get_color(), linestyle="--", label=f"{kind}: {n} chosen")
        ax.set_xlabel("trees")
        ax.set_ylabel("out-of-bag MSE (dB²)")
        ax.set_title("Out-of-bag error of the forests")
        ax.legend()
        save(fig, OOB_FIGURE)
        names["oob"] = OOB_FIGURE
    for set_name, sessions in heldout.items():
        per_method = {
            name: role_residuals(sessions, result.comparisons[set_name])
            for name, result in evaluation.methods.items()
            if set_name in result.comparisons
        }
        if not per_method:
            continue
        columns = 4
        rows = math.ceil(len(per_method) / columns)
        fig = Figure(figsize=(3.2 * columns, 2.8 * rows), layout="constrained")
        axes = fig.subplots(rows, columns, squeeze=False, sharey=True)
        for ax, (name, residuals) in zip(axes.flat, per_method.items(), strict=False):
            ax.boxplot(list(residuals.values()), tick_labels=list(residuals), showfliers=False)
            ax.axhline(0.0, color="grey", linewidth=0.8)
            ax.set_title(name)
            ax.tick_params(axis="x", labelrotation=45)
        for ax in axes.flat[len(per_method) :]:
            ax.set_visible(False)
        axes[0][0].set_ylabel("balance error (dB)")
        fig.suptitle(f"Balance error per role: {set_name}")
        name = f"errors-by-role-{_slug(set_name)}.png"
        save(fig, name)
        names[set_name] = name
    return names


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text).strip("-") or "set"
