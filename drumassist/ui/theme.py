"""The dark theme: one palette and one style sheet for the whole app."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

BACKGROUND = "#1e2023"
PANEL = "#26292d"
TEXT = "#d8dadd"
MUTED_TEXT = "#8a8f96"
ACCENT = "#e0a030"
ERROR = "#e05a4f"

STYLE_SHEET = f"""
QWidget {{ font-size: 10pt; }}
QPushButton {{ padding: 6px 14px; border-radius: 4px; background: #34383d; color: {TEXT};
              border: 1px solid #44494f; }}
QPushButton:hover {{ background: #3d4248; }}
QPushButton#primary {{ background: {ACCENT}; color: #1b1b1b; border: none; font-weight: bold; }}
QTableWidget {{ gridline-color: #33373c; background: {PANEL}; }}
QHeaderView::section {{ background: #2c3034; color: {MUTED_TEXT}; border: none; padding: 4px; }}
QLabel#title {{ font-size: 20pt; font-weight: bold; color: {TEXT}; }}
QLabel#hint {{ color: {MUTED_TEXT}; }}
QLabel#error {{ color: white; background: {ERROR}; padding: 6px 10px; border-radius: 4px; }}
"""


def apply_dark_theme(app: QApplication) -> None:
    """Give ``app`` the Fusion style with drumassist's dark palette."""
    app.setStyle("Fusion")
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: BACKGROUND,
        QPalette.ColorRole.WindowText: TEXT,
        QPalette.ColorRole.Base: PANEL,
        QPalette.ColorRole.AlternateBase: "#2a2d31",
        QPalette.ColorRole.Text: TEXT,
        QPalette.ColorRole.Button: "#34383d",
        QPalette.ColorRole.ButtonText: TEXT,
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: "#1b1b1b",
        QPalette.ColorRole.ToolTipBase: PANEL,
        QPalette.ColorRole.ToolTipText: TEXT,
        QPalette.ColorRole.PlaceholderText: MUTED_TEXT,
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    app.setPalette(palette)
    app.setStyleSheet(STYLE_SHEET)
