"""The trim model: gains from the bleed-trim anchor plus a learned correction.

``gain_k = -anchor_k + blend * HGB(x_k) + (1 - blend) * offset(kind_k)``, where the
anchor is :func:`drumassist.learn.trim.trim_anchor`, the gradient-boosted regressor
(HGB) is trained on ``target_db + anchor`` centred per session, and the kind offsets
are that same target's per-kind medians once each session's mean is taken out. Two
quantile HGBs (10 % and 90 %) on the same rows give the confidence range.

The features of a track: its role one-hot and context (as the flexible model's),
every level measure relative to the anchor and to its session mean ("shape"), six
statistics of the bleed into and out of its mic, and three kind flags.

Files: ``model.skops`` holds the three estimators (skops, never pickle; loading refuses
any type outside :data:`TRUSTED_TYPES`), ``trim.json`` the tables, offsets, blend,
columns and seed.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from drumassist.core.atomic import write_atomically
from drumassist.core.conditioning import RECIPE as CONDITIONING
from drumassist.core.conditioning import analysis_view
from drumassist.core.loudness import block_energies
from drumassist.core.mixloudness import gated_loudness
from drumassist.core.multitrack import Multitrack
from drumassist.core.progress import Progress, ScaledProgress, check_cancelled
from drumassist.core.roles import Role
from drumassist.errors import ModelError
from drumassist.learn.models import GainPrediction
from drumassist.learn.shipped import MODEL_NAME
from drumassist.learn.skopsio import is_number, load_trusted
from drumassist.learn.trim import (
    AMBIENT,
    VALID_DB,
    TrimTables,
    kind_of,
    learn_tables,
    same_drum,
    solve_trims,
    transfer_matrix,
    trim_anchor,
)

log = logging.getLogger(__name__)

METHOD = "trim"
TRIM_NAME = "trim.json"
TRIM_FORMAT = "drumassist-trim"
TRIM_VERSION = 1
#: The only types beyond skops's defaults that ``model.skops`` may hold.
TRUSTED_TYPES = ("sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",)
ESTIMATORS = ("gain", "low", "high")
QUANTILES = {"low": 0.1, "high": 0.9}
BLEND = 0.75
HGB_PARAMS: dict[str, Any] = {
    "learning_rate": 0.05,
    "min_samples_leaf": 10,
    "l2_regularization": 1.0,
    # Off explicitly: "auto" would switch it on (with a random split) past 10 000 rows.
    "early_stopping": False,
}
ROLES = tuple(Role)
#: Level measures per track, besides the anchor: BS.1770 integrated, sample peak, and
#: statistics of the momentary (400 ms) loudness: percentiles, maximum, maximum 3 s
#: mean, and the mean over the blocks within 20, 10 and 30 dB of the maximum.
LEVELS = ("int", "peak", "m90", "m95", "m99", "mmax", "stmax", "g20", "g10", "g30")
SHORT_TERM_BLOCKS = 27  # ~3 s of momentary blocks at a 100 ms hop
KIND_FLAGS = ("kick_in", "kick_out", "snare_btm")
CONTEXT = ("ctx.rel_mean", "ctx.rel_role", "ctx.rank", "ctx.tracks")
BLEED = (
    "bleed.into_median",
    "bleed.into_max",
    "bleed.into_not_bleed",
    "bleed.from_median",
    "bleed.from_std",
    "bleed.solved",
)
_CORRUPT = (zipfile.BadZipFile, ValueError, KeyError, TypeError, AttributeError, ImportError)


def feature_columns() -> tuple[str, ...]:
    """Names of the model's input columns, in order."""
    shape = [f"shape.{a}.{s}" for a in (*LEVELS, "anchor") for s in ("rel_anchor", "centred")]
    return (
        *(f"role.{r.value}" for r in ROLES),
        *CONTEXT,
        *(f"ctx.count.{r.value}" for r in ROLES),
        *shape,
        *BLEED,
        *(f"kind.{k}" for k in KIND_FLAGS),
    )


@dataclass(frozen=True, eq=False)
class AnchorInputs:
    """What the trim model sees of one multitrack, measured once from the audio.

    ``levels_db`` has one row per track and one column per :data:`LEVELS` entry
    (``-inf`` for silent tracks); ``transfer_db`` is :func:`~drumassist.learn.trim.
    transfer_matrix`.
    """

    names: tuple[str, ...]
    roles: tuple[Role, ...]
    kinds: tuple[str, ...]
    transfer_db: np.ndarray
    peak_db: np.ndarray
    loudness_lufs: np.ndarray
    levels_db: np.ndarray

    @property
    def role_values(self) -> tuple[str, ...]:
        return tuple(r.value for r in self.roles)


