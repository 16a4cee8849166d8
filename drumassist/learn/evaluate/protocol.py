"""The evaluation protocol: train every model kind, test by recording group and on held-out kits.

:func:`prepare` reads corpus sessions once (features through the cache, the exact
mix-loudness meter the scores normalise with, and the baselines' gains), so every
method is scored on the same sessions without reading audio again. :func:`run`
then fits each model kind of :data:`MODEL_KINDS` on the training sessions and scores
it, and every baseline of :data:`BASELINES`, three ways:

* **train**: fitted on all training sessions, scored on them (the published "train").
* **leave one group out**: for each recording group, fitted on the others and scored
  on it; scores are pooled over the groups (the published "test", but split by group,
  never by kit name, so kits sharing samples never straddle the split).
* **held-out sets**: fitted on all training sessions, scored on each held-out corpus
  (a kit never trained on; a real engineer's mix).

Scores are those of :mod:`drumassist.learn.evaluate.metrics`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np

from drumassist.core.mixloudness import MixLoudness
from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress, ScaledProgress, check_cancelled
from drumassist.errors import ModelError
from drumassist.learn.bleed.measure import bleed_aware_gains
from drumassist.learn.corpus import CorpusSession
from drumassist.learn.data.sessions import SessionData, session_data
from drumassist.learn.evaluate.metrics import Scores, SessionComparison, compare_session, score
from drumassist.learn.models import registry
from drumassist.learn.models.base import ForestModel, GainModel
from drumassist.learn.models.flexible import DEFAULT_TREES
from drumassist.learn.suggest import baselines

log = logging.getLogger(__name__)

#: Corpus sources that are real multi-microphone recordings.
REAL_SOURCES = frozenset({"multimic"})
#: Corpus sources of real recordings with a person's mix (ENST, the user's sessions).
REAL_MIX_SOURCES = frozenset({"enst", "folder"})
#: Trained model kinds, in report order: the default first.
MODEL_KINDS = registry.model_methods()
#: Baselines, in report order.
BASELINES = tuple(baselines.BASELINES)


@dataclass(frozen=True, eq=False)
class EvalSession:
    """One session's model inputs, targets, loudness meter and baseline gains."""

    data: SessionData
    meter: MixLoudness
    baselines: Mapping[str, np.ndarray]
    #: The corpus source: ``multimic`` sessions are real multi-mic recordings.
    source: str = ""

    @property
    def real(self) -> bool:
        return self.source in REAL_SOURCES

    @property
    def group(self) -> str:
        return self.data.group


def prepare(
    sessions: Sequence[CorpusSession],
    *,
    extractor: str | None = "fast",
    baselines: Sequence[str] = BASELINES,
    anchors: bool = True,
    progress: Progress | None = None,
) -> list[EvalSession]:
    """Read each session once: inputs (features and the trim model's), targets, meter and
    the gains of ``baselines``."""
    out = []
    for i, session in enumerate(sessions):
        check_cancelled(progress)
        multitrack = session.load_multitrack()
        data = session_data(session, extractor=extractor, anchors=anchors, multitrack=multitrack)
        gains = {}
        for name in baselines:
            if name == "sum":
                gains[name] = np.zeros(len(multitrack.tracks))
            elif name == "loudness":
                loud = data.inputs.loudness_lufs
                gains[name] = np.where(np.isfinite(loud), -loud, -math.inf)
            elif name == "bleed":
                gains[name] = bleed_aware_gains(multitrack)
            else:
                raise ModelError(f"unknown baseline {name!r}; choose from {', '.join(BASELINES)}")
        out.append(EvalSession(data, MixLoudness(multitrack), gains, session.source))
        if progress is not None:
            progress.report((i + 1) / len(sessions), f"read {session.id}")
    return out


def is_forest(kind: str) -> bool:
    """True if ``kind``'s models are forests (their trees come from an out-of-bag curve)."""
    return registry.kind(kind).forest


def reads_features(kinds: Sequence[str]) -> bool:
    """True if any of ``kinds`` reads extracted features (prepare with an extractor)."""
    return any(registry.kind(k).reads_features for k in kinds)


def needs_anchor(kinds: Sequence[str]) -> bool:
    """True if any of ``kinds`` reads the trim measures (prepare with ``anchors=True``)."""
    return any(registry.kind(k).needs_anchor for k in kinds)


def train_kind(
    kind: str, sessions: Sequence[SessionData], *, seed: int, trees: int, jobs: int = 1
) -> GainModel:
    """Fit a model of ``kind`` (see :data:`MODEL_KINDS`); ``trees`` is for the forests."""
    if not registry.is_model_method(kind):
        choices = ", ".join(registry.model_methods())
        raise ModelError(f"unknown model kind {kind!r}; choose one of {choices}")
    return registry.kind(kind).train(sessions, seed=seed, trees=trees, jobs=jobs)


def predict(model: GainModel, data: SessionData) -> np.ndarray:
    """Raw gains in dB a model gives one session's tracks."""
    return model.predict(model.inputs_of(data)).gains_db


