"""What the export dialog and the window say before an export goes wrong: a solo that
leaves tracks out, a destination the export would refuse, a bare file name, and closing
the window while an export runs. Driven by clicks and typing on the real window."""

from __future__ import annotations

from pathlib import Path

import soundfile as sf
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from drumassist.core.demo import write_demo
from tests.ui.conftest import LOAD_TIMEOUT_MS
from tests.ui.gestures import (
    choose_in_combo,
    click,
    click_menu,
    drop,
    press_button,
    strip_named,
    type_text,
    when_dialog,
)

SAVE = QDialogButtonBox.StandardButton.Save
CANCEL = QDialogButtonBox.StandardButton.Cancel


def _fill_and_save(path_text: str, found: dict):
    def answer(dialog) -> None:
        found["solo_note"] = dialog.solo_note.text() if dialog.solo_note.isVisible() else ""
        choose_in_combo(dialog.source_box, "A: your mix")
        type_text(dialog.path_edit, path_text, enter=False)
        press_button(SAVE)(dialog)

    return answer


def test_a_solo_is_named_in_the_export_dialog(loaded, qtbot):
    window, _folder = loaded
    found: dict = {}

    def look(dialog) -> None:
        found["note"] = dialog.solo_note.text() if dialog.solo_note.isVisible() else ""
        press_button(CANCEL)(dialog)

    when_dialog(look)
    click_menu(window, "File", "Export mix…")
    assert found["note"] == ""  # no solo, no note
    click(strip_named(window, "Snare Top").solo_button)
    when_dialog(look)
    click_menu(window, "File", "Export mix…")
    assert found["note"].startswith("Solo is on (Snare Top): A and B hold only the soloed")


def _answer_questions_no(button=QMessageBox.StandardButton.No, *, most: int = 0) -> list[str]:
    """Answer No (or ``button``) to every question box that comes in the next few
    seconds (to the first ``most`` of them, if given: a poll left running would answer
    the next test's questions); returns their texts (so a test can check none was
    asked, without hanging if one is)."""
    asked: list[str] = []

    def poll(left: int) -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.isVisible():
            asked.append(box.text())
            click(box.button(button))
            if most and len(asked) >= most:
                return
        if left > 0:
            QTimer.singleShot(20, lambda: poll(left - 1))

    QTimer.singleShot(0, lambda: poll(250))
    return asked


def test_a_stem_is_refused_before_replace_is_asked(loaded, qtbot):
    """Refused in the dialog, which stays open with every choice (it closed, and the
    choices were lost: a new-user trial), and "Replace it?" is never asked first."""
    window, folder = loaded
    stem = folder / "HH.wav"
    before = stem.read_bytes()
    found: dict = {}

    def answer(dialog) -> None:
        choose_in_combo(dialog.depth_box, "32-bit float")
        _fill_and_save(str(stem), {})(dialog)
        found["open"] = dialog.isVisible()
        found["refusal"] = dialog.refusal_label.text() if dialog.refusal_label.isVisible() else ""
        found["depth"] = dialog.depth_box.currentText()
        type_text(dialog.path_edit, str(folder.parent / "kept.wav"), enter=False)
        press_button(SAVE)(dialog)

    seen = when_dialog(answer)
    asked = _answer_questions_no()
    with qtbot.waitSignal(window.export_finished, timeout=LOAD_TIMEOUT_MS):
        click_menu(window, "File", "Export mix…")
    assert seen == ["ExportDialog"]
    assert found == {
        "open": True,
        "refusal": "HH.wav: refusing to write over one of the session's stems",
        "depth": "32-bit float",
    }
    assert asked == []  # "Replace it?" was not asked first
    assert stem.read_bytes() == before
    assert sf.info(str(folder.parent / "kept.wav")).subtype == "FLOAT"


def test_the_next_export_dialog_opens_with_the_last_choices(loaded, qtbot, tmp_path):
    """The next Export mix… opens with the last export's choices: a write that failed
    once the dialog had closed (a full or read-only disk; root here writes anywhere, so
    this export succeeds) lost them all (new-user trial)."""
    window, _folder = loaded
    target = tmp_path / "out"
    target.mkdir()

    def choose(dialog) -> None:
        choose_in_combo(dialog.depth_box, "16-bit (dithered)")
        choose_in_combo(dialog.channels_box, "Mono")
        choose_in_combo(dialog.loudness_box, "-14 LUFS (streaming)")
        _fill_and_save(str(target / "take.wav"), {})(dialog)

    when_dialog(choose)
    with qtbot.waitSignal(window.export_finished, timeout=LOAD_TIMEOUT_MS):
        click_menu(window, "File", "Export mix…")
    found: dict = {}

    def look(dialog) -> None:
        found.update(
            path=dialog.path_edit.text(), depth=dialog.depth_box.currentText(),
            channels=dialog.channels_box.currentText(), loudness=dialog.loudness_box.currentText(),
        )  # fmt: skip
        press_button(CANCEL)(dialog)

    when_dialog(look)
    click_menu(window, "File", "Export mix…")
    assert found == {
        "path": str(target / "take.wav"), "depth": "16-bit (dithered)", "channels": "Mono",
        "loudness": "-14 LUFS (streaming)",
    }  # fmt: skip


