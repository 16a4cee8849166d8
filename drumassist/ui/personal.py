"""The window's side of "suggestions that learn your taste".

On export and on session save the mixer's balance is recorded in the personal corpus
(on by default; Preferences switches it off; the first recording says so once).
Tools ▸ Learn from my mixes fits the personal model on a worker; when one exists the
method box offers and selects ``personal`` and a label says so. Choosing ``default``
in the box switches back.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QBoxLayout

from drumassist.errors import DrumassistError
from drumassist.ui.elided import ElidedLabel
from drumassist.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from drumassist.learn.models.personal import PersonalModel
    from drumassist.learn.suggest.personal import LoadedExamples
    from drumassist.ui.hostwindow import HostWindow

log = logging.getLogger(__name__)

RECORD_KEY = "personal/record"
NOTICE_KEY = "personal/notice_shown"
PERSONAL = "personal"
NOTICE = (
    "drumassist keeps the balance of each mix you export or save in your data folder"
    " ({where}) to learn your taste (Tools ▸ Learn from my mixes). Nothing leaves this"
    " computer. Switch it off in Edit ▸ Preferences."
)


def recording_enabled(settings: QSettings) -> bool:
    value = settings.value(RECORD_KEY, True)
    return value not in (False, "false", "0", 0)


def record_choice(
    window: HostWindow,
    *,
    source: str,
    balance: tuple[Sequence[float], Sequence[bool]] | None = None,
) -> str | None:
    """Record the chosen balance (muted tracks as None) if recording is on.

    ``balance`` is the gains and mutes that were exported (B exports the suggestion,
    not the faders); by default the mixer's faders as heard.

    Returns what the user should be told (the one-time notice, or why nothing was
    recorded), for the caller to show beside its own messages, or None.
    """
    from drumassist.core.paths import is_demo_folder
    from drumassist.core.personal import corpus_path, record_balance

    doc = window.document
    if doc is None or not recording_enabled(window.settings):
        return None
    tracks = doc.multitrack.tracks
    if any(t.path is None for t in tracks):
        return None  # stems made in memory cannot be found again
    if all(is_demo_folder(t.path.parent) for t in tracks if t.path is not None):
        return None  # "Try the demo" is not the user's music: nothing of theirs to learn
    if balance is None:
        levels, muted = [s.gain_db for s in doc.strips], list(~doc.audible())
    else:
        levels, muted = list(balance[0]), list(balance[1])
    gains = [None if off else float(g) for g, off in zip(levels, muted, strict=True)]
    try:
        record_balance(
            [t.path for t in tracks if t.path is not None],
            doc.multitrack.names,
            [s.role for s in doc.strips],
            gains,
            source=source,
        )
    except DrumassistError as exc:
        # Never in the way of the export or save itself: say so, and carry on.
        log.warning("could not record the balance: %s", exc)
        return f"Your balance was not recorded for learning: {exc}"
    if not window.settings.value(NOTICE_KEY, False):
        window.settings.setValue(NOTICE_KEY, True)
        return NOTICE.format(where=corpus_path())
    return None


def install(window: HostWindow) -> None:
    """Add the "using your taste" label beside the method box; select personal if learned."""
    # Cut at its end to the room left (all of it in the tooltip): a long description
    # must not widen the window past the screen.
    label = ElidedLabel(mode=Qt.TextElideMode.ElideRight)
    label.setObjectName("hint")
    window.personal_label = label  # type: ignore[attr-defined]
    bar = window.suggest_bar.layout()
    if isinstance(bar, QBoxLayout):
        bar.insertWidget(bar.indexOf(window.method_box) + 1, label, 1)
    window.method_box.currentIndexChanged.connect(lambda _i: _show_state(window))
    refresh(window, select=True)


def refresh(window: HostWindow, *, select: bool) -> None:
    """Enable the personal method if a model exists (and select it when ``select``)."""
    from drumassist.learn.models.registry import unavailable_reason

    box = window.method_box
    index = box.findData(PERSONAL)
    if index < 0:
        return
    available = unavailable_reason(PERSONAL) is None
    item = box.model().item(index)  # type: ignore[attr-defined]
    item.setEnabled(available)
    if not available:
        box.setItemText(index, f"{PERSONAL} (nothing learned yet)")
    if available:
        box.setItemText(index, PERSONAL)
        box.setItemData(index, None, Qt.ItemDataRole.ForegroundRole)  # no longer greyed
        if select:
            box.setCurrentIndex(index)
    _show_state(window)


def _show_state(window: HostWindow) -> None:
    label = getattr(window, "personal_label", None)
    if label is None:
        return
    if window.method_box.currentData() != PERSONAL:
        label.set_full_text("")
        return
    from drumassist.learn.models.personal import load_personal

    try:
        model = load_personal()
    except DrumassistError as exc:
        label.set_full_text(f"personal model unreadable: {exc}")
        return
    label.set_full_text(f"Using your taste: {model.describe()}; choose default to switch back")


def learn_from_my_mixes(window: HostWindow) -> None:
    """Fit the personal model on a worker; then select it and say what it learned."""
    from drumassist.learn.suggest.personal import learn_from_my_mixes as learn

    runner = TaskRunner(window.window())
    window.personal_runner = runner  # type: ignore[attr-defined]
    runner.progress.connect(
        lambda f, m: window.statusBar().showMessage(f"Learning your taste: {m} ({f:.0%})")
    )
    runner.failed.connect(window.show_error)
    runner.finished.connect(lambda result: _learned(window, result))
    window.statusBar().showMessage("Learning your taste from your mixes…")
    runner.start(lambda p: learn(progress=p))


def _learned(window: HostWindow, result: tuple[PersonalModel, LoadedExamples]) -> None:
    model, loaded = result
    refresh(window, select=True)
    skipped = f" ({len(loaded.skipped)} left out: stems moved or changed)" if loaded.skipped else ""
    window.statusBar().showMessage(f"Learned your taste: {model.describe()}{skipped}", 10000)
