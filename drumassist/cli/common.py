"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drumassist.core.multitrack import Multitrack

if TYPE_CHECKING:
    from drumassist.core.roles import Role
    from drumassist.core.session import TrackState


def stems_argument(p: argparse.ArgumentParser) -> None:
    """Add the positional STEMS argument (a folder, or the stem files) and ``--role``."""
    from drumassist.cli.argtypes import role_assignment

    p.add_argument(
        "stems", nargs="+", type=Path, metavar="STEMS", help="a folder of stems, or the stem files"
    )
    p.add_argument(
        "--role",
        action="append",
        default=[],
        type=role_assignment,
        metavar="TRACK=ROLE",
        help="the role of a track whose name does not tell it (e.g. '06 Retro=room'; repeat"
        " for more tracks): kick, snare, hi-hat, tom, cymbal, overhead, room, other",
    )


def load_stems(stems: Sequence[Path], roles: Sequence[tuple[str, str]] = ()) -> Multitrack:
    """Load STEMS (or the stems of one .drumassist session), printing what loading changed;
    ``roles`` (``--role``: track name, role value) win over the names and the session."""
    from drumassist.core.multitrack import load_multitrack

    sources = list(stems)
    session_roles: dict[Path, Role] = {}
    hint: str | None = None
    if is_session(sources):
        from drumassist.core.session import UNREADABLE_STEM_HINT

        sources, session_roles = _session_stems(sources[0])
        hint = UNREADABLE_STEM_HINT
    multitrack = load_multitrack(sources, unreadable_hint=hint)
    print_notices(multitrack.notices)
    if session_roles:  # the roles the user set in the window, not guessed from names
        by_path = {t.path.resolve(): t.name for t in multitrack.tracks if t.path is not None}
        multitrack = multitrack.with_roles(
            {by_path[p]: role for p, role in session_roles.items() if p in by_path}
        )
    return with_given_roles(multitrack, roles)


def with_given_roles(multitrack: Multitrack, roles: Sequence[tuple[str, str]]) -> Multitrack:
    """``multitrack`` with the roles given by ``--role``; DrumassistError naming the
    tracks when one names no track."""
    from drumassist.core.roles import role_from_string
    from drumassist.errors import DrumassistError

    unknown = [name for name, _ in roles if name not in multitrack.names]
    if unknown:
        raise DrumassistError(
            f"--role: no track named {', '.join(repr(n) for n in unknown)}; the tracks are"
            f" {', '.join(multitrack.names)}"
        )
    return multitrack.with_roles({name: role_from_string(role) for name, role in roles})


def stem_pans(stems: Sequence[Path], multitrack: Multitrack) -> list[float]:
    """The pan of each track as the window would play it: a session's own pans, else
    (and for a track the session does not name) the starting pans."""
    from drumassist.core.mixstate import starting_pans

    saved = _saved_strips(stems, multitrack)
    return [
        pan if strip is None else strip.pan
        for strip, pan in zip(saved, starting_pans(multitrack.tracks), strict=True)
    ]


def stem_inverted(stems: Sequence[Path], multitrack: Multitrack) -> list[bool]:
    """Which tracks a session plays with their polarity inverted (its strips' Ø); none
    for stems given without a session."""
    return [strip is not None and strip.invert for strip in _saved_strips(stems, multitrack)]


def heard_as_in_session(
    stems: Sequence[Path], multitrack: Multitrack
) -> tuple[Multitrack, list[bool]]:
    """The tracks as the window plays them (a session's inverted tracks, Ø on their
    strips, flipped; the stems as they are otherwise) and which ones are flipped; says
    so on stderr when a track is."""
    inverted = stem_inverted(stems, multitrack)
    if any(inverted):
        names = ", ".join(n for n, flip in zip(multitrack.names, inverted, strict=True) if flip)
        print(f"note: polarity inverted as in the session: {names}", file=sys.stderr)
    return multitrack.with_polarity(inverted), inverted


def strip_order(stems: Sequence[Path], multitrack: Multitrack) -> list[int]:
    """The tracks' indices as the window's strips stand: a session's own order, else (and
    for tracks the session does not name, after them) by role, kick first, then name."""
    from drumassist.core.mixstate import role_order_key

    tracks = multitrack.tracks
    rest = sorted(range(len(tracks)), key=lambda i: role_order_key(tracks[i].name, tracks[i].role))
    if not is_session(stems):
        return rest
    from drumassist.core.session import load_session

    index = {t.path.resolve(): i for i, t in enumerate(tracks) if t.path is not None}
    saved = [index.get(t.path.resolve()) for t in load_session(stems[0]).session.tracks]
    placed = list(dict.fromkeys(i for i in saved if i is not None))
    return placed + [i for i in rest if i not in placed]


