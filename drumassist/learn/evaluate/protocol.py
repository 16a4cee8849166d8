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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from drumassist.core.mixloudness import MixLoudness
from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress, ScaledProgress, check_cancelled
from drumassist.errors import ModelError
from drumassist.learn.bleed.measure import bleed_aware_gains
from drumassist.learn.corpus import CorpusSession
from drumassist.learn.data.anchor import AnchorInputs
from drumassist.learn.data.sessions import SessionData, session_data
from drumassist.learn.evaluate.metrics import Scores, SessionComparison, compare_session, score
from drumassist.learn.models.flexible import DEFAULT_TREES, FlexibleModel, train_flexible
from drumassist.learn.models.levels import METHOD as LEVELS_METHOD
from drumassist.learn.models.levels import LevelsModel, train_levels
from drumassist.learn.models.slots import KINDS as SLOT_KINDS
from drumassist.learn.models.slots import SlotModel, train_slots
from drumassist.learn.models.trim import METHOD as TRIM_METHOD
from drumassist.learn.models.trim import TrimModel, train_trim

log = logging.getLogger(__name__)

#: Corpus sources that are real multi-microphone recordings.
REAL_SOURCES = frozenset({"multimic"})
#: Model kinds that read no features (only the anchor's level and bleed measures).
FEATURELESS_KINDS = frozenset({TRIM_METHOD, LEVELS_METHOD})
#: Trained model kinds, in report order: the default first.
MODEL_KINDS = (TRIM_METHOD, LEVELS_METHOD, "flexible", *SLOT_KINDS)
#: The model kinds that are forests (their trees come from an out-of-bag curve).
FOREST_KINDS = ("flexible", "rf-slots")
#: Baselines, in report order.
BASELINES = ("loudness", "bleed", "sum")

Model = FlexibleModel | SlotModel | TrimModel | LevelsModel


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


def train_kind(
    kind: str, sessions: Sequence[SessionData], *, seed: int, trees: int, jobs: int = 1
) -> Model:
    """Fit a model of ``kind`` (see :data:`MODEL_KINDS`); ``trees`` is for the forests."""
    if kind == TRIM_METHOD:
        return train_trim([(_anchor(s), s.target_db) for s in sessions], seed=seed)
    if kind == LEVELS_METHOD:
        return train_levels(
            [(_anchor(s).kinds, _anchor(s).levels_db, s.target_db) for s in sessions]
        )
    if kind == "flexible":
        return train_flexible(sessions, seed=seed, trees=trees, jobs=jobs)
    if kind in SLOT_KINDS:
        return train_slots(sessions, seed=seed, trees=trees, jobs=jobs, kind=kind)
    raise ModelError(f"unknown model kind {kind!r}; choose one of {', '.join(MODEL_KINDS)}")


def _anchor(data: SessionData) -> AnchorInputs:
    if data.anchor is None:
        raise ModelError(f"session {data.session_id}: the trim model's inputs were not measured")
    return data.anchor


def predict(model: Model, data: SessionData) -> np.ndarray:
    """Raw gains in dB a model gives one session's tracks."""
    if isinstance(model, TrimModel):
        return model.predict(_anchor(data)).gains_db
    if isinstance(model, LevelsModel):
        return model.predict_levels(_anchor(data).kinds, _anchor(data).levels_db).gains_db
    if isinstance(model, SlotModel):
        return model.predict(data.inputs, data.slots or (None,) * len(data.target_db)).gains_db
    return model.predict(data.inputs).gains_db


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
    models: dict[str, Model]
    trees: Mapping[str, int]  # per forest kind
    seed: int
    #: Groups of real multi-mic recordings (the others are simulated or real mixes).
    real_groups: frozenset[str] = frozenset()


def _scores_of(
    sessions: Sequence[EvalSession], gains: Callable[[EvalSession], np.ndarray]
) -> tuple[Scores, list[SessionComparison]]:
    comparisons = [compare(s, gains(s)) for s in sessions]
    return score(comparisons), comparisons


def _model_gains(model: Model) -> Callable[[EvalSession], np.ndarray]:
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
    models: dict[str, Model] = {}
    counts = {k: (trees or {}).get(k, DEFAULT_TREES) for k in kinds if k in FOREST_KINDS}
    steps = len(kinds) + 1
    for k, kind in enumerate(kinds):
        n = counts.get(kind, DEFAULT_TREES)
        part = None if progress is None else ScaledProgress(progress, k / steps, (k + 1) / steps)
        log.info("evaluating %s", kind)
        result = MethodResult(kind)
        cv_part = None if part is None else ScaledProgress(part, 0.0, 0.8)
        result.cross_validated, result.per_group = cross_validate(
            kind, train, seed=seed, trees=n, jobs=jobs, progress=cv_part
        )
        model = train_kind(kind, [s.data for s in train], seed=seed, trees=n, jobs=jobs)
        models[kind] = model
        result.train, _ = _scores_of(train, _model_gains(model))
        for name, sessions in heldout.items():
            scores, comparisons = _scores_of(sessions, _model_gains(model))
            result.heldout[name], result.comparisons[name] = scores, comparisons
        results[kind] = result
        if part is not None:
            part.report(1.0, f"{kind} done")
    for name in baselines:
        result = MethodResult(name)
        result.train, _ = _scores_of(train, _baseline_gains(name))
        # A baseline is not fitted: its leave-one-group-out score is its score on all groups.
        result.cross_validated = result.train
        for group in sorted({s.group for s in train}):
            chosen = [s for s in train if s.group == group]
            result.per_group[group], _ = _scores_of(chosen, _baseline_gains(name))
        for set_name, sessions in heldout.items():
            scores, comparisons = _scores_of(sessions, _baseline_gains(name))
            result.heldout[set_name], result.comparisons[set_name] = scores, comparisons
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
    )


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
    if kind not in FOREST_KINDS:
        raise ModelError(f"{kind} is not a forest: no out-of-bag curve")
    counts = sorted({int(n) for n in tree_counts})
    if not counts or counts[0] < 2:
        raise ModelError("tree counts for the out-of-bag curve must be at least 2")
    model = train_kind(kind, sessions, seed=seed, trees=counts[0], jobs=jobs)
    assert not isinstance(model, TrimModel | LevelsModel)  # FOREST_KINDS
    estimator = model.forest
    if isinstance(model, SlotModel):
        x_all = model.pipeline[:-1].transform(_slot_rows(sessions))
        y_all = _slot_target_rows(sessions)
    else:
        x_all, y_all = _flexible_rows(sessions)
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


def _flexible_rows(sessions: Sequence[SessionData]) -> tuple[np.ndarray, np.ndarray]:
    from drumassist.learn.models.flexible import training_rows

    pairs = [training_rows(s) for s in sessions]
    usable = [(x, y) for x, y in pairs if y.size]
    return np.vstack([x for x, _ in usable]), np.concatenate([y for _, y in usable])


def _slot_rows(sessions: Sequence[SessionData]) -> np.ndarray:
    from drumassist.learn.models.slots import slot_row, slot_targets

    return np.vstack(
        [slot_row(s.inputs, s.slots or ()) for s in sessions if slot_targets(s) is not None]
    )


def _slot_target_rows(sessions: Sequence[SessionData]) -> np.ndarray:
    from drumassist.learn.models.slots import slot_targets

    targets = [slot_targets(s) for s in sessions]
    return np.vstack([t for t in targets if t is not None])


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
