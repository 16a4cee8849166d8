"""The transport's controls wired to the open document's player, and the player's
news (position, playing, A/B, meters) shown back on the transport and the strips."""

from __future__ import annotations

from PySide6.QtCore import QObject

from drumassist.ui.document import MixDocument
from drumassist.ui.mixerpanel import MixerPanel
from drumassist.ui.player import PlayerController
from drumassist.ui.transport import Transport


class PlaybackBinding(QObject):
    """Play, A, B, Loop and the overview drive the player of whatever is open."""

    def __init__(self, transport: Transport, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.transport = transport
        self.document: MixDocument | None = None
        self.player: PlayerController | None = None
        transport.play_toggled.connect(self.toggle_play)
        transport.ab_toggled.connect(self.set_use_b)
        transport.seek_requested.connect(self.seek)
        transport.loop_changed.connect(self.set_loop)

    def attach(self, document: MixDocument, player: PlayerController, mixer: MixerPanel) -> None:
        """Bind a newly opened document's player (the old one is already closed)."""
        self.document, self.player = document, player
        transport = self.transport
        player.position_changed.connect(transport.set_position)
        player.playing_changed.connect(transport.set_playing)
        player.playing_changed.connect(lambda on: None if on else mixer.show_meter(None))
        player.ab_changed.connect(transport.set_ab)
        player.meter_changed.connect(mixer.show_meter)
        player.set_loop(transport.loop_range())

    def detach(self) -> None:
        self.document, self.player = None, None

    def toggle_play(self) -> None:
        if self.player is not None:
            self.player.toggle_play()

    def toggle_ab(self) -> None:
        if self.player is not None:
            self.set_use_b(not self.player.use_b)

    def set_use_b(self, use_b: bool) -> None:
        """Hear B (the suggestion, loudness-matched) or A; B needs a suggestion."""
        if self.player is not None:
            has_b = self.document is not None and self.document.suggestion is not None
            self.player.set_use_b(use_b and has_b)

    def seek(self, seconds: float) -> None:
        if self.player is not None:
            self.player.seek(seconds)

    def set_loop(self, loop_s: tuple[float, float] | None) -> None:
        if self.player is not None:
            self.player.set_loop(loop_s)
