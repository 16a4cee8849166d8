"""Load a folder (or a list) of drum stems into a :class:`Multitrack`.

Every stem is read as float32 ``(frames, channels)`` (:mod:`~drumassist.core.stemread`,
which also notes a file that ends before its header says). Stems at another sample rate
are resampled with soxr to the session rate, shorter stems are padded with silence
to the longest, and each such change is recorded in :attr:`Multitrack.notices` so
the user is told. Files that are not audio are skipped and listed, never fatal;
audio files that cannot be used raise :class:`InvalidStemError` naming the file.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from drumassist.core.progress import Progress
from drumassist.core.roles import Role, names_a_mix, non_drum_word, role_from_name
from drumassist.core.session import SESSION_SUFFIX
from drumassist.core.stemcheck import antiphase_notices, balance_notices
from drumassist.core.stemfiles import (
    audio_count,
    is_audio_file,
    names_a_folder,
    not_readable_notice,
    stem_files,
    too_few_message,
)
from drumassist.core.stemread import StemRead, read_stems
from drumassist.errors import InvalidStemError

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Track:
    """One stem: its name, where it came from, its role and its audio.

    ``audio`` is float32 with shape ``(frames, channels)``, channels 1 or 2 (other
    float types are converted, once, on construction).
    """

    name: str
    audio: np.ndarray
    role: Role = Role.OTHER
    path: Path | None = None

    def __post_init__(self) -> None:
        # A read-only view (no copy): measures are cached by a digest of the samples,
        # taken once per multitrack, so a track's samples must never change in place.
        # Audio already read-only float32 is kept as it is (a replaced track shares it).
        # float32, because the mix, the digests and every measure assume it.
        audio = self.audio
        if (
            isinstance(audio, np.ndarray)
            and audio.dtype == np.float32
            and not audio.flags.writeable
        ):
            return
        given = np.asarray(audio)
        if not np.issubdtype(given.dtype, np.floating):
            # Integer samples would need a scale (int16 full scale is 32767): refused.
            raise TypeError(f"track {self.name!r}: audio must be floating point, not {given.dtype}")
        audio = given.astype(np.float32, copy=False).view()
        audio.flags.writeable = False
        object.__setattr__(self, "audio", audio)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Unpickled or deep-copied audio comes back writable: made read-only again.
        for key, value in state.items():
            object.__setattr__(self, key, value)
        self.__post_init__()

    @property
    def channels(self) -> int:
        return int(self.audio.shape[1])

    @property
    def is_stereo(self) -> bool:
        return self.channels == 2

    def mono(self) -> np.ndarray:
        """The track as one float32 channel (the mean of its channels)."""
        if self.channels == 1:
            return self.audio[:, 0]
        return self.audio.mean(axis=1, dtype=np.float32)


@dataclass(frozen=True, eq=False)
class Multitrack:
    """Stems of equal length at one sample rate, plus what loading had to change."""

    tracks: tuple[Track, ...]
    sample_rate: int
    notices: tuple[str, ...] = ()
    ignored: tuple[Path, ...] = field(default=())
    #: The notices that bear on any balance of these stems (stems cut short, normalised
    #: or clipped, :mod:`~drumassist.core.stemcheck`): every suggestion repeats them.
    balance_notices: tuple[str, ...] = ()

    @property
    def frames(self) -> int:
        return int(self.tracks[0].audio.shape[0]) if self.tracks else 0

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tracks)

    @property
    def roles(self) -> tuple[Role, ...]:
        return tuple(t.role for t in self.tracks)

    def index(self, name: str) -> int:
        """Position of the track called ``name``; KeyError if there is none."""
        for i, track in enumerate(self.tracks):
            if track.name == name:
                return i
        raise KeyError(name)

    def with_roles(self, roles: Mapping[str, Role]) -> Multitrack:
        """A copy (sharing the audio) with the given tracks' roles overridden."""
        unknown = set(roles) - set(self.names)
        if unknown:
            raise KeyError(f"no track named {', '.join(sorted(unknown))}")
        tracks = tuple(replace(t, role=roles.get(t.name, t.role)) for t in self.tracks)
        return replace(self, tracks=tracks)

    def with_polarity(self, inverted: Sequence[bool]) -> Multitrack:
        """A copy with the flagged tracks' audio inverted (one flag per track), as the
        window plays a track whose Ø is on; itself when none is flagged."""
        if len(inverted) != len(self.tracks):
            raise ValueError(f"{len(inverted)} polarity flags for {len(self.tracks)} tracks")
        if not any(inverted):
            return self
        tracks = tuple(
            replace(t, audio=np.negative(t.audio)) if flip else t
            for t, flip in zip(self.tracks, inverted, strict=True)
        )
        return replace(self, tracks=tracks)


