"""The mixer strip widgets, offscreen: fader gestures, typed levels, suggestion, pan, meter."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QKeyEvent, QWheelEvent
from PySide6.QtWidgets import QApplication, QToolTip, QWidget

from drumassist.core.roles import Role
from drumassist.ui.fader import Fader
from drumassist.ui.levelentry import parse_db
from drumassist.ui.meter import LevelMeter, PeakBallistics
from drumassist.ui.pan import PanControl, format_pan
from drumassist.ui.strip import ChannelStrip
from drumassist.ui.taper import (
    FLOOR_DB,
    MAX_DB,
    SCALE_MARKS_DB,
    db_to_fraction,
    fraction_to_db,
    step_db,
)
from tests.ui.gestures import drag, mouse

NO_MODIFIER = Qt.KeyboardModifier.NoModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
LEFT = Qt.MouseButton.LeftButton


def wheel(widget: QWidget, notches: float, modifiers: Qt.KeyboardModifier = NO_MODIFIER) -> None:
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(
        pos,
        QPointF(widget.mapToGlobal(pos.toPoint())),
        QPoint(),
        QPoint(0, round(notches * 120)),
        Qt.MouseButton.NoButton,
        modifiers,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(widget, event)


class Recorder:
    """Collects the arguments of every emission of the signals it is connected to."""

    def __init__(self, *signals: object) -> None:
        self.calls: list[tuple[object, ...]] = []
        for signal in signals:
            signal.connect(lambda *args: self.calls.append(args))  # type: ignore[attr-defined]


@pytest.fixture
def fader(qtbot) -> Fader:
    widget = Fader()
    qtbot.addWidget(widget)
    widget.resize(widget.sizeHint().width(), 320)
    widget.show()
    return widget


@pytest.fixture
def strip(qtbot) -> ChannelStrip:
    widget = ChannelStrip("Snare Top", stereo=False, role=Role.SNARE)
    qtbot.addWidget(widget)
    widget.resize(widget.width(), 560)
    widget.show()
    return widget


# -- the taper --------------------------------------------------------------------------


def test_taper_ends_and_zero_position() -> None:
    assert db_to_fraction(MAX_DB) == 1.0
    assert db_to_fraction(-math.inf) == 0.0
    assert fraction_to_db(0.0) == -math.inf
    assert fraction_to_db(1.0) == MAX_DB
    assert 0.70 <= db_to_fraction(0.0) <= 0.75
    assert db_to_fraction(40.0) == 1.0


@pytest.mark.parametrize("mark_db", [m for m in SCALE_MARKS_DB if math.isfinite(m)])
def test_scale_marks_round_trip(mark_db: float) -> None:
    assert fraction_to_db(db_to_fraction(mark_db)) == pytest.approx(mark_db, abs=1e-9)


@given(st.floats(min_value=FLOOR_DB + 0.01, max_value=MAX_DB))
def test_db_round_trips_through_position(gain_db: float) -> None:
    assert fraction_to_db(db_to_fraction(gain_db)) == pytest.approx(gain_db, abs=1e-9)


@given(
    st.floats(min_value=-200, max_value=20, allow_infinity=False),
    st.floats(min_value=-200, max_value=20, allow_infinity=False),
)
def test_taper_is_monotonic(a_db: float, b_db: float) -> None:
    low, high = sorted((a_db, b_db))
    assert db_to_fraction(low) <= db_to_fraction(high)


@given(st.floats(min_value=0.0, max_value=1.0), st.floats(min_value=0.0, max_value=1.0))
def test_inverse_taper_is_monotonic(a: float, b: float) -> None:
    low, high = sorted((a, b))
    assert fraction_to_db(low) <= fraction_to_db(high)


def test_steps_fall_to_and_rise_from_minus_infinity() -> None:
    assert step_db(-60.0, -0.5) == -math.inf
    assert step_db(-math.inf, 0.5) == -60.0
    assert step_db(-math.inf, -0.5) == -math.inf
    assert step_db(11.8, 0.5) == MAX_DB
    assert step_db(0.2, 0.1) == 0.3


# -- fader gestures ---------------------------------------------------------------------


def test_drag_follows_live_and_commits_once(qtbot, fader: Fader) -> None:
    changed, committed = Recorder(fader.value_changed), Recorder(fader.value_committed)
    handle = fader.handle_rect().center().toPoint()
    qtbot.mousePress(fader, LEFT, pos=handle)
    for step in range(1, 5):
        qtbot.mouseMove(fader, handle - QPoint(0, 5 * step))
        assert len(changed.calls) == step
        assert committed.calls == []
    qtbot.mouseRelease(fader, LEFT, pos=handle - QPoint(0, 20))
    assert changed.calls[-1] == (fader.value_db,)
    assert fader.value_db > 0.0
    assert committed.calls == [(0.0, fader.value_db)]


def test_a_click_neither_jumps_nor_commits(fader: Fader) -> None:
    changed = Recorder(fader.value_changed, fader.value_committed)
    mouse(fader, QEvent.Type.MouseButtonPress, QPointF(fader.handle_rect().center().x(), 30))
    mouse(fader, QEvent.Type.MouseButtonRelease, QPointF(fader.handle_rect().center().x(), 30))
    assert changed.calls == []
    assert fader.value_db == 0.0


def test_shift_drag_moves_ten_times_less(fader: Fader) -> None:
    handle = fader.handle_rect().center()
    drag(fader, handle, QPointF(0, -20))
    coarse_db = fader.value_db
    fader.set_value_db(0.0)
    drag(fader, handle, QPointF(0, -20), SHIFT)
    fine_db = fader.value_db
    assert fine_db > 0.0
    assert coarse_db / fine_db == pytest.approx(10.0, rel=0.25)


def test_drag_to_the_bottom_reaches_minus_infinity(fader: Fader) -> None:
    drag(fader, fader.handle_rect().center(), QPointF(0, 2 * fader.height()))
    assert fader.value_db == -math.inf


def test_wheel_steps_and_commits_once_per_burst(qtbot, fader: Fader) -> None:
    committed = Recorder(fader.value_committed)
    with qtbot.waitSignal(fader.value_committed, timeout=2000):
        wheel(fader, 1)
        wheel(fader, 1)
        wheel(fader, -1, SHIFT)
    assert fader.value_db == pytest.approx(0.9)
    assert committed.calls == [(0.0, pytest.approx(0.9))]


def test_keys_step_and_commit_per_press(qtbot, fader: Fader) -> None:
    committed = Recorder(fader.value_committed)
    qtbot.keyClick(fader, Qt.Key.Key_Up)
    assert fader.value_db == 0.5
    qtbot.keyClick(fader, Qt.Key.Key_Down, SHIFT)
    assert fader.value_db == pytest.approx(0.4)
    assert committed.calls == [(0.0, 0.5), (0.5, pytest.approx(0.4))]


def test_page_keys_move_6_db_and_home_and_end_go_to_the_ends(qtbot, fader: Fader) -> None:
    committed = Recorder(fader.value_committed)
    qtbot.keyClick(fader, Qt.Key.Key_PageDown)
    assert fader.value_db == -6.0
    qtbot.keyClick(fader, Qt.Key.Key_PageUp)
    qtbot.keyClick(fader, Qt.Key.Key_PageUp)
    assert fader.value_db == 6.0
    qtbot.keyClick(fader, Qt.Key.Key_End)
    assert fader.value_db == -math.inf
    qtbot.keyClick(fader, Qt.Key.Key_Home)
    assert fader.value_db == 0.0
    assert committed.calls == [
        (0.0, -6.0),
        (-6.0, 0.0),
        (0.0, 6.0),
        (6.0, -math.inf),
        (-math.inf, 0.0),
    ]


def test_a_held_key_commits_once_when_released(fader: Fader) -> None:
    committed = Recorder(fader.value_committed)
    for repeat in (False, True, True):
        press = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Up, NO_MODIFIER, "", repeat)
        QApplication.sendEvent(fader, press)
        if repeat:
            release = QKeyEvent(QEvent.Type.KeyRelease, Qt.Key.Key_Up, NO_MODIFIER, "", True)
            QApplication.sendEvent(fader, release)
    assert committed.calls == []
    release = QKeyEvent(QEvent.Type.KeyRelease, Qt.Key.Key_Up, NO_MODIFIER)
    QApplication.sendEvent(fader, release)
    assert committed.calls == [(0.0, 1.5)]


def test_keys_climb_out_of_minus_infinity(qtbot, fader: Fader) -> None:
    fader.set_value_db(-math.inf)
    qtbot.keyClick(fader, Qt.Key.Key_Up)
    assert fader.value_db == -60.0
    qtbot.keyClick(fader, Qt.Key.Key_Down)
    assert fader.value_db == -math.inf


def test_double_click_resets_and_commits(qtbot, fader: Fader) -> None:
    fader.set_value_db(-7.5)
    committed = Recorder(fader.value_committed)
    qtbot.mouseDClick(fader, LEFT, pos=fader.handle_rect().center().toPoint())
    assert fader.value_db == 0.0
    assert committed.calls == [(-7.5, 0.0)]
    fader.default_db = -10.0
    qtbot.mouseDClick(fader, LEFT, pos=fader.handle_rect().center().toPoint())
    assert fader.value_db == -10.0


def test_setting_the_value_does_not_emit_and_clamps(fader: Fader) -> None:
    calls = Recorder(fader.value_changed, fader.value_committed)
    fader.set_value_db(-12.0)
    fader.set_value_db(30.0)
    assert fader.value_db == MAX_DB
    fader.set_value_db(-math.inf)
    assert fader.value_db == -math.inf
    assert calls.calls == []
    fader.set_value_db(-3.0, emit=True)
    assert calls.calls == [(-3.0,)]


def test_suggestion_does_not_move_the_handle(fader: Fader) -> None:
    fader.set_value_db(-3.0)
    before = fader.handle_rect()
    fader.set_suggestion(-9.0, -12.0, -6.0)
    assert fader.handle_rect() == before
    assert fader.value_db == -3.0
    assert fader.suggestion_db == -9.0
    assert "-9.0" in fader.toolTip()
    fader.set_suggestion(None)
    assert fader.suggestion_db is None


def test_a_suggestion_above_the_fader_s_top_is_drawn_as_an_arrow_past_it(fader: Fader) -> None:
    """A suggestion of +25.4 dB was drawn as the +12 dB mark, nothing showing it lay
    beyond the scale (found by a new-user trial): it is an arrow pointing up, drawn
    above the top mark's line, and the tooltip says so."""
    from drumassist.ui import theme

    def orange_rows(image) -> set[int]:
        accent = QColor(theme.SUGGESTION)
        return {
            y
            for y in range(image.height())
            for x in range(image.width())
            if abs(image.pixelColor(x, y).red() - accent.red()) < 20
            and abs(image.pixelColor(x, y).green() - accent.green()) < 20
            and abs(image.pixelColor(x, y).blue() - accent.blue()) < 20
        }

    top = round(fader.y_of_db(MAX_DB))
    fader.set_suggestion(11.5)
    assert min(orange_rows(fader.grab().toImage())) >= top - 5  # a side marker at the top
    assert "above the fader's top" not in fader.toolTip()
    fader.set_suggestion(25.4, 23.6, 27.2)
    assert min(orange_rows(fader.grab().toImage())) <= top - 7  # the arrow rises past it
    assert "Suggested: +25.4 dB" in fader.toolTip()
    assert "above the fader's top (+12.0 dB)" in fader.toolTip()


