"""Preferences: the audio output device, and whether to learn from the user's mixes."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QWidget,
)

from drumassist.audio.device import output_devices
from drumassist.errors import PlaybackError

DEVICE_KEY = "audio/device"


class PreferencesDialog(QDialog):
    """Choose where playback goes; says why when there is no device at all."""

    def __init__(self, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self._settings = settings
        self.device_box = QComboBox()
        self.device_box.setToolTip("The sound card drumassist plays through")
        self.device_box.addItem("System default", "")
        note = QLabel()
        note.setObjectName("hint")
        note.setWordWrap(True)
        try:
            devices = output_devices()
        except PlaybackError as exc:
            devices = []
            note.setText(f"Playback is unavailable: {exc}")
        for device in devices:
            self.device_box.addItem(f"{device.name} ({device.host_api})", device.name)
        if not devices and not note.text():
            note.setText("No audio output device was found; playback is unavailable.")
        current = str(settings.value(DEVICE_KEY, "") or "")
        index = self.device_box.findData(current)
        self.device_box.setCurrentIndex(max(0, index))
        form = QFormLayout(self)
        form.addRow("Output device", self.device_box)
        form.addRow(note)
        from drumassist.ui.personal import RECORD_KEY, recording_enabled

        self.learn_box = QCheckBox("Learn from my mixes")
        self.learn_box.setToolTip(
            "Keep the balance of each export and saved session in your data folder, to"
            " learn your taste (Tools ▸ Learn from my mixes). Nothing leaves this computer."
        )
        self.learn_box.setChecked(recording_enabled(settings))
        self._record_key = RECORD_KEY
        form.addRow("Suggestions", self.learn_box)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def accept(self) -> None:
        self._settings.setValue(DEVICE_KEY, self.device_box.currentData())
        self._settings.setValue(self._record_key, self.learn_box.isChecked())
        super().accept()