def compare(session: EvalSession, predicted_db: np.ndarray) -> SessionComparison:
    """Normalised true and predicted gains of one session (see :mod:`.metrics`)."""
    return compare_session(
        session.meter, session.data.target_db, predicted_db, session_id=session.data.session_id
    )


@dataclass
class MethodResult:
    """One method's scores: train, leave-one-group-out, and per held-out set."""

    name: str
    train: Scores | None = None
    cross_validated: Scores | None = None
    heldout: dict[str, Scores] = field(default_factory=dict)
    #: Per recording group of the training corpus, its scores when it was left out.
    per_group: dict[str, Scores] = field(default_factory=dict)
    #: Per held-out set, each session's comparison (for per-role errors).
    comparisons: dict[str, list[SessionComparison]] = field(default_factory=dict)


@dataclass
class Evaluation:
    """Everything :func:`run` measured, and the final models fitted on all training data."""

    methods: dict[str, MethodResult]
    groups: tuple[str, ...]
    train_sessions: int
    heldout_sessions: dict[str, int]
    models: dict[str, GainModel]
    trees: Mapping[str, int]  # per forest kind
    seed: int
    #: Groups of real multi-mic recordings (the others are simulated or real mixes).
    real_groups: frozenset[str] = frozenset()
    #: Each held-out set's :func:`set_kind`.
    heldout_kinds: Mapping[str, str] = field(default_factory=dict)


def _scores_of(
    sessions: Sequence[EvalSession], gains: Callable[[EvalSession], np.ndarray]
) -> tuple[Scores, list[SessionComparison]]:
    comparisons = [compare(s, gains(s)) for s in sessions]
    return score(comparisons), comparisons


def _model_gains(model: GainModel) -> Callable[[EvalSession], np.ndarray]:
    return lambda session: predict(model, session.data)


def _baseline_gains(name: str) -> Callable[[EvalSession], np.ndarray]:
    return lambda session: session.baselines[name]


def cross_validate(
    kind: str,
    sessions: Sequence[EvalSession],
    *,
    seed: int,
    trees: int,
    jobs: int = 1,
    progress: Progress | None = None,
) -> tuple[Scores | None, dict[str, Scores]]:
    """Leave-one-group-out scores of ``kind``: pooled over groups, and per group.

    (None, {}) if there is one group only, or a fold leaves too little to fit (logged).
    """
    groups = sorted({s.group for s in sessions})
    if len(groups) < 2:
        return None, {}
    comparisons: list[SessionComparison] = []
    per_group: dict[str, Scores] = {}
    for k, group in enumerate(groups):
        check_cancelled(progress)
        fit = [s.data for s in sessions if s.group != group]
        try:
            model = train_kind(kind, fit, seed=seed, trees=trees, jobs=jobs)
        except ModelError as exc:
            # Too little left to fit on (LASSO needs 3 sessions): no pooled score.
            log.warning(
                "%s cannot be fitted without group %s (%s); no test score", kind, group, exc
            )
            return None, {}
        fold = [compare(s, predict(model, s.data)) for s in sessions if s.group == group]
        per_group[group] = score(fold)
        comparisons += fold
        if progress is not None:
            progress.report((k + 1) / len(groups), f"{kind}: group {group} left out")
    return score(comparisons), per_group


def set_kind(sources: Iterable[str]) -> str:
    """What a set of sessions is, from their corpus sources: "real" (multi-mic kits,
    ENST, the user's own sessions), "simulated" (rendered), "real and simulated", or
    "empty". Held-out rows were never labelled (found by a researcher's trial)."""
    found = set(sources)
    if not found:
        return "empty"
    real = found <= (REAL_SOURCES | REAL_MIX_SOURCES)
    simulated = not (found & (REAL_SOURCES | REAL_MIX_SOURCES))
    return "real" if real else "simulated" if simulated else "real and simulated"


def real_groups(sessions: Sequence[EvalSession]) -> frozenset[str]:
    """The recording groups whose sessions are real recordings (not simulated mics)."""
    return frozenset(s.group for s in sessions if s.real)


