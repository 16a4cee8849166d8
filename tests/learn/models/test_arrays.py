"""Compact estimators: scikit-learn's predictions, bit for bit, from a safe .npz of arrays."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.feature_selection import VarianceThreshold
from sklearn.linear_model import Lasso, LassoCV, LinearRegression
from sklearn.multioutput import MultiOutputRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVR

from drumassist.errors import ModelError
from drumassist.learn.models import arrayio
from drumassist.learn.models.boosting import CompactBoosting
from drumassist.learn.models.linear import CompactLinear, CompactPipeline

FEATURES = 7


@pytest.fixture(autouse=True)
def _one_thread():
    """Fit and predict on one OpenMP thread: on a busy machine scikit-learn's boosting
    with spinning OpenMP threads runs a hundred times slower (and the results are the
    same either way: each row is summed by one thread)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


def _data(rows: int, seed: int, *, nan: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, FEATURES))
    x[:, 3] = rng.integers(0, 4, rows)  # a discrete column: rows sit on split values
    x[:, 6] = 1.5  # a constant column: dropped by the variance filter
    y = np.stack([np.sin(2 * x[:, 0]) + x[:, 1] * x[:, 2], x[:, 3] - x[:, 0], x[:, 4]], axis=1)
    y += rng.normal(0, 0.1, y.shape)
    if nan:
        x[rng.random(x.shape) < nan] = np.nan
    return x, y


def _probe(trees: Any, seed: int) -> np.ndarray:
    """Random rows, rows with NaN and infinities, and rows on and beside split thresholds."""
    rng = np.random.default_rng(seed)
    x = _data(200, seed + 1, nan=0.05)[0]
    x[rng.random(x.shape) < 0.02] = np.inf
    x[rng.random(x.shape) < 0.02] = -np.inf
    split = np.flatnonzero(trees.left >= 0)
    nodes = rng.choice(split, min(80, len(split)))
    t = trees.threshold[nodes]
    on = np.tile(_data(len(nodes), seed + 2)[0], (3, 1))
    on[np.arange(len(on)), np.tile(trees.feature[nodes], 3)] = np.concatenate(
        [t, np.nextafter(t, np.inf), np.nextafter(t, -np.inf)]
    )
    return np.vstack([x, on])


def _round_trip(estimator: Any) -> Any:
    blob = arrayio.dumps({"model": estimator})
    return arrayio.loads(blob, "test.npz")["model"]


BOOSTED = {
    "squared": {},
    "quantile-10": {"loss": "quantile", "quantile": 0.1},
    "quantile-90": {"loss": "quantile", "quantile": 0.9},
    "absolute": {"loss": "absolute_error"},
    "poisson": {"loss": "poisson"},
}


@pytest.mark.parametrize("loss", list(BOOSTED))
@pytest.mark.parametrize("nan", [0.0, 0.1], ids=["complete", "with-nan"])
def test_boosting_is_bit_identical(loss: str, nan: float) -> None:
    x, y = _data(400, 0, nan=nan)
    target = np.exp(y[:, 0] / 2) if loss == "poisson" else y[:, 0]
    # The trim model's settings (trim_model.HGB_PARAMS), fewer rounds.
    model = HistGradientBoostingRegressor(
        learning_rate=0.05,
        min_samples_leaf=10,
        l2_regularization=1.0,
        early_stopping=False,
        max_iter=40,
        random_state=0,
        **BOOSTED[loss],
    ).fit(x, target)
    compact = CompactBoosting.from_sklearn(model)
    assert compact.n_iter == model.n_iter_ == 40
    probe = _probe(compact.trees, 3)
    expected = model.predict(probe)
    assert np.array_equal(compact.predict(probe), expected)
    assert np.array_equal(_round_trip(compact).predict(probe), expected)
    assert np.array_equal(_round_trip(model).predict(probe), expected)  # compacted on dumps


def test_the_probe_takes_both_missing_directions() -> None:
    # With NaN in training, nodes learn both directions for missing values; the probe's
    # NaN rows then exercise each (else the test above could not catch a wrong one).
    x, y = _data(400, 0, nan=0.1)
    model = HistGradientBoostingRegressor(max_iter=30, random_state=0).fit(x, y[:, 0])
    trees = CompactBoosting.from_sklearn(model).trees
    split = trees.left >= 0
    assert trees.missing_left[split].any() and not trees.missing_left[split].all()


