"""Convert the shipped models from ``model.skops`` to ``model.npz`` (plain arrays).

For each shipped model folder that still holds a ``model.skops``, this loads the model
as it is (scikit-learn and skops), writes its estimators as arrays into a scratch copy
of the folder, loads that copy (no scikit-learn involved), and compares the two models'
suggestions on the built-in demo (two seeds and lengths) and on the ENST excerpt in
``../shared`` (when present). Only if every gain, range bound, loudness and description
is exactly equal does it move ``model.npz`` (and, for the trim model, the ``trim.json``
that names its sha256) into the folder and delete ``model.skops``. Otherwise it stops,
naming the method and the case that differ, and leaves the folder alone.

    PYTHONPATH=$PWD .venv/bin/python scripts/convert_models.py [--dry-run] [METHOD ...]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ENST_STEMS = ROOT.parent / "shared" / "fixtures" / "enst-excerpt" / "stems"


def cases() -> dict[str, Any]:
    """The multitracks the suggestions are compared on."""
    from drumassist.core.demo import synthesize_demo
    from drumassist.core.multitrack import from_arrays, load_multitrack

    out = {
        f"demo seed {seed}, {length:g} s": from_arrays(
            synthesize_demo(seed=seed, duration_s=length), sample_rate=44100
        )
        for seed, length in ((3, 4.0), (0, 30.0))
    }
    if ENST_STEMS.is_dir():
        out["ENST excerpt"] = load_multitrack(ENST_STEMS)
    else:
        print(f"note: no ENST excerpt at {ENST_STEMS}; comparing on the demo only")
    return out


def write_arrays(model: Any, folder: Path) -> list[Path]:
    """Save ``model`` into ``folder`` (a scratch copy of its folder) as the running code
    saves: its estimators as ``model.npz``, beside ``trim.json`` for the trim model."""
    from drumassist.errors import ModelError
    from drumassist.learn.models.registry import MODEL_NAME

    model.save(folder)
    if not (folder / MODEL_NAME).is_file():
        raise ModelError(f"{model.method} has no array form; it stays in skops")
    return [folder / MODEL_NAME, *(p for p in [folder / "trim.json"] if p.is_file())]


def estimators_of(model: Any) -> list[Any]:
    """The fitted estimators a model predicts with."""
    if hasattr(model, "gain"):  # the trim model
        return [model.gain, model.low, model.high]
    return [model.pipeline if hasattr(model, "pipeline") else model.forest]


def is_compact(estimator: Any) -> bool:
    """True for drumassist's own array estimators (not scikit-learn objects)."""
    return type(estimator).__module__.startswith("drumassist.learn.models.")


def convert(method: str, multitracks: dict[str, Any], *, dry_run: bool) -> bool:
    """Convert one shipped model; False if its suggestions would change."""
    from drumassist.learn.models.persist import load_model
    from drumassist.learn.models.registry import SKOPS_NAME, shipped_model_dir
    from drumassist.learn.suggest.suggestion import suggest

    folder = shipped_model_dir(method)
    if not (folder / SKOPS_NAME).is_file():
        print(f"{method}: no {SKOPS_NAME} in {folder}; nothing to convert")
        return True
    old = load_model(folder)
    with tempfile.TemporaryDirectory(prefix=f"convert-{method}-") as name:
        scratch = Path(name) / folder.name
        shutil.copytree(folder, scratch)
        written = write_arrays(old, scratch)
        new = load_model(scratch)
        if (scratch / SKOPS_NAME).exists() or not all(map(is_compact, estimators_of(new))):
            print(f"{method}: the scratch copy is not all arrays: {estimators_of(new)}")
            return False
        for case, multitrack in multitracks.items():
            before = suggest(multitrack, model=old)
            after = suggest(multitrack, model=new)
            if before != after:
                print(f"{method}: the suggestions for {case} differ:\n  {before}\n  {after}")
                return False
            print(f"{method}: {case}: identical ({len(after.gains_db)} gains, {after.model})")
        old_mb = (folder / SKOPS_NAME).stat().st_size / 1e6
        new_mb = sum(p.stat().st_size for p in written if p.suffix == ".npz") / 1e6
        print(f"{method}: {SKOPS_NAME} {old_mb:.2f} MB -> {written[0].name} {new_mb:.2f} MB")
        if dry_run:
            return True
        for path in written:
            shutil.copy2(path, folder / (path.name + ".part"))
        for path in written:
            (folder / (path.name + ".part")).replace(folder / path.name)
    (folder / SKOPS_NAME).unlink()
    print(f"{method}: converted in {folder}")
    return True


def main() -> int:
    from drumassist.learn.models.registry import is_model_folder, model_methods, shipped_model_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("methods", nargs="*", help="methods to convert (default all shipped)")
    parser.add_argument("--dry-run", action="store_true", help="compare only, write nothing")
    args = parser.parse_args()
    methods = args.methods or [m for m in model_methods() if is_model_folder(shipped_model_dir(m))]
    multitracks = cases()
    ok = all(convert(m, multitracks, dry_run=args.dry_run) for m in methods)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
