"""Which of a session's stems to read, and what is said of the others: those missing,
those read from where they were when it was saved, those that are no audio file. The
window and the CLI open sessions through these, so both say the same."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from drumassist.core.session import LoadedSession
from drumassist.core.stemfiles import is_audio_file
from drumassist.errors import InvalidStemError


def too_few_stems(path: Path, tracks: int, missing: Sequence[Path]) -> str:
    """Why the session ``path`` (of ``tracks`` tracks, ``missing`` of whose stems are
    gone) cannot be opened as stems: fewer than two of them are there."""
    if tracks < 2:
        return f"{path.name}: a session needs two tracks or more; it has {tracks}"
    present = tracks - len(missing)
    found = "none" if present == 0 else "only one"
    return (
        f"{path.name}: {found} of its {tracks} stems exist; missing:"
        f" {', '.join(p.name for p in missing)}"
    )


def elsewhere_notice(loaded: LoadedSession, path: Path) -> str | None:
    """A notice naming the stems read from where they were when the session was saved,
    not from beside it (None if there are none)."""
    if not loaded.elsewhere:
        return None
    names = ", ".join(p.name for p in loaded.elsewhere)
    places = sorted({str(p.parent) for p in loaded.elsewhere})
    return (
        f"{path.name}: {names} not found beside the session; read from where"
        f" {'it was' if len(loaded.elsewhere) == 1 else 'they were'} when it was saved"
        f" ({', '.join(places)})"
    )


def not_audio_notice(loaded: LoadedSession, path: Path) -> str | None:
    """A notice naming the tracks whose file is there but is no audio file (a path edited
    by hand; "passwd: not audio, ignored" named neither session nor track), or None."""
    not_audio = _not_audio(loaded)
    tracks = [t for t in loaded.session.tracks if t.path in not_audio]
    if not tracks:
        return None
    named = "; ".join(f"track {t.name!r}: {t.path} is not an audio file" for t in tracks)
    return f"{path.name}: {named}; left out"


def _not_audio(loaded: LoadedSession) -> set[Path]:
    """The stems that are there but are no audio files."""
    tracks = loaded.session.tracks
    return {t.path for t in tracks if t.path not in loaded.missing and not is_audio_file(t.path)}


def present_stems(loaded: LoadedSession, path: Path) -> list[Path]:
    """The stems of the session ``path`` that are there and are audio files, in its
    order; InvalidStemError (:func:`too_few_stems`) when fewer than two are."""
    gone = [*loaded.missing, *_not_audio(loaded)]
    present = [t.path for t in loaded.session.tracks if t.path not in gone]
    if len(present) < 2:
        raise InvalidStemError(too_few_stems(path, len(loaded.session.tracks), gone))
    return present
