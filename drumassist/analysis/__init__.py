"""Feature extraction (Essentia) and the feature cache."""