def from_arrays(
    arrays: Mapping[str, np.ndarray], *, sample_rate: int, roles: Mapping[str, Role] | None = None
) -> Multitrack:
    """Build a Multitrack from in-memory arrays (1-D mono or ``(frames, channels)``)."""
    tracks = []
    for name, data in arrays.items():
        audio = np.asarray(data, dtype=np.float32)
        audio = audio[:, None] if audio.ndim == 1 else audio
        role = (roles or {}).get(name, role_from_name(name))
        tracks.append(Track(name=name, audio=np.ascontiguousarray(audio), role=role))
    return _conform(tracks, [sample_rate] * len(tracks), sample_rate, [], ())


def load_multitrack(
    source: str | Path | Sequence[str | Path],
    *,
    sample_rate: int | None = None,
    progress: Progress | None = None,
    unreadable_hint: str | None = None,
) -> Multitrack:
    """Load stems from a folder or from a list of files.

    Parameters
    ----------
    source
        A folder (its audio files, not its subfolders) or a sequence of files;
        a sequence holding just one folder is that folder.
    sample_rate
        The session rate. By default the most common rate among the stems (on a
        tie the highest up to 96 kHz), so that as few stems as possible are resampled.
    progress
        Told after each file; loading stops between files when it is cancelled.
    unreadable_hint
        How to go on when a stem cannot be read (by default: move it out of the folder,
        or leave it out of the files given).

    Raises
    ------
    InvalidStemError
        The folder is missing or empty, fewer than two stems are usable, or a
        stem cannot be read, has no samples, has more than two channels or holds
        non-finite samples. The message names the file.
    """
    files, ignored = stem_files(source)
    folder = names_a_folder(source)  # a mix saved into a folder is no stem; named, it is one
    named_apart = _named_apart(files) if folder else {}
    files = [f for f in files if f not in named_apart]
    reads = _read_all(files, progress, folder=folder, hint=unreadable_hint)
    if folder:
        files, reads, ignored = _without_mixes(source, files, reads, ignored)
    tracks = [stem_track(path, read) for path, read in zip(files, reads, strict=True)]
    _make_names_unique(tracks)
    rates = [read.rate for read in reads]
    notices = [_ignored_notice(p) for p in ignored] + list(named_apart.values())
    ignored += named_apart
    notices += antiphase_notices([t.name for t in tracks], [t.audio for t in tracks], rates)
    balance = _balance_notices(files, reads, tracks)
    session_rate = sample_rate or _session_rate(rates)
    multitrack = _conform(tracks, rates, session_rate, notices + balance, tuple(ignored))
    return replace(multitrack, balance_notices=tuple(balance))


def _balance_notices(files: list[Path], reads: list[StemRead], tracks: list[Track]) -> list[str]:
    """What bears on any balance of these stems: a stem cut short, stems normalised or
    clipped (every suggestion says it again)."""
    balance = [read.ends_early for read in reads if read.ends_early is not None]
    peaks = [read.peak for read in reads]
    return balance + balance_notices([f.name for f in files], peaks, [t.audio for t in tracks])


def stem_track(path: Path, read: StemRead) -> Track:
    """The track of the stem file ``path`` as read: named after the file, its role from
    that name."""
    return Track(name=path.stem, audio=read.audio, role=role_from_name(path.stem), path=path)


def _read_all(
    files: list[Path], progress: Progress | None, *, folder: bool, hint: str | None
) -> list[StemRead]:
    """:func:`~drumassist.core.stemread.read_stems` (a folder's exported mixes told from
    their headers, not read); a file that cannot be used stops the loading with its
    error and how to go on without it."""
    try:
        return read_stems(files, progress, skip_mixes=folder)
    except InvalidStemError as exc:
        if hint is None:
            hint = (
                "move it out of the folder to open the other stems"
                if folder
                else "leave it out of the stems given"
            )
        raise InvalidStemError(f"{exc}; {hint}") from exc


def _without_mixes(
    source: str | Path | Sequence[str | Path],
    files: list[Path],
    reads: list[StemRead],
    ignored: list[Path],
) -> tuple[list[Path], list[StemRead], list[Path]]:
    """The files and reads that are stems; a mix drumassist exported joins ``ignored``
    (saved into the stems folder, it would be mixed in again as a stem)."""
    mixes = [path for path, read in zip(files, reads, strict=True) if read.exported_mix]
    if not mixes:
        return files, reads, ignored
    kept = [(path, read) for path, read in zip(files, reads, strict=True) if not read.exported_mix]
    if len(kept) < 2:
        names = ", ".join(m.name for m in mixes)
        too_few = too_few_message(source, [path for path, _ in kept], [])
        raise InvalidStemError(f"{too_few}; {names}: a mix exported by drumassist, not a stem")
    return [path for path, _ in kept], [read for _, read in kept], [*ignored, *mixes]


