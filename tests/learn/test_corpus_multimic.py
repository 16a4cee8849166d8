"""Multi-microphone kits: readers (per-mic folders, DrumGizmo), placement, the reference rule."""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from drumassist.core.roles import Role
from drumassist.errors import CorpusError
from drumassist.learn.corpus import load_corpus, render_multimic_corpus
from drumassist.learn.corpus.balance import (
    AUTHOR_BALANCE_DB,
    ENGINEER_MAX_DB,
    ENST_OVERHEAD_VS_SNARE_DB,
    ENST_WIDEN_DB,
    ROOM_VS_OVERHEAD_DB,
    session_level_db,
)
from drumassist.learn.corpus.kitmap import Articulation as A  # noqa: N817
from drumassist.learn.corpus.multimic_kit import read_multimic_kit
from drumassist.learn.corpus.multimic_render import render_multimic
from tests.conftest import SHARED

RATE = 44100
KITS = SHARED / "kits"
TOLERANCE_DB = 0.1
# A made-up kit: per mic, how loud it hears each drum, and its delay in frames.
MIC_HEARS = {
    "kick_mic": ({"ks": 1.0, "sc": 0.05}, 0),
    "snare_mic": ({"ks": 0.1, "sc": 0.9}, 3),
    "snare_btm": ({"ks": 0.05, "sc": -0.5}, 5),  # recorded with inverted polarity
    "oh": ({"ks": 0.2, "sc": 0.3}, 40),  # stereo: the right side 2 frames later
    "ribbon_mic": ({"ks": 0.15, "sc": 0.12}, 300),
}


def _hit(piece: str, layer: int, rr: int, mic: str) -> np.ndarray:
    """A distinct 60 ms hit for every file: a tone burst plus seeded noise."""
    seed = zlib.crc32(f"{piece} {layer} {rr} {mic}".encode())
    rng = np.random.default_rng(seed)
    t = np.arange(round(0.06 * RATE)) / RATE
    freq = 60.0 if piece == "ks" else 200.0
    level = MIC_HEARS[mic][0][piece] * (0.4 + 0.3 * layer)
    burst = np.sin(2 * np.pi * freq * t) + 0.5 * rng.uniform(-1, 1, t.size)
    return (level * np.exp(-t / 0.02) * burst).astype(np.float32)


def make_folder_kit(root: Path, *, layers: int = 2, rrs: int = 2, micmap: bool = True) -> Path:
    """Per-mic folders ``Samples/<mic>/<piece>_vl<N>_rr<M>.wav`` (``oh`` stereo) and a mic map."""
    for mic, (_, delay) in MIC_HEARS.items():
        folder = root / "Samples" / mic
        folder.mkdir(parents=True)
        for piece in ("ks", "sc"):
            for layer in range(layers):
                for rr in range(rrs):
                    audio = np.concatenate([np.zeros(delay, np.float32),
                                            _hit(piece, layer, rr, mic)])  # fmt: skip
                    if mic == "oh":
                        right = np.concatenate([np.zeros(2, np.float32), 0.8 * audio[:-2]])
                        audio = np.stack([audio, right], axis=1)
                    name = f"{piece}_vl{layer + 1}_rr{rr + 1}.wav"
                    sf.write(str(folder / name), audio, RATE, subtype="PCM_24")
    if micmap:
        doc = {"format": "drumassist-micmap", "version": 1, "group": "madeup",
               "mics": {"ribbon_mic": {"role": "room", "name": "Room"}},
               "articulations": {"ks": "kick", "sc": "snare"}}  # fmt: skip
        (root / "drumassist-micmap.json").write_text(json.dumps(doc), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def folder_kit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_folder_kit(tmp_path_factory.mktemp("madeup"))


def test_folder_kit_reader_reads_mics_roles_layers_and_the_stereo_pair(folder_kit):
    kit = read_multimic_kit(folder_kit)
    assert kit.group == "madeup"
    by_track = {m.track: m for m in kit.mics}
    assert set(by_track) == {"kick_mic", "snare_mic", "snare_btm", "oh L", "oh R", "Room"}
    assert by_track["snare_btm"].variant == "bottom"
    assert by_track["kick_mic"].role == Role.KICK and by_track["kick_mic"].source == "kick"
    assert by_track["oh R"].role == Role.OVERHEAD and by_track["oh R"].kind == "overhead"
    assert by_track["Room"].kind == "room"
    assert {p.name: p.articulation for p in kit.pieces} == {"ks": A.KICK, "sc": A.SNARE}
    kick = kit.choices(A.KICK)[0]
    assert [layer.top_velocity for layer in kick.layers] == [0.5, 1.0]
    assert kick.layer_index(0.3) == 0 and kick.layer_index(0.51) == 1
    oh_r = next(i for i, m in enumerate(kit.mics) if m.name == "oh R")
    path, channel = kick.layers[1].strokes[0].channels[oh_r]
    assert path.name == "ks_vl2_rr1.wav" and path.parent.name == "oh" and channel == 1


def test_a_mic_the_name_does_not_explain_needs_a_mic_map(tmp_path):
    make_folder_kit(tmp_path / "kit", micmap=False)
    with pytest.raises(CorpusError, match="mic 'ribbon_mic'.*drumassist-micmap.json"):
        read_multimic_kit(tmp_path / "kit")
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "drumassist-micmap", "version": 1,'
                   ' "mics": {"ribbon_mic": {"role": "ambience"}}}', encoding="utf-8")  # fmt: skip
    with pytest.raises(CorpusError, match="bad.json, mic 'ribbon_mic': unknown role 'ambience'"):
        read_multimic_kit(tmp_path / "kit", micmap=bad)


