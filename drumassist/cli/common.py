"""Helpers shared by the command modules."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from drumassist.core.multitrack import Multitrack


def stems_argument(p: argparse.ArgumentParser) -> None:
    """Add the positional STEMS argument (a folder, or the stem files)."""
    p.add_argument(
        "stems", nargs="+", type=Path, metavar="STEMS", help="a folder of stems, or the stem files"
    )


def load_stems(stems: Sequence[Path]) -> Multitrack:
    """Load STEMS, printing what loading had to change."""
    from drumassist.core.multitrack import load_multitrack

    multitrack = load_multitrack(list(stems))
    print_notices(multitrack.notices)
    return multitrack


def print_notices(notices: Sequence[str]) -> None:
    """Print loading notices (resampled, padded, ignored files) on stderr."""
    for notice in notices:
        print(f"note: {notice}", file=sys.stderr)
