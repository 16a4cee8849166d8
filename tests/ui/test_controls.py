"""Every visible control of the window, clicked, typed into or dragged as a user does,
checked where it lands: the document, the engine's published state, the real stream.

Playback goes to a real PortAudio stream on ALSA's file device (see conftest.py):
the sound card is the one thing mocked.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QPushButton

from drumassist.core.mix import mix
from drumassist.core.mixstate import Strip
from drumassist.core.roles import Role
from drumassist.ui.mainwindow import MainWindow
from drumassist.ui.settings import open_settings
from tests.ui.conftest import LOAD_TIMEOUT_MS
from tests.ui.gestures import (
    choose_in_combo,
    click,
    drag,
    shortcut,
    type_file_name,
    type_text,
    when_dialog,
)

PLAY_TIMEOUT_MS = 20000


def overview_point(window: MainWindow, seconds: float) -> QPoint:
    """Where ``seconds`` is on the transport's overview, in its viewport's pixels."""
    plot = window.transport.plot
    scene = plot.getPlotItem().vb.mapViewToScene(QPointF(seconds, 0.0))
    return plot.mapFromScene(scene)


def wait_until_idle(qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(
        lambda: not window.player.playing and not window.player.stream_active,
        timeout=PLAY_TIMEOUT_MS,
    )


def find_in(played: np.ndarray, expected: np.ndarray) -> int:
    """Where ``expected`` starts in ``played`` (PortAudio may prime with silence first)."""
    start = int(np.argmax(np.abs(played).sum(axis=1) > 0))
    first = int(np.argmax(np.abs(expected).sum(axis=1) > 0))
    offset = start - first
    assert 0 <= offset < 44100, f"played audio starts at frame {start}"
    return offset


def test_play_button_plays_a_through_the_stream_and_stops_it(loaded, qtbot, played_audio):
    window, _ = loaded
    play = window.transport.play_button
    assert play.text() == "▶ Play"
    click(play)
    assert window.player.playing and play.text() == "■ Stop"
    # The null device takes audio faster than real time: the 3 s play out at once, the
    # player stops at the end and then stops the stream instead of playing zeros.
    wait_until_idle(qtbot, window)
    assert play.text() == "▶ Play"
    doc = window.document
    expected = mix(doc.multitrack, doc.gains_a(), pans=doc.pans(), stereo=True)
    played = played_audio()
    offset = find_in(played, expected)
    np.testing.assert_allclose(played[offset : offset + len(expected)], expected, atol=1e-6)
    assert not played[offset + len(expected) :].any()


def test_stop_button_fades_out_and_stops_the_stream(loaded, qtbot, played_audio):
    window, _ = loaded
    # Loop the whole file so that playing goes on until Stop is clicked.
    click(window.transport.loop_box)
    window.transport.loop_region.setRegion((0.0, window.transport.duration_s))
    click(window.transport.play_button)
    qtbot.waitUntil(lambda: window.player.engine.sounding, timeout=PLAY_TIMEOUT_MS)
    meters = [strip.meter for strip in window.mixer.strips]
    floor = meters[0].channels[0].floor_db
    lit = lambda: any(b.hold_db > floor for m in meters for b in m.channels)  # noqa: E731
    qtbot.waitUntil(lit, timeout=PLAY_TIMEOUT_MS)
    click(window.transport.play_button)
    assert not window.player.playing and window.transport.play_button.text() == "▶ Play"
    wait_until_idle(qtbot, window)
    assert not window.player.engine.sounding
    # Stopped, the meters fall dark (they stayed lit at their last levels: new-user trial).
    qtbot.wait(100)  # polls that would have shown the last block's peaks again
    assert not lit()
    played = played_audio()
    last = np.flatnonzero(np.abs(played).sum(axis=1) > 0)[-1]
    # The last block heard ramps down to silence: its final samples are near zero.
    assert np.abs(played[last - 8 : last + 1]).max() < 0.05 * np.abs(played).max()


def test_clicking_the_overview_seeks(loaded):
    window, _ = loaded
    transport = window.transport
    click(transport.plot.viewport(), overview_point(window, 1.5))
    seconds = window.player.position_s
    assert seconds == pytest.approx(1.5, abs=0.05)
    state = window.player.engine.state
    assert state.seek_to == round(seconds * 44100) or state.seek_to == int(seconds * 44100)
    assert transport.playhead.value() == pytest.approx(seconds)
    assert transport.time_label.text().startswith("0:01.")
    # The GUI never wrote the callback's position: the seek waits in the published state.
    assert window.player.engine.position == 0


def test_loop_box_and_dragging_the_loop_region(loaded, qtbot):
    window, _ = loaded
    transport = window.transport
    assert window.player.engine.state.loop is None
    click(transport.loop_box)
    assert transport.loop_region.isVisible()
    start, end = transport.loop_region.getRegion()
    assert window.player.engine.state.loop == (int(start * 44100), int(end * 44100))
    # Drag the region's right edge from 1.5 s to 2.5 s.
    viewport = transport.plot.viewport()
    edge = QPointF(overview_point(window, end))
    drag(viewport, edge, QPointF(overview_point(window, 2.5)) - edge, steps=8)
    new_start, new_end = transport.loop_region.getRegion()
    assert new_start == pytest.approx(start)
    assert new_end == pytest.approx(2.5, abs=0.05)
    assert window.player.engine.state.loop == (int(new_start * 44100), int(new_end * 44100))
    click(transport.loop_box)
    assert window.player.engine.state.loop is None


def test_strip_controls_reach_the_engine(loaded):
    window, _ = loaded
    doc, strips = window.document, window.mixer.strips
    kick, snare = strips[1], strips[3]
    # Pan: drag right across a quarter of the control.
    pan = kick.pan_control
    drag(pan, QPointF(pan.width() / 2, pan.height() / 2), QPointF(pan.width() / 4, 0))
    assert kick.pan == pytest.approx(0.5, abs=0.03)
    assert doc.strips[1].pan == kick.pan
    left, right = window.player.engine.state.factors_a[1, 0]
    assert right > left  # panned right
    # Typed level.
    type_text(kick.gain_entry, "-7.5 dB")
    assert doc.strips[1].gain_db == -7.5 and kick.fader.value_db == -7.5
    assert window.player.engine.state.factors_a[1, 0, 0] == pytest.approx(
        10 ** (-7.5 / 20) * math.cos((kick.pan + 1) * math.pi / 4), rel=1e-4
    )
    # Mute silences the kick in what is played.
    click(kick.mute_button)
    assert doc.strips[1].mute and not window.player.engine.state.factors_a[1].any()
    click(kick.mute_button)
    assert window.player.engine.state.factors_a[1].any()
    # Solo the snare: only the snare sounds.
    click(snare.solo_button)
    active = [bool(f.any()) for f in window.player.engine.state.factors_a]
    assert active == [False, False, False, True]
    click(snare.solo_button)
    # Role.
    choose_in_combo(kick.role_combo, "Tom")
    assert doc.strips[1].role is Role.TOM and kick.role is Role.TOM
    assert doc.to_session().tracks[0].role is Role.TOM
    # Each of those gestures is one undo step: pan, level, mute twice, solo twice, role.
    assert doc.undo_stack.count() == 7
    for _ in range(7):
        shortcut(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert doc.strips[1] == Strip(role=Role.KICK)
    assert kick.gain_db == 0.0 and kick.pan == 0.0 and kick.role is Role.KICK


def test_strips_not_heard_are_dimmed(loaded, tmp_path):
    """Soloing one strip silences the others: they look it, as muted ones do."""
    window, _ = loaded
    strips = window.mixer.strips
    names = [s.name for s in strips]
    assert [s.property("silenced") for s in strips] == [False] * len(strips)
    solo = strips[names.index("Snare Top")]
    click(solo.solo_button)
    assert {s.name for s in strips if s.property("silenced")} == set(names) - {"Snare Top"}
    window.grab().save(str(tmp_path / "solo.png"))
    click(solo.solo_button)
    click(strips[0].mute_button)
    assert [s.property("silenced") for s in strips] == [True] + [False] * (len(strips) - 1)


def test_welcome_open_folder_button(window, qtbot, make_stems, drum_arrays):
    folder = make_stems(drum_arrays)
    seen = when_dialog(type_file_name(folder))
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        click(window.welcome.open_button)
    assert seen == ["QFileDialog"]
    assert len(window.mixer.strips) == 4


def test_welcome_demo_button(window, qtbot):
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        click(window.welcome.demo_button)
    assert len(window.mixer.strips) == 8


def test_welcome_recent_button(loaded, qtbot):
    _window, folder = loaded
    again = MainWindow(settings=open_settings())
    qtbot.addWidget(again)
    again.show()
    buttons = again.welcome.findChildren(QPushButton, "link")
    # With its parent's name: many stem folders are called "stems".
    assert [b.text() for b in buttons] == [f"{folder.parent.name}/{folder.name}"]
    with qtbot.waitSignal(again.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        click(buttons[0])
    assert [s.name for s in again.mixer.strips] == ["HH", "Kick In", "OH L", "Snare Top"]
    again.close()


def test_playing_past_the_loop_to_the_end_stops_the_stream(loaded, qtbot, played_audio):
    window, _ = loaded
    transport = window.transport
    click(transport.loop_box)  # the loop is 0.75 s to 1.5 s
    click(transport.plot.viewport(), overview_point(window, 2.5))  # start after it
    click(transport.play_button)
    wait_until_idle(qtbot, window)
    assert transport.play_button.text() == "▶ Play"
    # Play again from the end: it starts at the loop and keeps looping until Stop.
    click(transport.play_button)
    qtbot.waitUntil(lambda: window.player.engine.sounding, timeout=PLAY_TIMEOUT_MS)
    loop_start, loop_end = window.player.engine.state.loop
    qtbot.wait(200)
    assert window.player.playing
    assert loop_start <= window.player.engine.position < loop_end
    click(transport.play_button)
    wait_until_idle(qtbot, window)


def test_space_plays_and_stops_even_with_the_play_button_focused(loaded, qtbot, played_audio):
    window, _ = loaded
    click(window.transport.loop_box)  # keeps playing until stopped
    click(window.transport.play_button)
    assert window.player.playing
    window.transport.play_button.setFocus()
    shortcut(window, Qt.Key.Key_Space)
    assert not window.player.playing  # one press, one toggle (not two)
    wait_until_idle(qtbot, window)
    shortcut(window, Qt.Key.Key_Space)
    assert window.player.playing
    shortcut(window, Qt.Key.Key_Space)
    wait_until_idle(qtbot, window)


def test_a_pair_of_overheads_opens_spread_left_and_right(window, qtbot):
    """As an engineer spreads a spaced pair, and as the quickstart mix does."""
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        click(window.welcome.demo_button)
    strips = {strip.name: strip for strip in window.mixer.strips}
    left, right, kick = strips["overhead_L"], strips["overhead_R"], strips["kick"]
    assert (left.pan, right.pan, kick.pan) == (-0.8, 0.8, 0.0)
    factors = window.player.engine.state.factors_a
    names = window.document.multitrack.names
    heard_left = factors[names.index("overhead_L"), 0]
    assert heard_left[0] > 3 * heard_left[1]  # mostly in the left speaker
    # Double-clicking the control centres it, as on any pan; undo brings the spread back.
    QTest.mouseDClick(left.pan_control, Qt.MouseButton.LeftButton)
    assert left.pan == 0.0
    shortcut(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert left.pan == -0.8 and window.document.strips[names.index("overhead_L")].pan == -0.8
