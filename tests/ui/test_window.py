"""The window, offscreen, driven as a user drives it: drop, suggest, mix, A/B, export, save.

Every step goes through the visible widgets (clicks, drags, typing, menus, shortcuts).
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from drumassist.core.loudness import integrated_loudness
from drumassist.core.mix import mix
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
    type_file_name,
    type_text,
    when_dialog,
)

CTRL = Qt.KeyboardModifier.ControlModifier


def suggest(window, qtbot, method: str):
    """Choose ``method`` in the drop-down, click Suggest balance, wait for the worker."""
    choose_in_combo(window.method_box, method)
    assert window.method_box.currentData() == method
    with qtbot.waitSignal(window.suggestion_ready, timeout=LOAD_TIMEOUT_MS) as blocker:
        click(window.suggest_button)
    return blocker.args[0]


def test_drop_a_folder_shows_a_strip_per_track_in_role_order(loaded, tmp_path):
    window, _folder = loaded
    # Files load as HH, Kick In, OH L, Snare Top; the strips stand kick, snare, hi-hat, OH.
    assert [s.name for s in window.mixer.strips] == ["HH", "Kick In", "OH L", "Snare Top"]
    assert window.mixer.visible_order() == ["Kick In", "Snare Top", "HH", "OH L"]
    xs = [s.mapTo(window, s.rect().topLeft()).x() for s in window.mixer.strips]
    assert xs[1] < xs[3] < xs[0] < xs[2]  # on screen, left to right
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
    _assert_markers_are_the_clis(window, suggestion, proc.stdout)
    assert window.transport.b_button.text() == f"B  {method}"  # what B plays, named
    a_loudness = window.status_loudness.text()
    click(window.transport.b_button)
    assert window.status_loudness.text() == a_loudness.replace("A:", "B:")


def test_apply_and_undo_with_the_keyboard(loaded, qtbot):
    window, _ = loaded
    assert not window.apply_button.isEnabled()  # nothing to apply yet
    suggestion = suggest(window, qtbot, "loudness")
    markers = [s.fader.suggestion_db for s in window.mixer.strips]
    loudness = window.status_loudness.text()
    click(window.apply_button)
    # The faders go to the markers: the suggested balance at the user's loudness.
    applied = [s.gain_db for s in window.mixer.strips]
    assert applied == pytest.approx(markers)
    shift = applied[0] - suggestion.gains_db[0]
    assert applied == pytest.approx([g + shift for g in suggestion.gains_db])
    assert window.status_loudness.text() == loudness
    assert all(s.diff_label.text().startswith(("+0.0", "0.0", "-0.0")) for s in window.mixer.strips)
    assert "*" in window.windowTitle()
    shortcut(window, Qt.Key.Key_Z, CTRL)
    assert [s.gain_db for s in window.mixer.strips] == [0.0] * 4
    shortcut(window, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert [s.gain_db for s in window.mixer.strips] == pytest.approx(applied)
    click_menu(window, "Edit", "Undo")
    assert [s.gain_db for s in window.mixer.strips] == [0.0] * 4


def test_apply_keeps_the_balance_when_a_mark_lies_past_the_fader_top(loaded, qtbot):
    """Every fader moves down together so the highest mark lands at the top (found by a
    new-user trial: the snare was held at +12 under its mark, and every other strip read
    +0.3 dB off the suggestion)."""
    window, _ = loaded
    for strip in window.mixer.strips:  # every fader at its top: some marks lie above it
        type_text(strip.gain_entry, "+12")
    suggestion = suggest(window, qtbot, "loudness")
    marks = [s.fader.suggestion_db for s in window.mixer.strips]
    highest = window.mixer.strips[int(np.argmax(marks))].name
    assert max(marks) > 12.0  # the case this test is about
    click(window.apply_button)
    applied = [s.gain_db for s in window.mixer.strips]
    # What is heard and exported is what the faders show: +12 at most, the loudest there...
    assert list(window.document.gains_a()) == applied
    assert max(applied) == pytest.approx(12.0)
    # ...and the balance is the suggestion's, every fader the same distance from it.
    offsets = np.subtract(applied, suggestion.gains_db)
    assert offsets == pytest.approx(np.full(len(offsets), offsets[0]), abs=1e-9)
    assert all(s.diff_label.text().startswith(("+0.0", "0.0", "-0.0")) for s in window.mixer.strips)
    lowered = max(marks) - 12.0
    assert window.error_label.isVisible()
    assert window.error_label.text() == (
        f"Applied {lowered:.1f} dB under your mix's level, so that {highest} fits under the"
        " fader's top (+12 dB): the balance is the suggestion's"
    )
    shortcut(window, Qt.Key.Key_Z, CTRL)  # one step back to the user's faders
    assert [s.gain_db for s in window.mixer.strips] == [12.0] * 4


def test_fader_drag_reaches_the_engine_and_undoes(loaded):
    window, _ = loaded
    strip = window.mixer.strips[1]  # Kick In
    fader = strip.fader
    handle = fader.handle_rect().center()
    drag(fader, handle, QPointF(0, fader.y_of_db(-10.0) - handle.y()))
    assert strip.gain_db == pytest.approx(-10.0, abs=0.15)
    assert window.document.strips[1].gain_db == strip.gain_db
    assert strip.gain_entry.text() == f"{strip.gain_db:+.1f}"
    factors = window.player.engine.state.factors_a
    expected = 10 ** (strip.gain_db / 20) * math.cos(math.pi / 4)
    assert factors[1, 0, 0] == pytest.approx(expected, rel=1e-5)
    shortcut(window, Qt.Key.Key_Z, CTRL)
    assert window.document.strips[1].gain_db == 0.0
    assert strip.gain_db == 0.0
    assert window.player.engine.state.factors_a[1, 0, 0] == pytest.approx(math.cos(math.pi / 4))


def test_a_and_b_buttons_switch_loudness_matched(loaded, qtbot):
    window, _ = loaded
    transport = window.transport
    assert not transport.b_button.isEnabled()  # no suggestion, no B
    suggest(window, qtbot, "loudness")
    assert transport.b_button.isEnabled()
    click(transport.b_button)
    assert window.player.engine.state.use_b
    assert transport.b_button.isChecked() and not transport.a_button.isChecked()
    doc = window.document
    loud_a = doc.meter.loudness(doc.gains_a(), pans=doc.pans(), stereo=True)
    loud_b = doc.meter.loudness(doc.gains_b(), pans=doc.pans(), stereo=True)
    assert loud_b == pytest.approx(loud_a, abs=0.01)
    assert window.status_loudness.text().startswith("B: ")
    click(transport.a_button)
    assert not window.player.engine.state.use_b
    assert transport.a_button.isChecked() and not transport.b_button.isChecked()
    click(transport.a_button)  # pressing A again keeps A
    assert transport.a_button.isChecked() and not window.player.engine.state.use_b
    shortcut(window, Qt.Key.Key_B)
    assert window.player.engine.state.use_b


def test_cancel_a_suggestion(window, qtbot, make_stems, drum_arrays):
    long = {
        f"{name} {i}": np.tile(audio, 6) for i in range(4) for name, audio in drum_arrays.items()
    }
    folder = make_stems(long, folder="long")
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [folder])
    click(window.suggest_button)
    assert window.cancel_button.isVisible()
    click(window.cancel_button)
    qtbot.waitUntil(
        lambda: window.statusBar().currentMessage() == "Suggesting cancelled",
        timeout=LOAD_TIMEOUT_MS,
    )
    assert window.document.suggestion is None
    assert not window.progress.isVisible()
    assert not window.cancel_button.isVisible()


def export_through_the_dialog(window, qtbot, out, source: str = "A: your mix"):
    """File ▸ Export mix…: pick the source, type the path, press Save; wait for the file."""

    def answer(dialog):
        choose_in_combo(dialog.source_box, source)
        type_text(dialog.path_edit, str(out), enter=False)
        press_button(QDialogButtonBox.StandardButton.Save)(dialog)

    seen = when_dialog(answer)
    with qtbot.waitSignal(window.export_finished, timeout=LOAD_TIMEOUT_MS):
        click_menu(window, "File", "Export mix…")
    assert seen == ["ExportDialog"]


def test_export_writes_the_mix(loaded, qtbot, tmp_path):
    window, _ = loaded
    strip = window.mixer.strips[0]
    type_text(strip.gain_entry, "-6")
    assert strip.gain_db == -6.0
    out = tmp_path / "export.wav"
    export_through_the_dialog(window, qtbot, out)
    data, rate = sf.read(str(out))
    assert data.shape[1] == 2
    assert integrated_loudness(data, rate) == pytest.approx(-23.0, abs=0.1)
    doc = window.document
    expected = mix(doc.multitrack, doc.gains_a(), pans=doc.pans(), stereo=True)
    scale = np.max(np.abs(data)) / np.max(np.abs(expected))
    np.testing.assert_allclose(data, expected * scale, atol=1e-4)
    assert window.statusBar().currentMessage().startswith(f"Exported export.wav to {tmp_path} (")


def test_save_and_reopen_a_session(loaded, qtbot, tmp_path):
    window, folder = loaded
    suggest(window, qtbot, "loudness")
    oh = window.mixer.strips[2]
    type_text(oh.gain_entry, "-4.5")
    click(window.mixer.strips[3].mute_button)
    path = folder / "song.drumassist"
    seen = when_dialog(type_file_name(path))
    shortcut(window, Qt.Key.Key_S, CTRL)
    assert seen == ["QFileDialog"]
    assert path.is_file()
    assert "*" not in window.windowTitle()
    saved = {t.name: t for t in load_session(path).session.tracks}
    assert saved["OH L"].gain_db == -4.5 and saved["Snare Top"].mute
    assert [t.name for t in load_session(path).session.tracks] == [
        "Kick In",
        "Snare Top",
        "HH",
        "OH L",
    ]
    assert load_session(path).session.suggestion.method == "loudness"
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [path])
    strips = {s.name: s for s in window.mixer.strips}
    assert window.document.strips[window.document.multitrack.index("OH L")].gain_db == -4.5
    assert strips["OH L"].gain_entry.text() == "-4.5"
    assert strips["Snare Top"].muted
    assert window.mixer.visible_order() == ["Kick In", "Snare Top", "HH", "OH L"]
    assert window.document.suggestion is not None
    # The reopened suggestion is drawn beside the faders again: its balance, at A's level.
    first = window.mixer.strips[0]
    shift = first.fader.suggestion_db - suggestion_of(path, first.name)
    for strip in window.mixer.strips:
        assert strip.fader.suggestion_db == pytest.approx(suggestion_of(path, strip.name) + shift)
    assert window.recent.paths()[0] == path


def test_a_new_suggestion_is_a_change_the_session_keeps(loaded, qtbot):
    window, folder = loaded
    path = folder / "song.drumassist"
    suggest(window, qtbot, "loudness")
    seen = when_dialog(type_file_name(path))
    shortcut(window, Qt.Key.Key_S, CTRL)
    assert seen == ["QFileDialog"] and "*" not in window.windowTitle()
    # The same suggestion again changes nothing; another one is unsaved until saved.
    suggest(window, qtbot, "loudness")
    assert "*" not in window.windowTitle()
    suggest(window, qtbot, "sum")
    assert window.windowTitle().startswith("song.drumassist *")
    # Closing asks; Save keeps it, and the session reopens with it.
    seen = when_dialog(press_button(QMessageBox.StandardButton.Save))
    window.close()
    assert seen == ["QMessageBox"]
    assert load_session(path).session.suggestion.method == "sum"


def suggestion_of(path, name):
    suggestion = load_session(path).session.suggestion
    assert suggestion is not None
    return suggestion.gains_db[name]


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


def test_reference_mix_becomes_the_suggestion(window, qtbot, enst_excerpt):
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [enst_excerpt / "stems"])
    when_dialog(type_file_name(enst_excerpt / "ref_dry_mix.wav"))
    with qtbot.waitSignal(window.suggestion_ready, timeout=LOAD_TIMEOUT_MS) as blocker:
        click_menu(window, "Playback", "Load reference mix…")
    suggestion = blocker.args[0]
    assert suggestion.method == "reference: ref_dry_mix.wav"
    gains = dict(zip(suggestion.names, suggestion.gains_db, strict=True))
    # The engineer's balance: kick and snare level (within 0.2 dB), the hi-hat 5 dB under.
    assert gains["kick"] - gains["snare"] == pytest.approx(-0.06, abs=0.2)
    assert gains["hihat"] - gains["kick"] == pytest.approx(-5.06, abs=0.2)
    assert window.transport.b_button.isEnabled()
    assert window.transport.b_button.text() == "B  reference mix"
    assert "ref_dry_mix.wav" in window.transport.b_button.toolTip()
    strips = {strip.name: strip for strip in window.mixer.strips}
    marked = strips["hihat"].fader.suggestion_db - strips["kick"].fader.suggestion_db
    assert marked == pytest.approx(gains["hihat"] - gains["kick"])  # the engineer's balance


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


def test_stems_normalised_on_export_are_warned_of_when_dropped(
    window, qtbot, tmp_path, drum_arrays
):
    """Dropped stems that all peak at -1 dBFS: the window's banner says they look
    normalised and what that costs, as `drumassist suggest` prints it."""
    folder = tmp_path / "normalised"
    folder.mkdir()
    for name, audio in drum_arrays.items():
        scaled = audio * (10 ** (-1 / 20) / np.max(np.abs(audio)))
        sf.write(folder / f"{name}.wav", scaled, 44100, subtype="FLOAT")
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [folder])
    qtbot.waitUntil(window.error_label.isVisible, timeout=LOAD_TIMEOUT_MS)
    text = window.error_label.text()
    assert f"All {len(drum_arrays)} stems peak at -1.0 dBFS, as stems normalised on export" in text
    assert "only bleed" in text
    # Clicking Suggest balance replaces the banner: the warning, which bears on the very
    # gains suggested, is said again (a new-user trial saw it vanish).
    window.error_label.clear()
    suggestion = suggest(window, qtbot, "default")
    assert suggestion.warnings and window.error_label.isVisible()
    assert "as stems normalised on export" in window.error_label.text()
    window.grab().save(str(tmp_path / "normalised.png"))


def test_a_long_status_message_is_cut_before_the_readouts(loaded, qtbot):
    """QStatusBar drew a long message under the sample-rate readout ("...inve44100 Hz")."""
    window, _ = loaded
    window.resize(900, 700)
    bar = window.statusBar()
    message = "Suggestion ready: default; " + "polarity flip suggested: Snare Bottom; " * 6
    bar.showMessage(message, 200)
    qtbot.waitUntil(lambda: bar.message_label.text().endswith("…"))
    assert bar.currentMessage() == message and bar.message_label.toolTip() == message
    shown = bar.message_label
    assert shown.geometry().right() < window.readouts.info.geometry().left()
    assert shown.fontMetrics().horizontalAdvance(shown.text()) <= shown.width()
    qtbot.waitUntil(lambda: bar.currentMessage() == "", timeout=3000)  # its timeout ends it


def test_the_markers_follow_when_a_fader_moves_the_whole_mix(loaded, qtbot):
    """They mark the suggestion at the faders' loudness: pulling the kick down 12 dB
    makes the whole mix quieter, so the other tracks' marks come down with it."""
    window, _ = loaded
    suggest(window, qtbot, "loudness")
    strips = {s.name: s for s in window.mixer.strips}
    snare, kick = strips["Snare Top"], strips["Kick In"]
    before, said = snare.fader.suggestion_db, snare.diff_label.text()
    handle = kick.fader.handle_rect().center()
    drag(kick.fader, handle, QPointF(0, kick.fader.y_of_db(-12.0) - handle.y()))
    assert kick.gain_db == pytest.approx(-12.0, abs=0.15)
    assert snare.fader.suggestion_db < before - 0.05  # the kick is a small part of this mix
    assert snare.diff_label.text() != said
    # Soloing is for listening: it moves no mark.
    marks = [s.fader.suggestion_db for s in window.mixer.strips]
    click(snare.solo_button)
    assert [s.fader.suggestion_db for s in window.mixer.strips] == pytest.approx(marks)


