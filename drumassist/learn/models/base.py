"""What every gain model gives: a prediction of raw gains with a confidence range."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GainPrediction:
    """Raw gains in dB and their confidence range (``-inf`` for silent tracks)."""

    gains_db: np.ndarray
    low_db: np.ndarray
    high_db: np.ndarray