def _db(x: float) -> float:
    return 20 * math.log10(x) if x > 0 else -math.inf


def track_levels(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """The :data:`LEVELS` of one track (``(frames, channels)`` audio), in dB / LUFS."""
    data = np.asarray(audio, dtype=np.float64)
    out = np.full(len(LEVELS), -math.inf)
    peak = float(np.max(np.abs(data))) if data.size else 0.0
    if peak <= 0:
        return out
    z = block_energies(data, sample_rate).sum(axis=1)
    loud = -0.691 + 10 * np.log10(np.maximum(z, 1e-30))
    k = min(SHORT_TERM_BLOCKS, len(z))
    short_term = np.convolve(z, np.ones(k) / k, mode="valid")
    values = {
        "int": gated_loudness(z),  # BS.1770 integrated, from the same blocks
        "peak": _db(peak),
        "mmax": float(loud.max()),
        "stmax": -0.691 + 10 * math.log10(max(float(short_term.max()), 1e-30)),
    }
    values["m90"], values["m95"], values["m99"] = np.percentile(loud, [90, 95, 99])
    for gate in (20, 10, 30):
        values[f"g{gate}"] = -0.691 + 10 * math.log10(z[loud >= loud.max() - gate].mean())
    return np.array([values[name] for name in LEVELS], dtype=float)


def anchor_inputs(
    multitrack: Multitrack, *, progress: Progress | None = None, cache: bool = True
) -> AnchorInputs:
    """Measure everything the trim model needs of ``multitrack`` (no learned tables).

    Parameters
    ----------
    multitrack : Multitrack
        The stems, with their roles.
    progress : Progress, optional
        Receives a report per track; cancelling raises CancelledError.
    cache : bool
        Keep the measures in the cache folder (``anchor/``), keyed by the audio of
        every track, so the same stems are measured once.
    """
    check_cancelled(progress)
    multitrack = analysis_view(multitrack)  # measured without DC and rumble
    tracks = multitrack.tracks
    key = _cache_key(multitrack) if cache else None
    cached = None if key is None else _cache_load(key, len(tracks))
    if cached is not None:
        g, matrix = cached
        if progress is not None:
            progress.report(1.0, "measures from the cache")
    else:
        g = transfer_matrix(
            multitrack, progress=None if progress is None else ScaledProgress(progress, 0.0, 0.6)
        )
        levels = []
        for i, track in enumerate(tracks):
            check_cancelled(progress)
            levels.append(track_levels(track.audio, multitrack.sample_rate))
            if progress is not None:
                progress.report(0.6 + 0.4 * (i + 1) / len(tracks), f"levels: {track.name}")
        matrix = np.array(levels, dtype=float).reshape(len(tracks), len(LEVELS))
        if key is not None:
            _cache_store(key, g, matrix)
    return AnchorInputs(
        names=multitrack.names,
        roles=multitrack.roles,
        kinds=tuple(kind_of(t.name, t.role.value) for t in tracks),
        transfer_db=g,
        peak_db=matrix[:, LEVELS.index("peak")].copy(),
        loudness_lufs=matrix[:, LEVELS.index("int")].copy(),
        levels_db=matrix,
    )


#: Bumped when what :func:`anchor_inputs` measures changes: old cache entries are not found.
CACHE_FORMAT = "drumassist-anchor-2"


def _cache_key(multitrack: Multitrack) -> str:
    from drumassist.learn import bleed, trim

    # Every setting the measures depend on: change one and old entries are not found.
    recipe = {
        "format": CACHE_FORMAT,
        "conditioning": CONDITIONING,
        "sample_rate": multitrack.sample_rate,
        "levels": LEVELS,
        "short_term_blocks": SHORT_TERM_BLOCKS,
        "transfer": [
            trim.BAND_HZ, trim.MIN_BAND_BINS, bleed.FRAME_S, bleed.LOUD_FRAME_DB,
            bleed.DOMINANT_PERCENTILE, bleed.MIN_FRAMES,
        ],
        "shapes": [list(t.audio.shape) for t in multitrack.tracks],
    }  # fmt: skip
    digest = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode())
    for track in multitrack.tracks:
        digest.update(np.ascontiguousarray(track.audio, dtype=np.float32).data)
    return digest.hexdigest()


def _cache_path(key: str) -> Path:
    from drumassist.core.paths import cache_dir

    return cache_dir() / "anchor" / key[:2] / f"{key}.npz"


