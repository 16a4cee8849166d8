"""Crash recovery (ui/autosave.py): unsaved changes are kept on disk as they are made,
removed when saved or discarded, and offered after a crash.

A crash is a real one: ``crash_window.py`` runs a window in its own process, changes a
level by typing, and is killed with SIGKILL once the copy is written. The next window
is asked, as ``drumassist window`` asks it at start-up, whether anything is to restore.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton

from drumassist.core.session import load_session
from drumassist.ui import autosave
from tests.ui.conftest import LOAD_TIMEOUT_MS
from tests.ui.gestures import (
    click,
    press_button,
    shortcut,
    strip_named,
    type_file_name,
    type_text,
    when_dialog,
)

ROOT = Path(__file__).resolve().parents[2]
posix_only = pytest.mark.skipif(os.name != "posix", reason="the crash is a SIGKILL")


@pytest.fixture
def quick(monkeypatch):
    """Copies written 50 ms after a change instead of 2 s."""
    monkeypatch.setattr(autosave, "DELAY_MS", 50)


def _copies() -> list[Path]:
    folder = autosave.recovery_dir()
    return sorted(folder.glob("*.drumassist")) + sorted(folder.glob("*.json"))


def _kept_session():
    sessions = sorted(autosave.recovery_dir().glob("*.drumassist"))
    assert len(sessions) == 1, sessions
    return load_session(sessions[0]).session


def _crash(stems: Path, name: str, level: str, *, copies: int = 1) -> None:
    """A window in its own process changes ``name``'s level and is killed; the crash
    leaves its copy (a session and its note), the ``copies``-th one kept."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui.crash_window", str(stems), name, level],
        check=False, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == -signal.SIGKILL, done.stderr[-2000:]
    assert len(_copies()) == 2 * copies


def _click_text(text: str):
    def answer(dialog) -> None:
        buttons = {b.text(): b for b in dialog.findChildren(QPushButton)}
        assert text in buttons, list(buttons)
        click(buttons[text])

    return answer


