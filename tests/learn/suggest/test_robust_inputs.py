"""DC offsets and sub-bass rumble do not move any method's suggestion (issue 12, item 5).

On the real ENST excerpt: a 0.05 DC offset on the kick, then a 15 Hz rumble of 0.05
peak on the kick, must move no method's suggested gain by more than 0.5 dB (the
suggestion as a whole, including its loudness scaling, which is measured on the stems
as they are). A kick of pure DC is silent to every analysing method: muted (``-inf``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from drumassist.core.multitrack import Multitrack, load_multitrack
from drumassist.learn.models.registry import unavailable_reason
from drumassist.learn.suggest.suggestion import method_names, suggest

MAX_MOVE_DB = 0.5


def _installed() -> list[str]:
    return [m for m in method_names() if unavailable_reason(m) is None]


@pytest.fixture(scope="module")
def excerpt(request: pytest.FixtureRequest) -> Multitrack:
    from tests.conftest import ENST_EXCERPT

    if not (ENST_EXCERPT / "stems").is_dir():
        pytest.skip(f"the ENST excerpt is not at {ENST_EXCERPT} (../shared is absent)")
    return load_multitrack(Path(ENST_EXCERPT) / "stems")


def _with_kick(multitrack: Multitrack, change) -> Multitrack:
    k = multitrack.index("kick")
    tracks = list(multitrack.tracks)
    tracks[k] = replace(tracks[k], audio=np.asarray(change(tracks[k].audio), dtype=np.float32))
    return replace(multitrack, tracks=tuple(tracks))


def _rumble(audio: np.ndarray, rate: int) -> np.ndarray:
    t = np.arange(len(audio)) / rate
    return audio + 0.05 * np.sin(2 * np.pi * 15.0 * t)[:, None]


@pytest.mark.parametrize("method", _installed())
def test_dc_and_rumble_do_not_move_the_suggestion(excerpt: Multitrack, method: str) -> None:
    base = np.array(suggest(excerpt, method=method).gains_db)
    rate = excerpt.sample_rate
    for what, changed in (
        ("0.05 DC", _with_kick(excerpt, lambda a: a + 0.05)),
        ("15 Hz rumble", _with_kick(excerpt, lambda a: _rumble(a, rate))),
    ):
        moved = np.abs(np.array(suggest(changed, method=method).gains_db) - base)
        assert moved.max() <= MAX_MOVE_DB, (
            f"{method}: {what} moved {dict(zip(excerpt.names, moved.round(2), strict=True))}"
        )


@pytest.mark.parametrize("method", [m for m in _installed() if m != "sum"])
def test_a_stem_of_pure_dc_gets_no_level(excerpt: Multitrack, method: str) -> None:
    """Pure DC is silence to analysis: the track is muted and the others keep a balance."""
    dc = _with_kick(excerpt, lambda a: np.full_like(a, 0.05))
    gains = np.array(suggest(dc, method=method).gains_db)
    k = excerpt.index("kick")
    assert gains[k] == -np.inf
    others = np.delete(gains, k)
    assert np.isfinite(others).all() and np.abs(others).max() < 40.0
