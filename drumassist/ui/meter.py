"""A vertical peak meter with peak hold, smooth fall-off and a latching clip light.

The ballistics live in :class:`PeakBallistics`, a plain class driven by an explicit
clock, so tests can step time instead of sleeping. :class:`LevelMeter` only feeds it
and paints; ``set_peak`` is cheap enough to call from a 30 Hz GUI timer.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from drumassist.ui import theme

METER_MIN_DBFS = -60.0
METER_MAX_DBFS = 6.0
HOLD_S = 1.5
FALL_DB_PER_S = 20.0
#: A peak above this (0 dBFS) lights the clip indicator until it is clicked.
CLIP_LIN = 1.0
#: Zone edges: green below the first, yellow up to the second, red above.
YELLOW_FROM_DBFS = -12.0
RED_FROM_DBFS = -3.0
TICKS_DBFS = (0.0, -6.0, -12.0, -24.0, -36.0, -48.0)

_BAR_WIDTH_PX = 6.0
_BAR_GAP_PX = 2.0
_CLIP_HEIGHT_PX = 7.0

TOOLTIP = (
    "Peak level in dBFS (−60 to +6).\n"
    "Green below −12, yellow to −3, red above. The thin line holds the recent peak.\n"
    "The top light turns red when the signal went over 0 dBFS; click the meter to clear it."
)


@dataclass
class PeakBallistics:
    """The displayed level, peak hold and clip latch of one meter channel.

    Attributes
    ----------
    level_db : float
        The bar's height in dBFS: jumps up to each peak, falls at ``fall_db_per_s``.
    hold_db : float
        The held peak: stays ``hold_s`` seconds, then falls at the same rate.
    clipped : bool
        True from the first peak above 0 dBFS until :meth:`reset` or :meth:`clear_clip`.
    """

    hold_s: float = HOLD_S
    fall_db_per_s: float = FALL_DB_PER_S
    floor_db: float = METER_MIN_DBFS
    level_db: float = METER_MIN_DBFS
    hold_db: float = METER_MIN_DBFS
    clipped: bool = False
    _hold_since_s: float = 0.0
    _last_s: float | None = None

    def update(self, peak_lin: float, now_s: float) -> None:
        """Take the block peak ``peak_lin`` (linear, 1.0 = 0 dBFS) measured at ``now_s``."""
        peak_lin = abs(peak_lin)
        peak_db = 20.0 * math.log10(peak_lin) if peak_lin > 0 else -math.inf
        if peak_lin > CLIP_LIN:
            self.clipped = True
        last_s = now_s if self._last_s is None else self._last_s
        elapsed_s = max(0.0, now_s - last_s)
        self.level_db = max(peak_db, self.level_db - self.fall_db_per_s * elapsed_s, self.floor_db)
        if peak_db >= self.hold_db:
            self.hold_db, self._hold_since_s = peak_db, now_s
        else:
            # Fall only for the part of this interval that is past the hold time.
            falling_since_s = max(last_s, self._hold_since_s + self.hold_s)
            self.hold_db -= self.fall_db_per_s * max(0.0, now_s - falling_since_s)
        self.hold_db = max(self.hold_db, self.level_db)
        self._last_s = now_s

    def clear_clip(self) -> None:
        """Turn the clip light off."""
        self.clipped = False

    def fall_silent(self) -> None:
        """Playback stopped: no level and no hold; the clip light stays until cleared."""
        self.level_db = self.hold_db = self.floor_db
        self._last_s = None

    def reset(self) -> None:
        """Back to silence: no level, no hold, no clip."""
        self.level_db = self.hold_db = self.floor_db
        self.clipped = False
        self._last_s = None


def dbfs_to_fraction(level_dbfs: float) -> float:
    """Height of ``level_dbfs`` on the meter, 0 at -60 dBFS and 1 at +6 dBFS."""
    span = METER_MAX_DBFS - METER_MIN_DBFS
    return min(1.0, max(0.0, (level_dbfs - METER_MIN_DBFS) / span))


class LevelMeter(QWidget):
    """A peak meter with one bar (mono) or two (stereo).

    Parameters
    ----------
    parent : QWidget, optional
        The parent widget.
    channels : int
        1 for one bar, 2 for a left and a right bar.
    clock : callable
        Returns the time in seconds; :func:`time.monotonic` unless a test injects one.
    """

    #: Where the bars start below the clip light; the bars end at the bottom edge.
    BAR_TOP_PX = _CLIP_HEIGHT_PX + 3

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        channels: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(parent)
        if channels not in (1, 2):
            raise ValueError(f"a meter has 1 or 2 channels, not {channels}")
        self._clock = clock
        self.channels = [PeakBallistics() for _ in range(channels)]
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Level meter")
        self.setToolTip(TOOLTIP)

    def set_peak(self, peak_lin: float) -> None:
        """Show the latest peak (linear) on every bar; call it about 30 times a second."""
        self.set_peaks(*([peak_lin] * len(self.channels)))

    def set_peaks(self, *peaks_lin: float) -> None:
        """Show the latest peak of each channel (left, right).

        One value feeds every bar; a one-bar meter shows the largest of several.
        """
        now_s = self._clock()
        if len(peaks_lin) != len(self.channels):
            peaks_lin = (max(map(abs, peaks_lin)),) * len(self.channels)
        for ballistics, peak_lin in zip(self.channels, peaks_lin, strict=True):
            ballistics.update(peak_lin, now_s)
        self.update()

    def fall_silent(self) -> None:
        """Clear the bars and the peak hold (playback stopped); the clip light stays."""
        for ballistics in self.channels:
            ballistics.fall_silent()
        self.update()

    def reset(self) -> None:
        """Clear the bars, the peak hold and the clip light."""
        for ballistics in self.channels:
            ballistics.reset()
        self.update()

    @property
    def clipped(self) -> bool:
        """True while the clip light is on."""
        return any(b.clipped for b in self.channels)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            for ballistics in self.channels:
                ballistics.clear_clip()
                ballistics.hold_db = ballistics.level_db
            self.update()
            event.accept()

    def sizeHint(self) -> QSize:
        count = len(self.channels)
        return QSize(round(count * _BAR_WIDTH_PX + (count - 1) * _BAR_GAP_PX + 2), 260)

    def minimumSizeHint(self) -> QSize:
        return QSize(self.sizeHint().width(), 80)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        top = self.BAR_TOP_PX
        for index, ballistics in enumerate(self.channels):
            x = 1 + index * (_BAR_WIDTH_PX + _BAR_GAP_PX)
            bar = QRectF(x, top, _BAR_WIDTH_PX, self.height() - top)
            self._paint_bar(painter, bar, ballistics)
            clip = QRectF(x, 1, _BAR_WIDTH_PX, _CLIP_HEIGHT_PX)
            colour = QColor(theme.METER_RED)
            if not ballistics.clipped:
                colour.setAlpha(theme.METER_UNLIT_ALPHA + 20)
            painter.fillRect(clip, colour)
        painter.end()

    def _paint_bar(self, painter: QPainter, bar: QRectF, ballistics: PeakBallistics) -> None:
        painter.fillRect(bar, QColor(theme.METER_BACK))

        def y_of(level_dbfs: float) -> float:
            return bar.bottom() - dbfs_to_fraction(level_dbfs) * bar.height()

        zones = (
            (METER_MIN_DBFS, YELLOW_FROM_DBFS, theme.METER_GREEN),
            (YELLOW_FROM_DBFS, RED_FROM_DBFS, theme.METER_YELLOW),
            (RED_FROM_DBFS, METER_MAX_DBFS, theme.METER_RED),
        )
        for low, high, colour in zones:
            unlit = QColor(colour)
            unlit.setAlpha(theme.METER_UNLIT_ALPHA)
            painter.fillRect(
                QRectF(bar.left(), y_of(high), bar.width(), y_of(low) - y_of(high)), unlit
            )
            lit_top = min(high, ballistics.level_db)
            if lit_top > low:
                rect = QRectF(bar.left(), y_of(lit_top), bar.width(), y_of(low) - y_of(lit_top))
                painter.fillRect(rect, QColor(colour))
        for tick in TICKS_DBFS:
            y = math.floor(y_of(tick))
            painter.fillRect(QRectF(bar.left(), y, bar.width(), 1), QColor(theme.METER_BACK))
        if ballistics.hold_db > METER_MIN_DBFS:
            hold = QRectF(bar.left(), y_of(ballistics.hold_db) - 1, bar.width(), 2)
            painter.fillRect(hold, _zone_colour(ballistics.hold_db))


def _zone_colour(level_dbfs: float) -> QColor:
    if level_dbfs >= RED_FROM_DBFS:
        return QColor(theme.METER_RED)
    if level_dbfs >= YELLOW_FROM_DBFS:
        return QColor(theme.METER_YELLOW)
    return QColor(theme.METER_GREEN)