# -- the strip --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-6", -6.0),
        ("-6.5", -6.5),
        ("-6.5 dB", -6.5),
        ("  +3 ", 3.0),
        ("-6,5db", -6.5),
        ("−4", -4.0),
        ("-inf", -math.inf),
        ("-∞", -math.inf),
        ("junk", None),
        ("", None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_parse_db(text: str, expected: float | None) -> None:
    assert parse_db(text) == expected


@pytest.mark.parametrize(
    "case",
    [
        ("-6.5", -6.5, "-6.5", ""),
        ("-inf", -math.inf, "-inf", ""),
        ("+40", 12.0, "+12.0", "The fader goes up to +12.0 dB: set to +12.0 dB."),
        ("-95 dB", -math.inf, "-inf", "-95.0 dB is at or below -90.0 dB"),
    ],
)
def test_typed_level_commits(qtbot, strip: ChannelStrip, case: tuple[str, float, str, str]) -> None:
    typed, expected, shown, note = case  # typed, level set, level shown, note shown
    changed, committed = Recorder(strip.gain_changed), Recorder(strip.gain_committed)
    QToolTip.hideText()
    qtbot.mouseDClick(strip.gain_entry, Qt.MouseButton.LeftButton)  # selects the level
    qtbot.keyClick(strip.gain_entry, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(strip.gain_entry, typed)
    qtbot.keyClick(strip.gain_entry, Qt.Key.Key_Return)
    assert strip.gain_db == expected
    assert changed.calls == [(expected,)]
    assert committed.calls == [(0.0, expected)]
    assert strip.gain_entry.text() == shown
    # A level outside the fader's range says what was set instead.
    if note:
        assert QToolTip.isVisible() and QToolTip.text().startswith(note)
    else:
        assert not QToolTip.isVisible()


def test_junk_reverts_and_explains(qtbot, strip: ChannelStrip) -> None:
    strip.set_gain_db(-3.0)
    calls = Recorder(strip.gain_changed, strip.gain_committed)
    strip.gain_entry.setText("junk")
    qtbot.keyClick(strip.gain_entry, Qt.Key.Key_Return)
    assert strip.gain_db == -3.0
    assert strip.gain_entry.text() == "-3.0"
    assert calls.calls == []
    assert "-inf" in QToolTip.text()


def test_escape_gives_up_typing(qtbot, strip: ChannelStrip) -> None:
    strip.gain_entry.setText("-20")
    qtbot.keyClick(strip.gain_entry, Qt.Key.Key_Escape)
    assert strip.gain_entry.text() == "0.0"
    assert strip.gain_db == 0.0


def test_fader_drag_reaches_the_strip_signals(strip: ChannelStrip) -> None:
    changed, committed = Recorder(strip.gain_changed), Recorder(strip.gain_committed)
    drag(strip.fader, strip.fader.handle_rect().center(), QPointF(0, 25))
    assert strip.gain_db < 0.0
    assert changed.calls[-1] == (strip.gain_db,)
    assert committed.calls == [(0.0, strip.gain_db)]
    assert strip.gain_entry.text() == f"{strip.gain_db:+.1f}"


def test_setters_do_not_emit(strip: ChannelStrip) -> None:
    signals = (strip.gain_changed, strip.gain_committed, strip.pan_changed, strip.pan_committed)
    signals += (strip.mute_toggled, strip.solo_toggled, strip.role_committed)
    calls = Recorder(*signals)
    strip.set_gain_db(-4.5)
    strip.set_pan(-0.3)
    strip.set_mute(True)
    strip.set_solo(True)
    strip.set_role(Role.TOM)
    strip.set_suggestion(-6.0, -8.0, -4.0)
    strip.set_meter(0.5)
    assert calls.calls == []
    assert (strip.gain_db, strip.pan, strip.muted, strip.soloed) == (-4.5, -0.3, True, True)
    assert strip.role is Role.TOM
    assert strip.role_combo.currentText() == "Tom"
    assert strip.gain_entry.text() == "-4.5"


def test_suggestion_marker_and_difference_label(strip: ChannelStrip) -> None:
    assert strip.diff_label.text() == ""
    strip.set_gain_db(-4.0)
    handle = strip.fader.handle_rect()
    strip.set_suggestion(-6.0, -8.0, -5.0)
    assert strip.fader.handle_rect() == handle
    assert strip.gain_db == -4.0
    assert strip.diff_label.text().startswith("+2.0 dB")
    assert "suggestion" in strip.diff_label.text()
    assert strip.diff_label.property("outside") is True
    strip.set_gain_db(-6.5)
    assert strip.diff_label.text().startswith("-0.5 dB")
    assert strip.diff_label.property("outside") is False
    strip.set_gain_db(-6.0)
    assert strip.diff_label.text().startswith("0.0 dB")
    strip.set_suggestion(None)
    assert strip.diff_label.text() == ""


def test_mute_solo_and_role_signals(qtbot, strip: ChannelStrip) -> None:
    mutes, solos = Recorder(strip.mute_toggled), Recorder(strip.solo_toggled)
    roles = Recorder(strip.role_committed)
    qtbot.mouseClick(strip.mute_button, LEFT)
    qtbot.mouseClick(strip.solo_button, LEFT)
    qtbot.mouseClick(strip.mute_button, LEFT)
    assert mutes.calls == [(True,), (False,)]
    assert solos.calls == [(True,)]
    assert (strip.muted, strip.soloed) == (False, True)
    strip.role_combo.setFocus()
    qtbot.keyClick(strip.role_combo, Qt.Key.Key_Down)
    assert roles.calls == [(Role.SNARE, Role.HIHAT)]
    assert all(type(role) is Role for role in roles.calls[0])
    assert strip.role is Role.HIHAT


def test_a_long_name_breaks_onto_two_lines_and_is_cut_only_past_them(qtbot) -> None:
    names = ("Audio 01 - Kick In", "Overheads Stereo Pair Far", "Audio 01 - Kick In Sub Far Mic")
    strips = [
        ChannelStrip(name, stereo=stereo, role=Role.OVERHEAD)
        for name, stereo in zip(names, (False, False, True), strict=True)
    ]
    short = ChannelStrip("Kick", stereo=False, role=Role.KICK)
    for strip in (*strips, short):
        qtbot.addWidget(strip)
        strip.show()
        assert strip.name_label.toolTip() == strip.name
    whole, pair, cut = (s.name_label.text() for s in strips)
    # Whole, broken at a space (not inside a word): the end of the name stays in view.
    assert whole.count("\n") == 1 and whole.replace("\n", " ") == names[0]
    assert pair.count("\n") == 1 and pair.replace("\n", " ") == names[1]
    # Too long for two lines: the second is cut in its middle, both ends kept.
    first, second = cut.split("\n")
    start, end = second.split("…")
    assert names[2].startswith(f"{first} {start}") and names[2].endswith(end) and end
    # Every name row is two lines high, so the rows under it line up across strips.
    heights = {s.name_label.height() for s in (*strips, short)}
    assert len(heights) == 1
    assert short.name_label.text() == "Kick"
    assert len(strips[2].meter.channels) == 2


def test_every_control_has_a_tooltip(strip: ChannelStrip) -> None:
    controls = [
        strip.name_label,
        strip.role_combo,
        strip.mute_button,
        strip.solo_button,
        strip.pan_control,
        strip.fader,
        strip.meter,
        strip.gain_entry,
    ]
    assert all(control.toolTip() for control in controls)
    strip.set_suggestion(-3.0, -5.0, -1.0)
    assert strip.diff_label.toolTip()


def test_screenshot(strip: ChannelStrip, tmp_path) -> None:
    strip.set_suggestion(-3.0, -5.0, -1.0)
    strip.set_meter(0.5)
    path = tmp_path / "strip.png"
    assert strip.grab().save(str(path))
    assert path.stat().st_size > 0


# -- pan --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pan", "text"), [(0.0, "C"), (-0.004, "C"), (-0.3, "L30"), (1.0, "R100"), (0.05, "R5")]
)
def test_pan_text(pan: float, text: str) -> None:
    assert format_pan(pan) == text


def test_pan_drag_double_click_and_keys(qtbot) -> None:
    pan = PanControl()
    qtbot.addWidget(pan)
    pan.resize(80, 20)
    pan.show()
    changed, committed = Recorder(pan.value_changed), Recorder(pan.value_committed)
    drag(pan, QPointF(40, 10), QPointF(-20, 0))
    assert pan.value == pytest.approx(-0.5)
    assert committed.calls == [(0.0, pytest.approx(-0.5))]
    assert changed.calls
    qtbot.mouseDClick(pan, LEFT, pos=QPoint(40, 10))
    assert pan.value == 0.0
    assert committed.calls[-1] == (pytest.approx(-0.5), 0.0)
    qtbot.keyClick(pan, Qt.Key.Key_Right)
    assert pan.value == pytest.approx(0.05)
    with qtbot.waitSignal(pan.value_committed, timeout=2000) as blocker:
        wheel(pan, -2)
    assert blocker.args == [pytest.approx(0.05), pytest.approx(-0.05)]
    pan.set_value(5.0)
    assert pan.value == 1.0


def test_strip_pan_signals(strip: ChannelStrip) -> None:
    changed, committed = Recorder(strip.pan_changed), Recorder(strip.pan_committed)
    width = strip.pan_control.width()
    drag(strip.pan_control, QPointF(width / 2, 8), QPointF(width / 4, 0))
    assert strip.pan == pytest.approx(0.5, abs=0.02)
    assert changed.calls[-1] == (strip.pan,)
    assert committed.calls == [(0.0, strip.pan)]


# -- meter ------------------------------------------------------------------------------


def test_meter_jumps_up_and_falls_smoothly() -> None:
    meter = PeakBallistics()
    meter.update(0.5, now_s=0.0)
    assert meter.level_db == pytest.approx(-6.02, abs=0.01)
    meter.update(0.0, now_s=0.5)
    assert meter.level_db == pytest.approx(-16.02, abs=0.01)
    meter.update(0.0, now_s=10.0)
    assert meter.level_db == -60.0


def test_meter_holds_the_peak_then_lets_it_fall() -> None:
    meter = PeakBallistics()
    meter.update(0.5, now_s=0.0)
    meter.update(0.1, now_s=1.4)
    assert meter.hold_db == pytest.approx(-6.02, abs=0.01)
    meter.update(0.1, now_s=1.6)
    assert meter.hold_db == pytest.approx(-6.02 - 0.1 * 20, abs=0.01)
    meter.update(0.1, now_s=5.0)
    assert meter.hold_db == pytest.approx(-20.0, abs=0.01)


def test_clip_latches_until_clicked_or_reset(qtbot) -> None:
    now = [0.0]
    meter = LevelMeter(channels=2, clock=lambda: now[0])
    qtbot.addWidget(meter)
    meter.resize(20, 200)
    meter.show()
    meter.set_peaks(0.5, 1.0)
    assert not meter.clipped
    meter.set_peaks(0.5, 1.2)
    now[0] = 4.0
    meter.set_peak(0.0)
    assert meter.clipped
    assert meter.channels[1].level_db == -60.0
    qtbot.mouseClick(meter, LEFT)
    assert not meter.clipped
    meter.set_peak(1.5)
    assert meter.clipped
    meter.reset()
    assert not meter.clipped
    assert meter.channels[0].hold_db == -60.0


def test_a_muted_level_reads_as_the_scale_writes_it(strip, qtbot) -> None:
    strip.set_suggestion(-6.0)
    strip.gain_entry.selectAll()
    qtbot.keyClicks(strip.gain_entry, "-inf")
    qtbot.keyClick(strip.gain_entry, Qt.Key.Key_Return)
    assert strip.diff_label.text() == "−∞ dB\nvs suggestion"  # as the fader's scale: −∞
    strip.gain_entry.selectAll()
    qtbot.keyClicks(strip.gain_entry, "-3.9")
    qtbot.keyClick(strip.gain_entry, Qt.Key.Key_Return)
    assert strip.diff_label.text() == "+2.1 dB\nvs suggestion"


@pytest.mark.parametrize(
    ("text", "fits", "shown"),
    [
        ("Audio 01 - Kick In", "Audio 01 - Kic", "Audio 01 -\nKick In"),  # not "- Kick In"
        ("Overheads Stereo Pair Far", "Overheads Stereo", "Overheads\nStereo Pair Far"),
        ("ref_dry_mix", "ref_dry_m", "ref_\ndry_mix"),  # no space: the most even underscore
        ("ref_wet_mix", "ref_wet_m", "ref_\nwet_mix"),  # told apart from the dry mix
        ("Snare_Top Mic", "Snare_Top M", "Snare_Top\nMic"),  # a space before "_"
        ("Kick", "Kick", "Kick"),
        ("", "x", ""),
    ],
)
def test_where_a_name_breaks_onto_its_second_line(qtbot, text, fits, shown) -> None:
    from drumassist.ui.elided import two_lines

    strip = ChannelStrip("x", stereo=False, role=Role.KICK)
    qtbot.addWidget(strip)
    metrics = strip.name_label.fontMetrics()
    width = metrics.horizontalAdvance(fits)
    assert two_lines(text, metrics, width, Qt.TextElideMode.ElideMiddle) == shown


def test_a_line_break_in_a_name_shows_as_a_space(qtbot) -> None:
    strip = ChannelStrip("OH\nL", stereo=False, role=Role.OVERHEAD)
    qtbot.addWidget(strip)
    strip.show()
    assert strip.name_label.text() == "OH L" and strip.name_label.toolTip() == "OH\nL"


def test_recent_items_name_a_folder_with_its_parent_and_a_session_by_itself() -> None:
    from drumassist.ui.settings import recent_label

    assert recent_label(Path("/music/Song A/stems")) == "Song A/stems"
    assert recent_label(Path("/music/Song A/song.drumassist")) == "song.drumassist"
    assert recent_label(Path("/stems")) == "stems"