def test_every_hit_is_placed_on_every_mic_sample_exact(folder_kit):
    kit = read_multimic_kit(folder_kit)
    rendered = render_multimic(kit, songs=(), seed=5, duration_s=3.0, sample_rate=RATE,
                               label="t")  # fmt: skip
    assert len(rendered.onsets) >= 8
    pieces = {p.name: p for p in kit.pieces}
    frames = len(rendered.mix)
    checked = 0
    expected = {t: np.zeros(frames) for t in rendered.tracks}
    for start, piece, layer, rr in rendered.onsets:
        stroke = pieces[piece].layers[layer].strokes[rr]
        for track, mic in zip(rendered.tracks, rendered.mics, strict=True):
            path, channel = stroke.channels[kit.mics.index(mic)]
            audio = sf.read(str(path), dtype="float64", always_2d=True)[0][:, channel]
            n = min(len(audio), frames - start)
            expected[track][start : start + n] += audio[:n]
            checked += 1
    for track in rendered.tracks:
        stem = rendered.stems[track].astype(np.float64) / rendered.trims_lin[track]
        # float32 stems: agreement to 1e-6 of full scale; one frame early or late would
        # leave errors of the order of the signal itself.
        assert np.max(np.abs(stem - expected[track])) < 1e-5, track
    assert checked == len(rendered.onsets) * len(rendered.tracks)
    layers = {(o[1], o[2]) for o in rendered.onsets}
    assert len(layers) >= 3  # velocities pick different recorded layers
    by_layer: dict[tuple[str, int], list[int]] = {}
    for _, piece, layer, rr in rendered.onsets:
        by_layer.setdefault((piece, layer), []).append(rr)
    for rrs in by_layer.values():  # round robins rotate
        assert all(b == (a + 1) % 2 for a, b in itertools.pairwise(rrs))


def _contribution(session, name):
    track = next(t for t in session.tracks if t.name == name)
    audio = sf.read(str(track.path), dtype="float64")[0]
    audio = audio.mean(axis=1) if audio.ndim > 1 else audio
    sign = -1.0 if track.sign_flipped else 1.0
    return sign * 10.0 ** (track.set_gain_db / 20.0) * audio


@pytest.fixture(scope="module")
def madeup_corpus(folder_kit, tmp_path_factory):
    out = tmp_path_factory.mktemp("mmcorpus")
    report = render_multimic_corpus(out, kit_dirs=[folder_kit], sessions=4, seed=1,
                                    duration_s=3.0, song_dirs=[])  # fmt: skip
    assert len(report.built) == 4 and not report.failed
    return load_corpus(out)


def test_targets_are_recovered_within_0_1_db_of_the_rule(madeup_corpus):
    assert madeup_corpus.groups == ("madeup",)
    flipped = 0
    for session in madeup_corpus.sessions:
        for track in session.tracks:  # the inverted bottom mic is flipped back by the mix
            assert track.sign_flipped == (track.name == "snare_btm"), (session.id, track.name)
            flipped += track.sign_flipped
        assert session.source == "multimic" and session.r2 > 0.999999
        for track in session.tracks:
            assert track.target_status == "ok", (session.id, track.name)
            assert track.target_gain_db == pytest.approx(track.set_gain_db, abs=TOLERANCE_DB)
    assert flipped > 0


