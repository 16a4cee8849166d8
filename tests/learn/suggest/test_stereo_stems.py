"""A stereo stem is suggested as its two sides would be as two mono stems.

The methods learned overhead and room pairs as two mono files; on the real ENST
excerpt with its overheads in one stereo file, the default's balance error against the
engineer's mix was 3.52 dB (1.94 with two files). Now each stereo stem is suggested
channel by channel and folded into one gain (``drumassist.learn.suggest.stereo``).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from drumassist.core.multitrack import Multitrack, Track, load_multitrack
from drumassist.learn.suggest.stereo import split_stereo
from drumassist.learn.suggest.suggestion import suggest
from tests.conftest import ENST_EXCERPT


def _layouts() -> tuple[Multitrack, Multitrack]:
    """The excerpt as recorded (two overhead files) and with its overheads as one stereo
    stem, in the same place among the tracks."""
    if not (ENST_EXCERPT / "stems").is_dir():
        pytest.skip(f"the ENST excerpt is not at {ENST_EXCERPT} (../shared is absent)")
    two = load_multitrack(Path(ENST_EXCERPT) / "stems")
    left, right = two.index("overheadL"), two.index("overheadR")
    pair = np.concatenate([two.tracks[left].audio, two.tracks[right].audio], axis=1)
    stereo = Track(name="OH", audio=pair, role=two.tracks[left].role)
    tracks = [stereo if i == left else t for i, t in enumerate(two.tracks) if i != right]
    return two, replace(two, tracks=tuple(tracks))


@pytest.mark.shared
@pytest.mark.parametrize("method", ["default", "trim", "levels"])
def test_a_stereo_overhead_file_gets_the_balance_of_its_two_sides(method: str) -> None:
    two, one = _layouts()
    by_file = dict(zip(two.names, suggest(two, method=method).gains_db, strict=True))
    stereo = dict(zip(one.names, suggest(one, method=method).gains_db, strict=True))
    # One offset apart (each layout's mono mix is scaled to -23 LUFS on its own) ...
    offset = stereo["kick"] - by_file["kick"]
    for name in ("snare", "hihat", "tom1", "tom2"):
        assert stereo[name] - offset == pytest.approx(by_file[name], abs=0.05), name
    # ... and the pair's gain is the fold of its sides' (as split_stereo weighs them).
    split = split_stereo(one)
    row = one.index("OH")
    lanes = np.full(len(split.multitrack.tracks), -np.inf)
    lanes[list(split.rows[row])] = [by_file["overheadL"], by_file["overheadR"]]
    assert stereo["OH"] - offset == pytest.approx(split.fold_db(lanes)[row], abs=0.05)
    assert abs(offset) < 0.5


@pytest.mark.shared
def test_the_fold_is_how_the_engineers_mix_reads_a_stereo_pair() -> None:
    """Reverse engineering the ENST engineer's dry mix from either layout: the gain of
    the overhead pair as one stereo stem is the fold of the gains of its two sides."""
    from drumassist.learn.reverse.engineer import load_mix, reverse_engineer

    two, one = _layouts()
    mix = load_mix(Path(ENST_EXCERPT) / "ref_dry_mix.wav", sample_rate=two.sample_rate)
    gains = {}
    for layout in (two, one):
        gains.update({t.name: t.gain_db for t in reverse_engineer(layout, mix).tracks})
    split = split_stereo(one)
    row = one.index("OH")
    lanes = np.full(len(split.multitrack.tracks), -np.inf)
    lanes[list(split.rows[row])] = [gains["overheadL"], gains["overheadR"]]
    assert gains["OH"] == pytest.approx(split.fold_db(lanes)[row], abs=0.1)


def test_mono_stems_are_not_split_and_a_split_is_made_once() -> None:
    rng = np.random.default_rng(0)
    audio = rng.normal(size=(4410, 1)).astype(np.float32) * 0.1
    mono = Multitrack(tracks=(Track("kick", audio), Track("snare", audio)), sample_rate=44100)
    assert split_stereo(mono).multitrack is mono and not split_stereo(mono).is_split
    pair = Multitrack(
        tracks=(Track("OH", np.concatenate([audio, -0.5 * audio], axis=1)),), sample_rate=44100
    )
    split = split_stereo(pair)
    assert split_stereo(pair) is split and split.is_split
    assert [t.name for t in split.multitrack.tracks] == ["OH (left)", "OH (right)"]
    # Sides that cancel in part in the downmix: still a positive weight for each.
    assert all(w > 0 for w in split.weights[0])
    assert split.fold_db(np.array([-np.inf, -np.inf]))[0] == -np.inf
