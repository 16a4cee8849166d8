"""Loading a gradient-boosted model in a fresh process: arrays (no scikit-learn) vs skops.

Fits three ``HistGradientBoostingRegressor`` with the trim model's settings (squared
error and the 10 % and 90 % quantiles, 400 rounds) on random rows of the default model's
shape, saves them both ways (``model.npz`` through ``drumassist.learn.models.arrayio``
and ``model.skops`` compressed as drumassist saved them before), then times, in fresh
processes (interleaved, best of ``--repeat``), importing what each needs, loading the
three and predicting 8 rows; and checks the two predictions are bit-identical.

    python benchmarks/bench_model_load.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

# One OpenMP thread for fitting and predicting: on a busy machine, OpenMP's waiting
# threads slow scikit-learn's boosting many times over; both loaders get the same.
os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's drumassist, not the venv's install
ROWS, COLUMNS = 2481, 62  # the shipped default model's training rows and columns
LOADERS = {
    "arrays": ("from drumassist.learn.models import arrayio\nmodels = arrayio.load(PATH)\n"),
    "skops": (
        "import skops.io as sio\n"
        "blob = open(PATH, 'rb').read()\n"
        "models = sio.loads(blob, trusted=sio.get_untrusted_types(data=blob))\n"
    ),
}
TIMED = """
import sys, time
started = time.perf_counter()
import numpy as np
PATH = sys.argv[1]
{load}
x = np.load(sys.argv[2])
out = np.stack([models[k].predict(x) for k in ("gain", "low", "high")])
elapsed = time.perf_counter() - started
np.save(sys.argv[3], out)
print(elapsed, "sklearn" in sys.modules)
"""


def fit(folder: Path) -> tuple[Path, Path, Path]:
    import numpy as np
    import skops.io as sio
    from sklearn.ensemble import HistGradientBoostingRegressor

    from drumassist.learn.models import arrayio

    rng = np.random.default_rng(0)
    x = rng.standard_normal((ROWS, COLUMNS))
    y = np.sin(x[:, 0]) + x[:, 1] * x[:, 2] + rng.normal(0, 0.3, ROWS)
    settings = {"learning_rate": 0.05, "min_samples_leaf": 10, "l2_regularization": 1.0}
    models = {}
    for name, extra in (("gain", {}), ("low", {"quantile": 0.1}), ("high", {"quantile": 0.9})):
        loss = {"loss": "quantile", **extra} if extra else {}
        models[name] = HistGradientBoostingRegressor(
            **settings, **loss, max_iter=400, early_stopping=False, random_state=0
        ).fit(x, y)
    npz, skops = folder / "model.npz", folder / "model.skops"
    npz.write_bytes(arrayio.dumps(models))
    skops.write_bytes(sio.dumps(models, compression=zipfile.ZIP_DEFLATED, compresslevel=9))
    rows = folder / "rows.npy"
    np.save(rows, rng.standard_normal((8, COLUMNS)))
    return npz, skops, rows


def run(kind: str, model: Path, rows: Path, out: Path) -> tuple[float, float, bool]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = TIMED.format(load=LOADERS[kind])
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, str(model), str(rows), str(out)],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    wall = time.perf_counter() - started
    inside, sklearn = done.stdout.split()
    return float(inside), wall, sklearn == "True"


def main() -> None:
    import numpy as np

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per case; the best counts")
    args = parser.parse_args()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs (load average {load})")
    with tempfile.TemporaryDirectory(prefix="bench-model-load-") as name:
        folder = Path(name)
        npz, skops, rows = fit(folder)
        files = {"arrays": npz, "skops": skops}
        best: dict[str, tuple[float, float, bool]] = {}
        for _ in range(args.repeat):
            for kind, path in files.items():
                result = run(kind, path, rows, folder / f"{kind}.npy")
                if kind not in best or result[0] < best[kind][0]:
                    best[kind] = result
        same = np.array_equal(np.load(folder / "arrays.npy"), np.load(folder / "skops.npy"))
        for kind, (inside, wall, sklearn) in best.items():
            size_mb = files[kind].stat().st_size / 1e6
            print(
                f"{kind:<6} {size_mb:5.2f} MB: import, load and predict {inside:.3f} s in the"
                f" process, {wall:.3f} s with start-up; scikit-learn imported: {sklearn}"
            )
        ratio = best["skops"][0] / best["arrays"][0]
        print(f"skops/arrays: {ratio:.1f}x; predictions bit-identical: {same}")


if __name__ == "__main__":
    main()
