"""The export dialog and the Preferences dialog, opened and filled in as a user does.

Each dialog is opened from the menu bar (a click on the menu's title, then on the entry)
or by its shortcut, every control in it is clicked or typed into, and the effect is
checked where a user would meet it: the exported WAV file read back from where Browse…
chose, and the preferences shown again when the dialog is reopened, honoured by the
player, and (for "Learn from my mixes") by what a saved session records. The stems are
the built-in demo, written to tmp_path. The one thing mocked is the sound card:
PortAudio plays into ALSA's file device (tests/ui/conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QPushButton,
)

from drumassist.core.demo import write_demo
from drumassist.core.loudness import integrated_loudness
from drumassist.core.mix import mix
from drumassist.core.personal import read_corpus
from drumassist.core.session import load_session
from drumassist.learn.suggest.suggestion import suggest
from drumassist.ui.mainwindow import MainWindow
from drumassist.ui.settings import open_settings
from tests.ui.conftest import LOAD_TIMEOUT_MS
from tests.ui.gestures import (
    choose_in_combo,
    click,
    click_menu,
    drop,
    press_button,
    shortcut,
    type_file_name,
    type_text,
    when_dialog,
)

CTRL = Qt.KeyboardModifier.ControlModifier
DEMO_S = 3.0
OK = QDialogButtonBox.StandardButton.Ok
CANCEL = QDialogButtonBox.StandardButton.Cancel
SAVE = QDialogButtonBox.StandardButton.Save


@pytest.fixture
def demo(window, qtbot, tmp_path):
    """The window with the demo's stems (written to tmp_path) dropped on it."""
    folder = tmp_path / "demo"
    write_demo(folder, duration_s=DEMO_S)
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [folder])
    return window, folder


def browse_to(dialog: QDialog, path: Path) -> list[str]:
    """Click the dialog's Browse… button and answer the file dialog with ``path``."""
    (browse,) = [b for b in dialog.findChildren(QPushButton) if b.text() == "Browse…"]
    assert browse.isVisible()
    seen = when_file_dialog(type_file_name(path))
    click(browse)  # returns when the file dialog has closed
    return seen


def when_file_dialog(answer: Callable[[QDialog], None], *, timeout_ms: int = 10000) -> list[str]:
    """Answer the file dialog that opens on top of the dialog already up (``when_dialog``
    would answer the first modal dialog it sees, which is that one)."""
    seen: list[str] = []
    waited = [0]

    def poll() -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QFileDialog) and dialog.isVisible():
            seen.append(type(dialog).__name__)
            answer(dialog)
        elif waited[0] < timeout_ms:
            waited[0] += 20
            QTimer.singleShot(20, poll)

    QTimer.singleShot(0, poll)
    return seen


