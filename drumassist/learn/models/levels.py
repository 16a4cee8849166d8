"""The levels model: each track's level and a learned offset per kind of mic.

``gain_k = -level_k + offset(kind_k)``, where ``level_k`` is one level measure of
:data:`~drumassist.learn.data.anchor.LEVELS` (by default ``m90``, the 90th percentile of
the momentary loudness: the level of a close mic's louder moments, its own hits, with
no assumption about the bleed between mics), and the offsets are learned per kind (role,
with kick in/out and snare bottom apart) as medians with each session's mean taken out.
The range is the 10-90 % spread of the training residuals of the track's kind.

Why so small: on real multi-mic recordings held out by kit (the Gogodze and
Frankensnare kits, leave-one-kit-out with simulated Hydrogen sessions in training),
this beats direct sum, loudness normalisation and the trim model, whose anchor assumes
symmetric bleed (see ``docs/readme-parts/12b.md``). It reads no bleed, needs no
scikit-learn, and is a few hundred bytes of JSON (``levels.json``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from drumassist.core.atomic import write_atomically
from drumassist.core.jsondoc import field_number, field_str, is_number, read_json_doc
from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress, check_cancelled
from drumassist.errors import ModelError
from drumassist.learn.data.anchor import LEVELS, MEASURES_VERSION, audible_levels, level_inputs
from drumassist.learn.data.sessions import SessionData
from drumassist.learn.models.base import GainPrediction, Importances, ModelKind
from drumassist.learn.models.persist import feature_names_sha256
from drumassist.learn.models.trim import bleed_only_shift, kind_offsets, session_anchor

METHOD = "levels"
#: What a levels model's card names as its "extractor": the level measures.
LEVELS_EXTRACTOR = "levels"
LEVELS_NAME = "levels.json"
LEVELS_FORMAT = "drumassist-levels"
LEVELS_VERSION = 1
DEFAULT_MEASURE = "m90"
#: An unseen kind gets this spread (dB) each way.
DEFAULT_SPREAD_DB = 3.0
MIN_ROWS = 5

#: One training session: per track its kind, its levels (``LEVELS`` columns) and target.
Item = tuple[Sequence[str], np.ndarray, np.ndarray]


@dataclass(frozen=True, eq=False)
class LevelsInputs:
    """What a levels model reads of one multitrack: each track's kind and levels row."""

    kinds: tuple[str, ...]
    levels_db: np.ndarray  # one row per track, one column per LEVELS entry


@dataclass(frozen=True)
class LevelsModel:
    """A trained levels model (see the module docstring)."""

    level: str  # the level measure, a LEVELS name
    offsets: Mapping[str, float]
    low_db: Mapping[str, float]  # per kind: 10 % quantile of the residuals
    high_db: Mapping[str, float]  # per kind: 90 % quantile
    seed: int = 0  # nothing is random; kept for the model card

    @property
    def method(self) -> str:
        return METHOD

    def predict_levels(self, kinds: Sequence[str], levels_db: np.ndarray) -> GainPrediction:
        """Gains and their range for tracks of ``kinds`` with these levels; ``-inf`` if silent."""
        level = np.asarray(levels_db, dtype=float)[:, LEVELS.index(self.level)]
        audible = audible_levels(level)
        offset = np.array([self.offsets.get(k, 0.0) for k in kinds])
        gain = np.where(audible, offset - np.where(audible, level, 0.0), -math.inf)
        # levels-gb's rule: a close mic far under the loudest track carries only bleed,
        # and is placed at the session's median level, not pushed up to a played drum's.
        loudest = np.asarray(levels_db, dtype=float)[:, LEVELS.index("mmax")]
        shift, far = bleed_only_shift(kinds, loudest, gain, self.offsets)
        gain = gain + shift
        low = np.array([self.low_db.get(k, -DEFAULT_SPREAD_DB) for k in kinds])
        high = np.array([self.high_db.get(k, DEFAULT_SPREAD_DB) for k in kinds])
        placed = tuple(int(i) for i in np.flatnonzero(far))
        return GainPrediction(
            gain, np.minimum(gain, gain + low), np.maximum(gain, gain + high), placed
        )

    def predict(self, inputs: LevelsInputs) -> GainPrediction:
        """Gains in dB and their range for one multitrack's inputs (see :meth:`measure`)."""
        return self.predict_levels(inputs.kinds, inputs.levels_db)

    def measure(self, multitrack: Multitrack, *, progress: Progress | None = None) -> LevelsInputs:
        """Each track's kind and levels, measured on the conditioned audio (no bleed)."""
        check_cancelled(progress)
        kinds, levels = level_inputs(multitrack)
        return LevelsInputs(kinds, levels)

    def inputs_of(self, session: SessionData) -> LevelsInputs:
        """The kinds and levels of a corpus session, from its trim measures."""
        anchor = session_anchor(session)
        return LevelsInputs(anchor.kinds, anchor.levels_db)

    def describe(self) -> str:
        return f"{METHOD} ({self.level} and {len(self.offsets)} kind offsets)"

    def card(self) -> dict[str, Any]:
        return {
            "extractor": {"name": LEVELS_EXTRACTOR, "version": str(MEASURES_VERSION)},
            "feature_count": 1,
            "feature_names_sha256": feature_names_sha256((self.level,)),
            "measure": self.level,
            "offsets_db": dict(sorted(self.offsets.items())),
        }

    def save(self, folder: Path) -> None:
        save_levels(self, folder)

    def importances(self, sessions: Sequence[SessionData]) -> Importances | None:
        del sessions  # one measure and a table: nothing to rank
        kinds = ", ".join(f"{k} {v:+.1f} dB" for k, v in sorted(self.offsets.items()))
        title = f"Levels model: {self.level} plus an offset per kind ({kinds})"
        return Importances("note", title)