def test_single_leaf_trees() -> None:
    x, _ = _data(50, 1)
    # A constant target: every tree is one leaf (value 0), the baseline is the constant.
    model = HistGradientBoostingRegressor(max_iter=5).fit(x, np.full(50, 2.5))
    compact = CompactBoosting.from_sklearn(model)
    assert np.all(compact.trees.left == -1)
    assert np.array_equal(compact.predict(x), model.predict(x))
    # Leaves too large to split anything: single-leaf trees of non-zero value.
    model = HistGradientBoostingRegressor(max_iter=5, min_samples_leaf=40).fit(x, x[:, 0])
    compact = CompactBoosting.from_sklearn(model)
    assert np.all(compact.trees.left == -1)
    assert np.array_equal(compact.predict(x), model.predict(x))


def test_summation_order_matters_and_is_kept() -> None:
    # The sum of the trees in another order differs in the last bits for some rows, so
    # bit-identical results do check the order (baseline first, then tree by tree).
    x, y = _data(400, 2)
    model = HistGradientBoostingRegressor(max_iter=200, random_state=0).fit(x, y[:, 1])
    compact = CompactBoosting.from_sklearn(model)
    per_tree = compact.trees.leaf_values(np.ascontiguousarray(x))
    reordered = compact.baseline + np.add.reduce(per_tree[::-1], axis=0)
    assert not np.array_equal(reordered, model.predict(x))
    assert np.array_equal(compact.predict(x), model.predict(x))


def test_categorical_and_classifier_models_are_refused() -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    x, y = _data(200, 3)
    x[:, 3] = np.abs(x[:, 3])
    categorical = HistGradientBoostingRegressor(max_iter=5, categorical_features=[3]).fit(
        x, y[:, 0]
    )
    with pytest.raises(ModelError, match="categorical"):
        CompactBoosting.from_sklearn(categorical)
    classifier = HistGradientBoostingClassifier(max_iter=5).fit(x, (y[:, 0] > 0).astype(int))
    with pytest.raises(ModelError):
        CompactBoosting.from_sklearn(classifier)


def test_boosting_rows_are_checked() -> None:
    x, y = _data(100, 4)
    compact = CompactBoosting.from_sklearn(
        HistGradientBoostingRegressor(max_iter=3).fit(x, y[:, 0])
    )
    with pytest.raises(ValueError, match="7 features"):
        compact.predict(x[:, :3])


def _slot_pipeline(regressor: Any) -> Pipeline:
    return Pipeline(
        [
            ("variance", VarianceThreshold(0.0)),
            ("scale", StandardScaler()),
            ("regressor", regressor),
        ]
    )


PIPELINES = {
    "rf-slots": lambda: _slot_pipeline(RandomForestRegressor(n_estimators=8, random_state=0)),
    "lasso": lambda: _slot_pipeline(MultiOutputRegressor(LassoCV(alphas=10, cv=3, random_state=0))),
    "lasso-2d": lambda: _slot_pipeline(Lasso(alpha=0.01)),
    "least-squares": lambda: _slot_pipeline(LinearRegression()),
}


@pytest.mark.parametrize("kind", list(PIPELINES))
def test_slot_pipelines_are_bit_identical(kind: str) -> None:
    x, y = _data(120, 5)
    pipeline = PIPELINES[kind]().fit(x, y)
    compact = arrayio.compact(pipeline)
    probe = _data(40, 6)[0]
    probe[:, 6] = 7.0  # the dropped column's value must not matter
    expected_rows = pipeline[:-1].transform(probe)
    assert np.array_equal(compact.transform(probe), expected_rows)
    assert np.array_equal(compact.predict(probe), pipeline.predict(probe))
    loaded = _round_trip(pipeline)
    assert isinstance(loaded, CompactPipeline)
    assert [name for name, _ in loaded.steps] == ["variance", "scale", "regressor"]
    assert np.array_equal(loaded.predict(probe), pipeline.predict(probe))
    if kind == "rf-slots":
        per_tree = np.stack([t.predict(expected_rows) for t in pipeline[-1].estimators_])
        assert np.array_equal(loaded.final.predict_per_tree(loaded.transform(probe)), per_tree)


