"""Acting on a suggested flip: the strip's Ø button inverts a track, heard and exported.

Real audio: the 14a snare of the Frankensnare kit (../shared), whose bottom mic is
recorded opposite to its top (tests/learn/bleed/test_polarity.py). Every step is a click
or a key on the visible window; the export goes through the export dialog.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
from PySide6.QtCore import Qt

from drumassist.core.mix import mix
from tests.ui.conftest import LOAD_TIMEOUT_MS
from tests.ui.gestures import (
    choose_in_combo,
    click,
    click_menu,
    press_button,
    shortcut,
    strip_named,
    type_text,
    when_dialog,
)
from tests.ui.test_dialogs_by_mouse import SAVE
from tests.ui.test_polarity_badge import _drop_snare, _suggest

CTRL = Qt.KeyboardModifier.ControlModifier


def _export_a(window, qtbot, path: Path) -> np.ndarray:
    """Export the faders (A) as mixed, mono, float, through the dialog; the samples."""

    def answer(dialog):
        type_text(dialog.path_edit, str(path), enter=False)
        choose_in_combo(dialog.source_box, "A: your mix")
        choose_in_combo(dialog.depth_box, "32-bit float")
        choose_in_combo(dialog.channels_box, "Mono")
        choose_in_combo(dialog.loudness_box, "As mixed (no normalisation)")
        press_button(SAVE)(dialog)

    seen = when_dialog(answer)
    with qtbot.waitSignal(window.export_finished, timeout=LOAD_TIMEOUT_MS):
        click_menu(window, "File", "Export mix…")
    assert seen == ["ExportDialog"]
    data, _ = sf.read(str(path), always_2d=True, dtype="float32")
    return data[:, 0]


def test_clicking_the_polarity_button_inverts_the_track_heard_and_exported(
    window, qtbot, tmp_path: Path
) -> None:
    _drop_snare(window, qtbot, tmp_path, "14a_basic")
    _suggest(window, qtbot, "loudness")
    doc = window.document
    bottom = strip_named(window, "Snare Btm")
    index = doc.multitrack.index("Snare Btm")
    badge = bottom.header.polarity_badge
    assert badge.isVisible() and "Click Ø below" in badge.toolTip()
    assert "click Ø on its strip" in window.statusBar().currentMessage()
    as_recorded = _export_a(window, qtbot, tmp_path / "as-recorded.wav")

    click(bottom.invert_button)
    assert doc.strips[index].invert and bottom.invert_button.isChecked()
    # What plays: the bottom mic's routing is negated, the top's is not.
    factors = window.player.engine.state.factors_a
    top = doc.multitrack.index("Snare Top")
    assert (factors[index, 0] < 0).all() and (factors[top, 0] > 0).all()
    assert badge.isVisible() and badge.property("done") is True
    assert "Inverted here" in badge.toolTip()
    # B (the suggestion, loudness-matched with the inversion counted) plays it inverted too.
    click(window.transport.b_button)
    state = window.player.engine.state
    assert state.use_b and (state.factors_b[index, 0] < 0).all()
    assert (state.factors_b[top, 0] > 0).all()
    click(window.transport.a_button)
    flipped = _export_a(window, qtbot, tmp_path / "flipped.wav")
    np.testing.assert_allclose(
        flipped, mix(doc.multitrack, doc.gains_a(), inverted=doc.inverted())[:, 0], atol=1e-6
    )
    # The bottom mic was recorded inverted: flipped, top and bottom add instead of
    # cancelling, so the snare gets louder.
    assert np.sqrt(np.mean(flipped**2)) > 1.2 * np.sqrt(np.mean(as_recorded**2))

    # One undo step puts it back, in the strip, in what plays and in the badge.
    shortcut(window, Qt.Key.Key_Z, CTRL)
    assert not doc.strips[index].invert and not bottom.invert_button.isChecked()
    assert (window.player.engine.state.factors_a[index, 0] > 0).all()
    assert badge.property("done") is False
    # Redone by a click, the session to save has it (the file itself: tests/core).
    click(bottom.invert_button)
    saved = {t.name: t.invert for t in doc.to_session().tracks}
    assert [name for name, inverted in saved.items() if inverted] == ["Snare Btm"]


def test_a_saved_session_reopens_inverted_with_its_polarity_badge(window, qtbot, tmp_path):
    from tests.ui.gestures import drop
    from tests.ui.test_order_and_sessions import save_with_keyboard

    _drop_snare(window, qtbot, tmp_path, "14a_basic")
    _suggest(window, qtbot, "loudness")
    click(strip_named(window, "Snare Btm").invert_button)
    path = tmp_path / "snare" / "snare.drumassist"
    save_with_keyboard(window, qtbot, path)
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [path])  # opened again, as a user opens a session
    bottom = strip_named(window, "Snare Btm")
    assert bottom.invert_button.isChecked() and window.document.inverted().sum() == 1
    badge = bottom.header.polarity_badge
    assert badge.isVisible() and badge.property("done") is True
    assert "opposite to Snare Top" in badge.toolTip()  # the reason it gave, kept
    assert not strip_named(window, "Snare Top").header.polarity_badge.isVisible()