def train_levels(items: Sequence[Item], *, measure: str = DEFAULT_MEASURE) -> LevelsModel:
    """Learn the per-kind offsets and ranges from training sessions.

    Parameters
    ----------
    items : sequence of (kinds, levels_db, target_db)
        Per session: each track's kind, its :data:`LEVELS` row and its target gain in dB
        (NaN where undefined).
    measure : str
        The level measure (a :data:`LEVELS` name).
    """
    if measure not in LEVELS:
        raise ModelError(f"unknown level measure {measure!r}; choose one of {', '.join(LEVELS)}")
    column = LEVELS.index(measure)
    rows = []
    for s, (kinds, levels, target) in enumerate(items):
        value = np.asarray(target, dtype=float) + np.asarray(levels, dtype=float)[:, column]
        rows += [(s, kinds[int(k)], float(value[k])) for k in np.flatnonzero(np.isfinite(value))]
    if not rows:
        raise ModelError(f"no usable sessions among {len(items)}: no track has a target gain")
    offsets = kind_offsets(rows, len(items))
    residuals: dict[str, list[float]] = {}
    sessions = np.array([s for s, _, _ in rows])
    fitted = np.array([v - offsets[k] for _, k, v in rows])
    means = np.bincount(sessions, fitted) / np.maximum(np.bincount(sessions), 1)
    for (_, k, _), r in zip(rows, fitted - means[sessions], strict=True):
        residuals.setdefault(k, []).append(float(r))
    low = {k: float(np.percentile(v, 10)) for k, v in residuals.items() if len(v) >= MIN_ROWS}
    high = {k: float(np.percentile(v, 90)) for k, v in residuals.items() if len(v) >= MIN_ROWS}
    return LevelsModel(measure, offsets, low, high)


def save_levels(model: LevelsModel, out_dir: str | Path) -> Path:
    """Write ``levels.json`` into ``out_dir`` (atomically); returns its path."""
    doc = {
        "format": LEVELS_FORMAT,
        "version": LEVELS_VERSION,
        "method": METHOD,
        "measure": model.level,
        "offsets": {k: float(v) for k, v in sorted(model.offsets.items())},
        "low_db": {k: float(v) for k, v in sorted(model.low_db.items())},
        "high_db": {k: float(v) for k, v in sorted(model.high_db.items())},
    }
    folder = Path(out_dir)
    path = folder / LEVELS_NAME
    text = json.dumps(doc, indent=1).encode("utf-8")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(path, lambda h: h.write(text), overwrite=True)
    except OSError as exc:
        raise ModelError(f"{path}: cannot write the levels model ({exc.strerror or exc})") from exc
    return path


def load_levels(out_dir: str | Path) -> LevelsModel:
    """Load ``levels.json``; ModelError naming the file on anything malformed."""
    path = Path(out_dir) / LEVELS_NAME
    doc = read_json_doc(path, what="levels model", error=ModelError)
    where = str(path)
    if doc.get("format") != LEVELS_FORMAT:
        raise ModelError(f"{where}: not a {LEVELS_FORMAT} file")
    version = field_number(doc, "version", where=where, error=ModelError)
    if version != LEVELS_VERSION:
        raise ModelError(f"{where}: version {version:g}, expected {LEVELS_VERSION}")
    measure = field_str(doc, "measure", where=where, error=ModelError)
    if measure not in LEVELS:
        raise ModelError(f"{where}: unknown level measure {measure!r}")
    tables = []
    for key in ("offsets", "low_db", "high_db"):
        table = doc.get(key)
        if not isinstance(table, dict) or not all(map(is_number, table.values())):
            raise ModelError(f"{where}: '{key}' must map kinds to numbers")
        tables.append({str(k): float(v) for k, v in table.items()})
    offsets, low, high = tables
    return LevelsModel(measure, offsets, low, high)


@dataclass(frozen=True)
class LevelsKind:
    """Trains and loads levels models (see :class:`~drumassist.learn.models.base.ModelKind`)."""

    method: str = METHOD
    forest: bool = False
    needs_anchor: bool = True  # its levels are among the trim measures of a session
    reads_features: bool = False

    def train(
        self, sessions: Sequence[SessionData], *, seed: int, trees: int, jobs: int
    ) -> LevelsModel:
        del trees, jobs  # no estimator: medians of a table
        anchors = [(session_anchor(s), s.target_db) for s in sessions]
        items = [(a.kinds, a.levels_db, target) for a, target in anchors]
        return replace(train_levels(items), seed=seed)

    def load(self, folder: Path, card: Mapping[str, Any]) -> LevelsModel:
        extractor = card.get("extractor")
        if not isinstance(extractor, Mapping):
            raise ModelError(f"{folder}: the model card has no valid 'extractor'")
        if (extractor.get("name"), str(extractor.get("version"))) != (
            LEVELS_EXTRACTOR,
            str(MEASURES_VERSION),
        ):
            raise ModelError(
                f"{folder}: trained on {extractor.get('name')} measures version"
                f" {extractor.get('version')}, but this drumassist measures version"
                f" {MEASURES_VERSION}; retrain the model"
            )
        model = load_levels(folder)
        if card.get("feature_names_sha256") != feature_names_sha256((model.level,)):
            raise ModelError(f"{folder}: the model card names another measure than levels.json")
        seed = card.get("seed", 0)
        return replace(model, seed=seed if isinstance(seed, int) else 0)


LEVELS_KIND: ModelKind = LevelsKind()
