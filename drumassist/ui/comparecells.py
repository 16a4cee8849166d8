"""The compare view's table: one row per balance (the method, its scores against a
reference mix when one is loaded, then its gain per track in the window's strip order)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

from drumassist.learn.evaluate.compare_table import BalanceRow
from drumassist.learn.evaluate.metrics import format_r2
from drumassist.learn.suggest.suggestion import Suggestion
from drumassist.ui import theme
from drumassist.ui.comparechart import row_colour

#: Columns before the tracks' (the two score columns only with a reference mix).
METHOD_COLUMN = 0
SCORE_HEADERS = ("Balance error (dB)", "R²")


def fill_table(
    table: QTableWidget,
    rows: Sequence[BalanceRow],
    names: Sequence[str],
    *,
    columns: Sequence[int],
) -> None:
    """One row per balance: method, scores (with a reference), then dB per track.

    ``names`` are the tracks in the suggestions' order; ``columns`` the indices into
    them left to right (:func:`~drumassist.learn.evaluate.compare_table.column_order`).
    """
    scored = any(r.is_reference for r in rows)
    headers = ["Method", *(SCORE_HEADERS if scored else ()), *(names[t] for t in columns)]
    first_track = len(headers) - len(names)
    table.clear()
    table.setColumnCount(len(headers))
    table.setRowCount(len(rows))
    table.setHorizontalHeaderLabels(headers)
    errors = [r.balance_error_db for r in rows if math.isfinite(r.balance_error_db)]
    best = min(errors, default=math.nan)
    for r, row in enumerate(rows):
        table.setItem(r, METHOD_COLUMN, _method_item(row, row_colour(rows, r)))
        if scored:
            error = _number_item(row.balance_error_db, "{:.2f}".format, row)
            if row.balance_error_db == best:  # the closest balance to the reference
                font = error.font()
                font.setBold(True)
                error.setFont(font)
                error.setToolTip("The closest balance to the reference mix")
            table.setItem(r, 1, error)
            table.setItem(r, 2, _number_item(row.r2, format_r2, row))
        if row.suggestion is None:
            table.setSpan(r, first_track, 1, len(names))
            table.setItem(r, first_track, _error_item(row.error or "failed"))
            continue
        for c, t in enumerate(columns):
            table.setItem(r, first_track + c, _gain_item(row.suggestion, t))
    table.resizeColumnsToContents()
    table.resizeRowsToContents()


def _method_item(row: BalanceRow, colour: QColor) -> QTableWidgetItem:
    item = QTableWidgetItem(row.label)
    swatch = QPixmap(12, 12)
    swatch.fill(colour)
    item.setIcon(swatch)
    if row.suggestion is not None and row.suggestion.model:
        item.setToolTip(f"model: {row.suggestion.model}")
    if row.suggestion is None:
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)  # a failed method cannot be selected
    return item


def _number_item(value: float, fmt: Callable[[float], str], row: BalanceRow) -> QTableWidgetItem:
    text = fmt(value) if math.isfinite(value) else ("" if row.is_reference else "n/a")
    item = QTableWidgetItem(text)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _gain_item(suggestion: Suggestion, track: int) -> QTableWidgetItem:
    gain = suggestion.gains_db[track]
    low, high = suggestion.low_db[track], suggestion.high_db[track]
    text = f"{gain:+.1f}" if math.isfinite(gain) else "off"
    if math.isfinite(gain) and (low != gain or high != gain):
        text += f"\n{_db(low)}…{_db(high)}"
    item = QTableWidgetItem(text)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _db(value: float) -> str:
    return f"{value:+.1f}" if math.isfinite(value) else "off"


def _error_item(message: str) -> QTableWidgetItem:
    item = QTableWidgetItem(f"error: {message}")
    item.setForeground(QColor(theme.ERROR))
    item.setToolTip(message)
    item.setFlags(Qt.ItemFlag.ItemIsEnabled)
    return item
