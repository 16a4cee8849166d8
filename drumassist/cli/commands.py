"""Core commands: info, mix, demo, quickstart, gui."""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drumassist.cli.argtypes import (
    CEILING_RANGE,
    LUFS_RANGE,
    RATE_RANGE,
    SEED_RANGE,
    integer,
    number,
)
from drumassist.cli.common import (
    is_session,
    load_stems,
    shown,
    stems_argument,
    strip_order,
    with_given_roles,
)
from drumassist.errors import DrumassistError

if TYPE_CHECKING:
    from drumassist.core.multitrack import Multitrack

# -- info ---------------------------------------------------------------------------------------


def _add_info(sub: Any) -> None:
    p = sub.add_parser(
        "info", help="list the stems of a multitrack (or one stem) with roles and loudness"
    )
    stems_argument(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_cmd_info)


def _one_file(stems: list[Path]) -> Multitrack | None:
    """The one audio file ``stems`` names, as a one-track multitrack; None otherwise.

    ``info`` describes a single stem too (a multitrack needs two for everything else).
    """
    from drumassist.core.multitrack import Multitrack, stem_track
    from drumassist.core.stemfiles import is_audio_file
    from drumassist.core.stemread import read_checked

    if len(stems) != 1 or not stems[0].is_file() or not is_audio_file(stems[0]):
        return None
    path = stems[0]
    read = read_checked(path)
    notices = (read.ends_early,) if read.ends_early else ()
    return Multitrack((stem_track(path, read),), read.rate, notices=notices)


def _cmd_info(args: argparse.Namespace) -> int:
    from drumassist.core.loudness import integrated_loudness, too_short_message

    multitrack = _one_file(args.stems) or load_stems(args.stems)
    multitrack = with_given_roles(multitrack, args.role)
    rows = []
    for track in multitrack.tracks:
        short = too_short_message(track.audio, multitrack.sample_rate)
        lufs = math.nan if short else integrated_loudness(track.audio, multitrack.sample_rate)
        if short:
            print(f"note: {track.name}: {short}; no loudness", file=sys.stderr)
        rows.append(
            {
                "name": track.name,
                "path": str(track.path) if track.path else None,
                "role": track.role.value,
                "channels": track.channels,
                "loudness_lufs": round(lufs, 2) if math.isfinite(lufs) else None,
                "too_short": short is not None,
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
    count = f"{len(rows)} track{'' if len(rows) == 1 else 's'}"
    print(f"{count}, {multitrack.sample_rate} Hz, {multitrack.duration_s:.2f} s")
    for row in (rows[i] for i in strip_order(args.stems, multitrack)):  # as the window's strips
        level = "silent" if row["loudness_lufs"] is None else f"{row['loudness_lufs']:.1f} LUFS"
        level = "too short" if row["too_short"] else level
        kind = "stereo" if row["channels"] == 2 else "mono"
        print(f"  {shown(str(row['name']), 24)} {row['role']:<9} {kind:<7} {level:>12}")
    return 0


# -- mix ----------------------------------------------------------------------------------------


def _add_mix(sub: Any) -> None:
    p = sub.add_parser(
        "mix", help="mix the stems with the gains in a JSON file, or a session's faders, and export"
    )
    stems_argument(p)
    p.add_argument(
        "--gains",
        type=Path,
        metavar="G.json",
        help='gains file: {"tracks": [{"name", "gain_db", "pan"?, "invert"?}]}; without it,'
        " STEMS must be a .drumassist session, whose faders, pans, mutes, solos and"
        " polarity are mixed",
    )
    p.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        metavar="OUT",
        help="the mix to write (.wav or .flac)",
    )
    p.add_argument(
        "--allow-missing",
        action="store_true",
        help="mix a session whose stems are not all there (without it, a stem of the session"
        " that is missing or unreadable stops the mix)",
    )
    _export_options(p)
    p.set_defaults(func=_cmd_mix)


def _export_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--loudness",
        type=number(*LUFS_RANGE, "LUFS"),
        nargs="?",
        const=-23.0,
        default=None,
        metavar="LUFS",
        help="normalise to this loudness (-23 EBU R128 if no value, -14 streaming)",
    )
    p.add_argument(
        "--ceiling",
        type=number(*CEILING_RANGE, "dBFS"),
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
    from drumassist.core.export import export_mix
    from drumassist.core.gainsfile import read_gains

    multitrack = load_stems(args.stems, args.role)
    if args.gains is None:
        gains_db, pans, mutes, inverted = _session_faders(
            args.stems, multitrack, allow_missing=args.allow_missing
        )
    else:
        gains = read_gains(args.gains, multitrack.names)
        gains_db, pans, mutes, inverted = gains.gains_db, gains.pans, None, gains.inverted
    result = export_mix(
        multitrack,
        gains_db,
        args.output,
        pans=pans,
        mutes=mutes,
        inverted=inverted or None,
        stereo=args.stereo,
        bit_depth=args.bit_depth,
        loudness_lufs=args.loudness,
        peak_ceiling_dbfs=args.ceiling,
        overwrite=args.force,
    )
    _print_export(result)
    return 0


def _session_faders(
    stems: Sequence[Path], multitrack: Any, *, allow_missing: bool = False
) -> tuple[Any, Any, Any, Any]:
    """The gains, pans, mutes (a muted track, or one not soloed while another is) and
    polarity flips of a session's strips, for its stems that are there; a track the
    mix would sound is a DrumassistError when its stem is not, unless ``allow_missing``."""
    from drumassist.core.mixstate import audible
    from drumassist.core.session import load_session

    if not is_session(stems):
        raise DrumassistError(
            "mix needs --gains G.json, or a .drumassist session as STEMS (its faders are mixed)"
        )
    session = load_session(stems[0]).session
    if not allow_missing:
        _refuse_missing(stems[0], session, multitrack)
    by_path = {t.path.resolve(): t for t in session.tracks}
    strips = []
    for track in multitrack.tracks:
        state = by_path.get(Path(track.path).resolve())
        if state is None:  # a stem moved while the session was read
            raise DrumassistError(f"{stems[0].name}: {track.name} is not one of its stems")
        strips.append(state)
    soloed = [s.name for s in strips if s.solo]
    if soloed:  # as in the window: a solo that is on leaves the other tracks out
        print(f"note: solo on: only {', '.join(soloed)} mixed", file=sys.stderr)
    return (
        [s.gain_db for s in strips],
        [s.pan for s in strips],
        list(~audible(strips)),
        [s.invert for s in strips],
    )


def _refuse_missing(path: Path, session: Any, multitrack: Any) -> None:
    """DrumassistError naming the tracks of ``session`` the mix would sound whose stems
    are missing or were not read (a batch render silently lost a drum: new-user trial)."""
    from drumassist.core.mixstate import audible

    loaded = {Path(t.path).resolve() for t in multitrack.tracks if t.path is not None}
    sounding = audible(session.tracks)
    lost = [
        f"{t.name} ({t.path})"
        for t, heard in zip(session.tracks, sounding, strict=True)
        if heard and t.path.resolve() not in loaded
    ]
    if lost:
        raise DrumassistError(
            f"{path.name}: not mixed: {'; '.join(lost)} missing or unreadable, and the mix"
            " would leave them out; restore them, or pass --allow-missing to mix the rest"
        )


def _print_export(result: Any) -> None:
    lufs = "silent" if not math.isfinite(result.loudness_lufs) else f"{result.loudness_lufs:.1f}"
    print(f"wrote {result.path} ({lufs} LUFS, peak {result.peak_dbfs:+.1f} dBFS)")
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)


