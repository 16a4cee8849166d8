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
QPushButton:disabled {{ color: #62676e; background: #2a2d31; border: 1px solid #33373c; }}
QPushButton#primary:disabled {{ color: #3a3326; background: #6e5527; }}
QTableWidget {{ gridline-color: #33373c; background: {PANEL}; }}
QHeaderView::section {{ background: #2c3034; color: {MUTED_TEXT}; border: none; padding: 4px; }}
QLabel#title {{ font-size: 20pt; font-weight: bold; color: {TEXT}; }}
QLabel#hint {{ color: {MUTED_TEXT}; }}
QLabel#error {{ color: white; background: {ERROR}; padding: 6px 10px; border-radius: 4px; }}
QLabel#error[warning="true"] {{ color: #1b1b1b; background: {ACCENT}; }}
QPushButton#link {{ background: transparent; border: none; color: {ACCENT}; padding: 2px; }}
QPushButton#link:hover {{ text-decoration: underline; }}
QPushButton#abButton {{ font-weight: bold; min-width: 110px; }}
QPushButton#abButton:checked {{ background: {ACCENT}; color: #1b1b1b; }}
QLabel#timeLabel {{ font-family: monospace; font-size: 11pt; color: {TEXT}; }}
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


# Transport overview
WAVEFORM = "#7fa7c9"
WAVEFORM_FILL = (127, 167, 201, 90)
LOOP_FILL = (224, 160, 48, 50)

# Mixer strips (fader, meter, channel strip)
STRIP_BORDER = "#363a40"
FADER_SLOT = "#0f1113"
FADER_TICK = "#5b6168"
FADER_CAP = "#c4c8cd"
FADER_CAP_DARK = "#7d838a"
FADER_CAP_LINE = "#1b1d20"
SUGGESTION = ACCENT
SUGGESTION_BAND = (224, 160, 48, 95)
METER_BACK = "#111315"
METER_GREEN = "#3cc05a"
METER_YELLOW = "#e3c43a"
METER_RED = "#e5453a"
METER_UNLIT_ALPHA = 30
MUTE_ON = "#3d8fe0"
SOLO_ON = "#e8d24a"
PAN_FILL = "#6aa3d8"

STRIP_STYLE_SHEET = f"""
QFrame#channelStrip {{ background: {PANEL}; border: 1px solid {STRIP_BORDER};
                       border-radius: 4px; }}
QFrame#channelStrip QLabel {{ border: none; background: transparent; }}
QLabel#stripName {{ font-size: 9pt; font-weight: bold; color: {TEXT}; }}
QFrame#channelStrip[silenced="true"] {{ background: {BACKGROUND}; border-style: dashed; }}
QFrame#channelStrip[silenced="true"] QLabel#stripName {{ color: {MUTED_TEXT}; }}
QFrame#channelStrip QLabel#stereoBadge {{ font-size: 7pt; font-weight: bold; color: {MUTED_TEXT};
                       border: 1px solid #4a4f56; border-radius: 3px; padding: 0px 2px; }}
QFrame#channelStrip QLabel#polarityBadge {{ font-size: 8pt; font-weight: bold; color: #1b1b1b;
                       background: {SOLO_ON}; border-radius: 3px; padding: 0px 3px; }}
QFrame#channelStrip QLabel#polarityBadge[done="true"] {{ background: transparent; color: {SOLO_ON};
                       border: 1px solid {SOLO_ON}; }}
QFrame#channelStrip QLabel#bleedBadge {{ font-size: 7pt; color: {MUTED_TEXT};
                       border: 1px dashed #6a6f76; border-radius: 3px; padding: 0px 2px; }}
QComboBox#roleCombo {{ font-size: 8pt; padding: 1px 4px; }}
QPushButton#muteButton, QPushButton#soloButton, QPushButton#invertButton {{ font-size: 9pt;
                       font-weight: bold;
                       padding: 2px 0px; border-radius: 3px; color: {MUTED_TEXT}; }}
QPushButton#muteButton:checked {{ background: {MUTE_ON}; color: white; border-color: {MUTE_ON}; }}
QPushButton#soloButton:checked {{ background: {SOLO_ON}; color: #1b1b1b; border-color: {SOLO_ON}; }}
QPushButton#invertButton:checked {{ background: {ACCENT}; color: #1b1b1b; border-color: {ACCENT}; }}
QLineEdit#gainEntry {{ font-size: 9pt; background: {FADER_SLOT}; color: {TEXT};
                       border: 1px solid #3a3f45; border-radius: 3px; padding: 1px 2px; }}
QLineEdit#gainEntry:focus {{ border-color: {ACCENT}; }}
QLabel#suggestionDiff {{ font-size: 8pt; color: {MUTED_TEXT}; }}
QLabel#suggestionDiff[outside="true"] {{ color: {ACCENT}; }}
QFrame#missingStrip {{ background: {BACKGROUND}; border: 1px dashed {ERROR};
                       border-radius: 4px; }}
QFrame#missingStrip QLabel {{ border: none; background: transparent; color: {MUTED_TEXT};
                       font-size: 8pt; }}
QFrame#missingStrip QLabel#stripName {{ font-size: 9pt; font-weight: bold; color: {TEXT}; }}
QFrame#missingStrip QLabel#missingBadge {{ color: {ERROR}; font-weight: bold; }}
QFrame#missingStrip QPushButton {{ padding: 4px 4px; }}
QFrame#dropMarker {{ background: {ACCENT}; border: none; }}
"""
STYLE_SHEET += STRIP_STYLE_SHEET
