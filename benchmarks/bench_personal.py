"""How fast the personal model learns a consistent taste: a simulated user on demo stems.

The simulated user always wants the snare 3 dB up and the hi-hat 2 dB down from the
default model's suggestion. Their sessions are the built-in demo generator with seeds
1-5 (8 stems, 8 s each, synthetic drums: not real recordings); the new sessions are
seeds 11-15, never recorded. For 1 to 5 recorded sessions this prints the median
balance error (dB, metrics.balance_error_db) against the user's own mix on the new
sessions, of the default model and of the personal model. Figures only, no
assertions. Run: ``python -m benchmarks.bench_personal``. Everything is written to a
temporary folder (the data folder is redirected there).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

TASTE_DB = {"snare": 3.0, "hi-hat": -2.0}
TRAIN_SEEDS = (1, 2, 3, 4, 5)
NEW_SEEDS = (11, 12, 13, 14, 15)


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="bench-personal-"))
    os.environ["DRUMASSIST_DATA_DIR"] = str(scratch / "data")
    from drumassist.core.demo import write_demo
    from drumassist.core.multitrack import load_multitrack
    from drumassist.core.personal import record_balance
    from drumassist.learn.evaluate.metrics import balance_error_db
    from drumassist.learn.models.personal import fit_personal
    from drumassist.learn.suggest.personal import load_examples
    from drumassist.learn.suggest.suggestion import suggest

    def session(seed: int):
        write_demo(scratch / f"s{seed}", seed=seed, duration_s=8.0)
        mt = load_multitrack(scratch / f"s{seed}")
        default = np.array(suggest(mt, method="default").gains_db)
        wanted = default + np.array([TASTE_DB.get(r.value, 0.0) for r in mt.roles])
        return mt, default, wanted

    for seed in TRAIN_SEEDS:
        mt, _default, wanted = session(seed)
        paths = [t.path for t in mt.tracks if t.path is not None]
        record_balance(paths, mt.names, mt.roles, list(wanted), source="export")
    examples = load_examples().examples
    new = [session(seed) for seed in NEW_SEEDS]
    base = np.median([balance_error_db(w, d) for _mt, d, w in new])
    print("recorded sessions | default median error (dB) | personal median error (dB) | ratio")
    for n in range(1, len(examples) + 1):
        model = fit_personal(examples[:n])
        errors = [balance_error_db(w, d + model.offsets_db(mt.roles)) for mt, d, w in new]
        personal = float(np.median(errors))
        print(f"{n:17d} | {base:25.2f} | {personal:26.2f} | {personal / base:.2f}")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
