"""The window shows a suggested polarity flip: a badge on the strip, with the reason.

Real audio: the 14a snare of the Frankensnare kit (../shared), whose bottom mic is
recorded opposite to its top (see tests/learn/bleed/test_polarity.py).
"""

from __future__ import annotations

from pathlib import Path

import soundfile as sf

from tests.learn.bleed.test_polarity import RATE, frankensnare_session
from tests.ui.conftest import LOAD_TIMEOUT_MS
from tests.ui.gestures import choose_in_combo, click, drop, strip_named


def _suggest(window, qtbot, method: str) -> None:
    choose_in_combo(window.method_box, method)
    with qtbot.waitSignal(window.suggestion_ready, timeout=LOAD_TIMEOUT_MS):
        click(window.suggest_button)


def _drop_snare(window, qtbot, tmp_path: Path, snare: str) -> dict:
    """Write one Frankensnare snare's hits as stems and drop their folder on the window."""
    session = frankensnare_session(snare)  # skips where ../shared is absent
    folder = tmp_path / "snare"
    folder.mkdir()
    for name, audio in session.items():
        sf.write(folder / f"{name}.wav", audio, RATE, subtype="FLOAT")
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [folder])
    return session


def test_a_suggested_flip_shows_on_its_strip(window, qtbot, tmp_path: Path) -> None:
    session = _drop_snare(window, qtbot, tmp_path, "14a_basic")
    badges = {name: strip_named(window, name).header.polarity_badge for name in session}
    assert not any(b.isVisible() for b in badges.values())  # nothing suggested yet
    _suggest(window, qtbot, "loudness")
    assert [n for n, b in badges.items() if b.isVisible()] == ["Snare Btm"]
    tip = badges["Snare Btm"].toolTip()
    assert "flip suggested" in tip and "opposite to Snare Top" in tip
    assert "polarity flip suggested: Snare Btm" in window.statusBar().currentMessage()
    window.grab().save(str(tmp_path / "polarity.png"))
    # Another method, same stems: the flip is read from the audio, so it stays.
    _suggest(window, qtbot, "sum")
    assert badges["Snare Btm"].isVisible()


def test_no_badge_where_nothing_is_inverted(window, qtbot, tmp_path: Path) -> None:
    session = _drop_snare(window, qtbot, tmp_path, "22_basic")  # bottom in polarity
    _suggest(window, qtbot, "loudness")
    assert "polarity" not in window.statusBar().currentMessage()
    assert not any(strip_named(window, n).header.polarity_badge.isVisible() for n in session)
