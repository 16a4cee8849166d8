"""The exceptions drumassist raises on purpose.

Every error a user can cause derives from :class:`DrumassistError`, so the CLI and
the window can show its message in one line instead of a traceback.
"""

from __future__ import annotations


class DrumassistError(Exception):
    """Base class of every error drumassist raises deliberately."""


class InvalidStemError(DrumassistError):
    """A stem file or stem folder cannot be used (unreadable, empty, wrong shape)."""


class SessionError(DrumassistError):
    """A session file cannot be read or written."""


class ExportError(DrumassistError):
    """A mix cannot be written where or how it was asked for."""


class GainsError(DrumassistError):
    """A gains file or gain vector does not fit the multitrack."""


class ModelError(DrumassistError):
    """A trained model is missing, unreadable or does not fit the running code."""


class CancelledError(DrumassistError):
    """Long work stopped because the user cancelled it."""


class PlaybackError(DrumassistError):
    """Audio playback is unavailable (no device, no PortAudio) or failed."""


class AnalysisError(DrumassistError):
    """Features cannot be extracted: bad audio, an unknown extractor, a failed worker."""


class CorpusError(DrumassistError):
    """A training corpus cannot be built or read (missing kits, bad manifest, ...)."""


class ListeningTestError(DrumassistError):
    """A ratings file or a blind listening test cannot be read, written or analysed."""


class PersonalModelError(ModelError):
    """The personal corpus or the personal model cannot be read, written or fitted."""
