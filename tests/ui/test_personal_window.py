"""Learning the user's taste from the window: recording on export and save, the one-time
notice, the Preferences switch, Tools ▸ Learn from my mixes and the personal method."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox

from drumassist.core.personal import read_corpus
from drumassist.ui.exportdialog import ExportRequest
from drumassist.ui.prefs import PreferencesDialog
from tests.ui.gestures import click_menu
from tests.ui.test_blindtest import TIMEOUT_MS, close_window, drop_folder, open_window


@pytest.fixture
def loaded(qtbot, make_stems, drum_arrays):
    win = open_window(qtbot)
    drop_folder(win, qtbot, make_stems(drum_arrays))
    yield win
    close_window(win)


def move_fader(window, index: int, gain_db: float) -> None:
    strip = window.mixer.strips[index]
    old = strip.gain_db
    strip.fader.set_value_db(gain_db, emit=True)
    strip.fader.value_committed.emit(old, gain_db)


def test_export_and_save_record_the_balance_once_noticed(loaded, qtbot, tmp_path):
    window = loaded
    move_fader(window, 3, 4.0)  # Snare Top up
    window.document.toggle_mute(2, True)  # OH L muted
    request = ExportRequest(
        source="A",
        path=tmp_path / "mix.wav",
        bit_depth=24,
        stereo=True,
        loudness_lufs=None,
        ceiling_dbfs=-1.0,
    )
    with qtbot.waitSignal(window.export_finished, timeout=TIMEOUT_MS):
        window.start_export(request)
    (recorded,) = read_corpus()
    assert recorded.source == "export"
    assert [t.name for t in recorded.tracks] == ["HH", "Kick In", "OH L", "Snare Top"]
    assert [t.gain_db for t in recorded.tracks] == [0.0, 0.0, None, 4.0]
    assert [t.role.value for t in recorded.tracks] == ["hi-hat", "kick", "overhead", "snare"]
    assert "Nothing leaves this computer" in window.error_label.text()
    window.error_label.hide()
    move_fader(window, 0, -3.0)
    assert window.save_session_to(tmp_path / "song.drumassist")
    (again,) = read_corpus()  # the same stems: the latest balance replaces the first
    assert again.source == "session" and again.tracks[0].gain_db == -3.0
    assert not window.error_label.isVisible()  # the notice is shown once only


def test_preferences_switch_recording_off(loaded, qtbot, tmp_path):
    window = loaded
    dialog = PreferencesDialog(window.settings, window)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.learn_box.isChecked()  # on by default
    box = dialog.learn_box
    QTest.mouseClick(
        box, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(8, box.height() // 2)
    )
    assert not box.isChecked()
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    QTest.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert window.save_session_to(tmp_path / "song.drumassist")
    assert read_corpus() == []


def test_learn_from_my_mixes_selects_the_personal_method(loaded, qtbot, make_stems, drum_arrays):
    window = loaded
    index = window.method_box.findData("personal")
    assert not window.method_box.model().item(index).isEnabled()  # nothing learned yet
    for k, folder in enumerate(("a", "b")):
        arrays = {name: audio * (0.5 + 0.2 * k) for name, audio in drum_arrays.items()}
        with qtbot.waitSignal(window.multitrack_loaded, timeout=TIMEOUT_MS):
            window.open_stems([make_stems(arrays, folder=folder)])
        # This user takes the default suggestion and brings the snare 4 dB up.
        window.method_box.setCurrentIndex(window.method_box.findData("default"))
        with qtbot.waitSignal(window.suggestion_ready, timeout=TIMEOUT_MS):
            QTest.mouseClick(window.suggest_button, Qt.MouseButton.LeftButton)
        QTest.mouseClick(window.apply_button, Qt.MouseButton.LeftButton)
        move_fader(window, 3, window.document.strips[3].gain_db + 4.0)
        assert window.save_session_to(make_stems({}, folder=folder) / "s.drumassist")
    assert len(read_corpus()) == 2
    click_menu(window, "Tools", "Learn from my mixes…")
    with qtbot.waitSignal(window.personal_runner.finished, timeout=TIMEOUT_MS):
        pass
    assert window.method_box.currentData() == "personal"
    assert window.method_box.model().item(index).isEnabled()
    assert window.personal_label.text().startswith("Using your taste: snare +")
    assert "from 2 sessions" in window.personal_label.text()
    with qtbot.waitSignal(window.suggestion_ready, timeout=TIMEOUT_MS) as blocker:
        QTest.mouseClick(window.suggest_button, Qt.MouseButton.LeftButton)
    personal = blocker.args[0]
    assert personal.method == "personal"
    window.method_box.setCurrentIndex(window.method_box.findData("default"))  # switch back
    assert window.personal_label.text() == ""
    with qtbot.waitSignal(window.suggestion_ready, timeout=TIMEOUT_MS) as blocker:
        QTest.mouseClick(window.suggest_button, Qt.MouseButton.LeftButton)
    default = blocker.args[0]
    snare, kick = 3, 1
    lift = (personal.gains_db[snare] - personal.gains_db[kick]) - (
        default.gains_db[snare] - default.gains_db[kick]
    )
    assert lift > 1.0  # the snare comes up, as this user always wanted
