"""The window's feedback widgets: the error banner, the status bar and its readouts."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from drumassist.ui.document import MixDocument
from drumassist.ui.elided import ElidedLabel


class MessageBar(QStatusBar):
    """A status bar whose messages are cut to the room left of its readouts.

    QStatusBar draws a long message under its permanent widgets, so the end of one ran
    into the sample rate ("...to inve44100 Hz"). Here a message is a stretching label
    beside them, cut with "…" and whole in its tooltip; :meth:`currentMessage` gives
    the whole text, as QStatusBar's does.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message_label = ElidedLabel(mode=Qt.TextElideMode.ElideRight)
        self.message_label.setObjectName("statusMessage")
        self.addWidget(self.message_label, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clearMessage)

    def showMessage(self, message: str, timeout: int | None = 0) -> None:
        """Show ``message``; after ``timeout`` ms (0 or None: until the next one) clear it."""
        self._timer.stop()
        self.message_label.set_full_text(message)
        if timeout:
            self._timer.start(timeout)
        self.messageChanged.emit(message)

    def clearMessage(self) -> None:
        self._timer.stop()
        self.message_label.set_full_text("")
        self.messageChanged.emit("")

    def currentMessage(self) -> str:
        return self.message_label.full_text


class ErrorBanner(QLabel):
    """A coloured line above the strips: red for errors, amber for warnings; a click hides it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("error")
        self.setWordWrap(True)
        self.setToolTip("Click to dismiss")
        self.hide()

    def show_message(self, message: str, *, warning: bool = False) -> None:
        self.setProperty("warning", warning)
        self.style().polish(self)
        self.setText(message)
        self.show()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.hide()


class StatusReadouts:
    """Sample rate, length and track count; the loudness of what is heard; underruns."""

    def __init__(self, bar: QStatusBar) -> None:
        self.info = QLabel()
        self.loudness = QLabel()
        self.underruns = QLabel()
        for label in (self.info, self.loudness, self.underruns):
            bar.addPermanentWidget(label)
        self.loudness.setToolTip("Integrated loudness of what you hear (A or B)")
        self.underruns.setToolTip("Audio blocks the sound card ran out of (underruns)")

    def show_document(self, doc: MixDocument, *, use_b: bool) -> None:
        mt = doc.multitrack
        self.info.setText(f"{mt.sample_rate} Hz · {mt.duration_s:.1f} s · {len(mt.tracks)} tracks")
        lufs = doc.state.heard_loudness_lufs(use_b=use_b)
        text = f"{lufs:.1f} LUFS" if math.isfinite(lufs) else "silent"
        self.loudness.setText(f"{'B' if use_b else 'A'}: {text}")

    def show_underruns(self, count: int) -> None:
        self.underruns.setText(f"underruns: {count}")