def test_a_bare_file_name_goes_beside_the_stems_folder(loaded, qtbot):
    window, folder = loaded
    found: dict = {}
    seen = when_dialog(_fill_and_save("bare name.wav", found))
    with qtbot.waitSignal(window.export_finished, timeout=LOAD_TIMEOUT_MS):
        click_menu(window, "File", "Export mix…")
    assert seen == ["ExportDialog"]
    out = folder.parent / "bare name.wav"  # where the dialog's default mix goes
    assert sf.info(str(out)).channels == 2
    assert not (Path.cwd() / "bare name.wav").exists()


def test_closing_during_an_export_asks_first(window, qtbot, tmp_path):
    folder = tmp_path / "long"
    write_demo(folder, duration_s=240.0)  # long enough to close while it exports
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [folder])
    out = tmp_path / "long-mix.wav"
    # No: the window stays and the export finishes.
    when_dialog(_fill_and_save(str(out), {}))
    click_menu(window, "File", "Export mix…")
    assert window.statusBar().currentMessage().startswith("Exporting long-mix.wav")
    asked = when_dialog(press_button(QMessageBox.StandardButton.No))
    with qtbot.waitSignal(window.export_finished, timeout=LOAD_TIMEOUT_MS):
        window.close()
    assert asked == ["QMessageBox"] and window.isVisible()
    assert sf.info(str(out)).frames > 0
    # Yes: the export stops, the window closes, and nothing is left behind.
    out.unlink()
    when_dialog(_fill_and_save(str(out), {}))
    click_menu(window, "File", "Export mix…")
    assert window.statusBar().currentMessage().startswith("Exporting long-mix.wav")
    asked = when_dialog(press_button(QMessageBox.StandardButton.Yes))
    window.close()
    assert asked == ["QMessageBox"] and not window.isVisible()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long"]


def test_no_to_replace_comes_back_to_the_dialog_with_every_choice_kept(loaded, qtbot):
    """Answering No to "Replace it?" closed the whole export dialog and lost its
    settings; now the dialog stays open, the file name selected to change."""
    window, folder = loaded
    taken = folder.parent / "taken.wav"
    taken.write_bytes(b"an earlier export")
    found: dict = {}

    def answer(dialog) -> None:
        choose_in_combo(dialog.channels_box, "Mono")
        choose_in_combo(dialog.depth_box, "16-bit (dithered)")
        type_text(dialog.path_edit, str(taken), enter=False)
        asked = _answer_questions_no(most=1)
        press_button(SAVE)(dialog)
        found["asked"], found["open"] = list(asked), dialog.isVisible()
        found["kept"] = (dialog.channels_box.currentText(), dialog.depth_box.currentText())
        found["selected"] = dialog.path_edit.selectedText()
        dialog.grab().save(str(folder.parent / "after-no.png"))
        type_text(dialog.path_edit, str(folder.parent / "fresh.wav"), enter=False)
        press_button(SAVE)(dialog)

    seen = when_dialog(answer)
    with qtbot.waitSignal(window.export_finished, timeout=LOAD_TIMEOUT_MS):
        click_menu(window, "File", "Export mix…")
    assert seen == ["ExportDialog"]
    assert found["asked"] == ["taken.wav exists. Replace it?"] and found["open"]
    assert found["kept"] == ("Mono", "16-bit (dithered)")
    assert found["selected"] == str(taken)
    assert taken.read_bytes() == b"an earlier export"
    info = sf.info(str(folder.parent / "fresh.wav"))
    assert info.channels == 1 and info.subtype == "PCM_16"


def test_yes_to_replace_replaces_it_asked_once(loaded, qtbot):
    window, folder = loaded
    taken = folder.parent / "taken.wav"
    taken.write_bytes(b"an earlier export")
    asked = _answer_questions_no(QMessageBox.StandardButton.Yes, most=1)
    when_dialog(_fill_and_save(str(taken), {}))
    with qtbot.waitSignal(window.export_finished, timeout=LOAD_TIMEOUT_MS):
        click_menu(window, "File", "Export mix…")
    assert asked == ["taken.wav exists. Replace it?"]  # once: in the dialog, not again after
    assert sf.info(str(taken)).channels == 2