def test_the_set_gains_follow_the_stated_rule(madeup_corpus):
    """Overheads sit as the ENST engineer set them under the snare, rooms under the overheads."""
    low = min(ENST_OVERHEAD_VS_SNARE_DB) - ENST_WIDEN_DB
    high = max(ENST_OVERHEAD_VS_SNARE_DB) + ENST_WIDEN_DB
    for session in madeup_corpus.sessions:
        names = {t.role: t.name for t in reversed(session.tracks)}  # the first of each role
        assert names[Role.SNARE] != "snare_btm"  # the top is the reference, not the bottom
        snare = session_level_db(_contribution(session, names[Role.SNARE]), RATE)
        ohs = [t.name for t in session.tracks if t.role == Role.OVERHEAD]
        overhead = session_level_db(sum(_contribution(session, n) for n in ohs), RATE)
        assert low - 0.05 <= overhead - snare <= high + 0.05, session.id
        if Role.ROOM in names:
            room = session_level_db(_contribution(session, names[Role.ROOM]), RATE)
            assert ROOM_VS_OVERHEAD_DB[0] - 0.05 <= room - overhead <= ROOM_VS_OVERHEAD_DB[1] + 0.05


def test_close_mics_get_the_author_balance_of_their_drum(folder_kit):
    """Own hit levels after the gains: kick over snare is the authors' +- the engineer's spread."""
    from drumassist.learn.corpus.balance import hit_level_db, mean_level_db

    kit = read_multimic_kit(folder_kit)
    spread = 2 * ENGINEER_MAX_DB
    for seed in range(4):
        rendered = render_multimic(kit, songs=(), seed=seed, duration_s=2.0, sample_rate=RATE,
                                   label="t")  # fmt: skip
        levels = {}
        for track, mic in zip(rendered.tracks, rendered.mics, strict=True):
            if mic.kind != "close" or mic.variant == "bottom":
                continue
            piece = kit.choices(A.KICK if mic.source == "kick" else A.SNARE)[0]
            i = kit.mics.index(mic)
            own = [
                sf.read(str(s.channels[i][0]), dtype="float64")[0] for s in piece.layers[-1].strokes
            ]
            gain = abs(rendered.gains_lin[track]) * rendered.trims_lin[track]
            levels[mic.source] = mean_level_db([hit_level_db(a * gain, RATE) for a in own])
        difference = levels["kick"] - levels["snare"]
        assert abs(difference - AUTHOR_BALANCE_DB["kick"]) <= spread + 1e-6


def test_cli_renders_multimic_sessions_and_resumes(folder_kit, tmp_path):
    out = tmp_path / "out"
    args = [sys.executable, "-m", "drumassist", "corpus", "render", str(out), "--multimic-kit",
            str(folder_kit), "--sessions", "2", "--duration", "2", "--workers", "1"]  # fmt: skip
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "2 sessions built" in done.stdout
    corpus = load_corpus(out)
    assert [s.id for s in corpus.sessions] == ["multimic-00000", "multimic-00001"]
    again = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert again.returncode == 0 and "2 already complete" in again.stdout


# --- DrumGizmo ------------------------------------------------------------------------

_DG_CHANNELS = ["AmbL", "AmbR", "KDrum", "SnareTop", "SnareBottom", "OHL", "OHR"]


