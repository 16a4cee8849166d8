"""Measure real microphone bleed in the multi-mic kits and print the simulator's table.

    python scripts/measure_bleed.py [KITS_DIR]        # default ../shared/kits

For each kit (gogodze-phu-vol-ii, frankensnare) it prints the statistics of
``drumassist/learn/corpus/bleed_stats.py`` (bleed re own per mic pair, asymmetry,
per-octave spectra, ambient pickup, tails), then the profile that
``drumassist/learn/corpus/calibration.py`` holds in ``PROFILES`` (as Python), then
the same statistics on the kit's drums played through the simulator with that
profile, beside the real ones. Figures only.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from drumassist.learn.corpus.bleed_stats import BANDS_HZ, bleed_statistics, kit_recordings
from drumassist.learn.corpus.calibration import PROFILES, complete, measure_profile
from drumassist.learn.corpus.multimic_read import read_multimic_kit
from drumassist.learn.corpus.sim_check import simulated_recordings

KITS = Path(__file__).resolve().parents[2] / "shared" / "kits"


def _row(values: np.ndarray) -> str:
    return " ".join(f"{v:6.1f}" for v in values)


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else KITS
    base = PROFILES["gogodze-phu-vol-ii"]
    for name in ("gogodze-phu-vol-ii", "frankensnare"):
        kit = read_multimic_kit(root / name)
        rec = kit_recordings(kit)
        real = bleed_statistics(rec)
        print(f"== {name}: close {rec.close}, overheads {list(rec.overheads)},"
              f" rooms {list(rec.rooms)}")  # fmt: skip
        print(f"measured profile:\n  {measure_profile(name, rec, real)!r}")
        print(f"in calibration.PROFILES:\n  {PROFILES[name]!r}")
        sim = bleed_statistics(
            simulated_recordings(
                rec, profile=complete(PROFILES[name], base), rng=np.random.default_rng(0)
            )
        )
        print("bleed re own at equal overhead level, dB: real / simulated")
        for key, value in real.bleed_db.items():
            print(f"  {key[1]:>7s} in {key[0]:10s} {value:6.1f} / {sim.bleed_db[key]:6.1f}")
        for key, value in real.asymmetry_db.items():
            print(f"  asymmetry {key}: {value:6.1f} / {sim.asymmetry_db[key]:6.1f}")
        print("tail (after 50 ms re first 50 ms of the snare hit), dB")
        print("  real: " + ", ".join(f"{m} {v:.1f}" for m, v in real.tail_db.items()))
        print("  sim:  " + ", ".join(f"{m} {v:.1f}" for m, v in sim.tail_db.items()))
        print("ambient pickup (kick re snare, re the close mics), dB")
        print("  real: " + ", ".join(f"{m} {v:.1f}" for (m, d), v in real.ambient_db.items()
                                     if d == "kick"))  # fmt: skip
        print("  sim:  " + ", ".join(f"{m} {v:.1f}" for (m, d), v in sim.ambient_db.items()
                                     if d == "kick"))  # fmt: skip
        print("spectrum re overheads per octave " + " ".join(f"{f:>6.0f}" for f in BANDS_HZ))
        for (mic, drum), shape in real.spectrum_db.items():
            if mic in rec.close:
                print(f"  {drum:>7s} in {mic:10s} real {_row(shape)}")
                print(f"  {'':>7s}    {'':10s} sim  {_row(sim.spectrum_db[(mic, drum)])}")


if __name__ == "__main__":
    main()
