"""The evaluation report's figures: the out-of-bag curves and the errors per role.

They need matplotlib; without it :func:`draw_figures` draws nothing and the report
keeps its tables. Every file is written atomically.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from drumassist.core.atomic import write_atomically
from drumassist.learn.evaluate.protocol import EvalSession, Evaluation
from drumassist.learn.evaluate.residuals import role_residuals

OOB_FIGURE = "oob-curve.png"


def draw_figures(
    out: Path,
    evaluation: Evaluation,
    heldout: Mapping[str, Sequence[EvalSession]],
    curves: Mapping[str, Sequence[tuple[int, float]]],
) -> dict[str, str]:
    """Draw the figures: file names by key (``oob`` or a set name); none without matplotlib."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401 (both needed)
        from matplotlib.figure import Figure
    except ImportError:
        return {}
    names: dict[str, str] = {}
    if curves:
        _save(_oob_figure(Figure, evaluation, curves), out / OOB_FIGURE)
        names["oob"] = OOB_FIGURE
    for set_name, sessions in heldout.items():
        per_method = {
            name: role_residuals(sessions, result.comparisons[set_name])
            for name, result in evaluation.methods.items()
            if set_name in result.comparisons
        }
        if not per_method:
            continue
        name = f"errors-by-role-{_slug(set_name)}.png"
        _save(_role_figure(Figure, set_name, per_method), out / name)
        names[set_name] = name
    return names


def remove_stale_figures(out: Path, drawn: Mapping[str, str]) -> list[str]:
    """Remove the figures an earlier report left in ``out`` that this one did not draw
    (they would sit beside a report they are not of); returns their names."""
    kept = set(drawn.values())
    stale = [OOB_FIGURE, *(p.name for p in out.glob("errors-by-role-*.png"))]
    removed = []
    for name in stale:
        if name not in kept and (out / name).is_file():
            (out / name).unlink()
            removed.append(name)
    return removed


def _save(fig: Any, path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    write_atomically(path, lambda f: f.write(buffer.getvalue()), overwrite=True)


def _oob_figure(
    figure: Any, evaluation: Evaluation, curves: Mapping[str, Sequence[tuple[int, float]]]
) -> Any:
    """Out-of-bag error against the number of trees, with the chosen counts marked."""
    fig = figure(figsize=(6.4, 4.0), layout="constrained")
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
    return fig


def _role_figure(figure: Any, set_name: str, per_method: Mapping[str, Mapping[str, Any]]) -> Any:
    """Box plots of each method's balance error per role on one held-out set."""
    columns = 4
    rows = math.ceil(len(per_method) / columns)
    fig = figure(figsize=(3.2 * columns, 2.8 * rows), layout="constrained")
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
    return fig


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text).strip("-") or "set"
