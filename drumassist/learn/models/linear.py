"""Fitted linear models and preprocessing steps as numpy arrays: run without scikit-learn.

The fixed-slot models are pipelines of ``VarianceThreshold``, ``StandardScaler`` and a
regressor. The compact steps here do exactly what scikit-learn's ``transform`` and
``predict`` do, operation for operation, so their results are bit-identical:

- :class:`CompactSelector`: ``x[:, support]`` (VarianceThreshold and other selectors);
- :class:`CompactScaler`: a copy of ``x``, then ``x -= mean`` and ``x /= scale``;
- :class:`CompactLinear`: ``x @ coef + intercept`` for one output, ``x @ coef.T +
  intercept`` for a model fitted on several, and one product per output, transposed,
  for a ``MultiOutputRegressor`` of linear models (LASSO, ridge, least squares);
- :class:`CompactPipeline`: the steps in order, the last one predicting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from drumassist.errors import ModelError
from drumassist.learn.models.forest import param

#: How :class:`CompactLinear` multiplies: as one 1-D model, one 2-D model, or per output.
LAYOUTS = ("vector", "matrix", "per_output")


def _floats(x: np.ndarray) -> np.ndarray:
    """A float copy of ``x``: float32 and float64 stay, anything else becomes float64."""
    array = np.asarray(x)
    dtype = array.dtype if array.dtype in (np.float32, np.float64) else np.float64
    return np.array(array, dtype=dtype, copy=True)


def _rows(x: np.ndarray, n_features: int) -> np.ndarray:
    rows = np.asarray(x)
    if rows.ndim != 2 or rows.shape[1] != n_features:
        raise ValueError(f"expected rows of {n_features} features, got shape {rows.shape}")
    return rows


def _array(arrays: Mapping[str, np.ndarray], name: str, dtype: Any, ndim: int) -> np.ndarray:
    if name not in arrays:
        raise ModelError(f"no {name} array")
    array = arrays[name]
    if array.dtype != np.dtype(dtype) or array.ndim != ndim:
        raise ModelError(f"{name} is {array.dtype} of {array.ndim} dimensions, expected {dtype}")
    return array


@dataclass(frozen=True, eq=False)
class CompactSelector:
    """The columns a fitted feature selector keeps (``support`` is a boolean mask)."""

    support: np.ndarray
    source: str = "VarianceThreshold"

    def __post_init__(self) -> None:
        if self.support.dtype != np.bool_ or self.support.ndim != 1 or not self.support.any():
            raise ModelError("a selector needs a 1-D boolean mask that keeps a column")

    @classmethod
    def from_sklearn(cls, selector: Any) -> CompactSelector:
        return cls(np.asarray(selector.get_support(), dtype=bool), type(selector).__name__)

    def transform(self, x: np.ndarray) -> np.ndarray:
        return _rows(x, len(self.support))[:, self.support]

    def to_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return {"support": self.support}, {"source": self.source}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], params: Mapping[str, Any]) -> Any:
        return cls(_array(arrays, "support", np.bool_, 1), param(params, "source", str))


@dataclass(frozen=True, eq=False)
class CompactScaler:
    """A fitted ``StandardScaler``: ``(x - mean) / scale``; either may be absent."""

    mean: np.ndarray | None
    scale: np.ndarray | None
    n_features: int
    source: str = "StandardScaler"

    def __post_init__(self) -> None:
        for name in ("mean", "scale"):
            array = getattr(self, name)
            if array is not None and (
                array.dtype != np.float64 or array.shape != (self.n_features,)
            ):
                raise ModelError(f"scaler {name} must be float64 of shape ({self.n_features},)")

    @classmethod
    def from_sklearn(cls, scaler: Any) -> CompactScaler:
        def arr(value: Any) -> np.ndarray | None:
            return None if value is None else np.asarray(value, dtype=np.float64)

        mean = arr(scaler.mean_) if scaler.with_mean else None
        scale = arr(scaler.scale_) if scaler.with_std else None
        return cls(mean, scale, int(scaler.n_features_in_), type(scaler).__name__)

    def transform(self, x: np.ndarray) -> np.ndarray:
        rows = _floats(_rows(x, self.n_features))
        if self.mean is not None:
            rows -= self.mean.astype(rows.dtype)
        if self.scale is not None:
            rows /= self.scale.astype(rows.dtype)
        return rows

    def to_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays = {k: v for k, v in (("mean", self.mean), ("scale", self.scale)) if v is not None}
        return arrays, {"n_features": self.n_features, "source": self.source}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], params: Mapping[str, Any]) -> Any:
        def get(name: str) -> np.ndarray | None:
            return _array(arrays, name, np.float64, 1) if name in arrays else None

        return cls(
            get("mean"),
            get("scale"),
            param(params, "n_features", int),
            param(params, "source", str),
        )


@dataclass(frozen=True, eq=False)
class CompactLinear:
    """A fitted linear regressor: ``coef`` is ``(outputs, features)``, ``intercept``
    ``(outputs,)``; ``layout`` (see :data:`LAYOUTS`) says how scikit-learn multiplied."""

    coef: np.ndarray
    intercept: np.ndarray
    layout: str
    source: str = "Lasso"

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ModelError(f"unknown linear layout {self.layout!r}")
        if self.coef.dtype != np.float64 or self.coef.ndim != 2 or self.coef.shape[1] < 1:
            raise ModelError(
                f"coefficients must be float64 (outputs, features), not {self.coef.shape}"
            )
        if self.intercept.dtype != np.float64 or self.intercept.shape != (len(self.coef),):
            raise ModelError(f"intercepts must be float64 of shape ({len(self.coef)},)")
        if self.layout == "vector" and len(self.coef) != 1:
            raise ModelError("a 1-D linear model has one output")

    @property
    def n_features(self) -> int:
        return int(self.coef.shape[1])

    @classmethod
    def from_sklearn(cls, model: Any) -> CompactLinear:
        """Flatten a linear regressor or a ``MultiOutputRegressor`` of them."""
        if type(model).__name__ == "MultiOutputRegressor":
            parts = [cls.from_sklearn(e) for e in model.estimators_]
            if any(p.layout != "vector" for p in parts):
                raise ModelError("expected one single-output linear model per output")
            coef = np.vstack([p.coef for p in parts])
            intercept = np.concatenate([p.intercept for p in parts])
            return cls(coef, intercept, "per_output", parts[0].source)
        fitted = getattr(model, "coef_", None)
        if fitted is None or type(model).__name__ in ("SVR", "LinearSVR"):
            raise ModelError(f"{type(model).__name__} is not a linear model that can be flattened")
        coef = np.asarray(fitted, dtype=np.float64)
        intercept = np.atleast_1d(np.asarray(model.intercept_, dtype=np.float64))
        layout = "vector" if coef.ndim == 1 else "matrix"
        return cls(np.atleast_2d(coef).copy(), intercept.copy(), layout, type(model).__name__)

    def predict(self, x: np.ndarray) -> np.ndarray:
        rows = _rows(x, self.n_features)
        if self.layout == "vector":
            return rows @ self.coef[0] + self.intercept[0]
        if self.layout == "matrix":
            return rows @ self.coef.T + self.intercept
        per_output = [rows @ c + b for c, b in zip(self.coef, self.intercept, strict=True)]
        return np.asarray(per_output).T

    def to_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        arrays = {"coef": self.coef, "intercept": self.intercept}
        return arrays, {"layout": self.layout, "source": self.source}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], params: Mapping[str, Any]) -> Any:
        return cls(
            _array(arrays, "coef", np.float64, 2),
            _array(arrays, "intercept", np.float64, 1),
            param(params, "layout", str),
            param(params, "source", str),
        )


@dataclass(frozen=True, eq=False)
class CompactPipeline:
    """Steps applied in order; the last one predicts (as ``Pipeline.predict``)."""

    steps: tuple[tuple[str, Any], ...]
    source: str = "Pipeline"

    def __post_init__(self) -> None:
        if not self.steps or len({name for name, _ in self.steps}) != len(self.steps):
            raise ModelError("a pipeline needs steps with distinct names")
        if not all(hasattr(step, "transform") for _, step in self.steps[:-1]):
            raise ModelError("every step of a pipeline but the last must transform")

    @property
    def final(self) -> Any:
        """The last step: the regressor."""
        return self.steps[-1][1]

    def transform(self, x: np.ndarray) -> np.ndarray:
        """``x`` through every step but the last (``pipeline[:-1].transform``)."""
        for _, step in self.steps[:-1]:
            x = step.transform(x)
        return x

    def predict(self, x: np.ndarray) -> np.ndarray:
        prediction: np.ndarray = self.final.predict(self.transform(x))
        return prediction
