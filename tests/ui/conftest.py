"""The window runs offscreen in tests, and plays into an ALSA file device.

The machine has no sound card; the one thing the UI tests mock is that card.
Before PortAudio starts (it reads ALSA's configuration once, when sounddevice is
first imported), ALSA's default PCM is pointed through an asoundrc found via
XDG_CONFIG_HOME at a ``file`` plugin over the ``null`` device: PortAudio opens a
real stream, the engine's callback runs on PortAudio's thread, and everything it
outputs lands in :data:`PLAYED_RAW` (float32 stereo, truncated at each stream open).
The null device takes samples as fast as they come, so playback runs far faster
than real time.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ASOUNDRC = """
pcm.!default {{
  type plug
  slave {{ pcm "capture_file" format FLOAT_LE channels 2 rate 44100 }}
}}
pcm.capture_file {{
  type file
  slave.pcm "null"
  file "{raw}"
  format "raw"
}}
"""

_ALSA_DIR = Path(tempfile.mkdtemp(prefix="drumassist-alsa-"))
atexit.register(shutil.rmtree, _ALSA_DIR, ignore_errors=True)
PLAYED_RAW = _ALSA_DIR / "played.raw"
# Too late once PortAudio has read ALSA's configuration: then the tests that listen skip.
_CAPTURING = "sounddevice" not in sys.modules
if _CAPTURING:
    (_ALSA_DIR / "alsa").mkdir()
    (_ALSA_DIR / "alsa" / "asoundrc").write_text(ASOUNDRC.format(raw=PLAYED_RAW))
    os.environ["XDG_CONFIG_HOME"] = str(_ALSA_DIR)


@pytest.fixture
def played_audio():
    """The ALSA file device; ``played_audio()`` reads back what the real stream played
    as ``(frames, 2)`` float32. Tests that press Play ask for it so that they skip, with
    the reason, where the device could not be set up."""
    if not _CAPTURING:
        pytest.skip("sounddevice was imported before tests/ui/conftest.py set up the ALSA file")
    try:
        import sounddevice  # noqa: F401
    except (ImportError, OSError) as exc:  # OSError: the PortAudio library is missing
        pytest.skip(f"no PortAudio to play through ({exc})")

    def read() -> np.ndarray:
        if not PLAYED_RAW.exists():
            return np.zeros((0, 2), np.float32)
        data = np.fromfile(PLAYED_RAW, dtype="<f4")
        return data[: len(data) // 2 * 2].reshape(-1, 2)

    return read


LOAD_TIMEOUT_MS = 60000


def _opened_window(qtbot):
    from drumassist.ui.mainwindow import MainWindow
    from drumassist.ui.settings import open_settings

    win = MainWindow(settings=open_settings())
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    yield win
    if win.document is not None:
        win.document.undo_stack.setClean()  # no save prompt when the test closes it
    win.close()
    win.deleteLater()


@pytest.fixture
def window(qtbot):
    yield from _opened_window(qtbot)


@pytest.fixture
def second_window(qtbot):
    """Another window beside ``window``, as a second drumassist running at once."""
    yield from _opened_window(qtbot)


@pytest.fixture
def stems(make_stems, drum_arrays):
    """A folder of four stems (kick, snare, hi-hat, overhead)."""
    return make_stems(drum_arrays)


@pytest.fixture
def loaded(window, qtbot, make_stems, drum_arrays):
    """The window with four stems dropped on it: (window, stems folder)."""
    from tests.ui.gestures import drop

    folder = make_stems(drum_arrays)
    with qtbot.waitSignal(window.multitrack_loaded, timeout=LOAD_TIMEOUT_MS):
        drop(window, [folder])
    return window, folder
