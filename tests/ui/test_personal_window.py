"""Learning the user's taste from the window: recording on export and save, the one-time
notice, the Preferences switch, Tools ▸ Learn from my mixes and the personal method.

Everything is done as a user does it: the stem folder is dropped on the window, levels
are typed into a strip's dB entry or set by dragging its fader, tracks are muted with
the strip's M button, the mix is exported through File ▸ Export mix… (or Ctrl+E) and its
dialog, sessions are saved through File ▸ Save session and the real file dialog, and the
method is picked by clicking the drop-down and its item. Nothing is mocked here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QComboBox, QDialogButtonBox

from drumassist.core.mix import mix
from drumassist.core.personal import read_corpus
from drumassist.core.session import load_session
from tests.ui.conftest import LOAD_TIMEOUT_MS
from tests.ui.gestures import (
    choose_in_combo,
    click,
    click_menu,
    drag,
    drop,
    press_button,
    shortcut,
    strip_named,
    type_file_name,
    type_text,
    when_dialog,
)
from tests.ui.test_dialogs_by_mouse import browse_to

OK = QDialogButtonBox.StandardButton.Ok
SAVE = QDialogButtonBox.StandardButton.Save


def drag_fader_to(window, name: str, gain_db: float) -> None:
    """Drag the fader of track ``name`` by its handle from where it is to ``gain_db``."""
    fader = strip_named(window, name).fader
    start = fader.handle_rect().center()
    drag(fader, start, QPointF(0, fader.y_of_db(gain_db) - fader.y_of_db(fader.value_db)))


def save_session_by_menu(window, path: Path) -> None:
    """File ▸ Save session, answering the file dialog with ``path``."""
    seen = when_dialog(type_file_name(path))
    click_menu(window, "File", "Save session")
    assert seen == ["QFileDialog"]
    assert path.is_file()
    assert window.statusBar().currentMessage() == f"Saved {path.name}"


def choose_method(window, method: str) -> None:
    """Pick ``method`` in the method drop-down with a click on it and on its item."""
    box: QComboBox = window.method_box
    choose_in_combo(box, box.itemText(box.findData(method)))
    assert box.currentData() == method


def test_export_and_save_record_the_balance_once_noticed(loaded, qtbot, tmp_path):
    window, _ = loaded
    type_text(strip_named(window, "Snare Top").gain_entry, "4")  # Snare Top up
    click(strip_named(window, "OH L").mute_button)  # OH L muted
    out = tmp_path / "mix.wav"
    found: dict[str, object] = {}

    def answer(dialog):
        found["browse"] = browse_to(dialog, out)
        choose_in_combo(dialog.source_box, "A: your mix")
        choose_in_combo(dialog.depth_box, "24-bit")
        choose_in_combo(dialog.channels_box, "Stereo (with pans)")
        choose_in_combo(dialog.loudness_box, "As mixed (no normalisation)")
        type_text(dialog.ceiling_box, "-1.5", enter=False)
        found["ceiling"] = dialog.ceiling_box.text()
        press_button(SAVE)(dialog)

    seen = when_dialog(answer)
    with qtbot.waitSignal(window.export_finished, timeout=LOAD_TIMEOUT_MS):
        shortcut(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert seen == ["ExportDialog"] and found["browse"] == ["QFileDialog"]
    assert found["ceiling"] == "-1.5 dBFS"
    info = sf.info(str(out))
    assert (info.subtype, info.channels) == ("PCM_24", 2)
    # What was written is the mix heard: overhead out, snare 4 dB up, as mixed.
    data, _ = sf.read(str(out), always_2d=True)
    mt = window.document.multitrack
    gains_db = np.array([0.0, 0.0, -np.inf, 4.0])
    expected = mix(mt, gains_db, pans=window.document.pans(), stereo=True)
    # The snare's +4 dB takes a few peaks over full scale: 24-bit PCM stops them there.
    assert np.abs(expected).max() > 1.0
    expected = np.clip(expected, -1.0, 1.0 - 2.0**-23)
    np.testing.assert_allclose(data, expected, atol=2.0 / 2**23)
    (recorded,) = read_corpus()
    assert recorded.source == "export"
    assert [t.name for t in recorded.tracks] == ["HH", "Kick In", "OH L", "Snare Top"]
    assert [t.gain_db for t in recorded.tracks] == [0.0, 0.0, None, 4.0]
    assert [t.role.value for t in recorded.tracks] == ["hi-hat", "kick", "overhead", "snare"]
    assert window.error_label.isVisible()
    assert "Nothing leaves this computer" in window.error_label.text()
    assert "samples clipped at 24 bit" in window.error_label.text()  # kept beside it
    click(window.error_label)  # the banner goes with a click
    assert not window.error_label.isVisible()
    drag_fader_to(window, "HH", -3.0)
    assert strip_named(window, "HH").gain_entry.text().startswith("-3.0")
    session = tmp_path / "song.drumassist"
    save_session_by_menu(window, session)
    (again,) = read_corpus()  # the same stems: the latest balance replaces the first
    assert again.source == "session" and again.tracks[0].gain_db == -3.0
    assert [t.gain_db for t in again.tracks] == [-3.0, 0.0, None, 4.0]
    saved = {t.name: t.gain_db for t in load_session(session).session.tracks}
    assert saved["HH"] == -3.0 and saved["Snare Top"] == 4.0
    assert not window.error_label.isVisible()  # the notice is shown once only


def test_preferences_switch_recording_off(loaded, qtbot, tmp_path):
    window, _ = loaded
    shown: dict[str, bool] = {}

    def switch_off(dialog):
        box = dialog.learn_box
        shown["default"] = box.isChecked()
        QTest.mouseClick(
            box,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
            QPoint(8, box.height() // 2),
        )
        shown["after"] = box.isChecked()
        press_button(OK)(dialog)

    seen = when_dialog(switch_off)
    click_menu(window, "Edit", "Preferences…")
    assert seen == ["PreferencesDialog"]
    assert shown["default"] is True  # on by default
    assert shown["after"] is False
    type_text(strip_named(window, "Kick In").gain_entry, "-2")
    save_session_by_menu(window, tmp_path / "song.drumassist")
    assert read_corpus() == []
    assert "Nothing leaves this computer" not in window.error_label.text()


def test_learn_from_my_mixes_selects_the_personal_method(loaded, qtbot, make_stems, drum_arrays):
    window, _ = loaded
    index = window.method_box.findData("personal")
    assert not window.method_box.model().item(index).isEnabled()  # nothing learned yet
    typed: list[float] = []
    for k, name in enumerate(("a", "b")):
        arrays = {track: audio * (0.5 + 0.2 * k) for track, audio in drum_arrays.items()}
        folder = make_stems(arrays, folder=name)
        with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
            drop(window, [folder])
        assert window.document.multitrack.names[1] == "Kick In"
        # This user takes the default suggestion and brings the kick 4 dB down: the snare
        # up against it (down, not the snare up: the default may put the snare within 4
        # dB of the fader's top).
        choose_method(window, "default")
        with qtbot.waitSignal(window.suggestion_ready, timeout=LOAD_TIMEOUT_MS):
            click(window.suggest_button)
        click(window.apply_button)
        kick = strip_named(window, "Kick In")
        level_db = round(kick.gain_db - 4.0, 1)
        type_text(kick.gain_entry, f"{level_db:.1f}")
        assert kick.gain_db == level_db
        typed.append(level_db)
        save_session_by_menu(window, folder / "s.drumassist")
    corpus = read_corpus()
    assert len(corpus) == 2
    assert sorted(r.tracks[1].gain_db for r in corpus) == sorted(typed)
    click_menu(window, "Tools", "Learn from my mixes…")
    # The menu entry makes the worker; its result arrives through the event loop, which
    # has not run since the click, so waiting now cannot miss it.
    with qtbot.waitSignal(window.personal_runner.finished, timeout=LOAD_TIMEOUT_MS):
        pass
    assert window.method_box.currentData() == "personal"
    assert window.method_box.model().item(index).isEnabled()
    assert window.personal_label.full_text.startswith("Using your taste: kick -")
    assert "from 2 sessions" in window.personal_label.full_text
    # However long the description, the window can still be made as narrow as before
    # (it grew past a 1600 px screen: the label took its whole text's width).
    assert window.minimumSizeHint().width() <= 1024
    with qtbot.waitSignal(window.suggestion_ready, timeout=LOAD_TIMEOUT_MS) as blocker:
        click(window.suggest_button)
    personal = blocker.args[0]
    assert personal.method == "personal"
    choose_method(window, "default")  # switch back
    assert window.personal_label.full_text == ""
    with qtbot.waitSignal(window.suggestion_ready, timeout=LOAD_TIMEOUT_MS) as blocker:
        click(window.suggest_button)
    default = blocker.args[0]
    assert default.method == "default"
    snare, kick = 3, 1
    lift = (personal.gains_db[snare] - personal.gains_db[kick]) - (
        default.gains_db[snare] - default.gains_db[kick]
    )
    assert lift > 1.0  # the snare comes up against the kick, as this user always wanted


def test_the_built_in_demo_is_not_learned_from(window, qtbot, tmp_path):
    """ "Try the demo" then an export went into the personal corpus: not the user's music."""
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        click(window.welcome.demo_button)
    type_text(strip_named(window, "snare").gain_entry, "4")
    out = tmp_path / "demo mix.wav"

    def answer(dialog):
        browse_to(dialog, out)
        press_button(SAVE)(dialog)

    seen = when_dialog(answer)
    with qtbot.waitSignal(window.export_finished, timeout=LOAD_TIMEOUT_MS):
        shortcut(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert seen == ["ExportDialog"] and out.is_file()
    assert read_corpus() == []
    assert "Nothing leaves this computer" not in window.error_label.text()  # no notice
