"""CompactForest: scikit-learn's forest predictions, bit for bit, from plain arrays."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.ensemble import RandomForestRegressor

from drumassist.errors import ModelError
from drumassist.learn.models import arrayio
from drumassist.learn.models.forest import MEMBERS, CompactForest

FEATURES = 6


def _data(rows: int, seed: int, *, nan: bool = False) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, FEATURES))
    x[:, 3] = rng.integers(0, 4, rows)  # a discrete column: many rows sit on split values
    y = np.stack(
        [np.sin(2 * x[:, 0]) + x[:, 1] * x[:, 2], x[:, 3] - x[:, 0], np.abs(x[:, 4])], axis=1
    )
    y += rng.normal(0, 0.1, y.shape)
    if nan:
        x[rng.random(x.shape) < 0.05] = np.nan
    return x, y


def _fit(outputs: int, *, nan: bool = False, seed: int = 0) -> RandomForestRegressor:
    x, y = _data(300, seed, nan=nan)
    forest = RandomForestRegressor(n_estimators=12, min_samples_leaf=2, random_state=seed)
    return forest.fit(x, y[:, 0] if outputs == 1 else y[:, :outputs])


@pytest.fixture(scope="module", params=[1, 3], ids=["single", "multi"])
def forest(request: pytest.FixtureRequest) -> RandomForestRegressor:
    return _fit(request.param)


def _sklearn_per_tree(forest: RandomForestRegressor, x: np.ndarray) -> np.ndarray:
    return np.stack([tree.predict(x) for tree in forest.estimators_])


def _on_thresholds(compact: CompactForest, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows with values at split thresholds, and just either side of them in float64."""
    rng = np.random.default_rng(seed)
    split = np.flatnonzero(compact.left >= 0)
    nodes = rng.choice(split, 60)
    thresholds = compact.threshold[nodes]
    nudged = np.stack(
        [thresholds, np.nextafter(thresholds, np.inf), np.nextafter(thresholds, -np.inf)]
    )
    rows = np.tile(_data(len(nodes), seed)[0], (3, 1))
    rows[np.arange(rows.shape[0]), np.tile(compact.feature[nodes], 3)] = nudged.ravel()
    return rows, nudged


def test_per_tree_and_mean_are_bit_identical(forest: RandomForestRegressor) -> None:
    compact = CompactForest.from_sklearn(forest)
    assert len(compact) == compact.n_estimators == 12
    assert compact.n_outputs == forest.n_outputs_
    for x in (_data(50, seed=9)[0], _data(1, seed=10)[0], _on_thresholds(compact, 11)[0]):
        expected = _sklearn_per_tree(forest, x)
        got = compact.predict_per_tree(x)
        assert got.shape == expected.shape
        np.testing.assert_array_equal(got, expected)
        np.testing.assert_array_equal(compact.predict(x), forest.predict(x))


def test_threshold_rows_exercise_the_float32_cast(forest: RandomForestRegressor) -> None:
    # Without the cast, some nudged values would go the other way at their split.
    _, nudged = _on_thresholds(CompactForest.from_sklearn(forest), 11)
    thresholds = np.broadcast_to(nudged[0], nudged.shape)
    assert np.any((nudged <= thresholds) != (nudged.astype(np.float32) <= thresholds))


def test_missing_values_follow_the_learned_direction() -> None:
    forest = _fit(3, nan=True, seed=4)
    compact = CompactForest.from_sklearn(forest)
    assert compact.missing_left.any() and not compact.missing_left[compact.left >= 0].all()
    x = _data(80, seed=5, nan=True)[0]
    np.testing.assert_array_equal(compact.predict_per_tree(x), _sklearn_per_tree(forest, x))


def test_single_leaf_trees_and_one_feature() -> None:
    x = np.linspace(0, 1, 40)[:, None]
    forest = RandomForestRegressor(n_estimators=3, random_state=0).fit(x, np.full(40, 2.5))
    compact = CompactForest.from_sklearn(forest)
    assert len(compact.left) == 3
    rows = np.array([[0.0], [7.0]])
    np.testing.assert_array_equal(compact.predict_per_tree(rows), _sklearn_per_tree(forest, rows))


def test_bad_rows_raise_value_error(forest: RandomForestRegressor) -> None:
    compact = CompactForest.from_sklearn(forest)
    with pytest.raises(ValueError, match="6 features"):
        compact.predict_per_tree(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="6 features"):
        compact.predict_per_tree(np.zeros(6))
    with pytest.raises(ValueError, match="too large"):
        compact.predict_per_tree(np.full((1, 6), 1e39))


