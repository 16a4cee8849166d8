"""The bleed-trim anchor: transfers, the trim solve, the learned tables."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from drumassist.core.multitrack import Multitrack, from_arrays
from drumassist.core.roles import Role
from drumassist.errors import ModelError
from drumassist.learn.bleed.kinds import kind_of
from drumassist.learn.bleed.trims import (
    AMBIENT,
    TrimTables,
    learn_tables,
    transfer_matrix,
    trim_anchor,
)
from drumassist.learn.corpus import load_corpus

RATE = 44100


def _hits(onsets_s: list[float], seed: int, duration_s: float = 4.0) -> np.ndarray:
    """Decaying noise bursts (broadband, so the 200-800 Hz band is well measured)."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(duration_s * RATE))
    length = int(0.15 * RATE)
    envelope = np.exp(-np.arange(length) / (0.03 * RATE))
    for onset in onsets_s:
        start = int(onset * RATE)
        out[start : start + length] += envelope * rng.standard_normal(length)
    return 0.3 * out


def _two_mics(trim_kick_db: float, trim_snare_db: float, bleed_db: float = -18.0) -> Multitrack:
    """Kick and snare mics hearing each other's drum at ``bleed_db``, then trimmed."""
    kick = _hits([0.1, 0.9, 1.7, 2.5, 3.3], seed=1)
    snare = _hits([0.5, 1.3, 2.1, 2.9, 3.7], seed=2)
    b = 10 ** (bleed_db / 20)
    k_gain, s_gain = 10 ** (trim_kick_db / 20), 10 ** (trim_snare_db / 20)
    return from_arrays(
        {"Kick": k_gain * (kick + b * snare), "Snare": s_gain * (snare + b * kick)},
        sample_rate=RATE,
        roles={"Kick": Role.KICK, "Snare": Role.SNARE},
    )


@pytest.mark.parametrize(
    ("name", "role", "kind"),
    [
        ("Kick In", "kick", "kick_in"),
        ("kick_out", "kick", "kick_out"),
        ("Snare Bottom", "snare", "snare_btm"),
        ("Snr Btm", "snare", "snare_btm"),
        ("Tom 1", "tom", "tom"),
        ("Kick", "kick", "kick"),
        ("Snare Top", "snare", "snare"),
        # written together, or as DrumGizmo kits name them (DRSKit: Kdrum_back/_front)
        ("KickIn", "kick", "kick_in"),
        ("Kick Inside", "kick", "kick_in"),
        ("Kdrum_back", "kick", "kick_in"),
        ("KDrum_front", "kick", "kick_out"),
        ("Kick_Sub", "kick", "kick_out"),
        ("SnrBot", "snare", "snare_btm"),
        ("Snare_bottom", "snare", "snare_btm"),
        ("Kick Room", "kick", "kick"),
    ],
)
def test_kind_of_splits_kick_and_snare_mics_by_name(name: str, role: str, kind: str) -> None:
    assert kind_of(name, role) == kind


@pytest.mark.parametrize(("trim_kick", "trim_snare"), [(0.0, 0.0), (6.0, -4.0), (-9.0, 3.0)])
def test_anchor_recovers_the_trim_difference_from_symmetric_bleed(
    trim_kick: float, trim_snare: float
) -> None:
    mt = _two_mics(trim_kick, trim_snare)
    g = transfer_matrix(mt)
    assert g[0, 1] == pytest.approx(trim_kick - trim_snare - 18.0, abs=1.0)
    peak = np.array([20 * math.log10(np.abs(t.audio).max()) for t in mt.tracks])
    anchor = trim_anchor(g, ["kick", "snare"], ["kick", "snare"], peak, TrimTables())
    assert anchor[0] - anchor[1] == pytest.approx(trim_kick - trim_snare, abs=1.0)


def test_a_silent_track_gets_minus_infinity_and_no_transfers() -> None:
    mt = _two_mics(3.0, 0.0)
    silent = from_arrays(
        {"Tom 1": np.zeros(mt.frames)}, sample_rate=RATE, roles={"Tom 1": Role.TOM}
    ).tracks
    mt = Multitrack(tracks=(*mt.tracks, *silent), sample_rate=RATE)
    g = transfer_matrix(mt)
    assert np.isnan(g[:, 2]).all() and np.isnan(np.diag(g)).all()
    with np.errstate(divide="ignore"):
        peak = np.array([20 * np.log10(np.abs(t.audio).max()) for t in mt.tracks])
    roles = ["kick", "snare", "tom"]
    anchor = trim_anchor(g, roles, roles, peak, TrimTables())
    assert anchor[2] == -math.inf and np.isfinite(anchor[:2]).all()
    assert anchor[0] - anchor[1] == pytest.approx(3.0, abs=1.0)


