"""Adding a model kind is one module and one registry line: a toy kind, end to end.

The kind below lives in this test module (the "new module"); the test adds its line to
:data:`drumassist.learn.models.registry.KINDS` and then trains it through the
evaluation protocol, saves and loads it as a model folder, lists it among the methods
and suggests with it as a shipped model, without touching any other module.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from drumassist.core.mixloudness import track_loudness
from drumassist.core.multitrack import Multitrack, from_arrays
from drumassist.core.progress import Progress
from drumassist.core.roles import Role
from drumassist.errors import ModelError
from drumassist.learn.data.inputs import TrackInputs
from drumassist.learn.data.sessions import SessionData
from drumassist.learn.evaluate.protocol import train_kind
from drumassist.learn.models import registry
from drumassist.learn.models.base import GainPrediction, Importances, ModelKind
from drumassist.learn.models.persist import load_model, load_shipped_model, read_card, save_model
from drumassist.learn.models.registry import MODEL_NAME, KindEntry
from drumassist.learn.suggest.suggestion import method_description, method_names, suggest
from tests.conftest import drum_hits

RATE = 44100


@dataclass(frozen=True)
class LevelInputs:
    loudness_lufs: np.ndarray
    roles: tuple[Role, ...]


@dataclass(frozen=True)
class LevelModel:
    """Each role's mean gain above loudness normalisation in the training mixes."""

    offsets_db: Mapping[str, float]
    seed: int = 0

    @property
    def method(self) -> str:
        return "level"

    def measure(self, multitrack: Multitrack, *, progress: Progress | None = None) -> LevelInputs:
        return LevelInputs(track_loudness(multitrack, progress=progress), multitrack.roles)

    def inputs_of(self, session: SessionData) -> LevelInputs:
        return LevelInputs(session.inputs.loudness_lufs, session.inputs.roles)

    def predict(self, inputs: LevelInputs) -> GainPrediction:
        rel = np.array([self.offsets_db.get(r.value, 0.0) for r in inputs.roles])
        loud = inputs.loudness_lufs
        gains = np.where(np.isfinite(loud), rel - np.where(np.isfinite(loud), loud, 0.0), -math.inf)
        return GainPrediction(gains, gains - 1.0, gains + 1.0)

    def describe(self) -> str:
        return f"level ({len(self.offsets_db)} roles)"

    def card(self) -> dict[str, Any]:
        return {"extractor": {"name": "loudness", "version": "1"}, "feature_count": 0,
                "feature_names_sha256": "", "roles": sorted(self.offsets_db)}  # fmt: skip

    def save(self, folder: Path) -> None:
        (folder / MODEL_NAME).write_text(json.dumps(dict(self.offsets_db)), encoding="utf-8")

    def importances(self, sessions: Sequence[SessionData]) -> Importances | None:
        return Importances("note", f"one offset per role: {', '.join(sorted(self.offsets_db))}")


@dataclass(frozen=True)
class LevelKind:
    method: str = "level"
    forest: bool = False
    needs_anchor: bool = False
    reads_features: bool = True

    def train(
        self, sessions: Sequence[SessionData], *, seed: int, trees: int, jobs: int
    ) -> LevelModel:
        sums: dict[str, list[float]] = {}
        for s in sessions:
            for role, target, loud in zip(
                s.inputs.roles, s.target_db, s.inputs.loudness_lufs, strict=True
            ):
                sums.setdefault(role.value, []).append(float(target + loud))
        return LevelModel({role: float(np.mean(v)) for role, v in sums.items()}, seed)

    def load(self, folder: Path, card: Mapping[str, Any]) -> LevelModel:
        offsets = json.loads((folder / MODEL_NAME).read_text(encoding="utf-8"))
        return LevelModel(offsets, int(card["seed"]))


LEVEL: ModelKind = LevelKind()


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The registry with the toy kind's line added; its shipped folder is in tmp_path."""
    line = KindEntry("level", f"{__name__}:LEVEL", "Level: each role at its mean level", "level")
    monkeypatch.setattr(registry, "KINDS", (*registry.KINDS, line))
    shipped = tmp_path / "resources" / "level"
    real = registry.shipped_model_dir
    monkeypatch.setattr(
        registry, "shipped_model_dir", lambda m: shipped if m == "level" else real(m)
    )
    load_shipped_model.cache_clear()
    yield shipped
    load_shipped_model.cache_clear()


def _multitrack() -> Multitrack:
    arrays = {
        "kick": drum_hits(RATE, RATE, freq_hz=60.0, every_s=0.25, seed=1),
        "snare": drum_hits(RATE, RATE, freq_hz=200.0, every_s=0.5, seed=2),
    }
    return from_arrays(arrays, sample_rate=RATE)


def _session(multitrack: Multitrack, target_db: Sequence[float]) -> SessionData:
    loud = track_loudness(multitrack)
    inputs = TrackInputs(np.zeros((2, 0)), (), "none", "0", loud, multitrack.roles)
    return SessionData("s", "g", inputs, np.array(target_db, dtype=float))


def test_a_new_kind_is_one_module_and_one_registry_line(registered: Path) -> None:
    multitrack = _multitrack()
    assert "level" in method_names() and method_description("level").startswith("Level")
    assert registry.unavailable_reason("level") is not None  # nothing shipped yet
    with pytest.raises(ModelError, match="--method level"):
        suggest(multitrack, method="level")

    # Trained through the protocol, saved and loaded as any model folder.
    loud = track_loudness(multitrack)
    wanted_rel = np.array([3.0, -3.0])  # kick 6 dB above the snare, after normalisation
    model = train_kind("level", [_session(multitrack, wanted_rel - loud)], seed=4, trees=1)
    save_model(model, registered, command=["test"])
    assert read_card(registered)["method"] == "level" and read_card(registered)["seed"] == 4
    loaded = load_model(registered)
    assert loaded.method == "level" and loaded.describe() == "level (2 roles)"

    # Now it is "shipped": listed as installed, and suggest uses it by name.
    assert registry.unavailable_reason("level") is None
    result = suggest(multitrack, method="level")
    assert result.method == "level" and result.model == "level (2 roles)"
    kick, snare = result.gains_db
    assert (kick + loud[0]) - (snare + loud[1]) == pytest.approx(6.0, abs=1e-9)
    assert result.high_db[0] - result.low_db[0] == pytest.approx(2.0)