def test_round_trip_through_a_model_file(forest: RandomForestRegressor, tmp_path: Path) -> None:
    """A forest is kept in a model file as every compact estimator is (arrayio)."""
    compact = CompactForest.from_sklearn(forest)
    source = tmp_path / "model.npz"
    loaded = arrayio.loads(arrayio.dumps({"forest": compact}), source)["forest"]
    assert isinstance(loaded, CompactForest)
    for name in MEMBERS:
        np.testing.assert_array_equal(getattr(loaded, name), getattr(compact, name))
    assert loaded.n_features == FEATURES
    x = _on_thresholds(compact, 3)[0]
    np.testing.assert_array_equal(loaded.predict_per_tree(x), _sklearn_per_tree(forest, x))
    with pytest.raises(ValueError, match="read-only"):
        loaded.left[0] = 5


@pytest.fixture
def stored() -> tuple[dict[str, np.ndarray], dict[str, object]]:
    """The arrays and settings a model file keeps of a forest (writable copies)."""
    arrays, params = CompactForest.from_sklearn(_fit(1)).to_arrays()
    return {name: np.array(a) for name, a in arrays.items()}, dict(params)


def _child_backwards(a: dict, p: dict) -> None:
    a["left"][np.flatnonzero(a["left"] >= 0)[-1]] = 0  # a cycle to the root


def _child_in_next_tree(a: dict, p: dict) -> None:
    a["right"][0] = a["roots"][1]


def _child_beyond_end(a: dict, p: dict) -> None:
    a["right"][a["roots"][-1]] = len(a["left"])


def _one_child(a: dict, p: dict) -> None:
    a["right"][0] = -1


def _feature_too_large(a: dict, p: dict) -> None:
    a["feature"][0] = FEATURES


def _roots_not_from_zero(a: dict, p: dict) -> None:
    a["roots"] = a["roots"][1:]


def _root_beyond_end(a: dict, p: dict) -> None:
    a["roots"][-1] = len(a["left"])


def _value_flat(a: dict, p: dict) -> None:
    a["value"] = a["value"][:, 0]


def _short_threshold(a: dict, p: dict) -> None:
    a["threshold"] = a["threshold"][:-1]


def _float_children(a: dict, p: dict) -> None:
    a["left"] = a["left"].astype(np.float64)


def _no_roots(a: dict, p: dict) -> None:
    del a["roots"]


def _object_values(a: dict, p: dict) -> None:
    a["value"] = np.array([{"x": 1}], dtype=object)


def _vector_features(a: dict, p: dict) -> None:
    p["n_features"] = [FEATURES, FEATURES]


BREAKAGES = {
    "child before parent": (_child_backwards, "left child lies outside its tree"),
    "child in next tree": (_child_in_next_tree, "right child lies outside its tree"),
    "child beyond end": (_child_beyond_end, "right child lies outside its tree"),
    "one child": (_one_child, "one child"),
    "feature too large": (_feature_too_large, "split feature is outside 0 to 5"),
    "roots not from zero": (_roots_not_from_zero, "roots must start at 0"),
    "root beyond end": (_root_beyond_end, "beyond the"),
    "value flat": (_value_flat, "value has shape"),
    "short threshold": (_short_threshold, "must all have shape"),
    "float children": (_float_children, "left is float64, expected int32"),
    "no roots": (_no_roots, "no roots"),
    "object values": (_object_values, "value is object, expected float64"),
    "vector n_features": (_vector_features, "'n_features' is .*, expected int"),
}


@pytest.mark.parametrize("name", list(BREAKAGES))
def test_inconsistent_arrays_are_a_model_error(stored: tuple[dict, dict], name: str) -> None:
    arrays, params = stored
    assert set(arrays) == set(MEMBERS)
    breakage, message = BREAKAGES[name]
    breakage(arrays, params)
    with pytest.raises(ModelError, match=message):
        CompactForest.from_arrays(arrays, params)


def test_classifier_is_refused() -> None:
    from sklearn.ensemble import RandomForestClassifier

    x, y = _data(60, 1)
    classifier = RandomForestClassifier(n_estimators=2, random_state=0).fit(x, y[:, 0] > 0)
    with pytest.raises(ModelError, match="regression trees"):
        CompactForest.from_sklearn(classifier)


def test_import_does_not_load_sklearn() -> None:
    code = "import sys, drumassist.learn.models.forest; assert 'sklearn' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
