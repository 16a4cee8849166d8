"""``drumassist features``: extract (or read from the cache) the features of every stem."""

from __future__ import annotations

import argparse
import json
from typing import Any

from drumassist.cli.argtypes import integer
from drumassist.cli.common import load_stems, shown, stems_argument

EXTRACTORS = ("fast", "paper")


def register(sub: Any) -> None:
    """Add ``features`` to the ``drumassist`` parser."""
    p = sub.add_parser("features", help="extract the audio features of the stems (cached)")
    stems_argument(p)
    p.add_argument(
        "--extractor",
        default="fast",
        choices=EXTRACTORS,
        help="the feature set: fast (default) or paper (Essentia's MusicExtractor)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--no-cache", action="store_true", help="neither read nor fill the cache")
    p.add_argument(
        "--workers",
        type=integer(1, 256),
        default=None,
        metavar="N",
        help="processes (default: one per CPU)",
    )
    p.set_defaults(func=_cmd_features)


def _cmd_features(args: argparse.Namespace) -> int:
    from drumassist.analysis import analyse

    multitrack = load_stems(args.stems, args.role)
    result = analyse(
        multitrack, extractor=args.extractor, cache=not args.no_cache, workers=args.workers
    )
    tracks = [
        {
            "name": t.name,
            "features": int(t.values.size),
            "silent": t.silent,
            "seconds": round(t.seconds, 4),
            "cached": t.cached,
        }
        for t in result.tracks
    ]
    if args.json:
        doc = {
            "extractor": result.extractor,
            "version": result.version,
            "feature_count": len(result.feature_names),
            "tracks": tracks,
        }
        print(json.dumps(doc, indent=2))
        return 0
    print(f"{result.extractor} v{result.version}: {len(result.feature_names)} features per track")
    for row in tracks:
        state = "silent" if row["silent"] else "audible"
        how = "cached" if row["cached"] else "computed"
        name, count, seconds = row["name"], row["features"], row["seconds"]
        print(f"  {shown(str(name), 24)} {count:>6} {state:<8} {seconds:>8.3f} s  {how}")
    return 0
