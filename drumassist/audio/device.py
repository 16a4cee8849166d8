"""Open a sounddevice output stream on the engine's callback; list and check devices.

PortAudio is loaded on first use, not at import, so the window starts even on a
machine without it; every failure becomes a :class:`PlaybackError` whose message
says why playback is unavailable.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from drumassist.audio.engine import OUT_CHANNELS, MixEngine
from drumassist.errors import PlaybackError

log = logging.getLogger(__name__)

DEFAULT_BLOCK_FRAMES = 512


@dataclass(frozen=True)
class OutputDevice:
    """An output device as the preferences list shows it."""

    index: int
    name: str
    host_api: str
    channels: int
    default_sample_rate: float


def _sounddevice() -> Any:
    try:
        import sounddevice
    except OSError as exc:
        # sounddevice raises OSError when the PortAudio library is missing.
        raise PlaybackError(f"PortAudio is not installed ({exc})") from exc
    return sounddevice


def output_devices() -> list[OutputDevice]:
    """The devices that can play stereo, or [] when PortAudio finds none."""
    sd = _sounddevice()
    try:
        devices = sd.query_devices()
        apis = sd.query_hostapis()
    except sd.PortAudioError as exc:
        raise PlaybackError(f"cannot list audio devices ({exc})") from exc
    return [
        OutputDevice(
            index=i,
            name=d["name"],
            host_api=apis[d["hostapi"]]["name"],
            channels=d["max_output_channels"],
            default_sample_rate=d["default_samplerate"],
        )
        for i, d in enumerate(devices)
        if d["max_output_channels"] >= 1
    ]


def unavailable_reason(device: int | str | None = None) -> str | None:
    """Why playback cannot start on ``device`` (None: the default), or None if it can."""
    try:
        sd = _sounddevice()
        info = sd.query_devices(device, kind="output")
    except PlaybackError as exc:
        return str(exc)
    except (ValueError, OSError) as exc:
        return _no_device(exc)
    except Exception as exc:
        # Device boundary: PortAudio reports failures through several exception types.
        return _no_device(exc)
    if info["max_output_channels"] < 1:
        return f"{info['name']} has no output channels"
    return None


def _no_device(exc: BaseException) -> str:
    """What to tell the user; PortAudio's own words last, for a bug report."""
    return (
        "no audio output device was found: connect one, or choose another in"
        f" Edit > Preferences (PortAudio said: {exc})"
    )


class Playback:
    """An output stream that runs ``engine.callback`` on PortAudio's audio thread."""

    def __init__(
        self,
        engine: MixEngine,
        *,
        device: int | str | None = None,
        block_frames: int = DEFAULT_BLOCK_FRAMES,
    ) -> None:
        self.engine = engine
        self._device = device
        self._block_frames = block_frames
        self._stream: Any = None

    @property
    def active(self) -> bool:
        return self._stream is not None and bool(self._stream.active)

    def start(self) -> None:
        """Open the stream (once) and start it; PlaybackError says why it cannot."""
        sd = _sounddevice()
        if self._stream is None:
            try:
                self._stream = sd.OutputStream(
                    samplerate=self.engine.sample_rate,
                    channels=OUT_CHANNELS,
                    dtype="float32",
                    blocksize=self._block_frames,
                    device=self._device,
                    callback=self.engine.callback,
                )
            except Exception as exc:
                # Device boundary: PortAudio raises PortAudioError, ValueError or OSError.
                raise PlaybackError(f"cannot open the audio output ({exc})") from exc
        if not self._stream.active:
            self._stream.start()

    def stop(self) -> None:
        """Stop the stream (it stays open, so :meth:`start` resumes it at once)."""
        if self._stream is not None and self._stream.active:
            try:
                self._stream.stop()
            except Exception:
                # Device boundary: a vanished device must not crash the app.
                log.exception("stopping the audio stream failed")

    def close(self) -> None:
        if self._stream is not None:
            try:
                self._stream.stop()
                self._stream.close()
            except Exception:
                # Device boundary: closing a vanished device must not crash the app.
                log.exception("closing the audio stream failed")
            self._stream = None
