"""The window says which tracks the default found to carry only bleed.

Real audio: the ENST-Drums excerpt (../shared), whose two toms never play.
"""

from __future__ import annotations

from tests.ui.conftest import LOAD_TIMEOUT_MS
from tests.ui.gestures import choose_in_combo, click, drop


def test_the_status_line_names_the_bleed_only_toms(window, qtbot, enst_excerpt) -> None:
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [enst_excerpt / "stems"])
    choose_in_combo(window.method_box, "default")
    with qtbot.waitSignal(window.suggestion_ready, timeout=LOAD_TIMEOUT_MS) as blocker:
        click(window.suggest_button)
    assert blocker.args[0].bleed_only == ("tom1", "tom2")
    message = window.statusBar().currentMessage()
    assert "only bleed, kept at the session's level: tom1, tom2" in message
    # A baseline reads no such thing: the next suggestion's line says nothing of it.
    choose_in_combo(window.method_box, "loudness")
    with qtbot.waitSignal(window.suggestion_ready, timeout=LOAD_TIMEOUT_MS):
        click(window.suggest_button)
    assert "only bleed" not in window.statusBar().currentMessage()