def _cache_load(key: str, tracks: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The cached transfer matrix and levels, or None (a bad entry is deleted, not trusted)."""
    path = _cache_path(key)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as entry:
            g = np.asarray(entry["transfer_db"], dtype=float)
            levels = np.asarray(entry["levels_db"], dtype=float)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        _discard(path, f"unreadable ({exc})")
        return None
    if g.shape != (tracks, tracks) or levels.shape != (tracks, len(LEVELS)):
        _discard(path, "wrong shape")
        return None
    return g, levels


def _discard(path: Path, reason: str) -> None:
    log.warning("ignoring the anchor cache entry %s: %s; measuring again", path.name, reason)
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:  # only a cache: a read-only folder must not stop a suggestion
        log.debug("cannot delete %s: %s", path, exc)


def _cache_store(key: str, g: np.ndarray, levels: np.ndarray) -> None:
    """Write an entry atomically; a failure is logged, never raised (it is only a cache)."""
    buffer = io.BytesIO()
    np.savez(buffer, transfer_db=g, levels_db=levels)
    path = _cache_path(key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, lambda h: h.write(buffer.getvalue()), overwrite=True)
    except OSError as exc:
        log.warning("cannot write the anchor cache entry %s: %s", path, exc)


def anchor_of(inputs: AnchorInputs, tables: TrimTables) -> np.ndarray:
    """The trim anchor (dB) of every track; ``-inf`` for silent tracks."""
    return trim_anchor(inputs.transfer_db, inputs.role_values, inputs.kinds, inputs.peak_db, tables)


def _context(anchor: np.ndarray, roles: tuple[Role, ...]) -> np.ndarray:
    audible = np.isfinite(anchor)
    mean = float(anchor[audible].mean()) if audible.any() else 0.0
    idx = np.array([ROLES.index(r) for r in roles], dtype=int)
    onehot = np.zeros((len(idx), len(ROLES)))
    onehot[np.arange(len(idx)), idx] = 1.0
    ctx = np.zeros((len(idx), len(CONTEXT) + len(ROLES)))
    order = np.argsort(np.argsort(np.where(audible, anchor, -np.inf), kind="stable"), kind="stable")
    for i in np.flatnonzero(audible):
        same = audible & (idx == idx[i])
        ctx[i, 0] = anchor[i] - mean
        ctx[i, 1] = anchor[i] - anchor[same].mean()
        ctx[i, 2] = order[i] / max(len(idx) - 1, 1)
    ctx[:, 3] = len(idx)
    ctx[:, len(CONTEXT) :] = onehot.sum(axis=0)
    return np.hstack([onehot, ctx])


def _shape(inputs: AnchorInputs, anchor: np.ndarray) -> np.ndarray:
    """Every level relative to the anchor, and relative to its session mean."""
    cols = []
    for v in (*inputs.levels_db.T, anchor):
        both = np.isfinite(v) & np.isfinite(anchor)
        cols.append(np.where(both, v - np.where(both, anchor, 0.0), 0.0))
        finite = np.isfinite(v)
        mean = v[finite].mean() if finite.any() else 0.0
        cols.append(np.where(finite, v - mean, 0.0))
    return np.stack(cols, axis=1)


def _bleed_stats(inputs: AnchorInputs, tables: TrimTables) -> np.ndarray:
    g, roles, kinds = inputs.transfer_db, inputs.role_values, inputs.kinds
    n = len(roles)
    close = [j for j in range(n) if roles[j] not in AMBIENT]
    t = solve_trims(g, roles, kinds, tables.corr)
    out = np.zeros((n, len(BLEED)))
    for k in range(n):
        others = [j for j in close if j != k and not same_drum(roles[j], roles[k])]
        into = [g[j, k] for j in others if np.isfinite(g[j, k])]
        out_of = [
            g[k, j] - tables.geom.get((kinds[k], kinds[j]), 0.0)
            for j in others
            if np.isfinite(g[k, j])
        ]
        if into:
            out[k, :3] = np.median(into), np.max(into), np.mean(np.array(into) > VALID_DB)
        if out_of:
            out[k, 3:5] = np.median(out_of), np.std(out_of)
        out[k, 5] = np.isfinite(t[k])
    return out


def design_matrix(inputs: AnchorInputs, anchor: np.ndarray, tables: TrimTables) -> np.ndarray:
    """One row per track, columns as :func:`feature_columns`."""
    flags = np.array([[k == q for q in KIND_FLAGS] for k in inputs.kinds], dtype=float)
    return np.hstack(
        [
            _context(anchor, inputs.roles),
            _shape(inputs, anchor),
            _bleed_stats(inputs, tables),
            flags.reshape(len(inputs.kinds), len(KIND_FLAGS)),
        ]
    )


@dataclass(frozen=True, eq=False)
class TrimModel:
    """A trained trim model (see the module docstring)."""

    gain: Any
    low: Any
    high: Any
    tables: TrimTables
    offsets: Mapping[str, float]
    blend: float
    columns: tuple[str, ...]
    seed: int

    @property
    def method(self) -> str:
        return METHOD

    def predict(self, inputs: AnchorInputs) -> GainPrediction:
        """Gains in dB and their 10-90 % range; ``-inf`` for silent tracks."""
        anchor = anchor_of(inputs, self.tables)
        if not inputs.names:
            empty = np.zeros(0)
            return GainPrediction(empty, empty.copy(), empty.copy())
        x = design_matrix(inputs, anchor, self.tables)
        base = np.array([self.offsets.get(k, 0.0) for k in inputs.kinds])
        audible = np.isfinite(anchor)

        def gains(estimator: Any) -> np.ndarray:
            rel = self.blend * estimator.predict(x) + (1.0 - self.blend) * base
            return np.where(audible, rel - np.where(audible, anchor, 0.0), -math.inf)

        gain, low, high = gains(self.gain), gains(self.low), gains(self.high)
        low, high = np.minimum(low, high), np.maximum(low, high)
        return GainPrediction(gain, np.minimum(low, gain), np.maximum(high, gain))


Item = tuple[AnchorInputs, np.ndarray]


def _relative_target(inputs: AnchorInputs, target_db: np.ndarray, anchor: np.ndarray) -> np.ndarray:
    target = np.asarray(target_db, dtype=float)
    if target.shape != (len(inputs.names),):
        raise ModelError(
            f"{len(target)} target gains given for {len(inputs.names)} tracks "
            f"({', '.join(inputs.names)})"
        )
    with np.errstate(invalid="ignore"):
        return target + anchor


def kind_offsets(rows: Sequence[tuple[int, str, float]], sessions: int) -> dict[str, float]:
    """Per-kind offsets of ``(session, kind, value)`` rows, session means taken out.

    Alternates session means and (robust) per-kind medians, 50 rounds.
    """
    keys = sorted({k for _, k, _ in rows})
    si = np.array([s for s, _, _ in rows], dtype=int)
    ki = np.array([keys.index(k) for _, k, _ in rows], dtype=int)
    y = np.array([v for _, _, v in rows], dtype=float)
    off = np.zeros(len(keys))
    counts = np.maximum(np.bincount(si, minlength=sessions), 1)
    for _ in range(50):
        sess = np.bincount(si, y - off[ki], minlength=sessions) / counts
        off = np.array([np.median((y - sess[si])[ki == j]) for j in range(len(keys))])
    return {k: float(v) for k, v in zip(keys, off, strict=True)}


def train_trim(items: Sequence[Item], *, seed: int = 0, max_iter: int = 400) -> TrimModel:
    """Learn the tables, the kind offsets and the three regressors from a corpus.

    Parameters
    ----------
    items : sequence of (AnchorInputs, np.ndarray)
        Per session its inputs and target gains in dB (NaN where undefined).
    seed : int
        Random state of the regressors; training is deterministic for a seed.
    max_iter : int
        Boosting rounds of each regressor (fewer only to make tests fast).
    """
    from sklearn.ensemble import HistGradientBoostingRegressor

    items = [(inputs, np.asarray(target, dtype=float)) for inputs, target in items]
    tables = learn_tables(
        (i.transfer_db, i.role_values, i.kinds, t) for i, t in items if len(t) == len(i.names)
    )
    xs, ys, rows = [], [], []
    for inputs, target in items:
        anchor = anchor_of(inputs, tables)
        rel = _relative_target(inputs, target, anchor)
        valid = np.isfinite(rel)
        if not valid.any():
            continue
        xs.append(design_matrix(inputs, anchor, tables)[valid])
        ys.append(rel[valid] - rel[valid].mean())
        rows += [(len(xs) - 1, inputs.kinds[k], float(rel[k])) for k in np.flatnonzero(valid)]
    if not xs:
        raise ModelError(f"no usable sessions among {len(items)}: no track has a target gain")
    x, y = np.vstack(xs), np.concatenate(ys)

    def fit(**extra: Any) -> Any:
        model = HistGradientBoostingRegressor(
            **HGB_PARAMS, **extra, max_iter=max_iter, random_state=seed
        )
        return model.fit(x, y)

    low, high = (fit(loss="quantile", quantile=QUANTILES[k]) for k in ("low", "high"))
    offsets = kind_offsets(rows, len(xs))
    return TrimModel(fit(), low, high, tables, offsets, BLEND, feature_columns(), seed)


def save_trim(model: TrimModel, out_dir: str | Path) -> list[Path]:
    """Write ``model.skops`` and ``trim.json`` into ``out_dir``; returns their paths."""
    import skops.io as sio

    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    # The trees compress about 3-fold; the shipped default model must stay small.
    blob = sio.dumps(
        {name: getattr(model, name) for name in ESTIMATORS},
        compression=zipfile.ZIP_DEFLATED,
        compresslevel=9,
    )
    doc = {
        "format": TRIM_FORMAT,
        "version": TRIM_VERSION,
        "method": METHOD,
        # Ties the two files together: a save that died half-way is refused, not mixed.
        "model_sha256": hashlib.sha256(blob).hexdigest(),
        "tables": model.tables.to_json(),
        "offsets": {k: float(v) for k, v in sorted(model.offsets.items())},
        "blend": float(model.blend),
        "columns": list(model.columns),
        "seed": int(model.seed),
    }
    text = json.dumps(doc, indent=1).encode("utf-8")
    paths = [folder / MODEL_NAME, folder / TRIM_NAME]
    write_atomically(paths[0], lambda h: h.write(blob), overwrite=True)
    write_atomically(paths[1], lambda h: h.write(text), overwrite=True)
    return paths


def load_trim(out_dir: str | Path) -> TrimModel:
    """Load a model written by :func:`save_trim`.

    Raises
    ------
    ModelError
        If a file is missing, unreadable or malformed, holds a type outside
        :data:`TRUSTED_TYPES`, or does not fit this version's feature columns.
    """
    folder = Path(out_dir)
    doc = _read_doc(folder / TRIM_NAME)
    try:
        digest = hashlib.sha256((folder / MODEL_NAME).read_bytes()).hexdigest()
    except OSError as exc:
        raise ModelError(f"{folder / MODEL_NAME}: cannot read the model ({exc.strerror})") from exc
    if digest != doc.get("model_sha256"):
        raise ModelError(
            f"{folder}: {MODEL_NAME} and {TRIM_NAME} are not from the same save; save it again"
        )
    estimators = load_estimators(folder / MODEL_NAME)
    columns = tuple(doc["columns"])
    for name, estimator in estimators.items():
        if getattr(estimator, "n_features_in_", None) != len(columns):
            raise ModelError(
                f"{folder / MODEL_NAME}: '{name}' does not take {len(columns)} columns"
            )
    return TrimModel(
        estimators["gain"],
        estimators["low"],
        estimators["high"],
        TrimTables.from_json(doc["tables"]),
        doc["offsets"],
        doc["blend"],
        columns,
        doc["seed"],
    )


def _read_doc(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the trim model ({exc.strerror})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(doc, dict) or doc.get("format") != TRIM_FORMAT:
        raise ModelError(f"{path}: not a {TRIM_FORMAT} file")
    if doc.get("version") != TRIM_VERSION:
        raise ModelError(f"{path}: version {doc.get('version')!r}, expected {TRIM_VERSION}")
    columns = doc.get("columns")
    if not isinstance(columns, list) or columns != list(feature_columns()):
        raise ModelError(f"{path}: its feature columns differ from this version's")
    offsets = doc.get("offsets")
    if not isinstance(offsets, dict):
        offsets = {"": None}
    blend, seed = doc.get("blend"), doc.get("seed")
    if (
        not all(map(is_number, (*offsets.values(), blend)))
        or not 0.0 <= float(blend or 0.0) <= 1.0
        or not isinstance(seed, int)
        or isinstance(seed, bool)
    ):
        raise ModelError(f"{path}: 'offsets', 'blend' or 'seed' missing or malformed")
    try:
        TrimTables.from_json(doc.get("tables"))
    except ModelError as exc:
        raise ModelError(f"{path}: {exc}") from exc
    doc["offsets"] = {str(k): float(v) for k, v in offsets.items()}
    return doc


def load_estimators(path: Path) -> dict[str, Any]:
    """The three regressors of ``model.skops``, refusing types outside :data:`TRUSTED_TYPES`."""
    loaded = load_trusted(path, TRUSTED_TYPES)
    if not isinstance(loaded, dict) or sorted(loaded) != sorted(ESTIMATORS):
        raise ModelError(f"{path}: expected a dict of {', '.join(ESTIMATORS)}")
    for name, estimator in loaded.items():
        # A name check is enough here: skops only built types on the allow-list.
        if type(estimator).__name__ != "HistGradientBoostingRegressor":
            found = type(estimator).__name__
            raise ModelError(f"{path}: '{name}' is a {found}, not a HistGradientBoostingRegressor")
    return loaded
