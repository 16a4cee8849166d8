"""Feature extraction (Essentia) and the feature cache.

Two feature sets share one interface, :class:`Extractor`: "paper", Essentia's
MusicExtractor as in the paper (4,385 numbers per track), and "fast", a lean set
of level, dynamics, spectral shape and onset features (359 numbers, about 14 times
faster). :func:`analyse` runs one over every track of a multitrack, reading and
filling a :class:`FeatureCache`, across processes when there are several tracks.

Importing this package is cheap: Essentia, scipy and soxr load when first used.
"""

from drumassist.analysis.analyse import analyse, get_extractor
from drumassist.analysis.cache import FeatureCache
from drumassist.analysis.common import Analysis, Extractor, TrackFeatures

__all__ = ["Analysis", "Extractor", "FeatureCache", "TrackFeatures", "analyse", "get_extractor"]
