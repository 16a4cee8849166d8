"""The window, offscreen, driven as a user drives it: drop, suggest, mix, A/B, export, save."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from drumassist.core.loudness import integrated_loudness
from drumassist.core.mix import mix
from drumassist.core.session import load_session
from drumassist.ui.exportdialog import ExportRequest
from drumassist.ui.mainwindow import MainWindow
from drumassist.ui.settings import open_settings

LOAD_TIMEOUT_MS = 60000


@pytest.fixture
def window(qtbot):
    win = MainWindow(settings=open_settings())
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    if win.document is not None:
        win.document.undo_stack.setClean()  # no save prompt when the test closes it
    win.close()
    win.deleteLater()


def drop(window: MainWindow, paths: list[Path]) -> None:
    """Drag ``paths`` over the window and drop them, as a file manager does."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    args = (
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    enter = QDragEnterEvent(QPoint(50, 50), *args)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(50, 50), *args)
    QApplication.sendEvent(window, event)
    assert event.isAccepted()


@pytest.fixture
def loaded(window, qtbot, make_stems, drum_arrays):
    folder = make_stems(drum_arrays)
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [folder])
    return window, folder


def suggest(window, qtbot, method: str):
    window.method_box.setCurrentIndex(window.method_box.findData(method))
    with qtbot.waitSignal(window.suggestion_ready, timeout=LOAD_TIMEOUT_MS) as blocker:
        window.suggest_button.click()
    return blocker.args[0]


def test_drop_a_folder_shows_a_strip_per_track(loaded, tmp_path):
    window, _folder = loaded
    strips = window.mixer.strips
    assert [s.name for s in strips] == ["HH", "Kick In", "OH L", "Snare Top"]
    assert [s.role.value for s in strips] == ["hi-hat", "kick", "overhead", "snare"]
    assert "44100 Hz · 3.0 s · 4 tracks" in window.status_info.text()
    assert window.status_loudness.text().startswith("A: ")
    window.grab().save(str(tmp_path / "loaded.png"))


