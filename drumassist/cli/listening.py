"""``drumassist listening-report``: the analysis of saved blind-test ratings."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any


def register(sub: Any) -> None:
    """Add ``listening-report`` to the ``drumassist`` parser."""
    p = sub.add_parser(
        "listening-report",
        help="analyse blind listening-test ratings: medians, Kruskal-Wallis, Dunn/Holm",
        description=(
            "Read ratings CSVs (test_id,started_utc,session,listener,trial,candidate,"
            "method,rating), screen listeners after ITU-R BS.1534-3, and write report.md"
            " and ratings.png into --out. The window saves its ratings in the data folder"
            " (listening/ratings.csv)."
        ),
    )
    p.add_argument(
        "csv", nargs="*", type=Path, metavar="CSV", help="ratings files (default: the window's)"
    )
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the report")
    p.set_defaults(func=_cmd_report)


def _cmd_report(args: argparse.Namespace) -> int:
    from drumassist.learn.evaluate.listening.ratings import ratings_path, read_ratings
    from drumassist.learn.evaluate.listening.report import write_report

    paths = list(args.csv) or [ratings_path()]
    analysis = write_report(read_ratings(paths), args.out, sources=[str(p) for p in paths])
    print(f"wrote {args.out / 'report.md'} and {args.out / 'ratings.png'}")
    for listener, reasons in analysis.screening.excluded.items():
        print(f"  excluded {listener}: {'; '.join(reasons)}")
    for m in analysis.summaries:
        print(f"  {m.method:<12} median {m.median:5.1f}  ({m.count} ratings)")
    o = analysis.omnibus
    if math.isfinite(o.h):
        print(f"  Kruskal-Wallis H({o.df}) = {o.h:.2f}, p = {o.p:.3g}")
    return 0
