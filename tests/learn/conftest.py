"""Fixtures shared by the learning tests: a tiny corpus rendered from a made-up kit."""

from __future__ import annotations

from pathlib import Path

import pytest

from drumassist.learn.corpus import render_corpus
from tests.learn.corpus.test_corpus_kit import make_kit


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four 2-second sessions of one small kit (one recording group)."""
    kits = tmp_path_factory.mktemp("kits")
    make_kit(kits)
    out = tmp_path_factory.mktemp("corpus")
    report = render_corpus(out, sessions=4, kit_dirs=[kits], seed=2, duration_s=2.0)
    assert len(report.built) == 4
    return out