@pytest.mark.parametrize("method", ["loudness", "sum"])
def test_suggestion_markers_equal_the_cli(loaded, qtbot, method):
    window, folder = loaded
    suggestion = suggest(window, qtbot, method)
    proc = subprocess.run(
        [sys.executable, "-m", "drumassist", "suggest", str(folder), "--method", method, "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    cli = {t["name"]: t["gain_db"] for t in json.loads(proc.stdout)["tracks"]}
    for strip, gain in zip(window.mixer.strips, suggestion.gains_db, strict=True):
        assert strip.fader.suggestion_db == pytest.approx(cli[strip.name], abs=1e-3)
        assert gain == pytest.approx(cli[strip.name], abs=1e-3)
        assert strip.gain_db == 0.0  # the user's fader did not move


def test_apply_and_undo(loaded, qtbot):
    window, _ = loaded
    suggestion = suggest(window, qtbot, "loudness")
    window.apply_button.click()
    assert [s.gain_db for s in window.mixer.strips] == pytest.approx(list(suggestion.gains_db))
    assert window.windowTitle().endswith("* — drumassist") or "*" in window.windowTitle()
    window.actions_["undo"].trigger()
    assert [s.gain_db for s in window.mixer.strips] == [0.0] * 4
    window.actions_["redo"].trigger()
    assert [s.gain_db for s in window.mixer.strips] == pytest.approx(list(suggestion.gains_db))


def test_fader_move_reaches_the_engine_and_undoes(loaded):
    window, _ = loaded
    strip = window.mixer.strips[1]  # Kick In
    strip.fader.set_value_db(-10.0, emit=True)
    strip.fader.value_committed.emit(0.0, -10.0)
    assert window.document.strips[1].gain_db == -10.0
    factors = window.player.engine.state.factors_a
    assert factors[1, 0, 0] == pytest.approx(10 ** (-10 / 20) * math.cos(math.pi / 4), rel=1e-5)
    window.actions_["undo"].trigger()
    assert window.document.strips[1].gain_db == 0.0
    assert strip.gain_db == 0.0
    assert window.player.engine.state.factors_a[1, 0, 0] == pytest.approx(math.cos(math.pi / 4))


def test_ab_switch_is_loudness_matched(loaded, qtbot):
    window, _ = loaded
    suggest(window, qtbot, "loudness")
    assert window.transport.b_button.isEnabled()
    window.actions_["ab"].trigger()
    state = window.player.engine.state
    assert state.use_b
    doc = window.document
    loud_a = doc.meter.loudness(doc.gains_a(), pans=doc.pans(), stereo=True)
    loud_b = doc.meter.loudness(doc.gains_b(), pans=doc.pans(), stereo=True)
    assert loud_b == pytest.approx(loud_a, abs=0.01)
    assert window.status_loudness.text().startswith("B: ")
    window.actions_["ab"].trigger()
    assert not window.player.engine.state.use_b


def test_cancel_a_suggestion(window, qtbot, make_stems, drum_arrays):
    long = {
        f"{name} {i}": np.tile(audio, 6) for i in range(4) for name, audio in drum_arrays.items()
    }
    folder = make_stems(long, folder="long")
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        window.open_stems([folder])
    with qtbot.waitSignal(window._suggester.cancelled, timeout=LOAD_TIMEOUT_MS):
        window.suggest_button.click()
        window.cancel_button.click()
    assert window.document.suggestion is None
    assert not window.progress.isVisible()


def test_export_writes_the_mix(loaded, qtbot, tmp_path):
    window, _ = loaded
    window.mixer.strips[0].fader.set_value_db(-6.0, emit=True)
    out = tmp_path / "export.wav"
    request = ExportRequest(
        source="A", path=out, bit_depth=24, stereo=True, loudness_lufs=-23.0, ceiling_dbfs=-1.0
    )
    with qtbot.waitSignal(window.export_finished, timeout=LOAD_TIMEOUT_MS):
        window.start_export(request)
    data, rate = sf.read(str(out))
    assert data.shape[1] == 2
    assert integrated_loudness(data, rate) == pytest.approx(-23.0, abs=0.1)
    doc = window.document
    expected = mix(doc.multitrack, doc.gains_a(), pans=doc.pans(), stereo=True)
    scale = np.max(np.abs(data)) / np.max(np.abs(expected))
    np.testing.assert_allclose(data, expected * scale, atol=1e-4)


def test_save_and_reopen_a_session(loaded, qtbot, tmp_path):
    window, folder = loaded
    suggest(window, qtbot, "loudness")
    window.document.commit_gain(2, 0.0, -4.5)
    window.document.toggle_mute(3, True)
    path = folder / "song.drumassist"
    assert window.save_session_to(path)
    assert "*" not in window.windowTitle()
    saved = load_session(path).session
    assert saved.tracks[2].gain_db == -4.5 and saved.tracks[3].mute
    assert saved.suggestion is not None and saved.suggestion.method == "loudness"
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        window.open_stems([path])
    assert window.document.strips[2].gain_db == -4.5
    assert window.mixer.strips[3].muted
    assert window.document.suggestion is not None
    assert window.recent.paths()[0] == path


def test_bad_folder_shows_an_error_and_stays_usable(window, qtbot, make_stems, drum_arrays):
    bad = make_stems(drum_arrays, folder="bad")
    (bad / "tom.wav").write_bytes(b"garbage")
    drop(window, [bad])
    qtbot.waitUntil(window.error_label.isVisible, timeout=LOAD_TIMEOUT_MS)
    assert window.error_label.text().startswith("tom.wav: cannot read audio")
    good = make_stems(drum_arrays, folder="good")
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [good])
    assert not window.error_label.isVisible()
    assert len(window.mixer.strips) == 4


def test_demo_is_one_click_away(window, qtbot):
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        window.welcome.demo_button.click()
    assert len(window.mixer.strips) == 8


def test_reference_mix_becomes_the_suggestion(window, qtbot, enst_excerpt):
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        window.open_stems([enst_excerpt / "stems"])
    with qtbot.waitSignal(window.suggestion_ready, timeout=LOAD_TIMEOUT_MS) as blocker:
        window.load_reference(enst_excerpt / "ref_dry_mix.wav")
    suggestion = blocker.args[0]
    assert suggestion.method == "reference: ref_dry_mix.wav"
    gains = dict(zip(suggestion.names, suggestion.gains_db, strict=True))
    # The engineer's balance: kick and snare level (within 0.2 dB), the hi-hat 5 dB under.
    assert gains["kick"] - gains["snare"] == pytest.approx(-0.06, abs=0.2)
    assert gains["hihat"] - gains["kick"] == pytest.approx(-5.06, abs=0.2)
    assert window.transport.b_button.isEnabled()
    assert window.mixer.strips[0].fader.suggestion_db == pytest.approx(gains["hihat"])


def test_a_method_without_its_model_is_listed_but_not_selectable(window):
    # svr is not shipped (its model would be 39 MB): greyed, saying why, not choosable.
    box = window.method_box
    items = {box.itemData(i): box.model().item(i) for i in range(box.count())}
    assert next(iter(items)) == "default"
    assert not items["svr"].isEnabled() and "not installed" in items["svr"].text()
    assert "drumassist train --method svr" in box.itemData(
        box.findData("svr"), Qt.ItemDataRole.ToolTipRole
    )
    # personal too, until Tools > Learn from my mixes (tests/ui/test_personal_window.py).
    assert not items["personal"].isEnabled()
    assert all(item.isEnabled() for name, item in items.items() if name not in ("svr", "personal"))
