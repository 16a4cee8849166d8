"""Reading and writing a corpus: ``manifest.json`` and each session's ``session.json``.

The format is described in :mod:`drumassist.learn.corpus`. Writers build plain dicts
and hand them to :func:`write_session_json` and :func:`write_manifest`; readers get
frozen dataclasses from :func:`load_corpus`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from drumassist.core.atomic import write_atomically
from drumassist.core.multitrack import Multitrack, load_multitrack
from drumassist.core.roles import Role, role_from_string
from drumassist.errors import CorpusError
from drumassist.learn.reverse.report import UNRELATED_R2

log = logging.getLogger(__name__)

FORMAT = "drumassist-corpus"
SESSION_FORMAT = "drumassist-corpus-session"
VERSION = 1
MANIFEST_NAME = "manifest.json"
SESSION_NAME = "session.json"


@dataclass(frozen=True)
class CorpusTrack:
    """One stem of a corpus session and its gains.

    ``set_gain_db`` is the gain the mix was made with where it is known (rendered
    sessions), ``target_gain_db`` the gain reverse engineering recovered from the mix
    (None where it is undefined: a silent or linearly dependent stem).
    """

    name: str
    path: Path
    role: Role
    slot: str | None
    set_gain_db: float | None
    target_gain_db: float | None
    target_status: str
    sign_flipped: bool
    silent: bool


@dataclass(frozen=True)
class CorpusSession:
    """One multitrack of a corpus with its metadata (see the package docstring)."""

    id: str
    dir: Path
    source: str
    group: str
    kit: str | None
    heldout: bool
    layout: str | None
    pattern: str | None
    seed: int | None
    tempo_bpm: float | None
    sample_rate: int
    duration_s: float
    mix_path: Path
    tracks: tuple[CorpusTrack, ...]
    r2: float
    latency_ms: float
    residual_db: float

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.tracks)

    @property
    def roles(self) -> dict[str, Role]:
        return {t.name: t.role for t in self.tracks}

    @property
    def slots(self) -> dict[str, str | None]:
        return {t.name: t.slot for t in self.tracks}

    @property
    def target_gains_db(self) -> dict[str, float | None]:
        return {t.name: t.target_gain_db for t in self.tracks}

    @property
    def set_gains_db(self) -> dict[str, float | None]:
        return {t.name: t.set_gain_db for t in self.tracks}

    def load_multitrack(self) -> Multitrack:
        """The stems as a Multitrack named and ordered as in ``session.json``, with its roles."""
        multitrack = load_multitrack([t.path for t in self.tracks], sample_rate=self.sample_rate)
        tracks = tuple(
            replace(track, name=info.name, role=info.role)
            for track, info in zip(multitrack.tracks, self.tracks, strict=True)
        )
        return replace(multitrack, tracks=tracks)

    def load_mix(self) -> np.ndarray:
        """The reference mix as float32 ``(frames, channels)`` at the session rate."""
        from drumassist.learn.reverse.engineer import load_mix

        return load_mix(self.mix_path, sample_rate=self.sample_rate)


@dataclass(frozen=True)
class Corpus:
    """A corpus folder: its sessions, in manifest order, and the manifest's sha256."""

    root: Path
    version: int
    sessions: tuple[CorpusSession, ...]
    manifest_sha256: str
    #: Sessions of the manifest whose mix their stems do not make (fit R² under
    #: UNRELATED_R2): not in ``sessions``, so never trained on nor scored.
    left_out: tuple[CorpusSession, ...] = ()

    def left_out_notes(self) -> list[str]:
        """One line per left-out session, naming it and why."""
        return [
            f"{self.root.name}: session {s.id} left out: its mix does not appear to be made"
            f" of its stems (static gains explain {max(s.r2, 0.0):.1%})"
            for s in self.left_out
        ]

    @property
    def groups(self) -> tuple[str, ...]:
        """The recording groups, sorted; split train and test by these, never by kit."""
        return tuple(sorted({s.group for s in self.sessions}))

    def session(self, session_id: str) -> CorpusSession:
        """The session called ``session_id``; KeyError if there is none."""
        for session in self.sessions:
            if session.id == session_id:
                return session
        raise KeyError(session_id)

    def audio_sha256(self) -> str:
        """The sha256 of the audio files as stored: every session's stems, then its mix,
        in manifest order, each file's path (relative to the corpus) before its bytes.

        The manifest pins each session's settings, not its samples: a render by another
        version of the renderer keeps the manifest's sha256 and changes the audio (found
        on 2026-12-02: a corpus rendered again scored direct sum 0.45 dB apart). A model
        card that names this as well names the audio it was trained on.
        """
        digest = hashlib.sha256()
        for session in self.sessions:
            for path in (*(t.path for t in session.tracks), session.mix_path):
                digest.update(f"{_relative(path, self.root)}\n".encode())
                try:
                    with path.open("rb") as handle:
                        while chunk := handle.read(1 << 20):
                            digest.update(chunk)
                except OSError as exc:
                    raise CorpusError(f"{path}: cannot read ({exc.strerror})") from exc
        return digest.hexdigest()