def click_check_box(box) -> None:
    """Click on the box itself (left end), as a user does, not on the widget's centre."""
    QTest.mouseClick(
        box, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(8, box.height() // 2)
    )


# -- export -------------------------------------------------------------------------------


def test_browse_chooses_where_a_16_bit_mono_export_goes(demo, qtbot, tmp_path):
    window, folder = demo
    # Eight close mics summed to mono clip at full level: every fader down 12 dB first.
    for strip in window.mixer.strips:
        type_text(strip.gain_entry, "-12")
    out_dir = tmp_path / "bounces"
    out_dir.mkdir()
    chosen = out_dir / "take one.wav"
    found: dict[str, object] = {}

    def answer(dialog):
        found["default"] = Path(dialog.path_edit.text())
        found["browse"] = browse_to(dialog, chosen)
        found["field"] = dialog.path_edit.text()  # what Browse… put in the File field
        choose_in_combo(dialog.source_box, "A: your mix")
        choose_in_combo(dialog.depth_box, "16-bit (dithered)")
        choose_in_combo(dialog.channels_box, "Mono")
        choose_in_combo(dialog.loudness_box, "As mixed (no normalisation)")
        press_button(SAVE)(dialog)

    seen = when_dialog(answer)
    with qtbot.waitSignal(window.export_finished, timeout=LOAD_TIMEOUT_MS):
        click_menu(window, "File", "Export mix…")
    assert seen == ["ExportDialog"]
    assert found["browse"] == ["QFileDialog"]
    assert found["field"] == str(chosen)
    default = folder.parent / "demo-mix.wav"  # what the File field offered before Browse…
    assert found["default"] == default and not default.exists()
    info = sf.info(str(chosen))
    assert (info.subtype, info.channels, info.samplerate) == ("PCM_16", 1, 44100)
    assert sorted(p.name for p in out_dir.iterdir()) == ["take one.wav"]  # nothing left over
    data, _ = sf.read(str(chosen), always_2d=True)
    doc = window.document
    assert list(doc.gains_a()) == [-12.0] * len(doc.strips)
    expected = mix(doc.multitrack, doc.gains_a(), pans=doc.pans(), stereo=False)
    # As mixed: the level is not touched; 16-bit TPDF dither adds at most 1 LSB either way.
    assert data.shape == expected.shape
    np.testing.assert_allclose(data, expected, atol=1.5 / 2**15)
    assert "clipped" not in window.error_label.text()
    assert window.statusBar().currentMessage().startswith("Exported take one.wav")


def test_ctrl_e_exports_the_suggestion_as_float_at_the_typed_ceiling(demo, qtbot, tmp_path):
    window, _ = demo
    choose_in_combo(window.method_box, window.method_box.itemText(0))
    with qtbot.waitSignal(window.suggestion_ready, timeout=LOAD_TIMEOUT_MS):
        click(window.suggest_button)
    chosen = tmp_path / "suggested.wav"
    found: dict[str, object] = {}

    def answer(dialog):
        found["browse"] = browse_to(dialog, chosen)
        choose_in_combo(dialog.source_box, "B: the current suggestion")
        choose_in_combo(dialog.depth_box, "32-bit float")
        choose_in_combo(dialog.channels_box, "Mono")
        choose_in_combo(dialog.channels_box, "Stereo (with pans)")  # and back again
        choose_in_combo(dialog.loudness_box, "-14 LUFS (streaming)")
        type_text(dialog.ceiling_box, "-9.5", enter=False)
        found["ceiling"] = dialog.ceiling_box.text()
        press_button(SAVE)(dialog)

    seen = when_dialog(answer)
    with qtbot.waitSignal(window.export_finished, timeout=LOAD_TIMEOUT_MS) as blocker:
        shortcut(window, Qt.Key.Key_E, CTRL)
    assert seen == ["ExportDialog"] and found["browse"] == ["QFileDialog"]
    assert found["ceiling"] == "-9.5 dBFS"
    info = sf.info(str(chosen))
    assert (info.subtype, info.channels) == ("FLOAT", 2)
    data, rate = sf.read(str(chosen), always_2d=True, dtype="float32")
    doc = window.document
    expected = mix(doc.multitrack, doc.gains_b(), pans=doc.pans(), stereo=True)
    # -14 LUFS would peak above -9.5 dBFS: the level stops at the ceiling typed.
    peak_dbfs = 20 * np.log10(np.max(np.abs(data)))
    assert peak_dbfs == pytest.approx(-9.5, abs=0.01)
    assert integrated_loudness(data, rate) < -14.0
    scale = np.max(np.abs(data)) / np.max(np.abs(expected))
    np.testing.assert_allclose(data, expected * scale, atol=1e-5)
    result = blocker.args[0]
    assert result.path == chosen
    assert window.statusBar().currentMessage().endswith("peak -9.5 dBFS)")
    # The first export also gives the one-time learning notice: one banner keeps both,
    # so the ceiling's warning is not replaced by the notice.
    banner = window.error_label.text()
    assert result.warnings and all(w in banner for w in result.warnings)
    assert "Nothing leaves this computer" in banner
    # What was recorded for learning is the balance exported (B), not the faders (A).
    from drumassist.core.personal import read_corpus

    (recorded,) = read_corpus()
    expected_b = [None if not np.isfinite(g) else pytest.approx(float(g)) for g in doc.gains_b()]
    assert [t.gain_db for t in recorded.tracks] == expected_b
    assert [t.gain_db for t in recorded.tracks] != [float(s.gain_db) for s in doc.strips]


def test_a_method_exports_every_track_at_24_bit_and_the_chosen_loudness(demo, qtbot, tmp_path):
    window, _ = demo
    click(window.mixer.strips[0].mute_button)  # muted in A; a method's mix has every track
    chosen = tmp_path / "loudness method.wav"

    def answer(dialog):
        found["browse"] = browse_to(dialog, chosen)
        choose_in_combo(dialog.source_box, "Method: loudness")
        choose_in_combo(dialog.depth_box, "16-bit (dithered)")
        choose_in_combo(dialog.depth_box, "24-bit")
        choose_in_combo(dialog.loudness_box, "-23 LUFS (EBU R128)")
        press_button(SAVE)(dialog)

    found: dict[str, object] = {}
    seen = when_dialog(answer)
    with qtbot.waitSignal(window.export_finished, timeout=LOAD_TIMEOUT_MS):
        click_menu(window, "File", "Export mix…")
    assert seen == ["ExportDialog"] and found["browse"] == ["QFileDialog"]
    info = sf.info(str(chosen))
    assert (info.subtype, info.channels) == ("PCM_24", 2)
    data, rate = sf.read(str(chosen), always_2d=True)
    assert integrated_loudness(data, rate) == pytest.approx(-23.0, abs=0.1)
    doc = window.document
    gains = suggest(doc.multitrack, method="loudness", meter=doc.meter).gains_db
    expected = mix(doc.multitrack, gains, pans=doc.pans(), stereo=True)
    scale = np.max(np.abs(data)) / np.max(np.abs(expected))
    np.testing.assert_allclose(data, expected * scale, atol=1e-4)


def test_the_export_dialog_offers_only_methods_that_can_run(demo):
    """svr ships no model and personal has none before it learns: both were offered, and
    choosing one closed the dialog with a command-line instruction."""
    window, _ = demo
    listed: list[str] = []

    def answer(dialog):
        box = dialog.source_box
        listed.extend(box.itemText(i) for i in range(box.count()))
        press_button(CANCEL)(dialog)

    seen = when_dialog(answer)
    click_menu(window, "File", "Export mix…")
    assert seen == ["ExportDialog"]
    assert "Method: default" in listed and "Method: loudness" in listed
    assert "Method: svr" not in listed and "Method: personal" not in listed


# -- preferences --------------------------------------------------------------------------


def open_preferences(window: MainWindow, answer: Callable[[QDialog], None]) -> None:
    seen = when_dialog(answer)
    click_menu(window, "Edit", "Preferences…")
    assert seen == ["PreferencesDialog"]


def test_preferences_device_is_kept_and_played_through(demo, qtbot, tmp_path, played_audio):
    window, folder = demo
    device = "capture_file (ALSA)"  # the ALSA file device of tests/ui/conftest.py
    shown: dict[str, object] = {}

    def choose(dialog):
        shown["first"] = dialog.device_box.currentText()
        choose_in_combo(dialog.device_box, device)
        press_button(OK)(dialog)

    open_preferences(window, choose)
    assert shown["first"] == "System default"

    def look(dialog):
        shown["again"] = dialog.device_box.currentText()
        choose_in_combo(dialog.device_box, "System default")
        press_button(CANCEL)(dialog)  # Cancel keeps what was chosen before

    open_preferences(window, look)
    assert shown["again"] == device
    # Honoured: the player plays through the chosen device, and the audio arrives there.
    assert window.player.device == "capture_file"
    click(window.transport.play_button)
    qtbot.waitUntil(
        lambda: not window.player.playing and not window.player.stream_active,
        timeout=LOAD_TIMEOUT_MS,
    )
    assert np.abs(played_audio()).max() > 0.01
    # Kept between runs: a new window shows it, and its player uses it for new stems.
    later = MainWindow(settings=open_settings())
    later.show()
    qtbot.waitExposed(later)
    try:

        def look_later(dialog):
            shown["later"] = dialog.device_box.currentText()
            press_button(OK)(dialog)

        open_preferences(later, look_later)
        assert shown["later"] == device
        with qtbot.waitSignal(later.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
            drop(later, [folder])
        assert later.player.device == "capture_file"
    finally:
        if later.document is not None:
            later.document.undo_stack.setClean()
        later.close()
        later.deleteLater()


def test_learn_from_my_mixes_checkbox_decides_what_saving_records(demo, qtbot, tmp_path):
    window, folder = demo
    shown: dict[str, bool] = {}

    def switch_off(dialog):
        shown["default"] = dialog.learn_box.isChecked()
        click_check_box(dialog.learn_box)
        press_button(OK)(dialog)

    open_preferences(window, switch_off)
    assert shown["default"] is True  # on unless the user switches it off

    def look(dialog):
        shown["off"] = dialog.learn_box.isChecked()
        press_button(OK)(dialog)

    open_preferences(window, look)
    assert shown["off"] is False
    type_text(window.mixer.strips[1].gain_entry, "-4.5")
    session = folder / "song.drumassist"
    seen = when_dialog(type_file_name(session))
    click_menu(window, "File", "Save session")
    assert seen == ["QFileDialog"] and session.is_file()
    assert read_corpus() == []  # switched off: the save recorded nothing
    assert "Nothing leaves this computer" not in window.error_label.text()

    def switch_on(dialog):
        click_check_box(dialog.learn_box)
        shown["on"] = dialog.learn_box.isChecked()
        press_button(OK)(dialog)

    open_preferences(window, switch_on)
    assert shown["on"] is True
    type_text(window.mixer.strips[2].gain_entry, "-8")
    click_menu(window, "File", "Save session")  # to the same session, with no dialog
    assert window.statusBar().currentMessage() == "Saved song.drumassist"
    saved = {t.name: t.gain_db for t in load_session(session).session.tracks}
    (recorded,) = read_corpus()
    assert window.error_label.isVisible()  # the one-time notice says where it is kept
    assert "Nothing leaves this computer" in window.error_label.text()
    assert recorded.source == "session"
    names = window.document.multitrack.names
    assert {t.name: t.gain_db for t in recorded.tracks} == {n: saved[n] for n in names}
    assert saved[names[1]] == -4.5 and saved[names[2]] == -8.0
