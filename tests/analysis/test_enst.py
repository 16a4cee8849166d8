"""Both feature sets on the real ENST-Drums excerpt (skipped where ../shared is absent)."""

from __future__ import annotations

import numpy as np
import pytest

from drumassist.analysis import analyse
from drumassist.analysis.paper import PaperExtractor
from drumassist.core.multitrack import load_multitrack

pytestmark = pytest.mark.shared


def test_fast_features_of_the_excerpt(enst_excerpt):
    multitrack = load_multitrack(enst_excerpt / "stems")
    result = analyse(multitrack, extractor="fast", cache=False, workers=1)
    assert result.matrix().shape == (len(multitrack.tracks), 359)
    assert np.isfinite(result.matrix()).all()
    assert not any(t.silent for t in result.tracks)
    named = {t.name: dict(zip(result.feature_names, t.values, strict=True)) for t in result.tracks}
    assert named["kick"]["centroid_hz.median"] < named["hihat"]["centroid_hz.median"]
    assert named["kick"]["band_db.mean[1]"] > named["hihat"]["band_db.mean[1]"]
    assert named["hihat"]["onsets_per_s"] > 1.0


def test_paper_features_of_one_excerpt_stem(enst_excerpt):
    multitrack = load_multitrack(enst_excerpt / "stems")
    snare = multitrack.tracks[multitrack.index("snare")]
    values = PaperExtractor().extract(snare.mono(), multitrack.sample_rate)
    names = PaperExtractor().feature_names()
    assert values.shape == (len(names),) and np.isfinite(values).all()
    named = dict(zip(names, values, strict=True))
    assert -60 < named["lowlevel.loudness_ebu128.integrated"] < 0
    assert named["rhythm.onset_rate"] > 0
