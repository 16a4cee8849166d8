"""Issue 14, item 6 in the window: a stem too short to judge gets no suggested gain,
and the status bar says why (clicking the visible Suggest button)."""

from __future__ import annotations

import math

import numpy as np

from tests.ui.conftest import LOAD_TIMEOUT_MS
from tests.ui.gestures import drop
from tests.ui.test_window import suggest


def test_too_short_stem_gets_no_number_and_a_message(window, qtbot, make_stems, drum_arrays):
    arrays = dict(drum_arrays)
    arrays["click"] = np.full((1, 1), 0.5, np.float32)
    folder = make_stems(arrays)
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [folder])
    suggestion = suggest(window, qtbot, "loudness")
    gains = dict(zip(suggestion.names, suggestion.gains_db, strict=True))
    assert gains["click"] == -math.inf
    assert all(math.isfinite(g) for n, g in gains.items() if n != "click")
    message = window.statusBar().currentMessage()
    assert "click: holds only 1 sample of sound" in message
    assert "too short to judge" in message
