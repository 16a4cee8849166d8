"""The compare view's bar chart: dB per track for every method, with confidence ranges.

Tracks along x in the window's strip order, one group of bars per track and one
colour per method; error bars
where a method gives a range; the reference mix's balance as a white line across each
group. Clicking a method's bar emits :attr:`BalanceChart.row_clicked`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from drumassist.learn.evaluate.compare_table import BalanceRow, chart_values
from drumassist.ui import theme

#: One colour per method row, in order (they repeat past ten methods).
METHOD_COLOURS = (
    "#e0a030", "#7fa7c9", "#8cc084", "#d9736b", "#b58fd6",
    "#5fc4c0", "#d6c25f", "#c98fb0", "#9aa0a8", "#e08a50",
)  # fmt: skip
REFERENCE_COLOUR = "#ffffff"
#: Share of a track's slot on the x axis that its group of bars fills.
GROUP_WIDTH = 0.84
#: With more tracks than this, longer names are shortened in the middle under the chart.
CROWDED_TRACKS = 10
_SHORT_NAME = 9
#: Opacity of the bars of methods other than the one being auditioned.
DIMMED_ALPHA = 90


def row_colour(rows: Sequence[BalanceRow], row: int) -> QColor:
    """The colour of ``rows[row]``: white for the reference, else by the method's place.

    Counted among the methods only, so a method keeps its colour when a reference
    mix adds a row above it.
    """
    if rows[row].is_reference:
        return QColor(REFERENCE_COLOUR)
    slot = sum(not r.is_reference for r in rows[:row])
    return QColor(METHOD_COLOURS[slot % len(METHOD_COLOURS)])


class _Bars(pg.BarGraphItem):
    """One method's bars; a left click on one of them reports the method's row."""

    def __init__(self, row: int, clicked: SignalInstance, **opts: object) -> None:
        super().__init__(**opts)
        self._row = row
        self._clicked = clicked
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)

    def mouseClickEvent(self, event: object) -> None:
        if event.button() == Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
            event.accept()  # type: ignore[attr-defined]
            self._clicked.emit(self._row)


class BalanceChart(pg.PlotWidget):
    """Grouped bars of every balance in a comparison."""

    row_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, background=theme.PANEL)
        self.setMinimumHeight(260)
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.showGrid(y=True, alpha=0.15)
        self.setLabel("left", "gain (dB), each mono mix at −23 LUFS")
        # No legend: the table beside the chart shows each method's colour.
        self.bars: dict[int, _Bars] = {}
        self.ranges: dict[int, pg.ErrorBarItem] = {}
        self._rows: tuple[BalanceRow, ...] = ()
        #: The tracks' indices left to right (the window's strip order).
        self.columns: tuple[int, ...] = ()
        self._selected: int | None = None

    def set_rows(
        self, rows: Sequence[BalanceRow], names: Sequence[str], *, columns: Sequence[int]
    ) -> None:
        """Draw ``rows`` (from :func:`~drumassist.learn.evaluate.compare_table.comparison_rows`).

        ``names`` are the tracks in the suggestions' order; ``columns`` the indices into
        them left to right (:func:`~drumassist.learn.evaluate.compare_table.column_order`).
        """
        self.clear()
        self.bars, self.ranges = {}, {}
        self._rows = tuple(rows)
        values = chart_values(self._rows, columns=columns)
        self.columns = values.columns
        names = [names[i] for i in values.columns]
        methods = [k for k, i in enumerate(values.rows) if not self._rows[i].is_reference]
        width = GROUP_WIDTH / max(1, len(methods))
        x_track = np.arange(len(names), dtype=float)
        for slot, k in enumerate(methods):
            row = values.rows[k]
            x = x_track - GROUP_WIDTH / 2 + (slot + 0.5) * width
            self._add_method(row, x, width, values.gains_db[k], values.floor_db)
            if self._rows[row].has_range:
                self.ranges[row] = pg.ErrorBarItem(
                    x=x, y=values.gains_db[k], top=values.above_db[k],
                    bottom=values.below_db[k], beam=width * 0.5,
                )  # fmt: skip
                self.addItem(self.ranges[row])
        for k, row in enumerate(values.rows):
            if self._rows[row].is_reference:
                self._add_reference(x_track, values.gains_db[k], self._rows[row].label)
        axis = self.getAxis("bottom")
        axis.setTicks([list(enumerate(_tick_labels(names)))])
        self.setXRange(-0.5, len(names) - 0.5, padding=0.02)
        top = float(values.gains_db.max()) if values.gains_db.size else 0.0
        top = max(top, float((values.gains_db + values.above_db).max(initial=top)))
        self.setYRange(values.floor_db, top + 2.0, padding=0.0)
        self.set_selected(self._selected)

    def _add_method(
        self, row: int, x: np.ndarray, width: float, gains_db: np.ndarray, floor_db: float
    ) -> None:
        colour = row_colour(self._rows, row)
        bars = _Bars(
            row, self.row_clicked, x=x, y0=floor_db, y1=gains_db, width=width * 0.92,
            brush=colour, pen=pg.mkPen(None),
        )  # fmt: skip
        bars.setToolTip(self._rows[row].label)
        self.addItem(bars)
        self.bars[row] = bars

    def _add_reference(self, x_track: np.ndarray, gains_db: np.ndarray, label: str) -> None:
        xs = np.column_stack([x_track - GROUP_WIDTH / 2, x_track + GROUP_WIDTH / 2]).ravel()
        ys = np.repeat(gains_db, 2)
        line = pg.PlotDataItem(xs, ys, connect="pairs", pen=pg.mkPen(REFERENCE_COLOUR, width=3))
        line.setToolTip(label)
        self.addItem(line)

    def set_selected(self, row: int | None) -> None:
        """Show ``row``'s bars at full strength and outlined, the others dimmed."""
        self._selected = row
        for index, bars in self.bars.items():
            colour = row_colour(self._rows, index)
            if row is not None and index != row:
                colour.setAlpha(DIMMED_ALPHA)
            pen = pg.mkPen(theme.TEXT, width=2) if index == row else pg.mkPen(None)
            bars.setOpts(brush=colour, pen=pen)
            whisker = QColor(theme.TEXT)
            if row is not None and index != row:
                whisker.setAlpha(DIMMED_ALPHA)
            if index in self.ranges:
                self.ranges[index].setData(pen=pg.mkPen(whisker, width=1))

    def bar_centre(self, row: int, track: int) -> tuple[float, float]:
        """Where in the plot's coordinates ``row``'s bar for track index ``track`` is."""
        opts = self.bars[row].opts
        k = self.columns.index(track)
        return float(opts["x"][k]), float((opts["y0"] + opts["y1"][k]) / 2)


def _tick_labels(names: Sequence[str]) -> list[str]:
    """The track names, shortened in the middle ("Snar…tom") when there are many."""
    if len(names) <= CROWDED_TRACKS:
        return list(names)
    head = (_SHORT_NAME - 1) // 2
    tail = _SHORT_NAME - 1 - head
    return [n if len(n) <= _SHORT_NAME else f"{n[:head]}…{n[-tail:]}" for n in names]
