"""Listener post-screening after ITU-R BS.1534-3 (MUSHRA).

The Recommendation excludes an assessor who rates the hidden reference below 90 for
more than 15 % of the test items, and one who rates the mid-range anchor above 90 for
more than 15 % of them. drumassist has one anchor, the direct sum (a low anchor: the
balance nobody chose), and applies the anchor rule to it: a listener who finds the
unmixed sum excellent in more than 15 % of trials is not discriminating balance.
A trial is one test item (one session heard by one listener in one test); a listener
is only screened by a rule when their trials contain that condition.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from drumassist.learn.evaluate.listening.ratings import ANCHOR, REFERENCE, Rating

#: A hidden reference rated below this counts against the listener.
REFERENCE_MIN = 90.0
#: An anchor rated above this counts against the listener.
ANCHOR_MAX = 90.0
#: More than this fraction of trials failing a rule excludes the listener.
MAX_FAIL_FRACTION = 0.15


@dataclass(frozen=True)
class Screening:
    """Who is kept, who is excluded and why (one sentence per failed rule)."""

    kept: tuple[str, ...]
    excluded: dict[str, tuple[str, ...]]
    notes: dict[str, tuple[str, ...]]


def screen_listeners(
    ratings: Sequence[Rating], *, reference: str = REFERENCE, anchor: str = ANCHOR
) -> Screening:
    """Apply the BS.1534-3 post-screening rules to every listener in ``ratings``."""
    by_listener: dict[str, dict[tuple[str, int], dict[str, float]]] = defaultdict(dict)
    for r in ratings:
        by_listener[r.listener].setdefault((r.test_id, r.trial), {})[r.method] = r.rating
    kept: list[str] = []
    excluded: dict[str, tuple[str, ...]] = {}
    notes: dict[str, tuple[str, ...]] = {}
    for listener in sorted(by_listener):
        trials = list(by_listener[listener].values())
        reasons, listener_notes = [], []
        for method, fails, what in (
            (
                reference,
                lambda v: v < REFERENCE_MIN,
                f"the hidden reference below {REFERENCE_MIN:g}",
            ),
            (anchor, lambda v: v > ANCHOR_MAX, f"the anchor ({anchor}) above {ANCHOR_MAX:g}"),
        ):
            rated = [t[method] for t in trials if method in t]
            if not rated:
                listener_notes.append(f"no {method} in their trials: not screened by that rule")
                continue
            failed = sum(1 for v in rated if fails(v))
            if failed / len(rated) > MAX_FAIL_FRACTION:
                reasons.append(
                    f"rated {what} in {failed} of {len(rated)} trials"
                    f" ({100 * failed / len(rated):.0f} %, more than"
                    f" {100 * MAX_FAIL_FRACTION:.0f} %)"
                )
        if reasons:
            excluded[listener] = tuple(reasons)
        else:
            kept.append(listener)
        if listener_notes:
            notes[listener] = tuple(listener_notes)
    return Screening(tuple(kept), excluded, notes)
