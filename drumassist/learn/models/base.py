"""The model protocol: what every gain model kind offers, after scikit-learn's estimators.

A :class:`ModelKind` trains and loads models of one kind; a :class:`GainModel` is one
trained model. Both are protocols: a kind's module implements them with its own
classes, and :mod:`drumassist.learn.models.registry` maps method names to kinds, so no
caller tests which class a model is.

A model reads its own inputs: :meth:`GainModel.measure` takes them from a multitrack
(features through the cache, or the trim model's level and bleed measures), and
:meth:`GainModel.inputs_of` from a corpus session already read by
:func:`~drumassist.learn.data.sessions.load_sessions`. :meth:`GainModel.predict` turns
them into raw gains with a confidence range.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from drumassist.core.multitrack import Multitrack
    from drumassist.core.progress import Progress
    from drumassist.learn.data.sessions import SessionData


@dataclass(frozen=True)
class GainPrediction:
    """Raw gains in dB and their confidence range (``-inf`` for silent tracks).

    ``bleed_only``: the tracks (indices) the model found to carry only bleed and placed
    by a rule rather than from their own level (levels-gb; empty for other models).
    """

    gains_db: np.ndarray
    low_db: np.ndarray
    high_db: np.ndarray
    bleed_only: tuple[int, ...] = ()


@dataclass(frozen=True)
class Importance:
    """A column's importance and its name."""

    name: str
    value: float


@dataclass(frozen=True)
class Importances:
    """What a model can say about which of its inputs matter, for the report.

    ``style`` is ``permutation`` (per role: the rise in mean squared balance error, dB²,
    when a column is shuffled among that role's tracks), ``impurity`` (per slot: its
    total first, then its top columns) or ``note`` (only ``title``, a sentence).
    """

    style: str
    title: str
    groups: Mapping[str, Sequence[Importance]] = field(default_factory=dict)


class GainModel(Protocol):
    """A trained gain model of any kind."""

    @property
    def method(self) -> str:
        """The method name of the model's kind (``trim``, ``flexible``, ...)."""
        ...

    @property
    def seed(self) -> int:
        """The random seed it was trained with."""
        ...

    def measure(self, multitrack: Multitrack, *, progress: Progress | None = None) -> Any:
        """The inputs the model reads of ``multitrack``, measured from its audio."""
        ...

    def inputs_of(self, session: SessionData) -> Any:
        """The same inputs, taken from a corpus session read by ``load_sessions``."""
        ...

    def predict(self, inputs: Any) -> GainPrediction:
        """Raw gains in dB and their confidence range for one multitrack's inputs."""
        ...

    def describe(self) -> str:
        """A short description for suggestions, e.g. ``flexible (seed 0, 200 trees)``."""
        ...

    def card(self) -> dict[str, Any]:
        """What the model card records of the model: its inputs and estimator settings."""
        ...

    def save(self, folder: Path) -> None:
        """Write the model's files (not the card) into an existing ``folder``."""
        ...

    def importances(self, sessions: Sequence[SessionData]) -> Importances | None:
        """Which inputs matter, measured on ``sessions`` where that needs data; None if
        the kind has nothing to say."""
        ...


class ForestModel(GainModel, Protocol):
    """A model whose estimator is a random forest (its trees can be chosen out-of-bag)."""

    @property
    def forest(self) -> Any:
        """The fitted forest."""
        ...

    def oob_rows(self, sessions: Sequence[SessionData]) -> tuple[np.ndarray, np.ndarray]:
        """The rows and targets the forest is fitted on, for an out-of-bag curve."""
        ...


class ModelKind(Protocol):
    """Trains and loads the models of one kind."""

    @property
    def method(self) -> str:
        """The kind's method name, as in the registry."""
        ...

    @property
    def forest(self) -> bool:
        """True if its models are :class:`ForestModel` (an out-of-bag curve applies)."""
        ...

    @property
    def needs_anchor(self) -> bool:
        """True if it reads the trim measures (``load_sessions(anchors=True)``)."""
        ...

    @property
    def reads_features(self) -> bool:
        """True if it reads the extracted features (False: sessions are read with
        ``extractor=None``, and no feature is extracted for it)."""
        ...

    def train(
        self, sessions: Sequence[SessionData], *, seed: int, trees: int, jobs: int
    ) -> GainModel:
        """Fit a model on ``sessions``; ``trees`` is for forests, ``jobs`` for parallel fits."""
        ...

    def load(self, folder: Path, card: Mapping[str, Any]) -> GainModel:
        """Load the model in ``folder`` whose card is ``card``, checked against this code."""
        ...
