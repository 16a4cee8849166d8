"""``drumassist corpus render|enst|folder``: build training corpora."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from drumassist.cli.argtypes import RATE_RANGE, SEED_RANGE, integer, number

EXIT_SOME_FAILED = 1


class _LineProgress:
    """Prints one line per finished session on stderr."""

    def __init__(self) -> None:
        self.count = 0

    def report(self, fraction: float, message: str = "") -> None:
        self.count += 1
        print(f"[{fraction * 100:5.1f}%] {message}", file=sys.stderr, flush=True)

    def cancelled(self) -> bool:
        return False


def register(sub: Any) -> None:
    """Add the ``corpus`` command and its three builders."""
    p = sub.add_parser("corpus", help="build a training corpus (render, enst, folder)")
    kinds = p.add_subparsers(title="corpus kinds", metavar="KIND")
    _add_render(kinds)
    _add_enst(kinds)
    _add_folder(kinds)
    p.set_defaults(func=lambda args: _usage(p))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_SOME_FAILED


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--workers",
        type=integer(1, 256),
        default=os.cpu_count() or 1,
        metavar="N",
        help="sessions built in parallel (default: one per core)",
    )


def _add_render(kinds: Any) -> None:
    p = kinds.add_parser(
        "render",
        help="render sessions from real drum samples: Hydrogen kits with simulated mics,"
        " or multi-microphone kits (--multimic-kit)",
        description="Render multitracks from the Hydrogen drumkits and demo songs (fetched"
        " with apt-get download into the cache unless --kits is given), or, with"
        " --multimic-kit, from kits whose every hit was recorded on all their mics (per-mic"
        " sample folders or DrumGizmo kits; songs then come from --kits if given). Render"
        " both kinds into one OUT for a corpus of both. Re-running resumes: complete"
        " sessions are kept.",
    )
    p.add_argument("out", type=Path, metavar="OUT", help="the corpus folder")
    p.add_argument(
        "--sessions",
        type=integer(1, 100_000),
        required=True,
        metavar="N",
        help="number of sessions",
    )
    _add_sources(p)
    _add_render_settings(p)
    _common(p)
    p.set_defaults(func=_cmd_render)


def _add_sources(p: argparse.ArgumentParser) -> None:
    """``corpus render``'s kits: Hydrogen folders, multi-microphone kits, a mic map."""
    p.add_argument(
        "--kits",
        type=Path,
        action="append",
        metavar="DIR",
        help="a folder of Hydrogen drumkits and songs (repeatable); default: Debian packages",
    )
    p.add_argument(
        "--multimic-kit",
        type=Path,
        action="append",
        metavar="DIR",
        help="a multi-microphone kit folder (repeatable): per-mic sample folders"
        " (Samples/<mic>/<piece>_vl<N>_rr<M>.flac) or a DrumGizmo kit",
    )
    p.add_argument(
        "--mic-map",
        type=Path,
        metavar="FILE",
        help="a JSON mic map saying what each mic of the --multimic-kit kits is"
        " (default: the kit's drumassist-micmap.json, a shipped one, or the mic names)",
    )


def _add_render_settings(p: argparse.ArgumentParser) -> None:
    """``corpus render``'s seed, length, rate and held-out choice."""
    p.add_argument(
        "--seed", type=integer(*SEED_RANGE), default=0, metavar="S", help="corpus seed (default 0)"
    )
    p.add_argument(
        "--duration",
        type=number(1.0, 600.0, "s"),
        default=30.0,
        metavar="S",
        help="seconds per session (30)",
    )
    p.add_argument(
        "--sample-rate",
        type=integer(*RATE_RANGE, "Hz"),
        default=44100,
        metavar="HZ",
        help="(44100)",
    )
    held = p.add_mutually_exclusive_group()
    held.add_argument(
        "--heldout-only",
        action="store_true",
        help="render held-out kits only (ColomboAcousticDrumkit): a test corpus",
    )
    held.add_argument(
        "--include-heldout",
        action="store_true",
        help="use held-out kits too (sessions are marked heldout; never train on them)",
    )