def test_single_output_linear_models() -> None:
    x, y = _data(80, 7)
    for model in (Lasso(alpha=0.01).fit(x, y[:, 0]), LinearRegression().fit(x, y[:, 1])):
        compact = CompactLinear.from_sklearn(model)
        assert compact.layout == "vector"
        assert np.array_equal(compact.predict(x), model.predict(x))
        assert compact.predict(x).shape == (80,)


def test_svr_has_no_compact_twin() -> None:
    x, y = _data(60, 8)
    with pytest.raises(ModelError, match="SVR cannot be stored"):
        arrayio.compact(SVR().fit(x, y[:, 0]))
    with pytest.raises(ModelError, match="not a linear model"):
        arrayio.compact(MultiOutputRegressor(SVR()).fit(x, y))


@pytest.fixture(scope="module")
def saved_blob() -> bytes:
    x, y = _data(120, 9)
    return arrayio.dumps(
        {
            "gain": HistGradientBoostingRegressor(max_iter=4).fit(x, y[:, 0]),
            "pipe": PIPELINES["lasso"]().fit(x, y),
        }
    )


def _members(blob: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(blob), allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def _blob(members: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **members)
    return buffer.getvalue()


def _with_structure(blob: bytes, change: Any) -> bytes:
    members = _members(blob)
    doc = json.loads(str(members["structure"]))
    change(doc)
    members["structure"] = np.array(json.dumps(doc))
    return _blob(members)


def test_file_round_trip(saved_blob: bytes, tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    path.write_bytes(saved_blob)
    loaded = arrayio.load(path)
    assert sorted(loaded) == ["gain", "pipe"]
    assert isinstance(loaded["gain"], CompactBoosting)
    assert sorted(_members(saved_blob))[:3] == ["gain/feature", "gain/left", "gain/missing_left"]


BROKEN = {
    "not a zip": lambda b: b"not a zip file",
    "truncated": lambda b: b[: len(b) // 2],
    "no structure": lambda b: _blob({k: v for k, v in _members(b).items() if k != "structure"}),
    "wrong format": lambda b: _with_structure(b, lambda d: d.update(format="other")),
    "newer version": lambda b: _with_structure(b, lambda d: d.update(version=2)),
    "unknown kind": lambda b: _with_structure(
        b, lambda d: d["estimators"]["gain"].update(kind="svm")
    ),
    "NaN baseline": lambda b: _with_structure(
        b, lambda d: d["estimators"]["gain"]["params"].update(baseline=float("nan"))
    ),
    "string setting": lambda b: _with_structure(
        b, lambda d: d["estimators"]["gain"]["params"].update(n_features="7")
    ),
    "missing array": lambda b: _blob({k: v for k, v in _members(b).items() if k != "gain/left"}),
    "wrong dtype": lambda b: _blob(
        {k: (v.astype(np.float32) if k == "pipe/scale/mean" else v) for k, v in _members(b).items()}
    ),
    "child before parent": lambda b: _blob(
        {k: (np.where(v > 0, 0, v).astype(v.dtype) if k == "gain/left" else v)
         for k, v in _members(b).items()}
    ),
    "pickled member": lambda b: _blob(
        {**_members(b), "gain/value": np.array([object()], dtype=object)}
    ),
}  # fmt: skip


@pytest.mark.parametrize("kind", list(BROKEN))
def test_damaged_files_are_model_errors_naming_the_file(saved_blob: bytes, kind: str) -> None:
    try:
        blob = BROKEN[kind](saved_blob)
    except ValueError:  # numpy refuses to write the object array without pickle
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr("structure.npy", b"\x93NUMPY not really")
        blob = buffer.getvalue()
    with pytest.raises(ModelError, match=r"^where\.npz: "):
        arrayio.loads(blob, "where.npz")


def test_import_does_not_load_sklearn() -> None:
    code = (
        "import sys, drumassist.learn.models.arrayio; "
        "assert not [m for m in sys.modules if m.startswith(('sklearn', 'skops', 'scipy'))]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
