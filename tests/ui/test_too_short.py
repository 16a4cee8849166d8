"""Issue 14, item 6 in the window: a stem too short to judge gets no suggested gain,
and the status bar says why (clicking the visible Suggest button)."""

from __future__ import annotations

import math

import numpy as np

from tests.ui.conftest import LOAD_TIMEOUT_MS
from tests.ui.gestures import choose_in_combo, click, drop
from tests.ui.test_window import suggest


def test_too_short_stem_gets_no_number_and_a_message(window, qtbot, make_stems, drum_arrays):
    arrays = dict(drum_arrays)
    arrays["blip"] = np.full((1, 1), 0.5, np.float32)
    folder = make_stems(arrays)
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [folder])
    suggestion = suggest(window, qtbot, "loudness")
    gains = dict(zip(suggestion.names, suggestion.gains_db, strict=True))
    assert gains["blip"] == -math.inf
    assert all(math.isfinite(g) for n, g in gains.items() if n != "blip")
    message = window.statusBar().currentMessage()
    assert "blip: holds only 1 sample of sound" in message
    assert "too short to judge" in message


def test_silent_stems_get_no_suggestion_and_the_window_says_why(window, qtbot, make_stems):
    """Every stem silent: the faders would all have been marked "silent" and Apply would
    have muted everything. The banner says why, and nothing is set to apply."""
    n = 3 * 44100
    folder = make_stems({"kick": np.zeros((n, 1)), "snare": np.full((n, 1), 0.05)})
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [folder])
    choose_in_combo(window.method_box, "default")
    click(window.suggest_button)
    qtbot.waitUntil(window.error_label.isVisible, timeout=LOAD_TIMEOUT_MS)
    assert window.error_label.text().startswith("No suggestion: every stem is silent")
    assert window.error_label.property("warning") is False  # an error, in red
    assert not window.apply_button.isEnabled()
    assert window.document is not None and window.document.suggestion is None
