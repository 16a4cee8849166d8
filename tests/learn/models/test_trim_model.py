"""The trim model: anchor inputs, training, prediction, saving and loading."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest

from drumassist.core.multitrack import Multitrack, Track
from drumassist.core.progress import CancelToken
from drumassist.errors import CancelledError, ModelError
from drumassist.learn.corpus import load_corpus, render_corpus
from drumassist.learn.data.anchor import AnchorInputs, anchor_inputs
from drumassist.learn.models import arrayio
from drumassist.learn.models.boosting import CompactBoosting
from drumassist.learn.models.registry import MODEL_NAME, SKOPS_NAME
from drumassist.learn.models.trim import (
    TrimModel,
    feature_columns,
    load_trim,
    save_trim,
    train_trim,
)
from drumassist.learn.models.trim_io import ESTIMATORS, TRIM_NAME, TRUSTED_TYPES
from tests.learn.corpus.test_corpus_kit import make_kit

Item = tuple[AnchorInputs, np.ndarray]


@pytest.fixture(scope="module")
def corpus_items(tmp_path_factory: pytest.TempPathFactory) -> list[Item]:
    kits = tmp_path_factory.mktemp("kits")
    make_kit(kits)
    out = tmp_path_factory.mktemp("corpus")
    report = render_corpus(out, sessions=8, kit_dirs=[kits], seed=4, duration_s=2.0)
    assert len(report.built) == 8
    items = []
    for session in load_corpus(out).sessions:
        mt = session.load_multitrack()
        gains = session.target_gains_db
        target = np.array([math.nan if gains[n] is None else gains[n] for n in mt.names])
        items.append((anchor_inputs(mt), target))
    return items


@pytest.fixture(scope="module")
def model(corpus_items: list[Item]) -> TrimModel:
    return train_trim(corpus_items, seed=1, max_iter=40)


def _with_silent_track(inputs: AnchorInputs, multitrack: Multitrack) -> Multitrack:
    silent = Track(name="Tom 9", audio=np.zeros_like(multitrack.tracks[-1].audio))
    return dataclasses.replace(multitrack, tracks=(*multitrack.tracks, silent))


def test_anchor_inputs_measure_every_track(corpus_items: list[Item]) -> None:
    inputs, _ = corpus_items[0]
    n = len(inputs.names)
    assert inputs.transfer_db.shape == (n, n) and inputs.levels_db.shape[0] == n
    assert len(inputs.kinds) == len(inputs.roles) == n
    assert np.isfinite(inputs.peak_db).all() and np.isfinite(inputs.loudness_lufs).all()


def test_anchor_inputs_report_progress_and_can_be_cancelled(corpus_items: list[Item]) -> None:
    token = CancelToken()
    mt = Multitrack(
        tracks=(Track("Kick", np.ones((4410, 1), np.float32) * 0.1),), sample_rate=44100
    )
    anchor_inputs(mt, progress=token)
    assert token.fraction == pytest.approx(1.0)
    token.cancel()
    with pytest.raises(CancelledError):
        anchor_inputs(mt, progress=token)


def test_prediction_has_ordered_bounds_and_silent_tracks_are_muted(
    model: TrimModel, corpus_items: list[Item], tmp_path: Path
) -> None:
    assert model.method == "trim" and model.columns == feature_columns()
    for inputs, _ in corpus_items:
        p = model.predict(inputs)
        assert p.gains_db.shape == p.low_db.shape == p.high_db.shape == (len(inputs.names),)
        assert np.isfinite(p.gains_db).all()
        assert (p.low_db <= p.gains_db).all() and (p.gains_db <= p.high_db).all()
    inputs, _ = corpus_items[0]
    silent = AnchorInputs(
        names=(*inputs.names, "Tom 9"),
        roles=(*inputs.roles, inputs.roles[-1]),
        kinds=(*inputs.kinds, inputs.kinds[-1]),
        transfer_db=np.pad(inputs.transfer_db, (0, 1), constant_values=np.nan),
        peak_db=np.append(inputs.peak_db, -math.inf),
        loudness_lufs=np.append(inputs.loudness_lufs, -math.inf),
        levels_db=np.vstack([inputs.levels_db, np.full(inputs.levels_db.shape[1], -math.inf)]),
    )
    p = model.predict(silent)
    assert p.gains_db[-1] == p.low_db[-1] == p.high_db[-1] == -math.inf
    assert np.isfinite(p.gains_db[:-1]).all()


def test_a_silent_track_measured_from_audio_is_muted(model: TrimModel) -> None:
    rng = np.random.default_rng(0)
    audio = (0.1 * rng.standard_normal((44100, 1))).astype(np.float32)
    mt = Multitrack(
        tracks=(Track("Snare", audio), Track("Tom 1", np.zeros_like(audio))), sample_rate=44100
    )
    inputs = anchor_inputs(mt)
    assert inputs.peak_db[1] == -math.inf and inputs.loudness_lufs[1] == -math.inf
    p = model.predict(inputs)
    assert p.gains_db[1] == -math.inf and np.isfinite(p.gains_db[0])


def test_training_is_deterministic_for_a_seed(model: TrimModel, corpus_items: list[Item]) -> None:
    again = train_trim(corpus_items, seed=1, max_iter=40)
    inputs = corpus_items[0][0]
    a, b = model.predict(inputs), again.predict(inputs)
    np.testing.assert_array_equal(a.gains_db, b.gains_db)
    np.testing.assert_array_equal(a.low_db, b.low_db)
    assert dict(model.offsets) == dict(again.offsets)


def test_no_usable_session_is_a_model_error(corpus_items: list[Item]) -> None:
    inputs, target = corpus_items[0]
    with pytest.raises(ModelError, match="no usable sessions"):
        train_trim([(inputs, np.full_like(target, np.nan))])
    with pytest.raises(ModelError, match="target gains given"):
        train_trim([(inputs, target[:-1])])


def test_save_and_load_round_trip(
    model: TrimModel, corpus_items: list[Item], tmp_path: Path
) -> None:
    paths = save_trim(model, tmp_path)
    assert sorted(p.name for p in paths) == sorted([MODEL_NAME, TRIM_NAME])
    assert not list(tmp_path.glob(".*part"))
    loaded = load_trim(tmp_path)
    assert loaded.seed == 1 and loaded.blend == model.blend
    assert dict(loaded.offsets) == pytest.approx(dict(model.offsets))
    # Loaded as arrays, the regressors predict exactly what the fitted ones do.
    assert all(isinstance(e, CompactBoosting) for e in (loaded.gain, loaded.low, loaded.high))
    assert loaded.describe() == model.describe()
    for inputs, _ in corpus_items:
        a, b = model.predict(inputs), loaded.predict(inputs)
        for field in ("gains_db", "low_db", "high_db"):
            assert np.array_equal(getattr(b, field), getattr(a, field))


def test_a_skops_model_still_loads(
    model: TrimModel, corpus_items: list[Item], tmp_path: Path
) -> None:
    import skops.io as sio

    # A model saved before the arrays existed: model.skops and its hash in trim.json.
    save_trim(model, tmp_path)
    _replace_model_file(tmp_path, sio.dumps({n: getattr(model, n) for n in ESTIMATORS}))
    loaded = load_trim(tmp_path)
    assert type(loaded.gain).__name__ == "HistGradientBoostingRegressor"
    inputs = corpus_items[0][0]
    assert np.array_equal(loaded.predict(inputs).gains_db, model.predict(inputs).gains_db)


def _replace_model_file(folder: Path, content: bytes, name: str = SKOPS_NAME) -> None:
    """Write ``name`` (``model.skops`` by default, in place of ``model.npz``) and a
    matching hash into ``trim.json``: a consistent but hostile or damaged save, which
    the checks after the hash must still refuse."""
    import hashlib

    for other in (MODEL_NAME, SKOPS_NAME):
        (folder / other).unlink(missing_ok=True)
    (folder / name).write_bytes(content)
    doc = json.loads((folder / TRIM_NAME).read_text())
    doc["model_sha256"] = hashlib.sha256(content).hexdigest()
    (folder / TRIM_NAME).write_text(json.dumps(doc))


def test_an_untrusted_type_is_refused(model: TrimModel, tmp_path: Path) -> None:
    import skops.io as sio
    from sklearn.ensemble import RandomForestRegressor

    save_trim(model, tmp_path)
    forest = RandomForestRegressor(n_estimators=2, random_state=0).fit([[0.0], [1.0]], [0.0, 1.0])
    untrusted = set(sio.get_untrusted_types(data=sio.dumps(forest)))
    assert untrusted and not untrusted & set(TRUSTED_TYPES)
    _replace_model_file(tmp_path, sio.dumps({"gain": forest, "low": forest, "high": forest}))
    with pytest.raises(ModelError, match=r"model\.skops: refusing to load untrusted types"):
        load_trim(tmp_path)


def test_a_trusted_but_wrong_estimator_is_refused(model: TrimModel, tmp_path: Path) -> None:
    import skops.io as sio
    from sklearn.preprocessing import StandardScaler

    save_trim(model, tmp_path)
    scaler = StandardScaler().fit([[0.0], [1.0]])
    _replace_model_file(tmp_path, sio.dumps({"gain": scaler, "low": scaler, "high": scaler}))
    with pytest.raises(ModelError, match=r"model\.skops: 'gain' is a StandardScaler"):
        load_trim(tmp_path)
    # The same as arrays: a scaler is a compact estimator, but not a regressor.
    blob = arrayio.dumps({"gain": scaler, "low": scaler, "high": scaler})
    _replace_model_file(tmp_path, blob, MODEL_NAME)
    with pytest.raises(ModelError, match=r"model\.npz: 'gain' is a StandardScaler"):
        load_trim(tmp_path)


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        (SKOPS_NAME, b"not a zip", r"model\.skops: not a readable skops file"),
        (SKOPS_NAME, b"PK\x03\x04 truncated", r"model\.skops"),
        (MODEL_NAME, b"not a zip", r"model\.npz: cannot read the model arrays"),
        (MODEL_NAME, b"PK\x03\x04 truncated", r"model\.npz"),
        (TRIM_NAME, b"{not json", r"trim\.json: not a readable JSON trim model"),
        (TRIM_NAME, b'{"format": "other"}', r"trim\.json: not a drumassist-trim file"),
    ],
)
def test_corrupt_files_are_refused(
    model: TrimModel, tmp_path: Path, name: str, content: bytes, match: str
) -> None:
    save_trim(model, tmp_path)
    if name in (MODEL_NAME, SKOPS_NAME):
        _replace_model_file(tmp_path, content, name)
    else:
        (tmp_path / name).write_bytes(content)
    with pytest.raises(ModelError, match=match):
        load_trim(tmp_path)


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("columns", ["x"], "feature columns differ"),
        ("columns", 5, "feature columns differ"),
        ("blend", "high", "malformed"),
        ("blend", 10**400, "not a readable JSON"),  # no float holds it
        ("blend", 1.5, "malformed"),
        ("tables", {"corr": {"kick": [0, 1]}, "geom": {}}, "trim tables"),
        ("tables", {"corr": {"kick|snare": [0.0, -1.0]}, "geom": {}}, "trim tables"),
    ],
)
def test_malformed_trim_json_is_refused(
    model: TrimModel, tmp_path: Path, key: str, value: object, match: str
) -> None:
    save_trim(model, tmp_path)
    doc = json.loads((tmp_path / TRIM_NAME).read_text())
    doc[key] = value
    (tmp_path / TRIM_NAME).write_text(json.dumps(doc))
    with pytest.raises(ModelError, match=rf"trim\.json: .*{match}"):
        load_trim(tmp_path)


def test_files_of_two_saves_are_refused(
    model: TrimModel, corpus_items: list[Item], tmp_path: Path
) -> None:
    save_trim(model, tmp_path / "a")
    save_trim(train_trim(corpus_items, seed=2, max_iter=20), tmp_path / "b")
    (tmp_path / "a" / MODEL_NAME).write_bytes((tmp_path / "b" / MODEL_NAME).read_bytes())
    with pytest.raises(ModelError, match="not from the same save"):
        load_trim(tmp_path / "a")


@pytest.mark.parametrize("name", [MODEL_NAME, TRIM_NAME])
def test_a_missing_file_is_refused(model: TrimModel, tmp_path: Path, name: str) -> None:
    save_trim(model, tmp_path)
    (tmp_path / name).unlink()
    with pytest.raises(ModelError, match=name.replace(".", r"\.")):
        load_trim(tmp_path)


def test_anchor_inputs_come_from_the_cache_the_second_time(tmp_path: Path) -> None:
    from drumassist.core.demo import write_demo
    from drumassist.core.multitrack import load_multitrack
    from drumassist.core.paths import cache_dir

    class Messages:
        def __init__(self) -> None:
            self.seen: list[str] = []

        def report(self, fraction: float, message: str = "") -> None:
            self.seen.append(message)

        def cancelled(self) -> bool:
            return False

    write_demo(tmp_path / "demo", duration_s=3.0)
    mt = load_multitrack(tmp_path / "demo")
    first_run, second_run = Messages(), Messages()
    first = anchor_inputs(mt, progress=first_run)
    assert "measures from the cache" not in first_run.seen
    entries = list((cache_dir() / "anchor").rglob("*.npz"))
    assert len(entries) == 1
    again = anchor_inputs(mt, progress=second_run)
    assert second_run.seen == ["measures from the cache"]
    np.testing.assert_array_equal(again.transfer_db, first.transfer_db)
    np.testing.assert_array_equal(again.levels_db, first.levels_db)
    # A damaged entry is measured again (and rewritten), never trusted.
    entries[0].write_bytes(b"not a zip")
    repaired_run = Messages()
    repaired = anchor_inputs(mt, progress=repaired_run)
    assert "measures from the cache" not in repaired_run.seen
    np.testing.assert_array_equal(repaired.levels_db, first.levels_db)
    with np.load(entries[0], allow_pickle=False) as entry:
        np.testing.assert_array_equal(entry["levels_db"], first.levels_db)
    # Other audio is another entry.
    louder = dataclasses.replace(
        mt, tracks=tuple(dataclasses.replace(t, audio=t.audio * 0.5) for t in mt.tracks)
    )
    assert not np.array_equal(anchor_inputs(louder).levels_db, first.levels_db)
    assert len(list((cache_dir() / "anchor").rglob("*.npz"))) == 2


# -- levels-gb: the same machinery on each track's own level ----------------------------


@pytest.fixture(scope="module")
def levels_gb(corpus_items: list[Item]) -> TrimModel:
    return train_trim(corpus_items, seed=1, max_iter=40, reference="m90")


def test_levels_gb_saves_and_loads_as_its_own_kind(
    levels_gb: TrimModel, corpus_items: list[Item], tmp_path: Path
) -> None:
    from drumassist.learn.models.persist import load_model, save_model

    assert levels_gb.method == "levels-gb" and levels_gb.describe().startswith("levels-gb")
    save_model(levels_gb, tmp_path / "m", corpus={"sessions": 8})
    loaded = load_model(tmp_path / "m")
    assert isinstance(loaded, TrimModel) and loaded.reference == "m90"
    for inputs, _ in corpus_items:
        assert np.array_equal(loaded.predict(inputs).gains_db, levels_gb.predict(inputs).gains_db)
    doc = json.loads((tmp_path / "m" / TRIM_NAME).read_text())
    doc["reference"] = "peak"
    (tmp_path / "m" / TRIM_NAME).write_text(json.dumps(doc))
    with pytest.raises(ModelError, match="unknown reference level 'peak'"):
        load_model(tmp_path / "m")


def test_a_levels_gb_folder_is_not_loaded_as_trim(levels_gb: TrimModel, tmp_path: Path) -> None:
    from drumassist.learn.models.persist import load_method_model, save_model

    save_model(levels_gb, tmp_path / "m", corpus={"sessions": 8})
    with pytest.raises(ModelError, match="levels-gb"):
        load_method_model("trim", tmp_path / "m")


def _quieter(inputs: AnchorInputs, k: int, db: float) -> AnchorInputs:
    """``inputs`` with every level measure of track ``k`` ``db`` lower."""
    levels = inputs.levels_db.copy()
    levels[k] -= db
    return dataclasses.replace(inputs, levels_db=levels)


def _depth_db(inputs: AnchorInputs, k: int) -> float:
    from drumassist.learn.data.anchor import LEVELS

    loudest = inputs.levels_db[:, LEVELS.index("mmax")]
    return float(np.max(loudest[np.isfinite(loudest)]) - loudest[k])


def test_a_close_mic_with_only_bleed_is_not_pushed_up_to_a_played_drum(
    levels_gb: TrimModel, corpus_items: list[Item]
) -> None:
    """A tom whose loudest moment sits more than BLEED_ONLY_DB under the loudest track's
    is placed at the session's median level with its kind's offset; 1 dB less deep, it
    is not; an ambient mic never is; the trim model has no such rule."""
    from drumassist.learn.data.anchor import LEVELS
    from drumassist.learn.models.trim import BLEED_ONLY_DB

    m90 = LEVELS.index("m90")
    inputs, k = next(
        (i, i.kinds.index("tom"))
        for i, _ in corpus_items
        if "tom" in i.kinds and i.levels_db[i.kinds.index("tom"), m90] - 40.0 > -70.0
    )
    offsets = np.array([levels_gb.offsets.get(kind, 0.0) for kind in inputs.kinds])
    rest = [i for i in range(len(inputs.names)) if i != k]

    def placed(prediction) -> float:
        return float(np.median((prediction.gains_db - offsets)[rest])) + offsets[k]

    deeper = BLEED_ONLY_DB + 1.0 - _depth_db(inputs, k)  # 1 dB past the threshold
    shallower = BLEED_ONLY_DB - 1.0 - _depth_db(inputs, k)  # 1 dB before it
    moved, kept = (levels_gb.predict(_quieter(inputs, k, d)) for d in (deeper, shallower))
    assert moved.gains_db[k] == pytest.approx(placed(moved))
    assert moved.bleed_only == (k,) and kept.bleed_only == ()
    assert moved.low_db[k] <= moved.gains_db[k] <= moved.high_db[k]
    assert kept.gains_db[k] != pytest.approx(placed(kept), abs=0.05)
    # An overhead as deep is not a close mic: no rule.
    oh = inputs.kinds.index("overhead")
    far_oh = _quieter(inputs, oh, BLEED_ONLY_DB + 1.0 - _depth_db(inputs, oh))
    oh_offsets = offsets.copy()
    prediction = levels_gb.predict(far_oh)
    others = [i for i in range(len(inputs.names)) if i != oh]
    oh_placed = float(np.median((prediction.gains_db - oh_offsets)[others])) + oh_offsets[oh]
    assert prediction.gains_db[oh] != pytest.approx(oh_placed, abs=0.05)
    # The trim model reads no such rule: the same deep tom keeps its own prediction.
    trim = train_trim(corpus_items, seed=1, max_iter=40)
    deep = trim.predict(_quieter(inputs, k, deeper))
    trim_offsets = np.array([trim.offsets.get(kind, 0.0) for kind in inputs.kinds])
    trim_placed = float(np.median((deep.gains_db - trim_offsets)[rest])) + trim_offsets[k]
    assert deep.gains_db[k] != pytest.approx(trim_placed, abs=0.05)
