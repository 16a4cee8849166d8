"""The ratings CSV: one row per rating of one candidate in one trial of one test.

Columns: ``test_id,started_utc,session,listener,trial,candidate,method,rating``.
``candidate`` is the number the listener saw (1, 2, ...; the order is randomised per
trial, so it says nothing about the method); ``method`` is what was behind it
(``reference`` for the hidden reference, ``sum`` for the anchor); ``rating`` is 0-100.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from drumassist.core.atomic import write_atomically
from drumassist.errors import ListeningTestError

COLUMNS = (
    "test_id",
    "started_utc",
    "session",
    "listener",
    "trial",
    "candidate",
    "method",
    "rating",
)
#: The method name of the hidden reference (a reference mix's reverse-engineered balance).
REFERENCE = "reference"
#: The method name of the low anchor: the direct sum, every track at unity gain.
ANCHOR = "sum"
RATINGS_NAME = "ratings.csv"


@dataclass(frozen=True)
class Rating:
    """One listener's rating of one candidate in one trial."""

    test_id: str
    started_utc: str
    session: str
    listener: str
    trial: int
    candidate: int
    method: str
    rating: float

    def row(self) -> list[str]:
        return [
            self.test_id,
            self.started_utc,
            self.session,
            self.listener,
            str(self.trial),
            str(self.candidate),
            self.method,
            f"{self.rating:g}" if self.rating.is_integer() else repr(self.rating),
        ]


def ratings_path() -> Path:
    """Where the window saves ratings: ``listening/ratings.csv`` in the data folder."""
    from drumassist.core.paths import data_dir

    return data_dir() / "listening" / RATINGS_NAME


def read_ratings(paths: Sequence[Path]) -> list[Rating]:
    """Read and check every rating in ``paths`` (each a ratings CSV with the header).

    Raises
    ------
    ListeningTestError
        Naming the file and line: missing or unreadable, a wrong header, a short row,
        a trial or candidate that is not a whole number, a rating outside 0-100, a
        candidate or method a listener rated already in that trial.
    """
    ratings: list[Rating] = []
    seen: dict[tuple[str, ...], str] = {}
    for path in paths:
        for where, rating in _read_one(Path(path)):
            _refuse_repeat(rating, where, seen)
            ratings.append(rating)
    return ratings


def _refuse_repeat(rating: Rating, where: str, seen: dict[tuple[str, ...], str]) -> None:
    """ListeningTestError when ``rating`` rates again what a row before rated: the same
    file given twice, or a copy merged with it, doubled every rating and with them the
    statistics' confidence (found by a researcher's trial)."""
    trial = (rating.test_id, rating.listener, str(rating.trial))
    for key, what in (
        ((*trial, "candidate", str(rating.candidate)), f"candidate {rating.candidate}"),
        ((*trial, "method", rating.method), f"method {rating.method}"),
    ):
        first = seen.get(key)
        seen.setdefault(key, where)
        if first is not None:
            raise ListeningTestError(
                f"{where}: {rating.listener} rated {what} in trial {rating.trial} of test"
                f" {rating.test_id} already ({first}); give each ratings file once"
            )


def _read_one(path: Path) -> list[tuple[str, Rating]]:
    try:
        # utf-8-sig: a spreadsheet's "CSV UTF-8" starts with a byte-order mark.
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise ListeningTestError(f"{path}: no such ratings file") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ListeningTestError(f"{path}: cannot read this ratings file ({exc})") from exc
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(c.strip() for c in rows[0]) != COLUMNS:
        got = ",".join(rows[0]) if rows else "an empty file"
        raise ListeningTestError(f"{path.name}: expected the header {','.join(COLUMNS)}, got {got}")
    return [
        (f"{path.name} line {number}", _parse(path, number, row))
        for number, row in enumerate(rows[1:], 2)
        if row
    ]


def _parse(path: Path, line: int, row: list[str]) -> Rating:
    where = f"{path.name} line {line}"
    if len(row) != len(COLUMNS):
        raise ListeningTestError(f"{where}: expected {len(COLUMNS)} fields, got {len(row)}")
    cells = dict(zip(COLUMNS, (c.strip() for c in row), strict=True))
    for key in ("test_id", "listener", "method"):
        if not cells[key]:
            raise ListeningTestError(f"{where}: {key} is empty")
    whole = {key: _whole(where, key, cells[key]) for key in ("trial", "candidate")}
    try:
        value = float(cells["rating"])
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 100.0:
        raise ListeningTestError(f"{where}: rating must be 0 to 100, got {cells['rating']!r}")
    return Rating(
        test_id=cells["test_id"],
        started_utc=cells["started_utc"],
        session=cells["session"],
        listener=cells["listener"],
        trial=whole["trial"],
        candidate=whole["candidate"],
        method=cells["method"],
        rating=value,
    )


def _whole(where: str, key: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 1:
        raise ListeningTestError(f"{where}: {key} must be a whole number from 1, got {text!r}")
    return value


def append_ratings(path: Path, ratings: Iterable[Rating]) -> None:
    """Add ``ratings`` to the CSV at ``path`` (made with its header if absent).

    The whole file is rewritten to a temporary file and renamed, so a crash leaves
    the old file or the new one, never half of a row. The existing rows are checked
    first: a damaged file is reported, not appended to.
    """
    old = read_ratings([path]) if path.exists() else []
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for rating in (*old, *ratings):
        writer.writerow(rating.row())
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        write_atomically(path, lambda h: h.write(buffer.getvalue().encode()), overwrite=True)
    except OSError as exc:
        raise ListeningTestError(f"{path}: cannot write the ratings ({exc})") from exc