def make_drumgizmo_kit(root: Path) -> Path:
    """A small DrumGizmo kit: a v2 kick (multichannel WAVs) and a v1 snare (velocity groups)."""
    rng = np.random.default_rng(0)
    for instrument in ("Kick", "Snare"):
        (root / instrument / "samples").mkdir(parents=True)
    for i in range(4):  # four kick hits of rising power, one 7-channel file each
        audio = rng.uniform(-1, 1, (2000, len(_DG_CHANNELS))) * 0.1 * (i + 1)
        sf.write(
            str(root / "Kick" / "samples" / f"{i + 1}-Kick.wav"), audio, RATE, subtype="PCM_24"
        )
    for i in range(2):
        audio = rng.uniform(-1, 1, (2000, 3)) * 0.2 * (i + 1)  # top, bottom, overheads (mono)
        sf.write(
            str(root / "Snare" / "samples" / f"{i + 1}-Snare.wav"), audio, RATE, subtype="PCM_24"
        )
    kick_samples = "".join(
        f'<sample name="Kick-{i + 1}" power="{(i + 1) ** 2 * 10.0}">'
        + "".join(
            f'<audiofile channel="{c}" file="samples/{i + 1}-Kick.wav" filechannel="{j + 1}"/>'
            for j, c in enumerate(_DG_CHANNELS)
        )
        + "</sample>"
        for i in range(4)
    )
    (root / "Kick" / "Kick.xml").write_text(
        f'<?xml version="1.0"?><instrument version="2.0" name="Kick"><samples>{kick_samples}'
        "</samples></instrument>", encoding="utf-8")  # fmt: skip
    snare_samples = "".join(
        f'<sample name="Snare-{i + 1}">'
        f'<audiofile channel="Top" file="samples/{i + 1}-Snare.wav" filechannel="1"/>'
        f'<audiofile channel="Bottom" file="samples/{i + 1}-Snare.wav" filechannel="2"/>'
        f'<audiofile channel="OHL" file="samples/{i + 1}-Snare.wav" filechannel="3"/>'
        "</sample>"
        for i in range(2)
    )
    (root / "Snare" / "Snare.xml").write_text(
        f'<?xml version="1.0"?><instrument name="Snare"><samples>{snare_samples}</samples>'
        '<velocities><velocity lower="0" upper="0.5"><sampleref probability="1" name="Snare-1"/>'
        '</velocity><velocity lower="0.5" upper="1"><sampleref probability="1" name="Snare-2"/>'
        "</velocity></velocities></instrument>", encoding="utf-8")  # fmt: skip
    micmap = {"format": "drumassist-micmap", "version": 1, "mics": {"KDrum": {"role": "kick"}}}
    (root / "drumassist-micmap.json").write_text(json.dumps(micmap), encoding="utf-8")
    channels = "".join(f'<channel name="{c}"/>' for c in _DG_CHANNELS)
    kick_map = "".join(f'<channelmap in="{c}" out="{c}"/>' for c in _DG_CHANNELS)
    (root / "MyKit.xml").write_text(
        f'<?xml version="1.0"?><drumkit name="MyKit" version="2.0" samplerate="44100">'
        f"<channels>{channels}</channels><instruments>"
        f'<instrument name="Kick" file="Kick/Kick.xml">{kick_map}</instrument>'
        '<instrument name="Snare" file="Snare/Snare.xml">'
        '<channelmap in="Top" out="SnareTop"/><channelmap in="Bottom" out="SnareBottom"/>'
        '<channelmap in="OHL" out="OHL"/></instrument>'
        "</instruments></drumkit>", encoding="utf-8")  # fmt: skip
    return root


def test_drumgizmo_reader_maps_channels_files_and_velocities(tmp_path):
    kit = read_multimic_kit(make_drumgizmo_kit(tmp_path / "MyKit"))
    assert kit.name == "MyKit" and kit.group == "mykit"
    roles = {m.name: (m.role, m.kind, m.variant) for m in kit.mics}
    assert roles["KDrum"] == (Role.KICK, "close", None)
    assert roles["SnareBottom"] == (Role.SNARE, "close", "bottom")
    assert roles["AmbR"][1] == "room" and roles["OHL"][1] == "overhead"
    kick, snare = kit.choices(A.KICK)[0], kit.choices(A.SNARE)[0]
    # v2: four samples by power become one layer of four round robins.
    assert len(kick.layers) == 1 and len(kick.layers[0].strokes) == 4
    ambr = [m.name for m in kit.mics].index("AmbR")
    path, channel = kick.layers[0].strokes[2].channels[ambr]
    assert path.name == "3-Kick.wav" and channel == _DG_CHANNELS.index("AmbR")
    # v1: the velocity groups are the layers; channel names go through the channel map.
    assert [layer.top_velocity for layer in snare.layers] == [0.5, 1.0]
    bottom = [m.name for m in kit.mics].index("SnareBottom")
    assert snare.layers[1].strokes[0].channels[bottom] == (
        tmp_path / "MyKit" / "Snare" / "samples" / "2-Snare.wav", 1)  # fmt: skip
    assert snare.layers[1].strokes[0].channels[ambr][1] == -1  # not recorded: silent


def test_drumgizmo_kit_renders_a_corpus_whose_targets_match(tmp_path):
    root = make_drumgizmo_kit(tmp_path / "MyKit")
    report = render_multimic_corpus(tmp_path / "out", kit_dirs=[root], sessions=2,
                                    duration_s=2.0, song_dirs=[])  # fmt: skip
    assert not report.failed
    for session in load_corpus(tmp_path / "out").sessions:
        for track in session.tracks:
            assert track.target_gain_db == pytest.approx(track.set_gain_db, abs=TOLERANCE_DB)