def test_rendered_sessions_give_a_finite_anchor_and_tables(tiny_corpus: Path) -> None:
    items = []
    for session in load_corpus(tiny_corpus).sessions:
        mt = session.load_multitrack()
        g = transfer_matrix(mt)
        assert g.shape == (len(mt.tracks), len(mt.tracks)) and np.isnan(np.diag(g)).all()
        assert np.isfinite(g).sum() > len(mt.tracks)  # the rendered mics do bleed
        gains = session.target_gains_db
        target = np.array([math.nan if gains[n] is None else gains[n] for n in mt.names])
        roles = [r.value for r in mt.roles]
        kinds = [kind_of(n, r) for n, r in zip(mt.names, roles, strict=True)]
        items.append((g, roles, kinds, target))
    tables = learn_tables(items)
    assert isinstance(tables, TrimTables)
    for g, roles, kinds, _ in items:
        peak = np.full(len(roles), -6.0)
        anchor = trim_anchor(g, roles, kinds, peak, tables)
        assert anchor.shape == (len(roles),) and np.isfinite(anchor).all()


@pytest.mark.xfail(
    strict=True,
    reason="issue 12: the trim anchor assumes symmetric bleed; with bleed calibrated on the"
    " real kits (asymmetric by 15 dB between kick and snare mics) it recovers trims worse"
    " than peak level (RMS 5.9 vs 3.5 dB on tiny_corpus). Kept as a strict xfail: when the"
    " anchor handles asymmetric bleed this passes, fails as XPASS, and the mark must go",
)
def test_the_anchor_recovers_rendered_trims_better_than_peak_level(tiny_corpus: Path) -> None:
    # The ideal anchor of a close mic is -target gain (up to a constant per session): the
    # render undoes each mic's random input trim. Peak level confuses it with the drum.
    sessions = load_corpus(tiny_corpus).sessions
    items, peaks = [], []
    for session in sessions:
        mt = session.load_multitrack()
        gains = session.target_gains_db
        target = np.array([math.nan if gains[n] is None else gains[n] for n in mt.names])
        roles = [r.value for r in mt.roles]
        kinds = [kind_of(n, r) for n, r in zip(mt.names, roles, strict=True)]
        items.append((transfer_matrix(mt), roles, kinds, target))
        peaks.append(np.array([20 * math.log10(np.max(np.abs(t.audio))) for t in mt.tracks]))
    tables = learn_tables(items)
    errors: dict[str, list[float]] = {"anchor": [], "peak": []}
    for (g, roles, kinds, target), peak in zip(items, peaks, strict=True):
        close = np.array([r not in AMBIENT for r in roles]) & np.isfinite(target)
        for name, level in (("anchor", trim_anchor(g, roles, kinds, peak, tables)), ("peak", peak)):
            diff = (level + target)[close]
            errors[name] += list(diff - diff.mean())
    rms = {name: float(np.sqrt(np.mean(np.square(e)))) for name, e in errors.items()}
    assert rms["anchor"] < 0.8 * rms["peak"], rms


def test_tables_round_trip_through_json() -> None:
    tables = TrimTables(
        corr={("kick", "snare"): (-0.5, 0.2), ("snare", "kick"): (0.5, 0.2)},
        geom={("overhead", "snare"): -3.25},
    )
    doc = json.loads(json.dumps(tables.to_json()))
    again = TrimTables.from_json(doc)
    assert dict(again.corr) == dict(tables.corr) and dict(again.geom) == dict(tables.geom)


@pytest.mark.parametrize(
    "doc",
    [
        [],
        {"corr": {}},
        {"corr": {"kick": [0.0, 1.0]}, "geom": {}},
        {"corr": {"kick|snare": [0.0]}, "geom": {}},
        {"corr": {"kick|snare": ["a", 1.0]}, "geom": {}},
        {"corr": {}, "geom": {"kick|snare": True}},
        {"corr": {}, "geom": {"kick|": 1.0}},
    ],
)
def test_malformed_tables_are_a_model_error(doc: object) -> None:
    with pytest.raises(ModelError, match="trim tables"):
        TrimTables.from_json(doc)


def test_a_kick_or_snare_mic_alone_on_its_drum_keeps_its_role() -> None:
    from drumassist.learn.bleed.kinds import track_kinds

    roles = ["kick", "snare", "snare", "tom"]
    assert track_kinds(["Kick In", "Snr Top", "Snr Btm", "Tom 1"], roles) == (
        "kick", "snare", "snare_btm", "tom",
    )  # fmt: skip
    pair = track_kinds(["Kick In", "Kick Out", "SN Btm"], ["kick", "kick", "snare"])
    assert pair == ("kick_in", "kick_out", "snare")


@pytest.mark.parametrize("renamed", ["Kick In", "Kick Out", "BD_inside"])
def test_a_lone_kick_named_in_or_out_is_suggested_as_the_kick(enst_excerpt, tmp_path, renamed):
    # The real ENST stems, copied with the kick renamed: the same audio, the same balance.
    import shutil

    from drumassist.core.multitrack import load_multitrack
    from drumassist.learn.suggest.suggestion import suggest

    folder = tmp_path / "stems"
    shutil.copytree(enst_excerpt / "stems", folder)
    plain = suggest(load_multitrack(folder), method="default")
    (folder / "kick.wav").rename(folder / f"{renamed}.wav")
    multitrack = load_multitrack(folder)
    assert multitrack.tracks[multitrack.index(renamed)].role == Role.KICK
    named = suggest(multitrack, method="default")
    by_name = dict(zip(named.names, named.gains_db, strict=True))
    by_name["kick"] = by_name.pop(renamed)
    assert by_name == pytest.approx(dict(zip(plain.names, plain.gains_db, strict=True)), abs=1e-9)
