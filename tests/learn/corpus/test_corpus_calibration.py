"""The simulator follows what real microphones do (measured on ../shared/kits)."""

from __future__ import annotations

import numpy as np
import pytest

from drumassist.learn.corpus.bleed_stats import (
    HitRecordings,
    bleed_statistics,
    kit_recordings,
)
from drumassist.learn.corpus.calibration import PROFILES, complete, measure_profile
from drumassist.learn.corpus.multimic_read import read_multimic_kit
from drumassist.learn.corpus.sim_check import simulated_recordings
from tests.conftest import SHARED

KITS = SHARED / "kits"
# Tolerances, dB: a bleed level (the simulator adds a per-session error of 1.5 dB,
# clipped at 3: so 3 dB and a little), their mean error, the kick/snare asymmetry, the
# mean over the octave bands of a spectrum's shape, tails, pickups.
LEVEL_DB, MEAN_LEVEL_DB, ASYMMETRY_DB = 3.5, 1.5, 3.5
SHAPE_DB, TAIL_DB, PICKUP_DB = 3.0, 1.5, 2.0


def _real(name: str) -> HitRecordings:
    if not (KITS / name / "Samples").is_dir():
        pytest.skip(f"the real kit {name} is not at {KITS} (../shared is absent)")
    return kit_recordings(read_multimic_kit(KITS / name))


def _two_takes(rec: HitRecordings) -> HitRecordings:
    """Two round robins per hit: the statistics barely move, the simulation halves."""
    hits = {d: {m: list(t[:2]) for m, t in by_mic.items()} for d, by_mic in rec.hits.items()}
    return HitRecordings(rec.sample_rate, hits, rec.close, rec.overheads, rec.rooms)


@pytest.fixture(scope="module")
def gogodze():
    real = _real("gogodze-phu-vol-ii")
    profile = PROFILES["gogodze-phu-vol-ii"]
    sim = simulated_recordings(_two_takes(real), profile=profile, rng=np.random.default_rng(7))
    return real, bleed_statistics(real), bleed_statistics(sim)


@pytest.mark.parametrize("name", ["gogodze-phu-vol-ii", "frankensnare"])
def test_the_table_is_what_the_real_kit_measures(name):
    rec = _real(name)
    measured = measure_profile(name, rec, bleed_statistics(rec))
    table = PROFILES[name]
    assert measured.bleed_db == pytest.approx(table.bleed_db, abs=0.05)
    for key, curve in table.colour_db.items():
        assert measured.colour_db[key] == pytest.approx(curve, abs=0.05), key
    for key, curve in table.own_vs_oh_db.items():
        assert measured.own_vs_oh_db[key] == pytest.approx(curve, abs=0.05), key
    assert measured.ambient_db == pytest.approx(table.ambient_db, abs=0.05)
    assert measured.tail_db == pytest.approx(table.tail_db, abs=0.05)


def test_simulated_bleed_levels_and_asymmetry_agree_with_the_real_kit(gogodze):
    _, real, sim = gogodze
    errors = []
    for key, value in real.bleed_db.items():
        assert sim.bleed_db[key] == pytest.approx(value, abs=LEVEL_DB), key
        errors.append(abs(sim.bleed_db[key] - value))
    assert float(np.mean(errors)) < MEAN_LEVEL_DB
    # Real bleed is 4 to 19 dB down (the old recipe: 20 to 32) and far from symmetric.
    assert max(real.bleed_db.values()) > -6.0 and min(real.bleed_db.values()) > -20.0
    assert real.asymmetry_db[("snare", "kick")] > 10.0
    assert sim.asymmetry_db[("snare", "kick")] == pytest.approx(
        real.asymmetry_db[("snare", "kick")], abs=ASYMMETRY_DB
    )


def test_simulated_bleed_spectra_agree_with_the_real_kit(gogodze):
    rec, real, sim = gogodze
    for (mic, drum), shape in real.spectrum_db.items():
        if mic in rec.close and drum != rec.close[mic]:
            error = float(np.mean(np.abs(sim.spectrum_db[(mic, drum)] - shape)))
            assert error < SHAPE_DB, (mic, drum)


def test_simulated_overheads_and_rooms_agree_with_the_real_kit(gogodze):
    rec, real, sim = gogodze

    def mean(values):
        return float(np.mean(list(values)))

    sim_rooms = [m for m in sim.tail_db if m.startswith("Room")]
    sim_ohs = [m for m in sim.tail_db if m.startswith("OH")]
    assert mean(sim.tail_db[m] for m in sim_rooms) == pytest.approx(
        mean(real.tail_db[m] for m in rec.rooms), abs=TAIL_DB)  # fmt: skip
    assert mean(sim.tail_db[m] for m in sim_ohs) == pytest.approx(
        mean(real.tail_db[m] for m in rec.overheads), abs=TAIL_DB)  # fmt: skip
    for mics, sim_mics in ((rec.overheads, sim_ohs), (rec.rooms, sim_rooms)):
        real_kick = mean(real.ambient_db[(m, "kick")] for m in mics)
        sim_kick = mean(sim.ambient_db[(m, "kick")] for m in sim_mics)
        assert sim_kick == pytest.approx(real_kick, abs=PICKUP_DB)


def test_a_live_room_simulates_as_one_frankensnare():
    real_rec = _real("frankensnare")
    profile = complete(PROFILES["frankensnare"], PROFILES["gogodze-phu-vol-ii"])
    sim = bleed_statistics(simulated_recordings(_two_takes(real_rec), profile=profile,
                                                rng=np.random.default_rng(3)))  # fmt: skip
    real = bleed_statistics(real_rec)
    real_tail = np.mean([real.tail_db[m] for m in real_rec.overheads])
    sim_tail = np.mean([v for m, v in sim.tail_db.items() if m.startswith("OH")])
    assert sim_tail == pytest.approx(real_tail, abs=TAIL_DB)
    error = np.mean(np.abs(sim.spectrum_db[("top", "snare")] - real.spectrum_db[("top", "snare")]))
    assert error < SHAPE_DB
