"""``drumassist reverse``: the gains that rebuild a reference mix from its stems."""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from drumassist.cli.argtypes import number
from drumassist.cli.common import load_stems, print_notices, shown, stems_argument, without_mix
from drumassist.errors import InvalidStemError


def register(sub: Any) -> None:
    """Add ``reverse`` to the ``drumassist`` parser."""
    p = sub.add_parser(
        "reverse",
        help="find the gains (and pans) that rebuild a mix from its stems",
        description=(
            "Least-squares gain reverse engineering. The mono fit (default) fits the mean of"
            " the mix's channels; --stereo fits left and right and reports pans. A constant"
            " latency between mix and stems is found and removed. A MIX inside the stems"
            " folder is left out of the stems."
        ),
    )
    stems_argument(p)
    p.add_argument("mix", type=Path, metavar="MIX", help="the reference mix (last argument)")
    p.add_argument("--stereo", action="store_true", help="fit left and right; report pans")
    p.add_argument("--nonneg", action="store_true", help="no negative gains (no polarity flips)")
    p.add_argument(
        "--max-latency-ms",
        type=number(0.0, 1000.0, "ms"),
        default=100.0,
        metavar="MS",
        help="largest mix/stem offset searched, either way (default 100; 0: none)",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_reverse)


def _cmd_reverse(args: argparse.Namespace) -> int:
    from drumassist.learn.reverse.engineer import read_mix, reverse_engineer

    if not args.mix.is_file():
        # Before the stems are loaded, which may take a while.
        raise InvalidStemError(f"{args.mix.name}: no such mix file")
    stems = without_mix(args.stems, args.mix)
    multitrack = load_stems(stems, args.role)
    mix, notices = read_mix(args.mix, sample_rate=multitrack.sample_rate)
    print_notices(notices)
    result = reverse_engineer(
        multitrack,
        mix,
        stereo=args.stereo,
        nonneg=args.nonneg,
        max_latency_ms=args.max_latency_ms,
        mix_name=args.mix.name,
    )
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        print(json.dumps(_document(result), indent=2))
    else:
        _print_table(result, args.mix.name)
    return 0


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _document(result: Any) -> dict[str, Any]:
    tracks = [
        {
            "name": t.name,
            "gain_db": _finite(t.gain_db),
            "gain_lin": t.gain_lin,
            "pan": t.pan,
            "left_lin": t.left_lin,
            "right_lin": t.right_lin,
            "status": t.status,
            "sign_flipped": t.sign_flipped,
        }
        for t in result.tracks
    ]
    # A latency at the search limit is reported (it is what was tried), not trusted.
    found = result.reliable or result.at_latency_limit
    return {
        "r2": result.r2,
        "reliable": result.reliable,
        "at_latency_limit": result.at_latency_limit,
        "latency_ms": result.latency_ms if found else None,
        "latency_samples": result.latency_samples if found else None,
        "residual_db": result.residual_db,
        "stereo": result.stereo,
        "nonneg": result.nonneg,
        "tracks": tracks,
        "warnings": list(result.warnings),
    }


def _print_table(result: Any, mix_name: str) -> None:
    kind = "stereo" if result.stereo else "mono"
    latency = f"latency {result.latency_ms:+.2f} ms" if result.reliable else "no latency found"
    if result.at_latency_limit:
        latency = f"latency {result.latency_ms:+.2f} ms (the search limit)"
    print(
        f"{mix_name}: {kind} fit of {len(result.tracks)} stems, R² {result.r2:.4f}"
        f" (residual {result.residual_db:.1f} dB), {latency}"
    )
    if result.at_latency_limit:
        print(
            f"{mix_name}: the best latency lies at the search limit, so the mix is likely"
            " offset further (raise --max-latency-ms); the gains are unreliable"
        )
    elif not result.reliable:
        print(f"{mix_name} does not appear to be made of these stems; the gains are unreliable")
    header = f"  {'track':<24} {'gain dB':>8} {'gain lin':>9}"
    print(header + (f" {'pan':>6} {'left':>8} {'right':>8}" if result.stereo else "") + "  status")
    for t in result.tracks:
        gain_db = "-inf" if t.gain_db == -math.inf else _fmt(t.gain_db, "+8.2f")
        row = f"  {shown(t.name, 24)} {gain_db:>8} {_fmt(t.gain_lin, '9.4f'):>9}"
        if result.stereo:
            row += f" {_fmt(t.pan, '+6.2f'):>6} {_fmt(t.left_lin, '8.4f'):>8}"
            row += f" {_fmt(t.right_lin, '8.4f'):>8}"
        print(f"{row}  {t.status}{_sign_note(t, result)}")


def _sign_note(track: Any, result: Any) -> str:
    """What the table says of a negative fitted gain (nothing when the fit is unreliable).

    With ``--nonneg`` the gain was held at zero or above, so the mix does not flip it.
    """
    if not (track.sign_flipped and result.reliable):
        return ""
    return (
        " (negative unconstrained: held at 0 or above)" if result.nonneg else " (polarity flipped)"
    )


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)
