"""Rendered corpora from a tiny kit made here: tracks, bleed, targets, determinism, resume."""

from __future__ import annotations

import json
import logging
import math

import numpy as np
import pytest

from drumassist.core.progress import CancelToken
from drumassist.core.roles import Role, role_from_name
from drumassist.errors import CancelledError, CorpusError
from drumassist.learn.corpus import load_corpus, render_corpus
from drumassist.learn.corpus.calibration import PROFILES
from drumassist.learn.corpus.layouts import build_layout
from drumassist.learn.corpus.mics import Mic, kit_geometry, mic_position, render_mic
from drumassist.learn.corpus.slots import ENST_SLOTS, assign_slots
from tests.learn.corpus.test_corpus_kit import make_kit

DURATION_S = 3.0
TOLERANCE_DB = 0.1


@pytest.fixture(scope="module")
def kit_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kits")
    make_kit(folder)
    return folder


@pytest.fixture(scope="module")
def corpus(kit_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    report = render_corpus(out, sessions=6, kit_dirs=[kit_dir], seed=3, duration_s=DURATION_S)
    assert len(report.built) == 6 and not report.failed
    return load_corpus(out)


def test_sessions_have_the_tracks_of_their_layout(corpus):
    layouts = {s.layout for s in corpus.sessions}
    assert layouts == {"enst", "varied"}
    for session in corpus.sessions:
        assert session.source == "render" and session.group == "tinykit" and not session.heldout
        assert session.sample_rate == 44100 and session.duration_s == pytest.approx(DURATION_S)
        if session.layout == "enst":
            assert set(session.names) <= set(ENST_SLOTS)
            assert {"kick", "snare", "hi-hat", "overhead_L", "overhead_R"} <= set(session.names)
            assert session.slots == {n: n for n in session.names}
        for track in session.tracks:
            assert track.path.is_file() and track.path.suffix == ".flac"
            assert track.role == role_from_name(track.name)
        multitrack = session.load_multitrack()
        assert multitrack.names == session.names
        assert session.load_mix().shape == (multitrack.frames, 1)


def test_targets_agree_with_the_set_gains(corpus):
    for session in corpus.sessions:
        assert session.r2 > 0.999999
        for track in session.tracks:
            assert track.target_status == "ok", (session.id, track.name)
            assert track.target_gain_db == pytest.approx(track.set_gain_db, abs=TOLERANCE_DB)


def test_overheads_and_rooms_follow_the_rule_of_the_multimic_kits(corpus):
    """One rule for every corpus (learn.corpus.balance): the overhead pair's contribution
    5.5 to 9.2 dB under the snare top's, the rooms together 4 to 12 dB under the pair."""
    from drumassist.learn.corpus.balance import (
        ENST_OVERHEAD_VS_SNARE_DB,
        ENST_WIDEN_DB,
        ROOM_VS_OVERHEAD_DB,
        session_level_db,
    )

    checked_rooms = 0
    for session in corpus.sessions:
        mt = session.load_multitrack()
        doc = json.loads((session.dir / "session.json").read_text())
        gain = {r["name"]: r["set_polarity"] * 10 ** (r["set_gain_db"] / 20) for r in doc["tracks"]}

        def level(names, mt=mt, gain=gain):
            audio = [gain[n] * mt.tracks[mt.index(n)].audio[:, 0].astype(float) for n in names]
            return session_level_db(sum(audio), 44100)

        roles = {t.name: t.role for t in mt.tracks}
        snare = [n for n in mt.names if roles[n] is Role.SNARE and gain[n] > 0][:1]
        overheads = [n for n in mt.names if roles[n] is Role.OVERHEAD]
        rooms = [n for n in mt.names if roles[n] is Role.ROOM]
        assert snare and overheads, session.id
        pair_vs_snare = level(overheads) - level(snare)
        low = min(ENST_OVERHEAD_VS_SNARE_DB) - ENST_WIDEN_DB
        high = max(ENST_OVERHEAD_VS_SNARE_DB) + ENST_WIDEN_DB
        assert low - 0.01 <= pair_vs_snare <= high + 0.01, (session.id, pair_vs_snare)
        if rooms:
            total = 10 * math.log10(sum(10 ** (level([n]) / 10) for n in rooms))
            room_vs_pair = total - level(overheads)
            assert ROOM_VS_OVERHEAD_DB[0] - 0.01 <= room_vs_pair <= ROOM_VS_OVERHEAD_DB[1] + 0.01
            checked_rooms += 1
    assert checked_rooms  # seed 3 gives rooms; a new layout rule may need another seed


def test_a_mic_whose_drum_does_not_play_keeps_the_preamp_of_the_others(kit_dir):
    """A played close mic is trimmed to peak at -18 dBFS + its offset; one whose drum never
    plays gets the geometric-mean trim of the played ones (times its offset), not a trim
    that raises its bleed to -18 dBFS."""
    from drumassist.learn.corpus.grooves import A
    from drumassist.learn.corpus.kitmap import SOURCE_OF
    from drumassist.learn.corpus.kits import survey_kits
    from drumassist.learn.corpus.render import RenderJob, render_session
    from drumassist.learn.corpus.session_gains import TRIM_RANGE_DB, TRIM_REFERENCE_DBFS

    (kit,), _ = survey_kits(sorted(kit_dir.rglob("drumkit.xml")))
    unplayed_seen = 0
    for seed in range(12):
        rendered = render_session(RenderJob("t", seed, kit, (), 3.0, 44100))
        hits = rendered.performance.hits
        played = {
            f"tom{h.tom}" if h.articulation == A.TOM else SOURCE_OF[h.articulation] for h in hits
        }
        close = [m for m in rendered.layout.mics if m.kind == "close"]
        peaks = {m.name: 20 * math.log10(np.max(np.abs(rendered.stems[m.name]))) for m in close}
        trims = rendered.trims_lin
        base = math.exp(np.mean([math.log(trims[m.name]) for m in close if m.source in played]))
        for mic in close:
            if mic.source in played:
                expected = TRIM_REFERENCE_DBFS + rendered.trims_db[mic.name]
                assert peaks[mic.name] == pytest.approx(expected, abs=1e-3), (seed, mic.name)
            else:
                unplayed_seen += 1
                offset = rendered.trims_db[mic.name]
                assert abs(offset) <= TRIM_RANGE_DB
                assert trims[mic.name] == pytest.approx(base * 10 ** (offset / 20), rel=1e-9)
    assert unplayed_seen  # seeds 0-11 leave a miked drum unplayed; a new groove rule may not


def test_snare_bottom_is_inverted_and_the_mix_flips_it(corpus):
    bottoms = [
        (s, t) for s in corpus.sessions for t in s.tracks if "Bottom" in t.name or "Btm" in t.name
    ]
    assert bottoms  # seed 3 gives one; a new layout rule may need another seed
    for session, track in bottoms:
        doc = json.loads((session.dir / "session.json").read_text())
        row = next(r for r in doc["tracks"] if r["name"] == track.name)
        assert row["set_polarity"] == -1 and row["target_sign_flipped"] is True


def test_close_mics_hear_the_other_drums_as_calibrated_asymmetric_bleed():
    """A low tone on one drum at every close mic: own at 0 dB, bleed as measured on a real kit."""
    rng = np.random.default_rng(0)
    profile = PROFILES["gogodze-phu-vol-ii"]
    sources = ["kick", "snare", "hi-hat", "tom0", "tom1", "crash", "ride"]
    geometry = kit_geometry(sources, rng)
    frames = 44100
    tone = np.sin(2 * np.pi * 100 * np.arange(frames) / 44100)
    heard_db = {}
    for played in ("kick", "snare", "tom1"):
        signals = {s: tone if s == played else np.zeros(frames) for s in sources}
        for source in ("kick", "snare", "hi-hat", "tom0", "tom1"):
            mic = Mic(source, "close", source)
            position = mic_position(mic, geometry, rng)
            heard = render_mic(mic, position, signals, geometry, sample_rate=44100, rng=rng,
                               profile=profile)  # fmt: skip
            level_db = 20 * math.log10(np.std(heard[22050:]) / np.std(tone[22050:]))
            heard_db[(played, source)] = level_db
            if source == played:
                assert level_db == pytest.approx(0.0, abs=0.05)
            else:  # real bleed is 4 to 19 dB down at equal overhead level, not 20 to 32
                assert -28.0 < level_db < -1.0, (played, source, level_db)
    # The snare mic hears the kick far more than the kick mic hears the snare.
    assert heard_db[("kick", "snare")] - heard_db[("snare", "kick")] > 8.0


def test_layout_names_read_back_as_their_roles_and_slots():
    roles = {"kick": Role.KICK, "snare": Role.SNARE, "hi-hat": Role.HIHAT, "ride": Role.CYMBAL}
    rides = 0
    for seed in range(40):
        rng = np.random.default_rng(seed)
        layout, toms = build_layout(
            rng, kit_toms=4, has_hihat=True, enst=seed % 4 == 0, has_ride=seed % 2 == 0
        )
        names = [m.name for m in layout.mics]
        rides += sum(m.source == "ride" for m in layout.mics)
        if seed % 2 or seed % 4 == 0:  # no ride on the kit, or the ENST layout
            assert all(m.source != "ride" for m in layout.mics), names
        for mic in layout.mics:
            expected = {"overhead": Role.OVERHEAD, "room": Role.ROOM}.get(mic.kind)
            expected = expected or roles.get(str(mic.source), Role.TOM)
            assert role_from_name(mic.name) == expected, mic.name
        assert assign_slots(names) == list(layout.slots), names
        assert 1 <= len(toms) <= 4
    assert 1 <= rides <= 8  # about a third of the 10 varied layouts of a kit with a ride


def test_rendering_is_deterministic_for_a_seed(kit_dir, tmp_path, corpus):
    again = render_corpus(tmp_path / "again", sessions=2, kit_dirs=[kit_dir], seed=3,
                          duration_s=DURATION_S, workers=2)  # fmt: skip
    assert set(again.built) == {"render-00000", "render-00001"}
    for session_id in again.built:
        first, second = corpus.session(session_id), load_corpus(again.root).session(session_id)
        assert (first.dir / "session.json").read_bytes() == (
            second.dir / "session.json"
        ).read_bytes()
        for a, b in zip(first.tracks, second.tracks, strict=True):
            assert a.path.read_bytes() == b.path.read_bytes()
    other = render_corpus(tmp_path / "other", sessions=1, kit_dirs=[kit_dir], seed=4,
                          duration_s=DURATION_S)  # fmt: skip
    assert load_corpus(other.root).sessions[0].seed != corpus.sessions[0].seed


def test_an_interrupted_corpus_resumes(kit_dir, tmp_path):
    out = tmp_path / "c"
    first = render_corpus(out, sessions=2, kit_dirs=[kit_dir], duration_s=DURATION_S)
    hash_before = load_corpus(out).manifest_sha256
    (out / "render-00001" / "session.json").unlink()
    (out / "render-00001" / "mix.flac").unlink()
    with pytest.raises(CorpusError, match=r"render-00001.session\.json"):
        load_corpus(out)  # the old manifest lists a session being rebuilt
    second = render_corpus(out, sessions=2, kit_dirs=[kit_dir], duration_s=DURATION_S)
    assert first.built == ("render-00000", "render-00001")
    assert second.built == ("render-00001",) and second.skipped == ("render-00000",)
    corpus = load_corpus(out)
    assert [s.id for s in corpus.sessions] == ["render-00000", "render-00001"]
    assert corpus.manifest_sha256 == hash_before  # the same corpus again


def test_a_corpus_resumed_with_other_settings_is_refused(kit_dir, tmp_path):
    """Resumed with another --duration or --seed, a render kept the sessions made before
    and added its own under one manifest naming only the last settings (found by a
    researcher's trial): refused, naming the sessions and how they differ, with nothing
    written; the same settings still resume, and more sessions may be added."""
    out = tmp_path / "c"
    render_corpus(out, sessions=2, kit_dirs=[kit_dir], seed=3, duration_s=DURATION_S)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    other = ({"seed": 4, "duration_s": DURATION_S}, {"seed": 3, "duration_s": DURATION_S + 1})
    for changed in other:
        with pytest.raises(CorpusError, match=r"sessions made with other settings are there: "
                           r"render-00000 \((seed|duration_s) "):  # fmt: skip
            render_corpus(out, sessions=3, kit_dirs=[kit_dir], **changed)
        assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    more = render_corpus(out, sessions=3, kit_dirs=[kit_dir], seed=3, duration_s=DURATION_S)
    assert more.built == ("render-00002",) and len(more.skipped) == 2


def test_missing_samples_are_named_and_skipped(tmp_path, caplog):
    make_kit(tmp_path / "kits", missing=["gone_snare.wav"])
    with caplog.at_level(logging.WARNING):
        report = render_corpus(tmp_path / "c", sessions=1, kit_dirs=[tmp_path / "kits"],
                               duration_s=DURATION_S)  # fmt: skip
    assert report.built == ("render-00000",)
    assert any("gone_snare.wav" in r.getMessage() for r in caplog.records)
    manifest = json.loads((tmp_path / "c" / "manifest.json").read_text())
    assert any("gone_snare.wav" in w for w in manifest["builder"]["kit_warnings"])


def test_a_kit_without_drum_instruments_is_skipped(tmp_path, caplog):
    percussion = {"Cowbell": (1.0, (800.0, 0.2, 0.1)), "Hand Clap": (1.0, (1500.0, 0.1, 0.9))}
    make_kit(tmp_path / "kits", name="Percussion", instruments=percussion, song=False)
    with caplog.at_level(logging.WARNING), pytest.raises(CorpusError, match="no usable"):
        render_corpus(tmp_path / "c", sessions=1, kit_dirs=[tmp_path / "kits"])
    assert any("Percussion: no usable drum instruments" in r.getMessage() for r in caplog.records)
    make_kit(tmp_path / "kits", name="Drums")
    report = render_corpus(tmp_path / "c", sessions=2, kit_dirs=[tmp_path / "kits"],
                           duration_s=DURATION_S)  # fmt: skip
    assert {s.kit for s in load_corpus(report.root).sessions} == {"Drums"}


def test_heldout_kits_are_left_out_unless_asked(tmp_path):
    make_kit(tmp_path / "kits", name="ColomboAcousticDrumkit")
    make_kit(tmp_path / "kits", name="Drums")
    kits = [tmp_path / "kits"]
    train = load_corpus(render_corpus(tmp_path / "a", sessions=2, kit_dirs=kits, duration_s=2).root)
    assert {(s.kit, s.heldout) for s in train.sessions} == {("Drums", False)}
    test = load_corpus(
        render_corpus(tmp_path / "b", sessions=1, kit_dirs=kits, duration_s=2, heldout="only").root
    )
    assert [(s.kit, s.heldout) for s in test.sessions] == [("ColomboAcousticDrumkit", True)]
    assert test.sessions[0].group == "colomboacousticdrumkit"


@pytest.mark.parametrize(
    ("option", "value"), [("sessions", 0), ("seed", -1), ("duration_s", 0.1), ("heldout", "maybe")]
)
def test_bad_options_are_refused(tmp_path, option, value):
    options = {"sessions": 1, "seed": 0, "duration_s": 5.0, "heldout": "exclude", option: value}
    with pytest.raises(CorpusError, match=option.split("_")[0]):
        render_corpus(tmp_path / "c", kit_dirs=[tmp_path], **options)


def test_cancelling_stops_after_the_current_session_and_keeps_it(kit_dir, tmp_path):
    class CancelAfterFirst(CancelToken):
        def report(self, fraction, message=""):
            super().report(fraction, message)
            self.cancel()

    with pytest.raises(CancelledError):
        render_corpus(tmp_path / "c", sessions=3, kit_dirs=[kit_dir], duration_s=2,
                      progress=CancelAfterFirst())  # fmt: skip
    assert [s.id for s in load_corpus(tmp_path / "c").sessions] == ["render-00000"]


def test_overheads_are_set_against_a_played_drum():
    """The overhead pair follows the snare top's contribution; a session whose snare does
    not play sets it against the close mics whose drums do (never against bleed)."""
    from drumassist.learn.corpus.session_gains import reference_mics, unplayed_trim

    close = [("Kick", "kick"), ("Snare Top", "snare"), ("Snare Btm", "snare"), ("Tom", "tom1")]
    gains = {"Kick": 1.0, "Snare Top": 0.5, "Snare Btm": -0.2, "Tom": 0.7}
    assert reference_mics(close, gains, {"kick", "snare", "tom1"}) == ["Snare Top"]
    assert reference_mics(close, gains, {"kick", "tom1"}) == ["Kick", "Tom"]
    assert reference_mics(close, gains, set()) == ["Kick", "Snare Top", "Snare Btm", "Tom"]
    with pytest.raises(ValueError, match="no played close mic"):
        unplayed_trim([], np.random.default_rng(0))
