"""Static checks run with the tests: ruff, mypy and the import-linter layer contracts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_ruff():
    proc = _run("ruff", "check", "drumassist", "tests", "benchmarks")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_import_layers():
    # ui -> audio -> learn/analysis -> core -> errors; only ui imports Qt.
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


@pytest.mark.slow
def test_mypy():
    proc = _run("mypy")
    assert proc.returncode == 0, proc.stdout + proc.stderr