def run(
    train: Sequence[EvalSession],
    heldout: Mapping[str, Sequence[EvalSession]],
    *,
    kinds: Sequence[str] = MODEL_KINDS,
    baselines: Sequence[str] = BASELINES,
    seed: int = 0,
    trees: Mapping[str, int] | None = None,
    jobs: int = 1,
    progress: Progress | None = None,
) -> Evaluation:
    """Score every model kind and baseline by the protocol of the module docstring."""
    if not train:
        raise ModelError("no training sessions to evaluate on")
    results: dict[str, MethodResult] = {}
    models: dict[str, GainModel] = {}
    counts = {k: (trees or {}).get(k, DEFAULT_TREES) for k in kinds if is_forest(k)}
    steps = len(kinds) + 1
    for k, kind in enumerate(kinds):
        part = None if progress is None else ScaledProgress(progress, k / steps, (k + 1) / steps)
        log.info("evaluating %s", kind)
        n = counts.get(kind, DEFAULT_TREES)
        results[kind], models[kind] = _evaluate_kind(
            kind, train, heldout, seed=seed, trees=n, jobs=jobs, progress=part
        )
    for name in baselines:
        result = MethodResult(name)
        result.train, _ = _scores_of(train, _baseline_gains(name))
        # A baseline is not fitted: its leave-one-group-out score is its score on all groups.
        result.cross_validated = result.train
        for group in sorted({s.group for s in train}):
            chosen = [s for s in train if s.group == group]
            result.per_group[group], _ = _scores_of(chosen, _baseline_gains(name))
        _score_heldout(result, heldout, _baseline_gains(name))
        results[name] = result
    if progress is not None:
        progress.report(1.0, "evaluated")
    return Evaluation(
        methods=results,
        groups=tuple(sorted({s.group for s in train})),
        train_sessions=len(train),
        heldout_sessions={name: len(s) for name, s in heldout.items()},
        models=models,
        trees=counts,
        seed=seed,
        real_groups=real_groups(train),
        heldout_kinds={name: set_kind(x.source for x in s) for name, s in heldout.items()},
    )


def _evaluate_kind(
    kind: str,
    train: Sequence[EvalSession],
    heldout: Mapping[str, Sequence[EvalSession]],
    *,
    seed: int,
    trees: int,
    jobs: int,
    progress: Progress | None,
) -> tuple[MethodResult, GainModel]:
    """One kind's three scores, and its model fitted on all training sessions."""
    result = MethodResult(kind)
    cv_part = None if progress is None else ScaledProgress(progress, 0.0, 0.8)
    result.cross_validated, result.per_group = cross_validate(
        kind, train, seed=seed, trees=trees, jobs=jobs, progress=cv_part
    )
    model = train_kind(kind, [s.data for s in train], seed=seed, trees=trees, jobs=jobs)
    result.train, _ = _scores_of(train, _model_gains(model))
    _score_heldout(result, heldout, _model_gains(model))
    if progress is not None:
        progress.report(1.0, f"{kind} done")
    return result, model


def _score_heldout(
    result: MethodResult,
    heldout: Mapping[str, Sequence[EvalSession]],
    gains: Callable[[EvalSession], np.ndarray],
) -> None:
    for name, sessions in heldout.items():
        result.heldout[name], result.comparisons[name] = _scores_of(sessions, gains)


def oob_curve(
    kind: str,
    sessions: Sequence[SessionData],
    tree_counts: Sequence[int],
    *,
    seed: int = 0,
    jobs: int = 1,
    progress: Progress | None = None,
) -> list[tuple[int, float]]:
    """Out-of-bag mean squared error (dB²) of a forest of ``kind`` as it grows.

    ``kind`` is ``flexible`` or ``rf-slots``; the forest is grown with ``warm_start``
    through the increasing ``tree_counts`` (the published method's Figure 1).
    """
    if not is_forest(kind):
        raise ModelError(f"{kind} is not a forest: no out-of-bag curve")
    counts = sorted({int(n) for n in tree_counts})
    if not counts or counts[0] < 2:
        raise ModelError("tree counts for the out-of-bag curve must be at least 2")
    model = cast(ForestModel, train_kind(kind, sessions, seed=seed, trees=counts[0], jobs=jobs))
    estimator = model.forest
    x_all, y_all = model.oob_rows(sessions)
    curve = []
    for i, n in enumerate(counts):
        check_cancelled(progress)
        # The same seed: the first fit repeats the trained forest, then trees are added.
        estimator.set_params(n_estimators=n, oob_score=True, warm_start=i > 0)
        estimator.fit(x_all, y_all)
        residual = np.asarray(estimator.oob_prediction_) - y_all
        curve.append((n, float(np.mean(residual**2))))
        if progress is not None:
            progress.report((i + 1) / len(counts), f"{kind}: {n} trees")
    return curve


def choose_trees(curve: Sequence[tuple[int, float]], tolerance: float = 0.01) -> int:
    """The fewest trees whose out-of-bag error is within ``tolerance`` of the curve's best."""
    best = min(err for _, err in curve)
    return min(n for n, err in curve if err <= best * (1.0 + tolerance))


#: Predicts raw gains in dB for a multitrack (any offset; scores normalise it).
Predictor = Callable[[Multitrack], np.ndarray]


def evaluate(
    sessions: Sequence[CorpusSession], predict: Predictor, *, progress: Progress | None = None
) -> Scores:
    """Score ``predict`` on ``sessions`` against their target gains."""
    comparisons = []
    for i, session in enumerate(sessions):
        check_cancelled(progress)
        multitrack = session.load_multitrack()
        targets = [session.target_gains_db[name] for name in multitrack.names]
        predicted = predict(multitrack)
        comparisons.append(
            compare_session(MixLoudness(multitrack), targets, predicted, session_id=session.id)
        )
        if progress is not None:
            progress.report((i + 1) / len(sessions), f"scored {session.id}")
    return score(comparisons)
