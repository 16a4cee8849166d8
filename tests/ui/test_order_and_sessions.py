"""Strip order (by role, then dragged by a strip's header), missing stems kept with
"Locate…", and bad session files: one clear message, never a loop of dialogs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from drumassist.core.session import load_session
from tests.ui.conftest import LOAD_TIMEOUT_MS
from tests.ui.gestures import (
    click,
    click_menu,
    drag_header_to,
    drop,
    press_button,
    shortcut,
    strip_named,
    type_file_name,
    type_text,
    when_dialog,
)

CTRL = Qt.KeyboardModifier.ControlModifier


def save_with_keyboard(window, qtbot, path):
    seen = when_dialog(type_file_name(path))
    shortcut(window, Qt.Key.Key_S, CTRL)
    assert seen == ["QFileDialog"] and path.is_file()


def test_dragging_a_header_moves_the_strip_and_the_session_keeps_it(loaded, qtbot):
    window, folder = loaded
    assert window.mixer.visible_order() == ["Kick In", "Snare Top", "HH", "OH L"]
    drag_header_to(window, "OH L", "Kick In", x_fraction=0.2)
    assert window.mixer.visible_order() == ["OH L", "Kick In", "Snare Top", "HH"]
    assert not window.mixer.drop_marker.isVisible()
    xs = {s.name: s.mapTo(window, s.rect().topLeft()).x() for s in window.mixer.strips}
    assert xs["OH L"] < xs["Kick In"] < xs["Snare Top"] < xs["HH"]
    drag_header_to(window, "Kick In", "HH", x_fraction=0.8)
    assert window.mixer.visible_order() == ["OH L", "Snare Top", "HH", "Kick In"]
    shortcut(window, Qt.Key.Key_Z, CTRL)
    assert window.mixer.visible_order() == ["OH L", "Kick In", "Snare Top", "HH"]
    path = folder / "order.drumassist"
    save_with_keyboard(window, qtbot, path)
    assert [t.name for t in load_session(path).session.tracks] == [
        "OH L",
        "Kick In",
        "Snare Top",
        "HH",
    ]
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [path])
    assert window.mixer.visible_order() == ["OH L", "Kick In", "Snare Top", "HH"]


def test_a_click_on_a_header_does_not_move_the_strip(loaded):
    window, _ = loaded
    click(strip_named(window, "HH").header)
    assert window.mixer.visible_order() == ["Kick In", "Snare Top", "HH", "OH L"]
    assert window.document.undo_stack.count() == 0


def test_a_missing_stem_is_kept_shown_and_located(loaded, qtbot, tmp_path):
    window, folder = loaded
    hh = strip_named(window, "HH")
    type_text(hh.gain_entry, "-8")
    click(hh.mute_button)
    path = folder / "song.drumassist"
    save_with_keyboard(window, qtbot, path)
    moved = tmp_path / "moved"
    moved.mkdir()
    shutil.move(folder / "HH.wav", moved / "HH.wav")
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [path])
    # Three strips play; the missing one stands in its place with its settings.
    assert [s.name for s in window.mixer.strips] == ["Kick In", "Snare Top", "OH L"]
    assert window.mixer.visible_order() == ["Kick In", "Snare Top", "HH", "OH L"]
    missing = window.mixer.missing_strips["HH"]
    assert missing.isVisible() and missing.locate_button.text() == "Locate…"
    assert "-8.0 dB" in missing.settings_label.text() and "muted" in missing.settings_label.text()
    assert "HH: HH.wav is missing; its settings are kept" in window.error_label.text()
    window.grab().save(str(tmp_path / "missing.png"))
    # Saving keeps it, unchanged.
    shortcut(window, Qt.Key.Key_S, CTRL)
    kept = {t.name: t for t in load_session(path).session.tracks}
    assert kept["HH"].gain_db == -8.0 and kept["HH"].mute and kept["HH"].role.value == "hi-hat"
    assert [t.name for t in load_session(path).session.tracks][2] == "HH"
    # Locate… finds it: four strips again, its settings applied.
    when_dialog(type_file_name(moved / "HH.wav"))
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        click(missing.locate_button)
    assert sorted(s.name for s in window.mixer.strips) == ["HH", "Kick In", "OH L", "Snare Top"]
    assert window.document.missing == {}
    assert strip_named(window, "HH").gain_db == -8.0 and strip_named(window, "HH").muted
    assert window.mixer.visible_order() == ["Kick In", "Snare Top", "HH", "OH L"]
    assert "*" in window.windowTitle()  # the new path is not saved yet
    shortcut(window, Qt.Key.Key_S, CTRL)
    located = {t.name: t for t in load_session(path).session.tracks}
    assert located["HH"].path == (moved / "HH.wav").resolve()


def _session(folder, **track_changes):
    tracks = [
        {"path": f"{name}.wav", "name": name, "role": "other", "gain_db": 0.0}
        for name in ("Kick In", "Snare Top", "HH", "OH L")
    ]
    tracks[0].update(track_changes)
    return {"format": "drumassist-session", "version": 1, "tracks": tracks}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pan": 5}, "bad.drumassist, track 1: 'pan' = 5 is outside -1 to 1"),
        ({"gain_db": "nan"}, "bad.drumassist, track 1: 'gain_db' must be a number, not \"nan\""),
        ({"mute": "false"}, "bad.drumassist, track 1: 'mute' must be true or false, not \"false\""),
        (None, "bad.drumassist: 'tracks' must be a list, not dict"),
        ("version", "bad.drumassist: 'version' must be a whole number, not \"1\""),
    ],
)
def test_a_bad_session_gives_one_message_and_the_window_stays_usable(
    window, qtbot, stems, change, message
):
    folder = stems
    doc = _session(folder)
    if change is None:
        doc["tracks"] = {"Kick In": doc["tracks"][0]}
    elif change == "version":
        doc["version"] = "1"
    else:
        doc = _session(folder, **change)
    path = folder / "bad.drumassist"
    path.write_text(json.dumps(doc))
    drop(window, [path])
    qtbot.waitUntil(window.error_label.isVisible, timeout=LOAD_TIMEOUT_MS)
    assert window.error_label.text() == message
    assert not window.progress.isVisible()
    assert "Loading" not in window.statusBar().currentMessage()
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    assert not any(b.isVisible() for b in boxes)
    assert window.document is None  # nothing half-loaded
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [folder])
    assert len(window.mixer.strips) == 4


def test_unsaved_changes_are_asked_about_before_another_folder_opens(
    loaded, qtbot, make_stems, drum_arrays
):
    window, _folder = loaded
    click(strip_named(window, "HH").mute_button)
    other = make_stems(drum_arrays, folder="other")
    # Cancel: the mix stays as it is. The question says the folder's mix was never saved
    # as a session (it said "this session" of a folder: new-user trial).
    asked: list[str] = []
    cancel = press_button(QMessageBox.StandardButton.Cancel)
    seen = when_dialog(lambda box: (asked.append(box.text()), cancel(box)))
    drop(window, [other])
    assert seen == ["QMessageBox"]
    assert asked == ["This mix has not been saved as a session. Save it first?"]
    assert strip_named(window, "HH").muted and "*" in window.windowTitle()
    # Discard: the other folder opens.
    seen = when_dialog(press_button(QMessageBox.StandardButton.Discard))
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [other])
    assert seen == ["QMessageBox"]
    assert not strip_named(window, "HH").muted
    assert str(other.name) in window.windowTitle()
    # Saved as a session, the question names it.
    seen = when_dialog(type_file_name(other / "song"))
    shortcut(window, Qt.Key.Key_S, CTRL)
    assert seen == ["QFileDialog"] and (other / "song.drumassist").is_file()
    click(strip_named(window, "HH").mute_button)
    seen = when_dialog(lambda box: (asked.append(box.text()), cancel(box)))
    drop(window, [_folder])
    assert seen == ["QMessageBox"]
    assert asked[-1] == "Save the changes to song.drumassist first?"


def test_a_click_dismisses_the_message_banner(window, qtbot, stems):
    (stems / "tom.wav").write_bytes(b"garbage")
    drop(window, [stems])
    qtbot.waitUntil(window.error_label.isVisible, timeout=LOAD_TIMEOUT_MS)
    click(window.error_label)
    assert not window.error_label.isVisible()


@pytest.mark.parametrize("answer", [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes])
def test_a_name_with_a_dot_is_saved_under_its_whole_name(loaded, qtbot, answer):
    # "mix v1.2" is mix v1.2.drumassist; mix v1.drumassist, another session, is untouched.
    window, folder = loaded
    other = folder / "mix v1.drumassist"
    other.write_text("{}")
    target = folder / "mix v1.2.drumassist"
    seen = when_dialog(type_file_name(folder / "mix v1.2"))
    shortcut(window, Qt.Key.Key_S, CTRL)
    assert seen == ["QFileDialog"] and target.is_file() and other.read_text() == "{}"
    assert window.document.session_path == target
    # Saved as again under the same typed name: the file with the suffix exists, so it asks.
    before = target.read_bytes()
    type_text(window.mixer.strips[0].gain_entry, "-3")

    def answer_then_replace(dialog) -> None:
        type_file_name(folder / "mix v1.2")(dialog)
        when_dialog(press_button(answer))

    seen = when_dialog(answer_then_replace)
    click_menu(window, "File", "Save session as…")
    qtbot.waitUntil(lambda: len(seen) >= 1, timeout=5000)
    QTest.qWait(300)
    replaced = target.read_bytes() != before
    assert replaced == (answer == QMessageBox.StandardButton.Yes)
    assert other.read_text() == "{}"


def test_a_relative_path_is_kept_absolute(window, qtbot, stems, monkeypatch, tmp_path):
    # As `drumassist gui stems` from the stems' parent folder: the recent list and the
    # session keep where it is, so they still work when started from elsewhere.
    monkeypatch.chdir(stems.parent)
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        window.open_stems([Path(stems.name)])
    assert all(t.path.is_absolute() for t in window.document.multitrack.tracks)
    assert window.recent.paths()[0] == stems
    seen = when_dialog(type_file_name(Path("song.drumassist")))  # typed relative too
    shortcut(window, Qt.Key.Key_S, CTRL)
    assert seen == ["QFileDialog"]
    assert window.document.session_path.is_absolute()
    monkeypatch.chdir(tmp_path.parent)
    assert load_session(window.document.session_path).session.tracks


def test_an_unreadable_stem_of_a_session_says_how_to_open_it(window, qtbot, stems, tmp_path):
    """Dropped, a session whose HH.wav is damaged said "leave it out of the stems given"
    (no stems were given). As the banner says, moving it away opens the session with HH
    kept as a missing strip."""
    path = stems / "song.drumassist"
    path.write_text(json.dumps(_session(stems)))
    (stems / "HH.wav").write_bytes(b"not audio")
    drop(window, [path])
    qtbot.waitUntil(window.error_label.isVisible, timeout=LOAD_TIMEOUT_MS)
    text = window.error_label.text()
    assert text.startswith("HH.wav: cannot read audio") and "stems given" not in text
    assert "the session opens without a stem it cannot find" in text
    shutil.move(stems / "HH.wav", tmp_path / "HH.wav")
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [path])
    assert window.mixer.missing_strips["HH"].isVisible()


def test_a_session_track_that_is_no_audio_is_named_in_the_banner(window, qtbot, stems, tmp_path):
    """A session edited so that a track's path is a text file: the window said
    "notes.txt: not audio, ignored", naming neither the session nor the track (the CLI
    too; found by a new-user trial). Dropped, it opens with the others and names it."""
    (stems / "notes.txt").write_text("take 3")
    path = stems / "song.drumassist"
    path.write_text(json.dumps(_session(stems, path="notes.txt")))
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [path])
    banner = window.error_label.text()
    assert (
        f"song.drumassist: track 'Kick In': {stems / 'notes.txt'} is not an audio file; left out"
        in banner
    )
    assert "not audio, ignored" not in banner
    assert sorted(s.name for s in window.mixer.strips) == ["HH", "OH L", "Snare Top"]
    window.grab().save(str(tmp_path / "not-audio.png"))


def test_a_session_whose_stem_is_read_from_where_it_was_saved_says_so(loaded, qtbot, tmp_path):
    """The folder copied with a stem deleted from the copy: the session dropped from the
    copy reads that stem from the original folder, and the banner names it."""
    window, folder = loaded
    path = folder / "song.drumassist"
    save_with_keyboard(window, qtbot, path)
    copy = tmp_path / "copy"
    shutil.copytree(folder, copy)
    (copy / "HH.wav").unlink()
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [copy / "song.drumassist"])
    assert sorted(s.name for s in window.mixer.strips) == ["HH", "Kick In", "OH L", "Snare Top"]
    banner = window.error_label.text()
    assert "HH.wav not found beside the session; read from where it was when it was saved" in banner
    assert str(folder.resolve()) in banner
    window.grab().save(str(tmp_path / "elsewhere.png"))
