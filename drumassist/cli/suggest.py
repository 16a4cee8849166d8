"""``drumassist suggest``: a gain per track from one method."""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drumassist.cli.argtypes import LUFS_RANGE, number
from drumassist.cli.common import (
    heard_as_in_session,
    load_stems,
    shown,
    stem_pans,
    stems_argument,
    strip_order,
)
from drumassist.errors import DrumassistError

if TYPE_CHECKING:
    from drumassist.learn.suggest.suggestion import Suggestion


def register(sub: Any) -> None:
    """Add ``suggest`` to the ``drumassist`` parser."""
    from drumassist.core.mixloudness import DEFAULT_TARGET_LUFS
    from drumassist.learn.suggest.suggestion import method_names

    p = sub.add_parser("suggest", help="suggest a gain balance for the stems")
    stems_argument(p)
    p.add_argument(
        "--method",
        default=method_names()[0],
        choices=method_names(),
        help=f"how to suggest (default {method_names()[0]})",
    )
    p.add_argument(
        "--target",
        type=number(*LUFS_RANGE, "LUFS"),
        default=DEFAULT_TARGET_LUFS,
        metavar="LUFS",
        help="loudness of the suggested mono mix (default -23)",
    )
    p.add_argument(
        "--model",
        type=Path,
        metavar="DIR",
        help="a trained model folder (drumassist train) instead of the shipped one",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_suggest)


def _finite(value: float) -> float | None:
    return round(value, 3) if math.isfinite(value) else None


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _cmd_suggest(args: argparse.Namespace) -> int:
    from drumassist.learn.suggest.suggestion import silence_reason, suggest

    # No prefetch of scipy.signal here: with the measures cached (core.measurecache) a
    # suggestion never imports it, and importing it beside the reading slows that down.
    model = None
    if args.model is not None:
        from drumassist.learn.models.persist import load_model

        model = load_model(args.model)
    multitrack = load_stems(args.stems, args.role)
    # A session's inverted tracks (Ø on their strips) are suggested as the window plays
    # them: the loudness is of that mix, `mix --gains` of the JSON makes it, and a flip
    # the user has made is not suggested again.
    heard, inverted = heard_as_in_session(args.stems, multitrack)
    result = suggest(heard, method=args.method, target_lufs=args.target, model=model)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    silence = silence_reason(result)
    if silence is not None:
        raise DrumassistError(f"{', '.join(str(p) for p in args.stems)}: {silence}")
    if args.json:
        pans = stem_pans(args.stems, multitrack)
        print(json.dumps(_document(result, pans, inverted), indent=2))
    else:
        _print_table(result, inverted, strip_order(args.stems, multitrack))
    return 0


def _rows(result: Suggestion) -> Any:
    """(name, role, gain, low, high) per track, in the multitrack's order."""
    return zip(
        result.names, result.roles, result.gains_db, result.low_db, result.high_db, strict=True
    )


def _document(
    result: Suggestion, pans: Sequence[float], inverted: Sequence[bool]
) -> dict[str, Any]:
    """``suggest --json``: the gains, each with its range and marks, and the advice.

    ``pans`` are the pans the window would play (a session's own; else the starting
    pans, an overhead or room pair spread as the window and ``quickstart`` start
    them) and ``inverted`` the tracks a session inverts, so ``mix --gains`` of this
    document makes the window's mix.
    """
    short = set(result.too_short)
    flipped = _flipped_loudness(result)
    rows = _rows(result)
    tracks = [
        {
            "name": n, "role": r, "gain_db": _finite(g), "pan": pan, "low_db": _finite(lo),
            "high_db": _finite(hi), "too_short": n in short, "bleed_only": n in result.bleed_only,
            **({"invert": True} if flip else {}),
        }
        for (n, r, g, lo, hi), pan, flip in zip(rows, pans, inverted, strict=True)
    ]  # fmt: skip
    # "invert" only where a session inverts the track: loudness_lufs is of the mix as
    # recorded (a session's inversions made), which this document given to `drumassist
    # mix --gains` makes; a suggested flip is advice ("polarity" below, with the loudness
    # of the mix once flipped), applied by adding "invert": true (or removing it).
    checks = [
        {
            "track": c.track, "reference": c.reference, "correlation": round(c.correlation, 3),
            "lag_ms": round(c.lag_ms, 2), "hits": c.hits, "sure": bool(c.sure),
            "inverted": bool(c.inverted), "zero_lag_correlation": _rounded(c.zero_lag),
        }
        for c in result.polarity.checks
    ]  # fmt: skip
    return {
        "method": result.method,
        "model": result.model,
        "loudness_lufs": _finite(result.loudness_lufs),
        "tracks": tracks,
        "notes": list(result.notes),
        "warnings": list(result.warnings),  # said on stderr when the stems were loaded
        "polarity": {
            "flip": list(result.polarity.flips),
            "flipped_loudness_lufs": None if flipped is None else round(flipped, 3),
            "checks": checks,
        },
    }


def _print_table(result: Suggestion, inverted: Sequence[bool], order: Sequence[int]) -> None:
    """The gains as a table, its rows in ``order`` (the window's strips, kick first), then
    what the marks in it mean for this multitrack."""
    short = set(result.too_short)
    print(f"{result.method}: mono mix at {result.loudness_lufs:.1f} LUFS")
    rows = list(zip(_rows(result), inverted, strict=True))
    for (name, role, gain_db, low_db, high_db), session_flip in (rows[i] for i in order):
        gain = f"{gain_db:+.1f} dB" if math.isfinite(gain_db) else "silent"
        gain = "too short" if name in short else gain
        spread = f"  ({low_db:+.1f} to {high_db:+.1f})" if high_db > low_db else ""
        flip = "  flip polarity" if name in result.polarity.flips else ""
        held = "  inverted (session)" if session_flip else ""
        bleed = "  only bleed" if name in result.bleed_only else ""
        print(f"  {shown(name, 24)} {role:<9} {gain:>10}{spread}{held}{flip}{bleed}")
    for name in result.bleed_only:
        print(
            f"bleed: {name}: its drum does not seem to play (its loudest moment is far under"
            " the other tracks'): placed at the session's level, not pushed up"
        )
    for name in result.polarity.flips:
        print(f"polarity: {name}: {result.polarity.reason(name)}")
    flipped = _flipped_loudness(result)
    if flipped is not None:
        print(
            f"polarity: with {'the flip' if len(result.polarity.flips) == 1 else 'the flips'}"
            f" made, the mono mix is at {flipped:.1f} LUFS; the gains are scaled so that"
            " neither mix goes over the target"
        )


def _flipped_loudness(result: Suggestion) -> float | None:
    """The loudness of the mono mix once the suggested flips are made (None: no flip, or
    silent)."""
    flipped = result.flipped_loudness_lufs
    return flipped if flipped is not None and math.isfinite(flipped) else None
