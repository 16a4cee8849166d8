"""Listen ▸ Blind test…: choose what to compare, prepare the candidates, run the test.

The candidates the user can pick: their own balance, every installed method, and the
loaded reference mix as the hidden reference. The direct sum is always in, as the
low anchor. Suggestions are computed on a worker; then every candidate is matched to
the loudness of the user's own mix and the test dialog opens.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from drumassist.learn.evaluate.listening.ratings import ANCHOR, REFERENCE
from drumassist.learn.evaluate.listening.session import (
    MINE,
    BlindTest,
    loudness_matched,
    suggest_candidates,
)
from drumassist.learn.models.registry import unavailable_reason
from drumassist.learn.suggest.suggestion import method_description, method_names
from drumassist.ui.blindtest import BlindTestDialog
from drumassist.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from drumassist.ui.hostwindow import HostWindow

LISTENER_KEY = "listening/listener"
TRIALS_KEY = "listening/trials"
DEFAULT_TRIALS = 3


@dataclass(frozen=True)
class TestPlan:
    """What the user chose to compare."""

    candidates: tuple[str, ...]  # methods, MINE, REFERENCE, ANCHOR
    listener: str
    trials: int


class BlindTestSetup(QDialog):
    """Pick the candidates, the listener and the number of trials."""

    def __init__(
        self, *, has_reference: bool, listener: str, trials: int, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Blind test")
        self.boxes: dict[str, QCheckBox] = {}
        group = QGroupBox("Compare")
        column = QVBoxLayout(group)
        self._box(column, MINE, "Your current balance (the faders)", True)
        for method in method_names():
            description = method_description(method)
            if method != ANCHOR and unavailable_reason(method) is None:
                box = self._box(column, method, f"Suggestion: {method}", method == "default")
                box.setToolTip(description)
        reference = self._box(
            column, REFERENCE, "The reference mix (hidden reference)", has_reference
        )
        reference.setEnabled(has_reference)
        if not has_reference:
            reference.setToolTip("Load a reference mix first (Playback ▸ Load reference mix…)")
        anchor = self._box(column, ANCHOR, "Direct sum (the low anchor, always included)", True)
        anchor.setEnabled(False)
        self.listener = QLineEdit(listener)
        self.listener.setToolTip("Who is listening: ratings are screened per listener")
        self.trials = QSpinBox()
        self.trials.setRange(1, 20)
        self.trials.setValue(trials)
        self.trials.setToolTip("How many times to rate the same mixes, each time in a new order")
        form = QFormLayout(self)
        form.addRow(group)
        form.addRow("Listener", self.listener)
        form.addRow("Trials", self.trials)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.listener.textChanged.connect(self._update_start)
        for box in self.boxes.values():
            box.toggled.connect(self._update_start)
        self._update_start()

    def _box(self, layout: QVBoxLayout, key: str, text: str, checked: bool) -> QCheckBox:
        box = QCheckBox(text)
        box.setChecked(checked)
        layout.addWidget(box)
        self.boxes[key] = box
        return box

    def _update_start(self) -> None:
        """Start only with a listener's name and a mix to rate beside the anchor."""
        start = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        rated = [k for k, box in self.boxes.items() if box.isChecked() and k != ANCHOR]
        why = ""
        if not self.listener.text().strip():
            why = "Say who is listening: ratings are screened per listener"
        elif not rated:
            why = "Tick at least one mix to compare with the direct sum"
        start.setEnabled(not why)
        start.setToolTip(why or "Start the test")

    def plan(self) -> TestPlan:
        chosen = tuple(k for k, box in self.boxes.items() if box.isChecked() or k == ANCHOR)
        return TestPlan(chosen, self.listener.text().strip(), self.trials.value())


def start_blind_test(window: HostWindow) -> None:
    """Open the setup; on Start, prepare the candidates and open the test."""
    doc = window.document
    if doc is None or window.player is None:
        window.show_error("Open a multitrack first: the blind test plays its stems.", warning=True)
        return
    setup = BlindTestSetup(
        has_reference=window.reference_balance is not None,
        listener=str(window.settings.value(LISTENER_KEY, "") or _user()),
        trials=_int(window.settings.value(TRIALS_KEY, DEFAULT_TRIALS), DEFAULT_TRIALS),
        parent=window.window(),
    )
    window.blind_setup = setup  # type: ignore[attr-defined]
    setup.accepted.connect(lambda: _prepare(window, setup.plan()))
    setup.open()


def _int(value: object, default: int) -> int:
    try:
        return int(str(value))
    except ValueError:
        return default


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a container
        return "listener"


def _prepare(window: HostWindow, plan: TestPlan) -> None:
    doc = window.document
    if doc is None:
        return
    if not plan.listener:
        window.show_error("Say who is listening: the listener's name is empty.", warning=True)
        return
    window.settings.setValue(LISTENER_KEY, plan.listener)
    window.settings.setValue(TRIALS_KEY, plan.trials)
    fixed = {ANCHOR: np.zeros(len(doc.strips)), MINE: doc.gains_a()}
    if window.reference_balance is not None:  # kept while B played other methods
        fixed[REFERENCE] = np.array(window.reference_balance.gains_db)
    methods = [m for m in plan.candidates if m not in fixed]
    multitrack, meter = doc.multitrack, doc.meter
    runner = TaskRunner(window.window())
    window.blind_runner = runner  # type: ignore[attr-defined]
    runner.progress.connect(
        lambda f, m: window.statusBar().showMessage(f"Preparing the blind test: {m} ({f:.0%})")
    )
    runner.failed.connect(window.show_error)
    runner.finished.connect(lambda gains: _open(window, plan, {**gains, **fixed}))
    runner.start(lambda p: suggest_candidates(multitrack, meter, methods, progress=p))


def _open(window: HostWindow, plan: TestPlan, gains: dict[str, np.ndarray]) -> None:
    doc, player = window.document, window.player
    if doc is None or player is None:
        return
    heard = {"pans": doc.pans(), "mutes": ~doc.audible(), "inverted": doc.inverted()}
    target = doc.meter.loudness(doc.gains_a(), stereo=True, **heard)
    ordered = {m: gains[m] for m in plan.candidates}
    candidates = loudness_matched(doc.meter, ordered, target_lufs=target, **heard)
    session = _session_name(window)
    test = BlindTest(
        candidates, plan.trials, plan.listener, session, seed=getattr(window, "blind_seed", None)
    )
    dialog = BlindTestDialog(test, player, parent=window.window())
    window.blind_dialog = dialog  # type: ignore[attr-defined]
    dialog.saved.connect(lambda path: _saved(window, test, path))
    window.statusBar().showMessage("Blind test ready", 4000)
    dialog.open()


def _session_name(window: HostWindow) -> str:
    doc = window.document
    if doc is None:
        return ""
    if doc.session_path is not None:
        return doc.session_path.stem
    paths = [t.path for t in doc.multitrack.tracks if t.path is not None]
    return paths[0].parent.name if paths else "untitled"


def _saved(window: HostWindow, test: BlindTest, path: object) -> None:
    from drumassist.ui.listeningresults import show_results

    window.statusBar().showMessage(f"Saved {len(test.results())} ratings to {path}", 8000)
    show_results(window)
