"""One blind test as data: loudness-matched candidates, a random order per trial, ratings.

No Qt: the window's dialog is a view of a :class:`BlindTest`. Candidates are named by
method (``mine`` for the user's own balance, ``reference`` for the hidden reference,
``sum`` for the anchor); the listener sees only numbers, in an order drawn afresh for
every trial. Every candidate is shifted to the loudness of the user's own mix, so the
comparison is about balance, not level (BS.1534-3 asks for loudness-matched items).
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from drumassist.core.mixloudness import MixLoudness
from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress, ScaledProgress, check_cancelled
from drumassist.errors import ListeningTestError
from drumassist.learn.evaluate.listening.ratings import ANCHOR, Rating

#: The user's own balance (the faders) as a candidate.
MINE = "mine"
#: Where a slider starts: the middle, so that no candidate starts out favoured.
START_RATING = 50


def suggest_candidates(
    multitrack: Multitrack,
    meter: MixLoudness,
    methods: Sequence[str],
    *,
    progress: Progress | None = None,
) -> dict[str, np.ndarray]:
    """The gains each method suggests (run on a worker: models take a while)."""
    from drumassist.learn.suggest.suggestion import suggest

    gains = {}
    for i, method in enumerate(methods):
        check_cancelled(progress)
        part = (
            ScaledProgress(progress, i / len(methods), (i + 1) / len(methods)) if progress else None
        )
        gains[method] = np.array(
            suggest(multitrack, method=method, meter=meter, progress=part).gains_db
        )
    return gains


def loudness_matched(
    meter: MixLoudness,
    gains_by_method: Mapping[str, np.ndarray],
    *,
    target_lufs: float,
    pans: np.ndarray,
    mutes: np.ndarray,
    inverted: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Each candidate shifted by one offset so its stereo mix measures ``target_lufs``."""
    matched = {}
    for method, gains in gains_by_method.items():
        loudness = meter.loudness(gains, pans=pans, mutes=mutes, stereo=True, inverted=inverted)
        offset = (
            target_lufs - loudness
            if math.isfinite(loudness) and math.isfinite(target_lufs)
            else 0.0
        )
        matched[method] = np.asarray(gains, dtype=np.float64) + offset
    return matched


@dataclass
class BlindTest:
    """A test in progress: candidates, per-trial orders, and the ratings given so far."""

    candidates: dict[str, np.ndarray]
    trials: int
    listener: str
    session: str
    seed: int | None = None
    test_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    started_utc: str = field(
        default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    orders: list[list[str]] = field(init=False)
    ratings: list[list[int]] = field(init=False)

    def __post_init__(self) -> None:
        if ANCHOR not in self.candidates or len(self.candidates) < 2:
            raise ListeningTestError(
                f"a blind test needs the anchor ({ANCHOR}) and at least one other candidate"
            )
        if self.trials < 1:
            raise ListeningTestError(f"a blind test needs at least one trial, not {self.trials}")
        if not self.listener.strip():
            raise ListeningTestError("say who is listening: the listener's name is empty")
        rng = random.Random(self.seed)
        methods = list(self.candidates)
        self.orders = [rng.sample(methods, len(methods)) for _ in range(self.trials)]
        self.ratings = [[START_RATING] * len(methods) for _ in range(self.trials)]

    @property
    def size(self) -> int:
        return len(self.candidates)

    def gains_of(self, trial: int, position: int) -> np.ndarray:
        """The gains behind candidate ``position`` (0-based) of ``trial`` (0-based)."""
        return self.candidates[self.orders[trial][position]]

    def rate(self, trial: int, position: int, value: int) -> None:
        if not 0 <= value <= 100:
            raise ListeningTestError(f"a rating is 0 to 100, not {value}")
        self.ratings[trial][position] = int(value)

    def results(self) -> list[Rating]:
        """One row per candidate per trial; ``candidate`` is the number the listener saw."""
        return [
            Rating(
                self.test_id,
                self.started_utc,
                self.session,
                self.listener.strip(),
                trial + 1,
                position + 1,
                method,
                float(self.ratings[trial][position]),
            )
            for trial, order in enumerate(self.orders)
            for position, method in enumerate(order)
        ]
