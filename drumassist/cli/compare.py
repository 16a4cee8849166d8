"""``drumassist compare``: every suggestion method side by side, against a reference mix."""

from __future__ import annotations

import argparse
import functools
import json
import math
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drumassist.cli.common import (
    LineProgress,
    heard_as_in_session,
    load_stems,
    stems_argument,
    strip_order,
    without_mix,
)
from drumassist.errors import InvalidStemError

if TYPE_CHECKING:
    from drumassist.core.multitrack import Multitrack
    from drumassist.learn.evaluate.compare import Comparison, Render

EXIT_ALL_FAILED = 1
#: Track names longer than this are shortened in the middle in the table's header.
_MAX_LABEL = 10
_MIN_COLUMN = 6
#: Shares of the progress bar: the loudness meter, the methods, the render.
_METER_SHARE, _METHODS_END = 0.05, 0.9


def register(sub: Any) -> None:
    """Add ``compare`` to the ``drumassist`` parser."""
    from drumassist.learn.suggest.suggestion import method_names

    names = method_names()
    p = sub.add_parser(
        "compare",
        help="every suggestion method side by side (scored against a reference mix)",
        description=(
            "Suggest gains with every method (each mono mix at -23 LUFS). With --reference,"
            " the mix's balance is reverse-engineered and each method gets the R² of its"
            " linear gains and its balance error (RMS dB difference, mean removed) against it."
            " --render writes every balance as a loudness-matched stereo 24-bit WAV."
        ),
    )
    stems_argument(p)
    p.add_argument(
        "--reference", type=Path, metavar="MIX", help="a mix of these stems to score against"
    )
    p.add_argument(
        "--render",
        type=Path,
        metavar="DIR",
        help="write <method>.wav for every method (and reference.wav) into DIR at one loudness",
    )
    p.add_argument(
        "--method",
        action=_Methods,
        nargs="+",
        metavar="M",
        help=f"methods to compare (repeatable; default all installed of: {', '.join(names)})",
    )
    p.add_argument("--force", action="store_true", help="replace rendered files that exist")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_compare)


class _Methods(argparse.Action):
    """``--method M [M ...]``, repeatable; a stem folder swallowed by it is named as such.

    ``compare --method sum STEMS`` hands STEMS to ``--method`` (it takes several
    values); argparse's "invalid choice" left the user guessing why.
    """

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        from drumassist.learn.suggest.suggestion import method_names

        names = method_names()
        for value in values:
            if value not in names:
                hint = (
                    "; it is a file or folder: give STEMS before --method"
                    if Path(value).exists()
                    else ""
                )
                parser.error(
                    f"argument --method: invalid choice: {value!r}"
                    f" (choose from {', '.join(names)}){hint}"
                )
        setattr(namespace, self.dest, [*(getattr(namespace, self.dest) or []), *values])


def _cmd_compare(args: argparse.Namespace) -> int:
    from drumassist.learn.evaluate.compare import check_render_targets, render_targets
    from drumassist.learn.models.registry import unavailable_reason
    from drumassist.learn.suggest.suggestion import method_names

    reference: Path | None = args.reference
    protected = [] if reference is None else [reference]
    if reference is not None and not reference.is_file():
        # Before the stems are loaded, which may take a while.
        raise InvalidStemError(f"{reference.name}: no such mix file")
    stems = args.stems if reference is None else without_mix(args.stems, reference)
    # A session's inverted tracks are compared, scored and rendered as the window plays them.
    multitrack, inverted = heard_as_in_session(stems, load_stems(stems, args.role))
    # By default every method that can run here (svr's model is not shipped).
    available = [m for m in method_names() if unavailable_reason(m) is None]
    methods = list(dict.fromkeys(args.method or available))
    targets = None
    if args.render is not None:
        targets = render_targets(args.render, methods, reference=reference is not None)
        # Before the methods run: a refused render should not cost their time.
        check_render_targets(multitrack, targets, overwrite=args.force, protected=protected)
    comparison, render = _compare_and_render(args, multitrack, methods, targets, protected)
    _report(args, multitrack, comparison, render, inverted)
    if comparison.all_failed:
        print("drumassist: error: every method failed", file=sys.stderr)
        return EXIT_ALL_FAILED
    return 0


