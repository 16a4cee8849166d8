"""A suggestion with any shipped model runs without importing scikit-learn or skops."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from drumassist.learn.models.registry import (
    TABLE_NAMES,
    is_model_folder,
    model_methods,
    shipped_model_dir,
)

ROOT = Path(__file__).resolve().parents[3]
#: Suggests for a short demo in a fresh process, then lists what was imported.
RUNNER = """
import sys
from drumassist.core.demo import synthesize_demo
from drumassist.core.multitrack import from_arrays
from drumassist.learn.suggest.suggestion import suggest

multitrack = from_arrays(synthesize_demo(seed=1, duration_s=3.0), sample_rate=44100)
result = suggest(multitrack, method=sys.argv[1])
assert len(result.gains_db) == 8, result
print(result.model)
print(" ".join(sorted(sys.modules)))
"""
INSTALLED = [m for m in model_methods() if is_model_folder(shipped_model_dir(m))]


def _run_python(script: str, *args: str, cache: Path) -> str:
    """Run ``script`` in a fresh interpreter on this checkout; its standard output."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DRUMASSIST_CACHE_DIR": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("method", ["default", *(m for m in INSTALLED if m != "trim")])
def test_shipped_model_suggests_without_sklearn(method: str, tmp_path: Path) -> None:
    out = _run_python(RUNNER, method, cache=tmp_path)
    model, modules = out.strip().splitlines()[-2:]
    assert model  # a model did suggest (not a baseline)
    imported = set(modules.split())
    assert "drumassist.learn.models.arrayio" in imported
    assert not {m for m in imported if m.split(".")[0] in ("sklearn", "skops")}


def test_the_shipped_models_are_arrays() -> None:
    # Every shipped model is stored as arrays (or, for the levels model, which has no
    # estimator, a JSON table); only svr (not shipped) would need skops.
    assert INSTALLED, "no shipped model found"
    for method in INSTALLED:
        folder = shipped_model_dir(method)
        stored = [folder / name for name in ("model.npz", *TABLE_NAMES)]
        assert any(p.is_file() for p in stored) and not (folder / "model.skops").exists()


#: Suggests for stems on disk in a fresh process, then lists what was imported.
FROM_DISK = """
import sys
from drumassist.core.multitrack import load_multitrack
from drumassist.learn.suggest.suggestion import suggest

result = suggest(load_multitrack(sys.argv[2]), method=sys.argv[1])
assert len(result.gains_db) == 8, result
print(" ".join(sorted(sys.modules)))
"""


@pytest.mark.parametrize("method", ["default", "levels", "trim", "loudness"])
def test_a_suggestion_from_measures_imports_no_scipy_signal(method: str, tmp_path: Path) -> None:
    """scipy.signal (and pyloudnorm, which imports it) costs half a second to import; the
    measures filter with drumassist.core.iir instead, on an empty cache as on a full one."""
    from drumassist.core.demo import write_demo

    stems = tmp_path / "stems"
    write_demo(stems, duration_s=3.0)
    runs = []
    for _ in range(2):  # cold (measured), then warm (from the cache)
        out = _run_python(FROM_DISK, method, str(stems), cache=tmp_path / "c")
        imported = set(out.strip().splitlines()[-1].split())
        heavy = {m for m in imported if m.startswith(("scipy.signal", "pyloudnorm"))}
        assert heavy <= {"scipy.signal._sosfilt"}, heavy  # the kernel alone, from its file
        runs.append(imported)
    assert "drumassist.core.iir" in runs[0]  # the cold run filtered
