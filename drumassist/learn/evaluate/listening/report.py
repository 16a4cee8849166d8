"""The analysis of saved ratings, as data, as Markdown and as a box-plot figure.

``drumassist listening-report`` and the window's results view both call
:func:`analyse`; :func:`write_report` writes ``report.md`` and ``ratings.png``, each
to a temporary file renamed into place, so a failure leaves no partial file.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drumassist.core.atomic import write_atomically
from drumassist.errors import ListeningTestError
from drumassist.learn.evaluate.listening.ratings import ANCHOR, REFERENCE, Rating
from drumassist.learn.evaluate.listening.screening import Screening, screen_listeners
from drumassist.learn.evaluate.listening.stats import (
    MethodSummary,
    Omnibus,
    PairTest,
    dunn_holm,
    groups_by_method,
    kruskal_wallis,
    summarise,
)

#: Significance level the report marks pairs at (after Holm's correction).
ALPHA = 0.05


@dataclass(frozen=True)
class Analysis:
    """Everything the report shows, computed on the ratings of the kept listeners."""

    screening: Screening
    kept: tuple[Rating, ...]
    tests: int
    summaries: tuple[MethodSummary, ...]
    omnibus: Omnibus
    pairs: tuple[PairTest, ...]


def analyse(ratings: Sequence[Rating]) -> Analysis:
    """Screen the listeners, then summarise and test the ratings of those kept."""
    if not ratings:
        raise ListeningTestError("no ratings to analyse: run a blind test first")
    screening = screen_listeners(ratings)
    kept = tuple(r for r in ratings if r.listener in screening.kept)
    groups = groups_by_method(kept)
    return Analysis(
        screening=screening,
        kept=kept,
        tests=len({r.test_id for r in ratings}),
        summaries=tuple(summarise(groups)),
        omnibus=kruskal_wallis(groups),
        pairs=tuple(dunn_holm(groups)),
    )


def _p(value: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def markdown(analysis: Analysis, *, sources: Sequence[str] = ()) -> str:
    """The report as Markdown: screening, medians, Kruskal-Wallis, pairwise tests."""
    s = analysis.screening
    lines = ["# Listening test report", ""]
    if sources:
        lines += [f"Ratings from {', '.join(f'`{x}`' for x in sources)}.", ""]
    lines += [
        f"{analysis.tests} tests, {len(s.kept) + len(s.excluded)} listeners, {len(s.kept)} kept"
        f" after post-screening (ITU-R BS.1534-3: the hidden reference (`{REFERENCE}`) rated"
        f" below 90, or the anchor (`{ANCHOR}`) rated above 90, in more than 15 % of a"
        " listener's trials).",
        "",
        "## Post-screening",
        "",
    ]
    for listener, reasons in s.excluded.items():
        lines.append(f"- **{listener}**: excluded; {'; '.join(reasons)}.")
    lines += [f"- {listener}: kept." for listener in s.kept]
    for listener, notes in s.notes.items():
        lines.append(f"- {listener}: {'; '.join(notes)}.")
    lines += ["", "## Ratings per method (kept listeners)", ""]
    lines += [
        "| method | ratings | median | 1st quartile | 3rd quartile |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {m.method} | {m.count} | {m.median:.1f} | {m.q1:.1f} | {m.q3:.1f} |"
        for m in analysis.summaries
    ]
    o = analysis.omnibus
    lines += ["", "## Kruskal-Wallis test over methods", ""]
    if math.isfinite(o.h):
        p = _p(o.p)  # "p < 0.001", not "p = < 0.001"
        lines.append(
            f"H({o.df}) = {o.h:.2f}, p {p if p.startswith('<') else '= ' + p}, over {o.n} ratings."
        )
    else:
        lines.append("Not computed: it needs two methods and ratings that are not all equal.")
    lines += ["", "## Pairwise comparisons", ""]
    lines += [
        "Dunn's test on the Kruskal-Wallis ranks, p-values adjusted with Holm's method"
        f" (significant at {ALPHA:g} marked *).",
        "",
        "| pair | z | p | p (Holm) |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {t.a} vs {t.b} | {t.z:+.2f} | {_p(t.p)} | {_p(t.p_holm)}"
        f"{' *' if t.p_holm < ALPHA else ''} |"
        for t in analysis.pairs
    ]
    return "\n".join(lines) + "\n"


def figure_png(analysis: Analysis, *, width_in: float = 7.0, height_in: float = 4.0) -> bytes:
    """Box plots of the kept ratings per method (best median first), as PNG bytes."""
    fig = ratings_figure(analysis, width_in=width_in, height_in=height_in)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def ratings_figure(analysis: Analysis, *, width_in: float = 7.0, height_in: float = 4.0) -> Any:
    """The matplotlib Figure of :func:`figure_png` (says so when nothing is left to plot)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    groups = groups_by_method(analysis.kept)
    names = [m.method for m in analysis.summaries]
    fig = Figure(figsize=(width_in, height_in), dpi=100)
    ax = fig.add_subplot()
    if names:
        ax.boxplot([groups[n] for n in names], tick_labels=names)
    else:  # an empty frame would look like a drawing that failed
        ax.set_xticks([])
        ax.text(
            0.5, 0.5, "No ratings left to plot: every listener was excluded\nby post-screening"
            " (the report says why)", ha="center", va="center", transform=ax.transAxes,
        )  # fmt: skip
    ax.set_ylim(-2, 102)
    ax.set_ylabel("rating (0-100)")
    kept = len(analysis.screening.kept)
    ax.set_title(f"Ratings per method ({kept} listeners kept, {len(analysis.kept)} ratings)")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


def write_report(
    ratings: Sequence[Rating], out_dir: Path, *, sources: Sequence[str] = ()
) -> Analysis:
    """Write ``report.md`` and ``ratings.png`` into ``out_dir`` (made if absent)."""
    analysis = analyse(ratings)
    text = markdown(analysis, sources=sources).replace(
        "\n## Post", "\n![Ratings](ratings.png)\n\n## Post", 1
    )
    png = figure_png(analysis)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        write_atomically(out_dir / "ratings.png", lambda h: h.write(png), overwrite=True)
        write_atomically(out_dir / "report.md", lambda h: h.write(text.encode()), overwrite=True)
    except OSError as exc:
        raise ListeningTestError(f"{out_dir}: cannot write the report ({exc})") from exc
    return analysis
