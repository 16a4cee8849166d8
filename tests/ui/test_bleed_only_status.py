"""The window says which tracks the default found to carry only bleed: a badge on their
strips and the status line.

Real audio: the ENST-Drums excerpt (../shared), whose two toms never play.
"""

from __future__ import annotations

from tests.ui.conftest import LOAD_TIMEOUT_MS
from tests.ui.gestures import choose_in_combo, click, drop, strip_named

TRACKS = ("kick", "snare", "hihat", "tom1", "tom2", "overheadL", "overheadR")


def test_the_status_line_names_the_bleed_only_toms(window, qtbot, enst_excerpt) -> None:
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [enst_excerpt / "stems"])
    choose_in_combo(window.method_box, "default")
    with qtbot.waitSignal(window.suggestion_ready, timeout=LOAD_TIMEOUT_MS) as blocker:
        click(window.suggest_button)
    assert blocker.args[0].bleed_only == ("tom1", "tom2")
    message = window.statusBar().currentMessage()
    assert "only bleed, kept at the session's level: tom1, tom2" in message
    badges = {name: strip_named(window, name).header.bleed_badge for name in TRACKS}
    assert [n for n, badge in badges.items() if badge.isVisible()] == ["tom1", "tom2"]
    assert "does not seem to play" in badges["tom1"].toolTip()
    # A baseline reads no such thing: the next suggestion's line says nothing of it.
    choose_in_combo(window.method_box, "loudness")
    with qtbot.waitSignal(window.suggestion_ready, timeout=LOAD_TIMEOUT_MS):
        click(window.suggest_button)
    assert "only bleed" not in window.statusBar().currentMessage()
    assert not any(badge.isVisible() for badge in badges.values())
