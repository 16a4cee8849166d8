"""``drumassist compare``: every suggestion method side by side, against a reference mix."""

from __future__ import annotations

import argparse
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
from drumassist.cli.compare_text import print_render, table_lines
from drumassist.errors import InvalidStemError

if TYPE_CHECKING:
    from drumassist.core.multitrack import Multitrack
    from drumassist.learn.evaluate.compare import Comparison, Render

EXIT_ALL_FAILED = 1
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
    for note in () if ref is None else ref.suggestion.notes:  # a resampled reference
        print(f"note: {note}", file=sys.stderr)
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
        print_render(render)


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
