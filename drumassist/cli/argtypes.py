"""Typed argparse converters for the numeric options: finite, in range, said plainly.

``type=float`` takes ``nan``, ``inf`` and ``1e308``; these converters refuse them
with a message that gives the option's range and unit, and argparse prints it as
``argument --loudness: ...`` with exit status 2, like any other usage error.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

#: Loudness targets, LUFS: the BS.1770 absolute gate to full scale (as core.export).
LUFS_RANGE = (-70.0, 0.0)
#: Peak ceilings, dBFS (as core.export).
CEILING_RANGE = (-60.0, 0.0)
#: Seeds: what numpy's and the corpus's generators take.
SEED_RANGE = (0, 2**32 - 1)
#: Sample rates, Hz (as core.multitrack).
RATE_RANGE = (8000, 384000)


def number(low: float, high: float, unit: str = "") -> Callable[[str], float]:
    """A converter to a finite float in ``[low, high]``."""

    def convert(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got '{text}'") from None
        if not math.isfinite(value) or not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"{_short(text)} is outside {low:g} to {high:g}{' ' + unit if unit else ''}"
            )
        return value

    convert.__name__ = "number"  # argparse names the type in its messages
    return convert


def integer(low: int, high: int, unit: str = "") -> Callable[[str], int]:
    """A converter to an int in ``[low, high]`` (digits only, no ``1e3`` or ``2.5``)."""

    def convert(text: str) -> int:
        stripped = text.strip()
        digits = stripped.lstrip("+-")
        if not digits.isdigit() or len(digits) > 20:
            raise argparse.ArgumentTypeError(f"expected a whole number, got '{_short(text)}'")
        value = int(stripped)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"{value} is outside {low} to {high}{' ' + unit if unit else ''}"
            )
        return value

    convert.__name__ = "integer"
    return convert


def _short(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:12]}…({len(text)} characters)"


def role_assignment(text: str) -> tuple[str, str]:
    """``TRACK=ROLE`` (``"06 Retro=room"``) as (track, role value); the role checked."""
    from drumassist.core.roles import role_from_string

    track, sep, role = text.rpartition("=")
    if not sep or not track.strip():
        raise argparse.ArgumentTypeError(f"expected TRACK=ROLE, got '{_short(text)}'")
    try:
        return track.strip(), role_from_string(role).value
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{track.strip()}: {exc}") from None


role_assignment.__name__ = "role"