def _compare_and_render(
    args: argparse.Namespace,
    multitrack: Multitrack,
    methods: list[str],
    targets: Any,
    protected: list[Path],
) -> tuple[Comparison, Render | None]:
    """Run every method (and render their mixes when ``targets`` is given)."""
    from drumassist.core.mixloudness import MixLoudness
    from drumassist.core.progress import ScaledProgress
    from drumassist.learn.evaluate.compare import compare_methods

    progress = LineProgress(args.verbose)
    meter = MixLoudness(multitrack, progress=ScaledProgress(progress, 0.0, _METER_SHARE))
    end = _METHODS_END if targets else 1.0
    comparison = compare_methods(
        multitrack,
        methods=methods,
        meter=meter,
        reference=args.reference,
        progress=ScaledProgress(progress, _METER_SHARE, end),
    )
    if targets is None:
        return comparison, None
    from drumassist.learn.evaluate.compare import render_comparison

    render = render_comparison(
        multitrack, comparison, targets, overwrite=args.force, protected=protected,
        progress=ScaledProgress(progress, end, 1.0),
    )  # fmt: skip
    return comparison, render


def _report(
    args: argparse.Namespace,
    multitrack: Multitrack,
    comparison: Comparison,
    render: Render | None,
    inverted: Sequence[bool],
) -> None:
    from drumassist.learn.reverse.report import LOW_R2, UNRELATED_R2

    ref = comparison.reference
    if ref is not None and ref.fit_r2 < UNRELATED_R2:
        print(
            f"warning: {ref.path.name} does not appear to be made of these stems (static gains"
            f" explain {max(ref.fit_r2, 0.0):.1%}); the scores against it are meaningless",
            file=sys.stderr,
        )
    elif ref is not None and ref.fit_r2 < LOW_R2:
        print(
            f"warning: static gains explain only {ref.fit_r2:.1%} of {ref.path.name}; its"
            " balance (and the scores against it) are approximate",
            file=sys.stderr,
        )
    if render is not None:
        for result in render.files.values():
            for warning in result.warnings:
                print(f"warning: {result.path.name}: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps(_document(multitrack, comparison, render, inverted), indent=2))
        return
    width = shutil.get_terminal_size((100, 24)).columns
    order = strip_order(args.stems, multitrack)
    for line in table_lines(multitrack, comparison, width=max(width, 60), order=order):
        print(line)
    if render is not None and render.files:
        _print_render(render)


# -- JSON -----------------------------------------------------------------------------------------


def _num(value: float | None, digits: int = 3) -> float | None:
    return round(value, digits) if value is not None and math.isfinite(value) else None


def _nums(values: Sequence[float] | None) -> list[float | None] | None:
    return None if values is None else [_num(v) for v in values]


def _document(
    multitrack: Multitrack, comparison: Comparison, render: Render | None, inverted: Sequence[bool]
) -> dict[str, Any]:
    ref = comparison.reference
    reference = None
    if ref is not None:
        reference = {
            "mix": str(ref.path),
            "fit_r2": _num(ref.fit_r2, 5),
            "gains_db": _nums(ref.suggestion.gains_db),
            "loudness_lufs": _num(ref.suggestion.loudness_lufs),
        }
    methods = []
    for m in comparison.methods:
        s = m.suggestion
        methods.append(
            {
                "method": m.method,
                "model": None if s is None else s.model,
                "gains_db": _nums(None if s is None else s.gains_db),
                "low_db": _nums(None if s is None else s.low_db),
                "high_db": _nums(None if s is None else s.high_db),
                "r2": _num(m.r2, 4),
                "balance_error_db": _num(m.balance_error_db),
                "error": m.error,
            }
        )
    return {
        "tracks": [
            {"name": t.name, "role": t.role.value, **({"invert": True} if flip else {})}
            for t, flip in zip(multitrack.tracks, inverted, strict=True)
        ],
        "reference": reference,
        "methods": methods,
        "render": None if render is None else _render_document(render),
    }


def _render_document(render: Render) -> dict[str, Any]:
    return {
        "loudness_lufs": _num(render.loudness_lufs),
        "files": [
            {
                "method": name,
                "path": str(r.path),
                "loudness_lufs": _num(r.loudness_lufs),
                "peak_dbfs": _num(r.peak_dbfs),
            }
            for name, r in render.files.items()
        ],
    }


# -- text -----------------------------------------------------------------------------------------


def table_lines(
    multitrack: Multitrack,
    comparison: Comparison,
    *,
    width: int = 100,
    order: Sequence[int] | None = None,
) -> list[str]:
    """The comparison as text: one row per method, one column per track, the columns in
    ``order`` (track indices; the multitrack's order by default).

    Track columns that do not fit in ``width`` continue in further blocks below,
    each starting with the method names again.
    """
    from drumassist.core.mixloudness import DEFAULT_TARGET_LUFS

    ref = comparison.reference
    lines = [f"gains in dB, each balance's mono mix at {DEFAULT_TARGET_LUFS:.0f} LUFS"]
    if ref is not None:
        lines.append(f"reference: the balance of {ref.path.name} (fit R² {ref.fit_r2:.4f})")
        lines.append("R² of linear gains and balance error (RMS dB, mean removed) against it")
    rows = _rows(comparison)
    lead = max([len("method"), *(len(name) for name, _, _ in rows)])
    scored = ref is not None
    labels = [_label(n) for n in multitrack.names]
    roles = [r.value for r in multitrack.roles]
    widths = [max(_MIN_COLUMN, len(a), len(b)) for a, b in zip(labels, roles, strict=True)]
    score_widths = [
        max([_MIN_COLUMN, *(len(c[k]) for _, c, e in rows if e is None)]) for k in (0, 1)
    ]
    score_room = sum(w + 1 for w in score_widths) if scored else 0
    columns = range(len(widths)) if order is None else order
    for block_no, block in enumerate(_blocks(widths, width - lead - score_room - 1, columns)):
        scores = scored and block_no == 0
        row = functools.partial(
            _line, score_widths=score_widths, widths=widths, block=block, lead=lead
        )
        lines += ["", row("method", ("R²", "bal dB") if scores else (), labels)]
        lines.append(row("", ("", "") if scores else (), roles))
        for name, cells, error in rows:
            if error is None:
                lines.append(row(name, cells[:2] if scores else (), cells[2:]))
            elif block_no == 0:
                lines.append(f"{name:<{lead}}  error: {error}")
    return lines


def _rows(comparison: Comparison) -> list[tuple[str, list[str], str | None]]:
    """(name, [r2, balance, gain per track...], error) per row, reference first."""
    from drumassist.learn.evaluate.metrics import format_r2

    rows: list[tuple[str, list[str], str | None]] = []
    if comparison.reference is not None:
        gains = comparison.reference.suggestion.gains_db
        rows.append(("reference", ["", "", *(_gain(g, undefined=True) for g in gains)], None))
    for m in comparison.methods:
        if m.suggestion is None:
            rows.append((m.method, [], m.error))
            continue
        r2 = format_r2(m.r2)
        balance = "n/a" if not math.isfinite(m.balance_error_db) else f"{m.balance_error_db:.2f}"
        rows.append((m.method, [r2, balance, *(_gain(g) for g in m.suggestion.gains_db)], None))
    return rows


def _gain(gain_db: float, *, undefined: bool = False) -> str:
    if math.isfinite(gain_db):
        return f"{gain_db:+.1f}"
    # The reference gives -inf where the fit could not tell a stem's gain.
    return "n/a" if undefined else "off"


def _label(name: str) -> str:
    """The name, shortened in the middle to keep both ends ("Snar…om 2")."""
    if len(name) <= _MAX_LABEL:
        return name
    head = (_MAX_LABEL - 1) // 2
    return f"{name[:head]}…{name[-(_MAX_LABEL - 1 - head) :]}"


def _blocks(widths: Sequence[int], room: int, columns: Sequence[int]) -> list[list[int]]:
    """Track indices per block, in the order of ``columns``, each block fitting ``room``
    characters (at least one track)."""
    blocks: list[list[int]] = [[]]
    used = 0
    for i in columns:
        w = widths[i]
        if blocks[-1] and used + w + 1 > room:
            blocks.append([])
            used = 0
        blocks[-1].append(i)
        used += w + 1
    return blocks


def _line(
    name: str,
    scores: Sequence[str],
    cells: Sequence[str],
    *,
    score_widths: Sequence[int],
    widths: Sequence[int],
    block: Sequence[int],
    lead: int,
) -> str:
    text = f"{name:<{lead}}" + "".join(
        f" {s:>{w}}" for s, w in zip(scores, score_widths, strict=False)
    )
    text += " " + "".join(f" {cells[i]:>{widths[i]}}" for i in block)
    return text.rstrip()


def _print_render(render: Render) -> None:
    print()
    level = f"{render.loudness_lufs:.1f} LUFS"
    if render.lowered:  # say why it is not the target
        level += (
            f" (not {render.target_lufs:.1f}: louder, a mix would peak above"
            f" {render.ceiling_dbfs:.1f} dBFS)"
        )
    count = len(render.files)
    print(f"rendered {count} mix{'' if count == 1 else 'es'} at {level} (stereo, 24-bit):")
    for name, result in render.files.items():
        print(f"  {name:<12} {result.path}  (peak {result.peak_dbfs:+.1f} dBFS)")
