"""Transport: play/stop, A/B switch, time readout, and an overview of the mix with
the playhead and a loop region (pyqtgraph)."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from drumassist.core.multitrack import Multitrack
from drumassist.ui import theme

OVERVIEW_POINTS = 4000


def overview_envelope(
    multitrack: Multitrack, points: int = OVERVIEW_POINTS
) -> tuple[np.ndarray, np.ndarray]:
    """Times and peak envelope of the unity-gain mono sum, at about ``points`` points."""
    frames = multitrack.frames
    step = max(1, frames // points)
    usable = (frames // step) * step
    peaks = np.zeros(frames // step)
    for track in multitrack.tracks:
        view = np.abs(track.audio[:usable]).max(axis=1).reshape(-1, step)
        peaks += view.max(axis=1)
    peak = peaks.max() if peaks.size and peaks.max() > 0 else 1.0
    times = (np.arange(peaks.size) * step) / multitrack.sample_rate
    return times, peaks / peak


def format_time(seconds: float) -> str:
    minutes, rest = divmod(max(0.0, seconds), 60.0)
    return f"{int(minutes)}:{rest:06.3f}"


#: What B is before any suggestion names it.
B_TOOLTIP = "Hear the selected suggestion, loudness-matched to A (B); press B to switch"


class Transport(QWidget):
    """Play/stop, A/B, the overview with a playhead, and the loop region."""

    play_toggled = Signal()
    ab_toggled = Signal(bool)
    seek_requested = Signal(float)
    loop_changed = Signal(object)  # (start_s, end_s) or None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.duration_s = 0.0
        self.play_button = QPushButton("▶ Play")
        self.play_button.setToolTip("Play or stop (Space)")
        self.play_button.clicked.connect(self.play_toggled)
        self.a_button = QPushButton("A  your mix")
        self.b_button = QPushButton()
        for button, use_b in ((self.a_button, False), (self.b_button, True)):
            button.setCheckable(True)
            button.setObjectName("abButton")
            button.clicked.connect(lambda _checked, b=use_b: self.ab_toggled.emit(b))
        self.a_button.setToolTip("Hear your faders (A); press B to switch")
        self.set_b_source(None)
        self.a_button.setChecked(True)
        self.loop_box = QCheckBox("Loop")
        self.loop_box.setToolTip("Loop the highlighted region; drag its edges on the overview")
        self.loop_box.toggled.connect(self._loop_toggled)
        self.time_label = QLabel("0:00.000 / 0:00.000")
        self.time_label.setObjectName("timeLabel")
        self.time_label.setToolTip("Playback position / length")
        self.plot = self._make_plot()
        buttons = QHBoxLayout()
        for widget in (self.play_button, self.a_button, self.b_button, self.loop_box):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(self.time_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.plot)

    def _make_plot(self) -> pg.PlotWidget:
        plot = pg.PlotWidget(background=theme.PANEL)
        plot.setMinimumHeight(70)
        plot.setMaximumHeight(110)
        plot.setMouseEnabled(x=False, y=False)
        plot.hideButtons()
        plot.getPlotItem().hideAxis("left")
        plot.getPlotItem().getAxis("bottom").setTextPen(theme.MUTED_TEXT)
        plot.setMenuEnabled(False)
        plot.setToolTip("Click to move the playhead")
        self._curve = plot.plot(pen=pg.mkPen(theme.WAVEFORM, width=1))
        self._curve_neg = plot.plot(pen=pg.mkPen(theme.WAVEFORM, width=1))
        fill = pg.FillBetweenItem(
            self._curve, self._curve_neg, brush=pg.mkBrush(theme.WAVEFORM_FILL)
        )
        plot.addItem(fill)
        self.playhead = pg.InfiniteLine(0.0, angle=90, pen=pg.mkPen(theme.ACCENT, width=2))
        plot.addItem(self.playhead)
        self.loop_region = pg.LinearRegionItem(
            (0.0, 1.0), brush=pg.mkBrush(theme.LOOP_FILL), movable=True
        )
        self.loop_region.hide()
        self.loop_region.sigRegionChangeFinished.connect(self._loop_moved)
        plot.addItem(self.loop_region)
        plot.scene().sigMouseClicked.connect(self._clicked)
        return plot

    def set_multitrack(self, multitrack: Multitrack) -> None:
        self.duration_s = multitrack.duration_s
        times, peaks = overview_envelope(multitrack)
        self._curve.setData(times, peaks)
        self._curve_neg.setData(times, -peaks)
        self.plot.setXRange(0.0, self.duration_s, padding=0.0)
        self.plot.setYRange(-1.05, 1.05, padding=0.0)
        self.loop_region.setRegion((self.duration_s * 0.25, self.duration_s * 0.5))
        self.set_position(0.0)

    def set_position(self, seconds: float) -> None:
        self.playhead.setValue(seconds)
        self.time_label.setText(f"{format_time(seconds)} / {format_time(self.duration_s)}")

    def set_playing(self, playing: bool) -> None:
        self.play_button.setText("■ Stop" if playing else "▶ Play")

    def set_ab(self, use_b: bool) -> None:
        self.a_button.setChecked(not use_b)
        self.b_button.setChecked(use_b)

    def set_b_available(self, available: bool) -> None:
        self.b_button.setEnabled(available)
        if not available:
            self.set_ab(False)

    def set_b_source(self, method: str | None) -> None:
        """Name on the B button what B plays (a method, or a reference mix); None: nothing."""
        if method is None:
            self.b_button.setText("B  suggestion")
            self.b_button.setToolTip(B_TOOLTIP)
            return
        short = "reference mix" if method.startswith("reference") else method
        self.b_button.setText(f"B  {short}")
        self.b_button.setToolTip(f"Hear {method}, loudness-matched to A (B); press B to switch")

    def loop_range(self) -> tuple[float, float] | None:
        if not self.loop_box.isChecked():
            return None
        start, end = self.loop_region.getRegion()
        return (max(0.0, float(start)), min(self.duration_s, float(end)))

    def _loop_toggled(self, on: bool) -> None:
        self.loop_region.setVisible(on)
        self.loop_changed.emit(self.loop_range())

    def _loop_moved(self) -> None:
        if self.loop_box.isChecked():
            self.loop_changed.emit(self.loop_range())

    def _clicked(self, event: object) -> None:
        pos = event.scenePos()  # type: ignore[attr-defined]
        if not self.plot.sceneBoundingRect().contains(pos):
            return
        seconds = float(self.plot.getPlotItem().vb.mapSceneToView(pos).x())
        self.seek_requested.emit(min(max(0.0, seconds), self.duration_s))
