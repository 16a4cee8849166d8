"""The blind listening test (Listen ▸ Blind test…): candidates hidden behind numbers.

The listener switches between loudness-matched candidates with the number keys or
buttons (each published to the player as B: same play position, ramped over one
block, loop kept) and rates each on a 0-100 slider (arrow keys move the focused one).
The order is drawn afresh for every trial; Finish appends the ratings to the CSV.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from drumassist.audio.device import unavailable_reason as playback_unavailable
from drumassist.errors import DrumassistError
from drumassist.learn.evaluate.listening.ratings import append_ratings, ratings_path
from drumassist.learn.evaluate.listening.session import BlindTest
from drumassist.ui.player import PlayerController
from drumassist.ui.theme import ACCENT

log = logging.getLogger(__name__)

_DIGITS = {getattr(Qt.Key, f"Key_{n}"): n for n in range(1, 10)}


class BlindTestDialog(QDialog):
    """One blind test, trial by trial; emits ``saved`` with the CSV path when finished."""

    saved = Signal(object)

    def __init__(
        self,
        test: BlindTest,
        player: PlayerController,
        *,
        save: Callable[[BlindTest], object] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._set_look(test.size)
        self.test, self.player = test, player
        self._save = save or _append
        self.trial = 0
        self.current = 0
        self.title = QLabel()
        self.title.setObjectName("title")
        hint = QLabel(
            "Rate the balance of each mix from 0 (bad) to 100 (excellent). Keys 1-"
            f"{test.size} switch, arrows move the rating, Space plays or stops."
        )
        hint.setObjectName("hint")
        hint.setWordWrap(True)
        self.buttons: list[QPushButton] = []
        self.sliders: list[QSlider] = []
        self.values: list[QLabel] = []
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        grid = QGridLayout()
        for i in range(test.size):
            self._add_column(grid, i)
        # Said here: the window's own banner is hidden behind this dialog.
        self.sound_note = QLabel()
        self.sound_note.setObjectName("error")
        self.sound_note.setProperty("warning", True)
        self.sound_note.setWordWrap(True)
        self.sound_note.hide()
        layout = QVBoxLayout(self)
        for widget in (self.title, self.sound_note, hint):
            layout.addWidget(widget)
        layout.addLayout(grid, 1)
        layout.addLayout(self._bottom_row(player))
        self._show_trial()
        reason = playback_unavailable(player.device)
        if reason is not None:
            self._show_unavailable(reason)

    def _set_look(self, size: int) -> None:
        self.setWindowTitle("Blind test")
        self.setMinimumWidth(max(480, 96 * size))
        # The candidate being heard stands out, as the A/B buttons do.
        self.setStyleSheet(
            f"QPushButton#candidate:checked {{ background: {ACCENT}; color: #1b1b1b;"
            " font-weight: bold; }"
        )

    def _bottom_row(self, player: PlayerController) -> QHBoxLayout:
        """Play, Cancel and Next."""
        self.play_button = QPushButton("Play")
        self.play_button.setToolTip("Play or stop (Space)")
        self.play_button.clicked.connect(player.toggle_play)
        # A bound method, so the connection ends with the dialog (a lambda would keep it).
        player.playing_changed.connect(self._show_playing)
        player.unavailable.connect(self._show_unavailable)
        self._listening = True
        self.next_button = QPushButton()
        self.next_button.setObjectName("primary")
        self.next_button.clicked.connect(self.next_trial)
        cancel = QPushButton("Cancel")
        cancel.setToolTip("Stop the test; nothing is saved")
        cancel.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.play_button)
        bottom.addStretch(1)
        bottom.addWidget(cancel)
        bottom.addWidget(self.next_button)
        return bottom

    def _add_column(self, grid: QGridLayout, i: int) -> None:
        button = QPushButton(str(i + 1))
        button.setObjectName("candidate")
        button.setCheckable(True)
        button.setToolTip(f"Listen to mix {i + 1} (key {i + 1})")
        button.clicked.connect(lambda _c=False, i=i: self.switch_to(i))
        self.group.addButton(button, i)
        slider = QSlider(Qt.Orientation.Vertical)
        slider.setRange(0, 100)
        slider.setSingleStep(1)
        slider.setPageStep(10)
        slider.setMinimumHeight(220)
        slider.setToolTip(f"Your rating of mix {i + 1}, 0-100 (arrow keys)")
        slider.valueChanged.connect(lambda v, i=i: self._rated(i, v))
        value = QLabel()
        value.setAlignment(Qt.AlignmentFlag.AlignCenter)
        grid.addWidget(button, 0, i)
        grid.addWidget(slider, 1, i, Qt.AlignmentFlag.AlignHCenter)
        grid.addWidget(value, 2, i)
        self.buttons.append(button)
        self.sliders.append(slider)
        self.values.append(value)

    def _show_trial(self) -> None:
        last = self.trial == self.test.trials - 1
        self.title.setText(f"Trial {self.trial + 1} of {self.test.trials}")
        self.next_button.setText("Finish" if last else "Next trial")
        self.next_button.setToolTip(
            "Save the ratings" if last else "Rate a new order of the same mixes"
        )
        self._touched: set[int] = set()
        for i, slider in enumerate(self.sliders):
            slider.blockSignals(True)
            slider.setValue(self.test.ratings[self.trial][i])
            slider.blockSignals(False)
            self.values[i].setText(str(slider.value()))
        self.switch_to(0)

    def switch_to(self, position: int) -> None:
        """Hear candidate ``position`` (0-based): published as B at the same play position."""
        self.current = position
        self.buttons[position].setChecked(True)
        self.player.audition(self.test.gains_of(self.trial, position))
        self.sliders[position].setFocus()

    def _rated(self, position: int, value: int) -> None:
        self.test.rate(self.trial, position, value)
        self.values[position].setText(str(value))
        self._touched.add(position)

    def next_trial(self) -> None:
        # A slider nobody moved is not a rating (it starts at 50): every mix is rated.
        unrated = [str(i + 1) for i in range(self.test.size) if i not in self._touched]
        if unrated:
            self.title.setText(
                f"Trial {self.trial + 1} of {self.test.trials}: rate every mix first"
                f" (not yet: {', '.join(unrated)})"
            )
            self.switch_to(int(unrated[0]) - 1)
            return
        if self.trial < self.test.trials - 1:
            self.trial += 1
            self._show_trial()
            return
        try:
            self._save(self.test)
        except DrumassistError as exc:
            self.title.setText(f"Could not save the ratings: {exc}")
            return
        self.saved.emit(ratings_path())
        self.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        number = _DIGITS.get(Qt.Key(event.key()))
        if number is not None and number <= self.test.size:
            self.switch_to(number - 1)
            return
        if event.key() == Qt.Key.Key_Space:
            self.player.toggle_play()
            return
        super().keyPressEvent(event)

    def _show_playing(self, on: bool) -> None:
        self.play_button.setText("Stop" if on else "Play")

    def _show_unavailable(self, reason: str) -> None:
        self.sound_note.setText(f"No sound, so the mixes cannot be heard: {reason}")
        self.sound_note.show()

    def done(self, result: int) -> None:
        # Back to the window's own A/B whichever way the test ends.
        self.player.audition(None)
        if self._listening:
            self.player.playing_changed.disconnect(self._show_playing)
            self.player.unavailable.disconnect(self._show_unavailable)
            self._listening = False
        super().done(result)


def _append(test: BlindTest) -> None:
    append_ratings(ratings_path(), test.results())