def _saved_strips(stems: Sequence[Path], multitrack: Multitrack) -> list[TrackState | None]:
    """Each track's strip in the session STEMS names (None without a session, or for a
    track the session does not name), matched by the stem's resolved path."""
    if not is_session(stems):
        return [None] * len(multitrack.tracks)
    from drumassist.core.session import load_session

    saved = {t.path.resolve(): t for t in load_session(stems[0]).session.tracks}
    return [None if t.path is None else saved.get(t.path.resolve()) for t in multitrack.tracks]


def is_session(stems: Sequence[Path]) -> bool:
    """True when ``stems`` is one ``.drumassist`` session file."""
    return len(stems) == 1 and stems[0].suffix == ".drumassist" and stems[0].is_file()


def _session_stems(path: Path) -> tuple[list[Path], dict[Path, Role]]:
    """The stems of a session file that still exist, and their roles in it (by resolved
    path); the missing ones are noted."""
    from drumassist.core.session import load_session
    from drumassist.core.sessionstems import elsewhere_notice, not_audio_notice, present_stems

    loaded = load_session(path)
    present = present_stems(loaded, path)
    if loaded.missing:
        missing = ", ".join(str(p) for p in loaded.missing)
        print(f"note: {path.name}: stems missing, left out: {missing}", file=sys.stderr)
    elsewhere = elsewhere_notice(loaded, path)
    if elsewhere is not None:
        print(f"note: {elsewhere}", file=sys.stderr)
    not_audio = not_audio_notice(loaded, path)
    if not_audio is not None:
        print(f"note: {not_audio}", file=sys.stderr)
    roles = {t.path.resolve(): t.role for t in loaded.session.tracks if t.path in present}
    return present, roles


def print_notices(notices: Sequence[str]) -> None:
    """Print loading notices (resampled, padded, ignored files) on stderr."""
    for notice in notices:
        print(f"note: {notice}", file=sys.stderr)


def without_mix(stems: Sequence[Path], mix: Path) -> list[Path]:
    """STEMS with MIX taken out when it lies in the stems folder or the stem list."""
    target = mix.resolve()
    if len(stems) == 1 and stems[0].is_dir():
        folder = stems[0]
        if target.parent != folder.resolve():
            return [folder]
        # A list, not the folder, so load_multitrack never sees the mix.
        files = sorted((p for p in folder.iterdir() if p.is_file()), key=_natural_key)
        kept = [p for p in files if p.resolve() != target]
    else:
        kept = [p for p in stems if p.resolve() != target]
        if len(kept) == len(stems):
            return list(stems)
    print(f"note: {mix.name} is the mix; left out of the stems", file=sys.stderr)
    return kept


def _natural_key(path: Path) -> list[Any]:
    """Sort "Tom 2" before "Tom 10", as loading a folder does."""
    return [int(s) if s.isdigit() else s.lower() for s in re.split(r"(\d+)", path.name)]


class LineProgress:
    """Progress that prints one line per report on stderr when verbose; never cancelled."""

    def __init__(self, verbose: bool) -> None:
        self.verbose = verbose

    def report(self, fraction: float, message: str = "") -> None:
        if self.verbose:
            print(f"[{fraction * 100:5.1f}%] {message}", file=sys.stderr, flush=True)

    def cancelled(self) -> bool:
        return False


#: Control characters (a tab or newline in a file name) as their escapes: in a table
#: they broke the columns, or the line.
_CONTROL = {c: repr(chr(c))[1:-1] for c in (*range(32), 127)}


def shown(name: str, width: int = 0) -> str:
    """``name`` as a table prints it: control characters escaped (``kick\\tin``), padded
    to ``width`` columns of a terminal, where a wide character (鼓, ド) takes two and a
    combining accent none (a row with "Caja 鼓" stood one column off: new-user trial)."""
    import unicodedata

    text = name.translate(_CONTROL)
    columns = sum(
        0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1
        for c in text
    )
    return text + " " * max(0, width - columns)


def load_corpus(path: Path) -> Any:
    """``drumassist.learn.corpus.load_corpus``, naming on stderr each session it leaves
    out (a mix its stems do not make: its targets would be noise)."""
    from drumassist.learn.corpus import load_corpus as load

    corpus = load(path)
    for note in corpus.left_out_notes():
        print(f"note: {note}", file=sys.stderr)
    return corpus
