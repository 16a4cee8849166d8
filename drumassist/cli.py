"""The drumassist command line: headless access to everything the window does.

Errors the user can cause are printed as one line on stderr with a non-zero exit
status; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from drumassist import __version__
from drumassist.errors import DrumassistError

log = logging.getLogger("drumassist")

EXIT_ERROR = 1
EXIT_INTERNAL = 2
EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not hasattr(args, "func"):
        parser.print_help()
        return EXIT_ERROR
    try:
        return int(args.func(args) or 0)
    except DrumassistError as exc:
        print(f"drumassist: error: {exc}", file=sys.stderr)
        if args.debug:
            raise
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("drumassist: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        # The last line of defence for the CLI: one line, not a traceback.
        if args.debug:
            raise
        print(
            f"drumassist: internal error: {type(exc).__name__}: {exc} (run with --debug for"
            " details)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def gui_main() -> int:
    """Entry point of ``drumassist-gui``."""
    return main(["gui", *sys.argv[1:]])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="drumassist", description="A mixing assistant for drum multitracks."
    )
    parser.add_argument("--version", action="version", version=f"drumassist {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("-v", "--verbose", action="store_true", help="show what is being done")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    for register in COMMANDS:
        register(sub)
    return parser


# -- info ---------------------------------------------------------------------------------------


def _add_info(sub: Any) -> None:
    p = sub.add_parser("info", help="list the stems of a multitrack with roles and loudness")
    _stems_argument(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_info)


def _cmd_info(args: argparse.Namespace) -> int:
    from drumassist.core.loudness import integrated_loudness

    multitrack = _load(args.stems)
    rows = []
    for track in multitrack.tracks:
        lufs = integrated_loudness(track.audio, multitrack.sample_rate)
        rows.append(
            {
                "name": track.name,
                "path": str(track.path) if track.path else None,
                "role": track.role.value,
                "channels": track.channels,
                "loudness_lufs": round(lufs, 2) if math.isfinite(lufs) else None,
            }
        )
    doc = {
        "sample_rate": multitrack.sample_rate,
        "duration_s": round(multitrack.duration_s, 4),
        "tracks": rows,
        "notices": list(multitrack.notices),
    }
    if args.json:
        print(json.dumps(doc, indent=2))
        return 0
    print(f"{len(rows)} tracks, {multitrack.sample_rate} Hz, {multitrack.duration_s:.2f} s")
    for row in rows:
        level = "silent" if row["loudness_lufs"] is None else f"{row['loudness_lufs']:.1f} LUFS"
        kind = "stereo" if row["channels"] == 2 else "mono"
        print(f"  {row['name']:<24} {row['role']:<9} {kind:<7} {level:>12}")
    _print_notices(multitrack.notices)
    return 0


# -- mix ----------------------------------------------------------------------------------------


def _add_mix(sub: Any) -> None:
    p = sub.add_parser("mix", help="mix the stems with the gains in a JSON file and export")
    _stems_argument(p)
    p.add_argument(
        "--gains",
        required=True,
        type=Path,
        metavar="G.json",
        help='gains file: {"tracks": [{"name", "gain_db", "pan"}]}',
    )
    p.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        metavar="OUT",
        help="the mix to write (.wav or .flac)",
    )
    _export_options(p)
    p.set_defaults(func=_cmd_mix)


def _export_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--loudness",
        type=float,
        nargs="?",
        const=-23.0,
        default=None,
        metavar="LUFS",
        help="normalise to this loudness (-23 EBU R128 if no value, -14 streaming)",
    )
    p.add_argument(
        "--ceiling",
        type=float,
        default=-1.0,
        metavar="DBFS",
        help="peak ceiling when normalising (default -1 dBFS)",
    )
    p.add_argument(
        "--bit-depth",
        type=int,
        default=24,
        choices=(16, 24, 32),
        help="16 (dithered), 24 or 32 (float); default 24",
    )
    channels = p.add_mutually_exclusive_group()
    channels.add_argument("--mono", dest="stereo", action="store_false", help="mono mix")
    channels.add_argument(
        "--stereo", dest="stereo", action="store_true", help="stereo mix with pans (the default)"
    )
    p.set_defaults(stereo=True)
    p.add_argument("--force", action="store_true", help="replace the output file if it exists")


def _cmd_mix(args: argparse.Namespace) -> int:
    from drumassist.core.export import export_audio
    from drumassist.core.gainsfile import read_gains
    from drumassist.core.mix import mix

    multitrack = _load(args.stems)
    gains = read_gains(args.gains, multitrack.names)
    audio = mix(multitrack, gains.gains_db, pans=gains.pans, stereo=args.stereo)
    result = export_audio(
        audio,
        multitrack.sample_rate,
        args.output,
        bit_depth=args.bit_depth,
        loudness_lufs=args.loudness,
        peak_ceiling_dbfs=args.ceiling,
        overwrite=args.force,
        protected=[t.path for t in multitrack.tracks if t.path is not None],
    )
    _print_export(result)
    return 0


def _print_export(result: Any) -> None:
    lufs = "silent" if not math.isfinite(result.loudness_lufs) else f"{result.loudness_lufs:.1f}"
    print(f"wrote {result.path} ({lufs} LUFS, peak {result.peak_dbfs:+.1f} dBFS)")
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)


# -- demo ---------------------------------------------------------------------------------------


def _add_demo(sub: Any) -> None:
    p = sub.add_parser("demo", help="write the built-in demo drum multitrack (8 stems)")
    p.add_argument("dir", type=Path, metavar="DIR", help="folder to write the stems into")
    p.add_argument("--seed", type=int, default=0, help="groove and sound variation (default 0)")
    p.add_argument(
        "--duration", type=float, default=24.0, metavar="S", help="length in seconds (default 24)"
    )
    p.add_argument("--sample-rate", type=int, default=44100, metavar="HZ")
    p.add_argument("--force", action="store_true", help="replace existing stems")
    p.set_defaults(func=_cmd_demo)


def _cmd_demo(args: argparse.Namespace) -> int:
    from drumassist.core.demo import write_demo

    paths = write_demo(
        args.dir,
        seed=args.seed,
        duration_s=args.duration,
        sample_rate=args.sample_rate,
        overwrite=args.force,
    )
    print(f"wrote {len(paths)} stems to {args.dir}")
    return 0


# -- quickstart: the main job on the built-in demo ------------------------------------------------


def _add_quickstart(sub: Any) -> None:
    p = sub.add_parser(
        "quickstart",
        help="make the demo multitrack and open it (the window, or a headless summary)",
    )
    p.add_argument("--headless", action="store_true", help="never open the window")
    p.set_defaults(func=_cmd_quickstart)


def _cmd_quickstart(args: argparse.Namespace) -> int:
    from drumassist.core.paths import demo_folder

    folder = demo_folder()
    if not args.headless and has_display():
        return _cmd_gui(argparse.Namespace(path=folder))
    print(f"demo multitrack: {folder}")
    _cmd_info(argparse.Namespace(stems=[folder], json=False))
    return _quickstart_mix(folder)


def _quickstart_mix(folder: Path) -> int:
    from drumassist.core.demo import DEMO_BALANCE_DB
    from drumassist.core.export import export_audio
    from drumassist.core.mix import mix

    multitrack = _load([folder])
    gains = [DEMO_BALANCE_DB.get(name, 0.0) for name in multitrack.names]
    audio = mix(multitrack, gains, stereo=True, pans=_demo_pans(multitrack.names))
    result = export_audio(
        audio,
        multitrack.sample_rate,
        folder.parent / "demo-mix.wav",
        loudness_lufs=-23.0,
        overwrite=True,
    )
    _print_export(result)
    return 0


def _demo_pans(names: Sequence[str]) -> list[float]:
    return [-0.8 if n.endswith("_L") else 0.8 if n.endswith("_R") else 0.0 for n in names]


def has_display() -> bool:
    """True where a window can be shown."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


# -- gui ----------------------------------------------------------------------------------------


def _add_gui(sub: Any) -> None:
    p = sub.add_parser("gui", help="open the window")
    p.add_argument("path", nargs="?", type=Path, help="a stem folder or session to open")
    p.set_defaults(func=_cmd_gui)


def _cmd_gui(args: argparse.Namespace) -> int:
    from drumassist.ui.app import run

    return run(args.path)


# -- helpers ------------------------------------------------------------------------------------


def _stems_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "stems", nargs="+", type=Path, metavar="STEMS", help="a folder of stems, or the stem files"
    )


def _load(stems: Sequence[Path]) -> Any:
    from drumassist.core.multitrack import load_multitrack

    return load_multitrack(list(stems))


def _print_notices(notices: Sequence[str]) -> None:
    for notice in notices:
        print(f"note: {notice}", file=sys.stderr)


COMMANDS: list[Callable[[Any], None]] = [_add_info, _add_mix, _add_demo, _add_quickstart, _add_gui]