def test_changes_are_kept_until_saved(quick, loaded, qtbot, tmp_path):
    window, folder = loaded
    assert _copies() == []  # nothing unsaved yet
    click(strip_named(window, "HH").mute_button)
    qtbot.waitUntil(lambda: len(_copies()) == 2, timeout=5000)
    kept = {t.name: t for t in _kept_session().tracks}
    assert kept["HH"].mute and not kept["Kick In"].mute
    assert kept["HH"].path == (folder / "HH.wav").resolve()
    note = json.loads(sorted(autosave.recovery_dir().glob("*.json"))[0].read_text())
    assert note["folder"] == str(folder.resolve()) and note["session_path"] is None
    # Every further change is kept too.
    type_text(strip_named(window, "Snare Top").gain_entry, "-4.5")
    qtbot.waitUntil(
        lambda: {t.name: t for t in _kept_session().tracks}["Snare Top"].gain_db == -4.5
    )
    # Saved: nothing is left to recover.
    seen = when_dialog(type_file_name(tmp_path / "mix.drumassist"))
    shortcut(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil((tmp_path / "mix.drumassist").is_file, timeout=10000)
    assert seen == ["QFileDialog"]
    assert _copies() == []
    # Changed again, then closed with the changes discarded: removed as well.
    click(strip_named(window, "HH").mute_button)
    qtbot.waitUntil(lambda: len(_copies()) == 2, timeout=5000)
    assert json.loads(sorted(autosave.recovery_dir().glob("*.json"))[0].read_text())[
        "session_path"
    ] == str(tmp_path / "mix.drumassist")
    seen = when_dialog(press_button(QMessageBox.StandardButton.Discard))
    window.close()
    assert seen == ["QMessageBox"]
    assert _copies() == []


def test_a_running_window_s_copy_is_not_offered(quick, loaded, qtbot, second_window):
    window, _folder = loaded
    click(strip_named(window, "HH").mute_button)
    qtbot.waitUntil(lambda: len(_copies()) == 2, timeout=5000)
    seen = when_dialog(_click_text("Not now"), timeout_ms=1000)
    assert second_window.offer_recovery() is False
    qtbot.wait(1200)
    assert seen == []  # no question: the other window is alive and holds its copy
    assert len(_copies()) == 2


@posix_only
def test_a_crashed_window_s_changes_are_restored(stems, qtbot, window):
    _crash(stems, "Snare Top", "-7.5")
    # Not now: nothing opens, and the copy stays for the next start.
    seen = when_dialog(_click_text("Not now"))
    assert window.offer_recovery() is False
    assert seen == ["QMessageBox"] and window.document is None
    assert len(_copies()) == 2
    # Restore: the mix opens with the change, unsaved, and the old copy gives way to
    # the restored window's own.
    before = set(_copies())
    seen = when_dialog(_click_text("Restore"))
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        assert window.offer_recovery() is True
        # While it loads, the copy stays locked: another drumassist does not offer it.
        assert autosave.find_recovered() == []
    assert seen == ["QMessageBox"]
    assert strip_named(window, "Snare Top").gain_db == -7.5
    assert strip_named(window, "HH").gain_db == 0.0
    assert window.windowTitle().startswith(f"{stems.name} *")
    after = set(_copies())
    assert len(after) == 2 and not after & before
    assert {t.name: t for t in _kept_session().tracks}["Snare Top"].gain_db == -7.5


@posix_only
def test_discarded_changes_are_deleted(stems, qtbot, window):
    _crash(stems, "HH", "-12")
    seen = when_dialog(_click_text("Discard"))
    assert window.offer_recovery() is False
    assert seen == ["QMessageBox"] and window.document is None
    assert _copies() == []
    assert list(autosave.recovery_dir().glob("*.lock")) == []
    # Nothing is offered the next time.
    assert window.offer_recovery() is False


@posix_only
def test_a_copy_that_cannot_be_replaced_is_kept(stems, qtbot, window, monkeypatch):
    _crash(stems, "HH", "-9")
    before = set(_copies())

    def disk_full(*_args, **_kwargs):
        # A full disk cannot be made here (root writes through permissions, and tests
        # mount nothing): the one thing mocked is the error it gives.
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(autosave, "save_session", disk_full)
    seen = when_dialog(_click_text("Restore"))
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        assert window.offer_recovery() is True
    assert seen == ["QMessageBox"]
    assert strip_named(window, "HH").gain_db == -9.0
    # The restored changes could not be kept anew, so the old copy is not removed.
    assert before <= set(_copies())
    assert window.error_label.isVisible()
    assert "cannot be kept for recovery" in window.error_label.text()


@posix_only
def test_a_copy_older_than_its_session_s_last_save_says_so(stems, qtbot, window):
    from drumassist.core.roles import role_from_name
    from drumassist.core.session import Session, TrackState, save_session

    session = stems / "song.drumassist"
    tracks = tuple(
        TrackState(path=p, name=p.stem, role=role_from_name(p.stem))
        for p in sorted(stems.glob("*.wav"))
    )
    save_session(Session(tracks), session)
    _crash(session, "HH", "-9")
    later = session.stat().st_mtime + 60
    os.utime(session, (later, later))  # saved again after the copy was kept
    found: dict = {}

    def answer(dialog) -> None:
        found["text"] = dialog.text()
        found["default"] = dialog.defaultButton().text()
        _click_text("Not now")(dialog)

    when_dialog(answer)
    assert window.offer_recovery() is False
    assert "“song.drumassist”" in found["text"] and str(session) in found["text"]
    assert "song.drumassist was saved after these changes were kept" in found["text"]
    assert found["default"] == "Not now"
    assert len(_copies()) == 2


@posix_only
def test_every_copy_is_offered_in_turn(make_stems, drum_arrays, qtbot, window):
    older = make_stems(drum_arrays, folder="older")
    newer = make_stems(drum_arrays, folder="newer")
    _crash(older, "HH", "-9")
    _crash(newer, "Snare Top", "-4", copies=2)
    asked: list[str] = []

    def answer_with(text: str):
        def answer(dialog) -> None:
            asked.append(dialog.text())
            _click_text(text)(dialog)
            if text == "Discard":  # the older copy's question comes next
                when_dialog(answer_with("Restore"))

        return answer

    when_dialog(answer_with("Discard"))
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        assert window.offer_recovery() is True
    assert len(asked) == 2
    assert "“newer”" in asked[0] and "1 more copy of unsaved changes wait" in asked[0]
    assert "“older”" in asked[1] and "more cop" not in asked[1]
    assert strip_named(window, "HH").gain_db == -9.0  # the older mix, restored
    assert window.statusBar().currentMessage() == (
        "Restored the unsaved changes to older: save to keep them"
    )
    assert len(_copies()) == 2  # the restored window's own copy; the newer one discarded
