"""Which files of a folder, or of a list, are stems to read, and what is said of the rest.

A folder's audio files are its stems (not its subfolders'; a subfolder holding audio is
named, as the likelier stems folder); other files are skipped and listed. The same
file given twice is refused. Fewer than two stems is an error that says why.
"""

from __future__ import annotations

import errno
import logging
import re
from collections.abc import Sequence
from pathlib import Path

from drumassist.errors import InvalidStemError

log = logging.getLogger(__name__)

#: File name extensions read as audio (through libsndfile).
AUDIO_EXTENSIONS = frozenset(
    {".wav", ".wave", ".bwf", ".flac", ".aif", ".aiff", ".aifc", ".ogg", ".oga", ".opus"}
    | {".mp3", ".w64", ".caf", ".rf64"}
)


def stem_files(source: str | Path | Sequence[str | Path]) -> tuple[list[Path], list[Path]]:
    """The audio files to read and the files skipped; InvalidStemError under two stems."""
    if not isinstance(source, str | Path) and len(source) == 1:
        only = Path(source[0])
        if only.is_dir() or (not only.exists() and not is_audio_file(only)):
            source = only
    files, ignored = _list_sources(source)
    if len(files) < 2:
        raise InvalidStemError(too_few_message(source, files, ignored))
    return files, ignored


def names_a_folder(source: str | Path | Sequence[str | Path]) -> bool:
    one = [source] if isinstance(source, str | Path) else list(source)
    return len(one) == 1 and Path(one[0]).is_dir()


def is_audio_file(path: Path) -> bool:
    """True for a file name that drumassist will try to read as audio."""
    # "._kick.wav" files are macOS resource forks, not audio.
    return path.suffix.lower() in AUDIO_EXTENSIONS and not path.name.startswith("._")


def _list_sources(source: str | Path | Sequence[str | Path]) -> tuple[list[Path], list[Path]]:
    if isinstance(source, str | Path):
        folder = Path(source)
        if not folder.exists():
            # A name such as "song.drumassist" or "kick.wav" was meant as a file.
            named_file = folder.suffix.lower() in AUDIO_EXTENSIONS | {".drumassist"}
            raise InvalidStemError(f"{folder}: no such {'file' if named_file else 'folder'}")
        if not folder.is_dir():
            raise InvalidStemError(f"{folder.name}: expected a folder of stems, got a file")
        children = list(folder.iterdir())
        entries = sorted((p for p in children if p.is_file()), key=_natural_key)
        # Subfolders are not read; one holding audio is named (with two files or more,
        # a multitrack, as a likelier stems folder; a lone bounce was left unsaid).
        entries += sorted(
            (p for p in children if p.is_dir() and audio_count(p) >= 1), key=_natural_key
        )
        # Named like audio but no file to read: a broken or looping link, a folder called
        # "x.wav". Listed, so the notice names them (they were skipped unsaid).
        entries += sorted((p for p in children if _not_readable(p)), key=_natural_key)
    else:
        entries = [Path(p) for p in source]
        for path in entries:
            if path.is_dir():
                raise InvalidStemError(
                    f"{path.name}: a folder among stem files; give one folder, or only files"
                )
            if not path.is_file():
                raise InvalidStemError(f"{path.name}: no such file")
    files = [p for p in entries if is_audio_file(p) and p.is_file()]
    ignored = [p for p in entries if not (is_audio_file(p) and p.is_file())]
    for path in ignored:
        log.info("ignoring %s: %s", path.name, "a subfolder" if path.is_dir() else "not audio")
    _refuse_duplicates(files)
    return files, ignored


def _not_readable(path: Path) -> bool:
    """A name like an audio file's with no file behind it (and not a stems subfolder)."""
    if not is_audio_file(path) or path.is_file():
        return False
    return not (path.is_dir() and audio_count(path) >= 1)


def not_readable_notice(path: Path) -> str | None:
    """Why ``path``, named like audio, was not read; None if it is a file or a subfolder
    of stems."""
    if not _not_readable(path):
        return None
    if path.is_symlink():
        try:
            target = path.readlink()
        except OSError:
            target = None
        try:
            path.resolve(strict=True)
        except RuntimeError:  # Python 3.11 and 3.12 say a loop so
            return f"{path.name}: a link that loops back on itself, not read"
        except OSError as exc:
            if exc.errno == errno.ELOOP:  # Python 3.13
                return f"{path.name}: a link that loops back on itself, not read"
        return f"{path.name}: a link to {target}, which is not there; not read"
    if path.is_dir():
        return f"{path.name}: a folder, not an audio file; not read"
    return f"{path.name}: not a regular file, not read"


def audio_count(folder: Path) -> int:
    """How many audio files ``folder`` holds (not its subfolders); 0 if it cannot be read."""
    try:
        return sum(1 for p in folder.iterdir() if p.is_file() and is_audio_file(p))
    except OSError:
        return 0


def _refuse_duplicates(files: Sequence[Path]) -> None:
    """Refuse one file given twice (again, through a symlink, another spelling, a hard link).

    Refused rather than taken once: a gains file or session names each track once,
    and a file typed twice is most often a typo for another stem, which the user
    should see rather than get a multitrack one track short.
    """
    seen: dict[tuple[int, int], Path] = {}
    for path in files:
        try:
            stat = path.stat()
        except OSError:
            continue  # read_checked names the unreadable file
        key = (stat.st_dev, stat.st_ino)
        first = seen.setdefault(key, path)
        if first is path:
            continue
        spellings = f" ({first} and {path} are one file)" if str(first) != str(path) else ""
        raise InvalidStemError(f"{path.name}: given twice{spellings}; give each stem once")


def too_few_message(
    source: str | Path | Sequence[str | Path], files: list[Path], ignored: list[Path]
) -> str:
    if isinstance(source, str | Path):
        where = Path(source).name
    elif len(source) == 1:
        where = Path(source[0]).name
    else:
        where = "the selection"
    if not files and isinstance(source, Sequence) and not isinstance(source, str) and ignored:
        if len(ignored) == 1:
            return f"{ignored[0].name}: not an audio file; give a folder of stems or the stem files"
        where = ", ".join(p.name for p in ignored)
        return f"{where}: none of these is an audio file"
    folders = [p for p in ignored if p.is_dir() and audio_count(p) >= 2]
    others = [p for p in ignored if p not in folders]
    skipped = f" (ignored: {', '.join(p.name for p in others)})" if others else ""
    skipped += "".join(f"; open {p.name}/ for its {audio_count(p)} audio files" for p in folders)
    if not files:
        return f"{where}: no audio files found{skipped}"
    return (
        f"{where}: only one audio file ({files[0].name}); a multitrack needs at least two stems"
        f"{skipped}"
    )


def _natural_key(path: Path) -> list[object]:
    """Sort "Tom 2" before "Tom 10"."""
    return [int(s) if s.isdigit() else s.lower() for s in re.split(r"(\d+)", path.name)]