# -- demo ---------------------------------------------------------------------------------------


def _add_demo(sub: Any) -> None:
    p = sub.add_parser("demo", help="write the built-in demo drum multitrack (8 stems)")
    p.add_argument("dir", type=Path, metavar="DIR", help="folder to write the stems into")
    p.add_argument(
        "--seed",
        type=integer(*SEED_RANGE),
        default=0,
        help="groove and sound variation (default 0)",
    )
    p.add_argument(
        "--duration",
        type=number(0.01, 3600.0, "s"),
        default=24.0,
        metavar="S",
        help="length in seconds (default 24)",
    )
    p.add_argument("--sample-rate", type=integer(*RATE_RANGE, "Hz"), default=44100, metavar="HZ")
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
    p.set_defaults(func=_cmd_quickstart, opens_window=True)


def _cmd_quickstart(args: argparse.Namespace) -> int:
    from drumassist.core.paths import demo_folder

    folder = demo_folder()
    if not args.headless and has_display():
        return _cmd_gui(argparse.Namespace(path=folder))
    print(f"demo multitrack: {folder}")
    _cmd_info(argparse.Namespace(stems=[folder], json=False, role=[]))
    return _quickstart_mix(folder)


def _quickstart_mix(folder: Path) -> int:
    """Suggest a balance for the demo with the default model and export that mix."""
    from drumassist.core.export import export_mix
    from drumassist.core.mixstate import starting_pans
    from drumassist.learn.suggest.suggestion import suggest

    multitrack = load_stems([folder])
    suggestion = suggest(multitrack, method="default")
    print(f"suggested balance ({suggestion.method}):")
    for name, gain_db in zip(suggestion.names, suggestion.gains_db, strict=True):
        print(f"  {shown(name, 24)} {gain_db:+6.1f} dB")
    result = export_mix(
        multitrack,
        suggestion.gains_db,
        folder.parent / "demo-mix.wav",
        pans=starting_pans(multitrack.tracks),
        stereo=True,
        loudness_lufs=-23.0,
        overwrite=True,
    )
    _print_export(result)
    return 0


def has_display() -> bool:
    """True where a window can be shown."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


# -- gui ----------------------------------------------------------------------------------------


def _add_gui(sub: Any) -> None:
    p = sub.add_parser("gui", help="open the window")
    p.add_argument("path", nargs="?", type=Path, help="a stem folder or session to open")
    p.set_defaults(func=_cmd_gui, opens_window=True)


def _cmd_gui(args: argparse.Namespace) -> int:
    from drumassist.core.interrupts import restore_defaults
    from drumassist.ui.app import run

    if not has_display() and not os.environ.get("QT_QPA_PLATFORM"):
        # Qt would abort the process (a core dump) with a message about xcb plugins.
        raise DrumassistError(
            "no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); "
            "use the commands instead (drumassist quickstart, suggest, mix, ...), "
            "or set QT_QPA_PLATFORM=offscreen"
        )

    # Qt's C++ modules are imported while our handlers run, so a Ctrl-C now waits for
    # their initialisers (a KeyboardInterrupt inside shiboken's aborted the process)...
    import drumassist.ui.mainwindow  # noqa: F401  (and with it PySide6's modules)
    from drumassist.core.interrupts import Interrupted, settle

    late = settle()
    if late:
        raise Interrupted(late)
    # ...then Qt's event loop, which runs Python signal handlers late or never, gets the
    # default ones: SIGTERM ends it.
    restore_defaults()

    return run(args.path)


def register(sub: Any) -> None:
    """Add the core commands to the ``drumassist`` parser."""
    for add in (_add_info, _add_mix, _add_demo, _add_quickstart, _add_gui):
        add(sub)
