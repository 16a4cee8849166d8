"""``drumassist features`` in a subprocess, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .conftest import hits


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "drumassist", "features", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def folder(make_stems):
    return make_stems({"kick": hits(0.5, freq_hz=60), "hat": hits(0.5, freq_hz=7000, seed=3)})


@pytest.mark.slow
def test_json_then_cached(folder):
    first = _run(str(folder), "--json")
    assert first.returncode == 0, first.stderr
    doc = json.loads(first.stdout)
    assert (doc["extractor"], doc["version"], doc["feature_count"]) == ("fast", "1", 359)
    assert [t["name"] for t in doc["tracks"]] == ["hat", "kick"]
    row = doc["tracks"][0]
    assert set(row) == {"name", "features", "silent", "seconds", "cached"}
    assert row["features"] == 359 and row["silent"] is False and row["cached"] is False
    again = json.loads(_run(str(folder), "--json").stdout)
    assert all(t["cached"] for t in again["tracks"])
    fresh = json.loads(_run(str(folder), "--json", "--no-cache").stdout)
    assert not any(t["cached"] for t in fresh["tracks"])


@pytest.mark.slow
def test_text_output_with_the_paper_extractor(folder):
    proc = _run(str(folder), "--extractor", "paper", "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "paper v1: 4385 features per track"
    assert "kick" in proc.stdout and "computed" in proc.stdout and "audible" in proc.stdout


def test_a_bad_folder_is_a_one_line_error(tmp_path):
    proc = _run(str(tmp_path / "missing"))
    assert proc.returncode == 1
    assert proc.stderr.startswith("drumassist: error:") and "no such folder" in proc.stderr