def _named_apart(files: list[Path]) -> dict[Path, str]:
    """The files of a folder named as no drum mic, each with its notice, unless leaving
    them out leaves fewer than two stems: whole mixes ("Drums Mix.wav": a DAW's mix saved
    beside the stems, which mixed in as a stem got the session's highest gain and moved
    every other) and other tracks of a session ("Click.wav", "Bass DI.wav": a click got
    a gain and sat in the mix 4 dB under the snare)."""
    apart: dict[Path, str] = {}
    for path in files:
        word = non_drum_word(path.name)
        if names_a_mix(path.name):
            apart[path] = (
                f"{path.name}: named as a mix, not a stem; left out (to compare a suggestion"
                " with it, load it as a reference; to mix it in as a stem, rename it or name"
                " the files)"
            )
        elif word is not None:
            apart[path] = (
                f"{path.name}: named as no drum mic ({word!r}); left out (to mix it in as a"
                " stem, rename it or name the files)"
            )
    return apart if len(files) - len(apart) >= 2 else {}


def _ignored_notice(path: Path) -> str:
    unreadable = not_readable_notice(path)
    if unreadable is not None:
        return unreadable
    if path.suffix == SESSION_SUFFIX:  # saved beside its stems: opening the folder skips it
        return f"{path.name}: a saved session, not a stem; open it to get its mix back"
    if path.is_dir():
        count = audio_count(path)
        if count == 1:
            return f"{path.name}/: a subfolder of 1 audio file, not read with this folder"
        return (
            f"{path.name}/: a subfolder of {count} audio files, not read with this folder"
            " (open it to use its stems)"
        )
    if is_audio_file(path):  # read, and found to be a mix drumassist exported
        return f"{path.name}: a mix exported by drumassist, not a stem; left out"
    return f"{path.name}: not audio, ignored"


def _make_names_unique(tracks: list[Track]) -> None:
    """Name clashing tracks by their file name (``kick.wav``, ``kick.flac``), then with
    as many of their folders as tell them apart (``a/kick.wav``, ``b/kick.wav``): a
    gains file, a session and the window name each track once."""
    for depth in range(1, 64):
        counts = Counter(t.name for t in tracks)
        clashing = [i for i, t in enumerate(tracks) if counts[t.name] > 1 and t.path is not None]
        if not clashing:
            return
        for i in clashing:
            parts = tracks[i].path.parts  # type: ignore[union-attr]
            tracks[i] = replace(tracks[i], name="/".join(parts[-depth:]))


#: On a tie of rates, the session takes the highest one up to this: seven stems at seven
#: rates from 8 to 192 kHz were all taken to 192 kHz (373 MB for 14 s: new-user trial).
MAX_TIE_RATE = 96000


def _session_rate(rates: list[int]) -> int:
    """The most common rate; on a tie the highest up to :data:`MAX_TIE_RATE` (the lowest
    of the tied when all lie above it)."""
    counts = Counter(rates)
    most = max(counts.values())
    tied = [r for r, n in counts.items() if n == most]
    usual = [r for r in tied if r <= MAX_TIE_RATE]
    return max(usual) if usual else min(tied)


def _conform(
    tracks: list[Track],
    rates: list[int],
    session_rate: int,
    notices: list[str],
    ignored: tuple[Path, ...],
) -> Multitrack:
    """Resample to ``session_rate`` and pad to the longest stem, noting each change."""
    import soxr

    resampled: list[Track] = []
    for track, rate in zip(tracks, rates, strict=True):
        if rate != session_rate:
            audio = soxr.resample(track.audio, rate, session_rate, quality="HQ")
            track = replace(track, audio=np.ascontiguousarray(audio, dtype=np.float32))
            notice = f"{_label(track)}: resampled from {rate} Hz to {session_rate} Hz"
            if rate < session_rate / 2:  # its top octaves stay empty: worth knowing
                notice += f" (it holds nothing above {rate / 2000:g} kHz)"
            notices.append(notice)
        resampled.append(track)
    frames = max(t.audio.shape[0] for t in resampled)
    padded: list[Track] = []
    short: dict[int, list[str]] = {}  # frames missing: the stems short by that many
    for track in resampled:
        missing = frames - track.audio.shape[0]
        if missing > 0:
            audio = np.zeros((frames, track.channels), dtype=np.float32)
            audio[: track.audio.shape[0]] = track.audio
            track = replace(track, audio=audio)
            short.setdefault(missing, []).append(_label(track))
        padded.append(track)
    longest = next(_label(t) for t in resampled if t.audio.shape[0] == frames)
    notices += [_padded_notice(n, m / session_rate, longest) for m, n in short.items()]
    for notice in notices:
        log.info("%s", notice)
    return Multitrack(tuple(padded), session_rate, tuple(notices), ignored)


def _padded_notice(labels: list[str], seconds: float, longest: str) -> str:
    """One notice for the stems short by the same time (one long stem, say a room mic
    left running, made a line for every other stem of the session)."""
    shown = ", ".join(labels[:4]) + (f" and {len(labels) - 4} more" if len(labels) > 4 else "")
    return (
        f"{shown}: {seconds:.3f} s shorter than the longest stem ({longest}); padded with silence"
    )


def _label(track: Track) -> str:
    return track.path.name if track.path is not None else track.name
