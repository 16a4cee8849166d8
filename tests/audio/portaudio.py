"""Deciding whether the real-stream test can run: is sounddevice, and PortAudio, there?

Importing sounddevice raises ``OSError`` (not ImportError) when the PortAudio library
itself is missing, so ``pytest.importorskip`` does not skip then; these helpers do.
"""

from __future__ import annotations

from types import ModuleType

import pytest


def import_failure_reason(exc: BaseException) -> str | None:
    """Why the stream test must skip, given what importing sounddevice raised.

    None means the failure is not a missing library but a fault to report (the test
    then fails with it).
    """
    if isinstance(exc, ModuleNotFoundError) and exc.name == "sounddevice":
        return "sounddevice is not installed"
    if isinstance(exc, OSError) and "portaudio" in str(exc).lower():
        return f"the PortAudio library is not installed ({exc}); install libportaudio2"
    return None


def sounddevice_or_skip() -> ModuleType:
    """The sounddevice module; skips the calling test where it or PortAudio is missing."""
    try:
        import sounddevice
    except (ImportError, OSError) as exc:
        reason = import_failure_reason(exc)
        if reason is None:
            raise
        pytest.skip(reason)
    return sounddevice