def _relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` where it lies inside (as POSIX), else as it is: an
    ENST or folder corpus refers to the user's files where they are."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def load_corpus(root: str | Path) -> Corpus:
    """Read a corpus folder through its ``manifest.json``.

    Parameters
    ----------
    root : str or Path
        The folder a ``drumassist corpus`` command wrote.

    Returns
    -------
    Corpus

    Raises
    ------
    CorpusError
        If the manifest or a session file is missing, unreadable, of another format
        or of a newer version. The message names the file.
    """
    root = Path(root)
    path = root / MANIFEST_NAME
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read the corpus manifest ({exc.strerror})") from exc
    manifest = _parse(raw, path, FORMAT)
    entries = manifest.get("sessions")
    if not isinstance(entries, list):
        raise CorpusError(f"{path}: 'sessions' must be a list")
    read = [read_session(root / str(_field(e, "dir", path))) for e in entries]
    # A session whose mix its stems do not make (built before such sessions were
    # refused) has noise for targets: left out of training and scoring, and named.
    usable = tuple(s for s in read if not s.r2 < UNRELATED_R2)
    left_out = tuple(s for s in read if s.r2 < UNRELATED_R2)
    return Corpus(root, int(manifest["version"]), usable, hashlib.sha256(raw).hexdigest(), left_out)


def read_session(session_dir: Path) -> CorpusSession:
    """Read one session folder's ``session.json``; CorpusError if it is missing or bad."""
    path = session_dir / SESSION_NAME
    try:
        doc = _parse(path.read_bytes(), path, SESSION_FORMAT)
        tracks = tuple(_track(t, session_dir, path) for t in _field(doc, "tracks", path))
        reverse = _field(doc, "reverse", path)
        return CorpusSession(
            id=str(_field(doc, "id", path)),
            dir=session_dir,
            source=str(_field(doc, "source", path)),
            group=str(_field(doc, "group", path)),
            kit=doc.get("kit"),
            heldout=bool(doc.get("heldout", False)),
            layout=doc.get("layout"),
            pattern=doc.get("pattern"),
            seed=doc.get("seed"),
            tempo_bpm=doc.get("tempo_bpm"),
            sample_rate=int(_field(doc, "sample_rate", path)),
            duration_s=float(_field(doc, "duration_s", path)),
            mix_path=session_dir / str(_field(doc, "mix", path)),
            tracks=tracks,
            r2=_float(reverse.get("r2")),
            latency_ms=_float(reverse.get("latency_ms")),
            residual_db=_float(reverse.get("residual_db")),
        )
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read the session ({exc.strerror})") from exc
    except (TypeError, ValueError, AttributeError) as exc:
        raise CorpusError(f"{path}: malformed session ({exc})") from exc


def _track(doc: Mapping[str, Any], session_dir: Path, path: Path) -> CorpusTrack:
    return CorpusTrack(
        name=str(_field(doc, "name", path)),
        path=session_dir / str(_field(doc, "file", path)),
        role=role_from_string(str(_field(doc, "role", path))),
        slot=doc.get("slot"),
        set_gain_db=doc.get("set_gain_db"),
        target_gain_db=doc.get("target_gain_db"),
        target_status=str(doc.get("target_status", "ok")),
        sign_flipped=bool(doc.get("target_sign_flipped", False)),
        silent=bool(doc.get("silent", False)),
    )


def _parse(raw: bytes, path: Path, kind: str) -> dict[str, Any]:
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CorpusError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("format") != kind:
        raise CorpusError(f"{path}: not a {kind} file (format {doc.get('format')!r})")
    version = doc.get("version")
    if not isinstance(version, int) or version < 1:
        raise CorpusError(f"{path}: bad version {version!r}")
    if version > VERSION:
        raise CorpusError(
            f"{path}: written by a newer drumassist (version {version}); this one reads"
            f" version {VERSION}"
        )
    return doc


def _field(doc: Any, key: str, path: Path) -> Any:
    if not isinstance(doc, Mapping) or key not in doc:
        raise CorpusError(f"{path}: missing '{key}'")
    return doc[key]


def _float(value: Any) -> float:
    return math.nan if value is None else float(value)


# -- writing ------------------------------------------------------------------------------------


def is_complete(session_dir: Path) -> bool:
    """A session folder is complete once its ``session.json`` exists (it is written last)."""
    return (session_dir / SESSION_NAME).is_file()


def write_session_json(session_dir: Path, doc: Mapping[str, Any]) -> Path:
    """Write ``session.json`` atomically, completing the session; returns its path."""
    full = {"format": SESSION_FORMAT, "version": VERSION, **doc}
    path = session_dir / SESSION_NAME
    _write_json(path, full)
    return path


def write_manifest(root: Path, *, builder: Mapping[str, Any]) -> Path:
    """Rewrite ``manifest.json`` from the complete sessions under ``root``, sorted by id.

    Incomplete session folders (no ``session.json``) are left out, and so, with a
    warning, are unreadable ones.
    """
    entries = []
    for path in sorted(root.glob(f"*/{SESSION_NAME}")):
        try:
            entries.append(_manifest_entry(path))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("%s: unreadable, left out of the manifest (%s)", path, exc)
    entries.sort(key=lambda e: e["id"])
    manifest = {"format": FORMAT, "version": VERSION, "builder": dict(builder), "sessions": entries}
    path = root / MANIFEST_NAME
    _write_json(path, manifest)
    return path


def _manifest_entry(path: Path) -> dict[str, Any]:
    doc = json.loads(path.read_bytes())
    return {
        "id": str(doc["id"]),
        "dir": path.parent.name,
        "source": doc["source"],
        "group": doc["group"],
        "kit": doc.get("kit"),
        "heldout": bool(doc.get("heldout", False)),
        "tracks": [str(t["name"]) for t in doc["tracks"]],
    }


def _write_json(path: Path, doc: Mapping[str, Any]) -> None:
    text = json.dumps(doc, indent=1, allow_nan=False, ensure_ascii=False) + "\n"

    def write(handle: BinaryIO) -> None:
        handle.write(text.encode("utf-8"))

    try:
        write_atomically(path, write, overwrite=True)
    except OSError as exc:
        raise CorpusError(f"{path}: cannot write ({exc})") from exc


def rounded(value: float | None, digits: int = 4) -> float | None:
    """``value`` rounded for JSON, None for None, NaN or infinity."""
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


def relative_file(path: Path, session_dir: Path) -> str:
    """How ``session.json`` names ``path``: relative inside the session folder, else absolute."""
    try:
        return path.resolve().relative_to(session_dir.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def check_unique_names(names: Sequence[str]) -> None:
    """Refuse duplicate track names, which the format cannot tell apart."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise CorpusError(f"two tracks are called {name!r}")
        seen.add(name)