def test_drumgizmo_errors_name_the_file(tmp_path):
    root = make_drumgizmo_kit(tmp_path / "MyKit")
    (root / "Kick" / "samples" / "2-Kick.wav").unlink()
    with pytest.raises(CorpusError, match=r"Kick.xml: sample 'Kick-2' names 2-Kick.wav, not found"):
        read_multimic_kit(root)


# --- the real kits in ../shared/kits ----------------------------------------------------


def _shared_kit(name: str) -> Path:
    if not (KITS / name / "Samples").is_dir():
        pytest.skip(f"the real kit {name} is not at {KITS} (../shared is absent)")
    return KITS / name


def test_reader_on_gogodze_phu_vol_ii():
    kit = read_multimic_kit(_shared_kit("gogodze-phu-vol-ii"))
    assert kit.group == "gogodze-phu-vol-ii"
    tracks = {m.track: (m.role, m.slot) for m in kit.mics}
    assert tracks == {
        "Kick": (Role.KICK, "kick"), "Snare": (Role.SNARE, "snare"),
        "OH L": (Role.OVERHEAD, "overhead_L"), "OH R": (Role.OVERHEAD, "overhead_R"),
        "Room Front": (Role.ROOM, None), "Room Window": (Role.ROOM, None),
        "Room Far": (Role.ROOM, None),
    }  # fmt: skip
    assert len(kit.pieces) == 13 and [p.name for p in kit.toms] == ["th", "tm", "tl"]
    strokes = [s for p in kit.pieces for layer in p.layers for s in layer.strokes]
    assert len(strokes) == 243  # every hit, each on all seven mics
    for stroke in strokes:
        assert len({path.name for path, _ in stroke.channels}) == 1
        assert len({path.parent.name for path, _ in stroke.channels}) == 7


def test_reader_on_frankensnare():
    kit = read_multimic_kit(_shared_kit("frankensnare"))
    assert {m.track for m in kit.mics} == {"Snare Top", "Snare Bottom", "OH L", "OH R"}
    assert {p.name.split("/")[0] for p in kit.pieces} == {"10_basic", "14a_basic", "22_basic"}
    assert {p.articulation for p in kit.pieces} == {A.SNARE, A.SIDESTICK}
    assert len(kit.choices(A.SNARE)[1].layers) == 11  # 14a_basic has 11 velocity layers


def test_a_real_session_places_one_real_hit_on_every_mic_sample_exact():
    kit = read_multimic_kit(_shared_kit("gogodze-phu-vol-ii"))
    rendered = render_multimic(kit, songs=(), seed=11, duration_s=2.0, sample_rate=RATE,
                               label="t")  # fmt: skip
    start, piece, layer, rr = rendered.onsets[0]
    stop = rendered.onsets[1][0] if len(rendered.onsets) > 1 else len(rendered.mix)
    stroke = next(p for p in kit.pieces if p.name == piece).layers[layer].strokes[rr]
    for track, mic in zip(rendered.tracks, rendered.mics, strict=True):
        path, channel = stroke.channels[kit.mics.index(mic)]
        recorded = sf.read(str(path), dtype="float64", always_2d=True)[0][: stop - start, channel]
        stem = rendered.stems[track][start : start + len(recorded)] / rendered.trims_lin[track]
        assert np.max(np.abs(stem - recorded)) < 1e-6, (track, path)
        assert not np.any(rendered.stems[track][:start])  # nothing before the first onset


def test_real_kits_render_sessions_whose_targets_match_the_rule(tmp_path):
    kits = [_shared_kit("gogodze-phu-vol-ii"), _shared_kit("frankensnare")]
    report = render_multimic_corpus(tmp_path / "out", kit_dirs=kits, sessions=2, seed=4,
                                    duration_s=2.0, song_dirs=[])  # fmt: skip
    assert not report.failed
    corpus = load_corpus(tmp_path / "out")
    assert corpus.groups == ("frankensnare", "gogodze-phu-vol-ii")
    for session in corpus.sessions:
        for track in session.tracks:
            assert track.target_gain_db == pytest.approx(track.set_gain_db, abs=TOLERANCE_DB)
    assert math.isfinite(corpus.sessions[0].r2)
