"""A first session, end to end, through the widgets only.

Drop a folder (a real QDropEvent), click Suggest balance, wait for the worker, click
Apply suggestion, pull one fader, click B, click Play and check that what the real
stream played is B's mix (not A's), tick Loop, click the overview to seek, export
through File ▸ Export mix…, save with Ctrl+S, reopen by dropping the session file.

The only thing mocked is the sound card: PortAudio plays into ALSA's file device
(see conftest.py).
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import QPointF, Qt

from drumassist.core.mix import mix
from drumassist.core.session import load_session
from drumassist.ui.taper import MAX_DB
from tests.ui.conftest import LOAD_TIMEOUT_MS
from tests.ui.gestures import click, drag, drop, shortcut, type_file_name, when_dialog
from tests.ui.test_controls import find_in, overview_point, wait_until_idle
from tests.ui.test_window import export_through_the_dialog


@pytest.mark.slow
def test_a_first_session_through_the_widgets(window, qtbot, stems, played_audio, tmp_path):
    folder = stems
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [folder])
    assert window.mixer.visible_order() == ["Kick In", "Snare Top", "HH", "OH L"]

    # Suggest with the default method, wait for the worker, apply it.
    assert window.method_box.currentData() == "default"
    with qtbot.waitSignal(window.suggestion_ready, timeout=LOAD_TIMEOUT_MS) as ready:
        click(window.suggest_button)
    suggestion = ready.args[0]
    loudness_before = window.status_loudness.text()
    click(window.apply_button)
    # The suggested balance, at the loudness the user's faders had (or, a mark past the
    # fader's top, every fader lower together so that it fits, and said).
    applied = [s.gain_db for s in window.mixer.strips]
    shift = applied[0] - suggestion.gains_db[0]
    assert max(applied) <= MAX_DB
    assert applied == pytest.approx([g + shift for g in suggestion.gains_db])
    lowered = max(applied) == pytest.approx(MAX_DB)
    assert window.error_label.isVisible() == lowered
    if lowered:  # the mix is quieter, and the banner says why
        assert window.error_label.text().startswith("Applied ")
    else:  # the balance changed, the loudness did not (test_window checks it too)
        assert window.status_loudness.text() == loudness_before

    # Pull the kick 6 dB under the suggestion, so A and B differ.
    kick = window.mixer.strips[1]
    handle = kick.fader.handle_rect().center()
    target_y = kick.fader.y_of_db(kick.gain_db - 6.0)
    drag(kick.fader, handle, QPointF(0, target_y - handle.y()))
    assert kick.gain_db == pytest.approx(applied[1] - 6.0, abs=0.15)

    # B, then Play: the stream plays B's balance, loudness-matched to A.
    click(window.transport.b_button)
    assert window.transport.b_button.isChecked()
    click(window.transport.play_button)
    wait_until_idle(qtbot, window)
    doc = window.document
    heard_b = mix(doc.multitrack, doc.gains_b(), pans=doc.pans(), stereo=True)
    heard_a = mix(doc.multitrack, doc.gains_a(), pans=doc.pans(), stereo=True)
    played = played_audio()
    offset = find_in(played, heard_b)
    np.testing.assert_allclose(played[offset : offset + len(heard_b)], heard_b, atol=1e-6)
    assert np.abs(heard_b - heard_a).max() > 0.01  # it really was B, not A

    # Loop, and a click on the overview moves the playhead.
    click(window.transport.loop_box)
    start_s, end_s = window.transport.loop_region.getRegion()
    assert window.player.engine.state.loop == (int(start_s * 44100), int(end_s * 44100))
    click(window.transport.plot.viewport(), overview_point(window, 2.0))
    assert window.player.position_s == pytest.approx(2.0, abs=0.05)

    # Export B through the dialog.
    out = tmp_path / "first-mix.wav"
    export_through_the_dialog(window, qtbot, out, source="B: the current suggestion")
    data, _rate = sf.read(str(out))
    scale = np.max(np.abs(data)) / np.max(np.abs(heard_b))
    np.testing.assert_allclose(data, heard_b * scale, atol=1e-4)

    # Save with Ctrl+S, reopen by dropping the session file.
    path = folder / "first.drumassist"
    seen = when_dialog(type_file_name(path))
    shortcut(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert seen == ["QFileDialog"]
    saved = load_session(path).session
    assert saved.suggestion is not None and saved.suggestion.method == suggestion.method
    faders = {s.name: s.gain_db for s in window.mixer.strips}
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [path])
    assert {s.name: s.gain_db for s in window.mixer.strips} == faders
    assert window.mixer.visible_order() == ["Kick In", "Snare Top", "HH", "OH L"]
    assert window.document.suggestion is not None
    assert window.transport.b_button.isEnabled()
    assert "*" not in window.windowTitle()