def test_choosing_another_method_says_the_marks_are_the_last_suggestion(loaded, qtbot):
    window, _ = loaded
    suggest(window, qtbot, "loudness")
    choose_in_combo(window.method_box, "sum")
    assert window.statusBar().currentMessage() == (
        "The marks show loudness; click Suggest balance for sum"
    )
    assert window.transport.b_button.text() == "B  loudness"  # B is still that one


def test_apply_with_a_track_soloed_puts_the_faders_on_the_marks(loaded, qtbot):
    """A solo is for listening: Apply sets the marked balance at the unmuted tracks'
    level, not one matched to the soloed track."""
    window, _ = loaded
    suggest(window, qtbot, "loudness")
    strips = {s.name: s for s in window.mixer.strips}
    marks = [s.fader.suggestion_db for s in window.mixer.strips]
    click(strips["Kick In"].solo_button)
    click(window.apply_button)
    assert [s.gain_db for s in window.mixer.strips] == pytest.approx(marks)
    click(strips["Kick In"].solo_button)  # unsolo: the level is the one the faders had
    assert [s.fader.suggestion_db for s in window.mixer.strips] == pytest.approx(marks)


def test_a_stereo_overhead_file_gets_the_clis_suggestion(
    window, qtbot, make_stems, drum_arrays, tmp_path
):
    """A stereo overhead stem is suggested channel by channel (learn.suggest.stereo):
    the window's markers are the CLI's balance for it, as for mono stems."""
    arrays = dict(drum_arrays)
    left = arrays.pop("OH L")
    arrays["OH"] = np.stack([left, 0.5 * np.roll(left, 300)], axis=1)
    folder = make_stems(arrays)
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [folder])
    suggestion = suggest(window, qtbot, "default")
    proc = subprocess.run(
        [sys.executable, "-m", "drumassist", "suggest", str(folder), "--json"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    _assert_markers_are_the_clis(window, suggestion, proc.stdout)
    window.grab().save(str(tmp_path / "stereo-overhead.png"))


def _assert_markers_are_the_clis(window, suggestion, cli_json: str) -> None:
    """The markers show the CLI's balance where B plays it: shifted by one level, so that
    B sounds as loud as the user's faders (the CLI's gains are for -23 LUFS)."""
    cli = {t["name"]: t["gain_db"] for t in json.loads(cli_json)["tracks"]}
    first = window.mixer.strips[0]
    shift = first.fader.suggestion_db - cli[first.name]
    for strip, gain in zip(window.mixer.strips, suggestion.gains_db, strict=True):
        assert strip.fader.suggestion_db == pytest.approx(cli[strip.name] + shift, abs=1e-3)
        assert gain == pytest.approx(cli[strip.name], abs=1e-3)
        assert strip.gain_db == 0.0  # the user's fader did not move