def _cmd_render(args: argparse.Namespace) -> int:
    from drumassist.learn.corpus import render_corpus

    if args.multimic_kit:
        return _cmd_render_multimic(args)
    if args.mic_map is not None:
        print("drumassist: --mic-map needs --multimic-kit", file=sys.stderr)
        return 2
    heldout = "only" if args.heldout_only else "include" if args.include_heldout else "exclude"
    report = render_corpus(
        args.out,
        sessions=args.sessions,
        kit_dirs=args.kits,
        seed=args.seed,
        duration_s=args.duration,
        sample_rate=args.sample_rate,
        heldout=heldout,
        workers=args.workers,
        progress=_LineProgress(),
    )
    return _summary(report)


def _cmd_render_multimic(args: argparse.Namespace) -> int:
    from drumassist.learn.corpus import render_multimic_corpus

    if args.heldout_only or args.include_heldout:
        print("drumassist: multi-mic kits have no held-out kits; drop --heldout-only or"
              " --include-heldout", file=sys.stderr)  # fmt: skip
        return 2
    report = render_multimic_corpus(
        args.out,
        kit_dirs=args.multimic_kit,
        sessions=args.sessions,
        song_dirs=args.kits,
        mic_map=args.mic_map,
        seed=args.seed,
        duration_s=args.duration,
        sample_rate=args.sample_rate,
        workers=args.workers,
        progress=_LineProgress(),
    )
    return _summary(report)


def _add_enst(kinds: Any) -> None:
    p = kinds.add_parser(
        "enst",
        help="a corpus from ENST-Drums (drummer_N/audio/<mic>/<take>.wav)",
        description="One session per take (hits takes skipped), targets fitted on the dry"
        " mix. Groups are drummers.",
    )
    p.add_argument("root", type=Path, metavar="ENST_ROOT", help="the ENST-Drums folder")
    p.add_argument("out", type=Path, metavar="OUT", help="the corpus folder")
    p.add_argument("--copy", action="store_true", help="copy the audio into the corpus")
    _common(p)
    p.set_defaults(func=_cmd_enst)


def _cmd_enst(args: argparse.Namespace) -> int:
    from drumassist.learn.corpus import build_enst_corpus

    report = build_enst_corpus(
        args.root, args.out, copy=args.copy, workers=args.workers, progress=_LineProgress()
    )
    return _summary(report)


def _add_folder(kinds: Any) -> None:
    p = kinds.add_parser(
        "folder",
        help="a corpus from your own sessions: folders of stems plus one mix file",
        description="Every folder under SRC holding two or more stems and one mix file"
        " (mix.*, *_mix.*, or --mix-pattern) is a session; its group is the first folder"
        " below SRC.",
    )
    p.add_argument("src", type=Path, metavar="SRC", help="the folder of sessions")
    p.add_argument("out", type=Path, metavar="OUT", help="the corpus folder")
    p.add_argument("--mix-pattern", metavar="GLOB", help="how the mix file is named, e.g. '*ref*'")
    p.add_argument("--copy", action="store_true", help="copy the audio into the corpus")
    _common(p)
    p.set_defaults(func=_cmd_folder)


def _cmd_folder(args: argparse.Namespace) -> int:
    from drumassist.learn.corpus import build_folder_corpus

    report = build_folder_corpus(
        args.src,
        args.out,
        mix_pattern=args.mix_pattern,
        copy=args.copy,
        workers=args.workers,
        progress=_LineProgress(),
    )
    return _summary(report)


def _summary(report: Any) -> int:
    built, skipped, failed = len(report.built), len(report.skipped), len(report.failed)
    rate = built / report.elapsed_s * 60.0 if report.elapsed_s > 0 and built else 0.0
    print(
        f"{built} session{'' if built == 1 else 's'} built ({rate:.1f}/min), {skipped} already"
        f" complete, {failed} failed; manifest: {report.manifest}"
    )
    for session_id, why in report.failed:
        print(f"  failed: {session_id}: {why}", file=sys.stderr)
    return EXIT_SOME_FAILED if failed else 0
