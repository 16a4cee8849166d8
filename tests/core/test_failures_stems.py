"""Failures at the stems boundary (issue 14, items 5, 6 and 8): the same file twice,
stems too short to judge, and messages that name their file."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import soundfile as sf

from drumassist.cli import main
from drumassist.core.multitrack import load_multitrack
from drumassist.errors import InvalidStemError
from drumassist.learn.suggest.suggestion import suggest


@pytest.fixture
def folder(tmp_path, drum_arrays):
    out = tmp_path / "stems"
    out.mkdir()
    for name, data in drum_arrays.items():
        sf.write(str(out / f"{name.replace(' ', '_')}.wav"), data, 44100)
    return out


# -- item 5: the same file given twice --------------------------------------------------


def _spellings(folder):
    kick = folder / "Kick_In.wav"
    (folder / "link.wav").symlink_to(kick)
    os.link(kick, folder.parent / "hardlink.wav")
    return {
        "twice": [kick, kick],
        "dot": [kick, folder / "." / "Kick_In.wav"],
        "dotdot": [kick, folder / ".." / folder.name / "Kick_In.wav"],
        "symlink": [kick, folder / "link.wav"],
        "hardlink": [kick, folder.parent / "hardlink.wav"],
    }


@pytest.mark.parametrize("spelling", ["twice", "dot", "dotdot", "symlink", "hardlink"])
def test_same_file_twice_is_refused(folder, spelling):
    files = [*_spellings(folder)[spelling], folder / "Snare_Top.wav"]
    with pytest.raises(InvalidStemError, match=r"^\S+\.wav: given twice.*; give each stem once$"):
        load_multitrack(files)


@pytest.mark.parametrize("command", ["info", "suggest", "mix"])
def test_same_file_twice_is_refused_by_every_command(
    folder, tmp_path, capsys, monkeypatch, command
):
    """The issue's case: two tracks named "kick.wav", summed twice by mix."""
    monkeypatch.chdir(folder)
    gains = tmp_path / "g.json"
    gains.write_text(json.dumps({"tracks": [{"name": "Kick_In", "gain_db": 0}]}))
    extra = {"mix": ["--gains", str(gains), "-o", str(tmp_path / "m.wav")]}.get(command, [])
    status = main([command, "Kick_In.wav", "./Kick_In.wav", "Snare_Top.wav", *extra])
    err = capsys.readouterr().err
    assert status == 1
    assert err == "drumassist: error: Kick_In.wav: given twice; give each stem once\n"
    assert not (tmp_path / "m.wav").exists()


# -- item 6: stems too short to judge ---------------------------------------------------


@pytest.mark.parametrize("frames", [1, 10, 441, 4409])
def test_too_short_stem_gets_no_loudness_and_no_suggestion(folder, frames, capsys):
    """A 1-sample stem measured -51.4 LUFS and got +9 to +12 dB suggestions."""
    sf.write(str(folder / "blip.wav"), np.full((frames, 1), 0.5, dtype=np.float32), 44100)
    from drumassist.core.loudness import too_short_message

    multitrack = load_multitrack(folder)
    blip = multitrack.tracks[multitrack.index("blip")]
    assert too_short_message(blip.audio, 44100) is not None
    for method in ("loudness", "sum", "bleed", "default"):
        result = suggest(multitrack, method=method)
        by_name = dict(zip(result.names, result.gains_db, strict=True))
        assert by_name["blip"] == -np.inf, method
        assert all(np.isfinite(g) for n, g in by_name.items() if n != "blip"), method
        assert [n.split(":")[0] for n in result.notes] == ["blip"]
        assert "too short to judge (under 100 ms)" in result.notes[0]
    assert main(["info", str(folder), "--json"]) == 0
    out = capsys.readouterr().out
    doc = {t["name"]: t for t in json.loads(out)["tracks"]}
    assert doc["blip"]["loudness_lufs"] is None
    assert doc["blip"]["too_short"] is True
    assert doc["Kick_In"]["too_short"] is False


def test_a_stem_of_one_full_hop_is_judged(folder):
    sf.write(str(folder / "hit.wav"), np.full((4410, 1), 0.5, dtype=np.float32), 44100)
    multitrack = load_multitrack(folder)
    result = suggest(multitrack, method="loudness")
    assert np.isfinite(result.gains_db[multitrack.index("hit")])
    assert result.notes == ()


def test_cli_suggest_says_too_short(folder, capsys):
    sf.write(str(folder / "blip.wav"), np.full((1, 1), 0.5, dtype=np.float32), 44100)
    assert main(["suggest", str(folder), "--method", "loudness"]) == 0
    captured = capsys.readouterr()
    row = next(line for line in captured.out.splitlines() if line.strip().startswith("blip"))
    assert row.split()[-2:] == ["too", "short"]
    assert "note: blip: holds only 1 sample of sound" in captured.err


def test_float_stem_with_absurd_samples_is_refused(folder):
    """Item 1's overflow by another door: finite float samples of 1e30 overflow a mix."""
    sf.write(str(folder / "hot.wav"), np.full((4410, 1), 1e30, np.float32), 44100, "FLOAT")
    with pytest.raises(InvalidStemError, match=r"^hot\.wav: samples reach \+600 dBFS"):
        load_multitrack(folder)


# -- item 8: messages that name their file ------------------------------------------------


def test_session_whose_stems_are_all_elsewhere_is_named(tmp_path, capsys):
    session = tmp_path / "song.drumassist"
    tracks = [
        {"path": f"/nowhere/{n}.wav", "name": n, "role": "other", "gain_db": 0.0}
        for n in ("kick", "snare")
    ]
    session.write_text(json.dumps({"format": "drumassist-session", "version": 1, "tracks": tracks}))
    assert main(["info", str(session)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("drumassist: error: song.drumassist: none of its 2 stems exist")
    assert "the selection" not in err


def test_single_non_audio_file_is_named(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("hi")
    with pytest.raises(InvalidStemError, match=r"^notes\.txt: not an audio file"):
        load_multitrack([notes])


# -- a file cut short: an interrupted copy or export -------------------------------------


@pytest.mark.parametrize(
    ("suffix", "subtype"),
    [(".wav", "PCM_16"), (".wav", "PCM_24"), (".wav", "FLOAT"), (".aiff", "PCM_16")],
)
def test_a_file_that_ends_before_its_header_says_is_named_with_what_is_missing(
    folder, suffix, subtype, capsys
):
    audio, rate = sf.read(str(folder / "Snare_Top.wav"), dtype="float32")
    (folder / "Snare_Top.wav").unlink()
    snare = folder / f"Snare_Top{suffix}"
    sf.write(str(snare), np.tile(audio, 4), rate, subtype=subtype)  # 4x as long as the rest
    whole_s = sf.info(str(snare)).frames / rate
    os.truncate(snare, snare.stat().st_size * 3 // 4)  # about a quarter of its samples gone
    multitrack = load_multitrack(folder)
    (notice,) = [n for n in multitrack.notices if "ends early" in n]
    kept = sf.read(str(snare), dtype="float32", always_2d=True)[0]
    missing_s = whole_s - len(kept) / rate
    assert notice == (
        f"{snare.name}: the file ends early: {missing_s:.1f} s of the {whole_s:.1f} s its"
        " header announces are missing (an interrupted copy or export?)"
    )
    # What the file holds is kept, to the sample.
    track = multitrack.tracks[multitrack.index("Snare_Top")]
    np.testing.assert_array_equal(track.audio[: len(kept)], kept)
    assert main(["info", str(folder)]) == 0
    assert f"{snare.name}: the file ends early" in capsys.readouterr().err
    # It bears on the suggestion: said again with it (the window's banner, --json).
    assert notice in multitrack.balance_notices
    assert main(["suggest", str(folder), "--json"]) == 0
    assert notice in json.loads(capsys.readouterr().out)["warnings"]


def _wav_with(path, *, riff_size=None, data_size=None, tail=b""):
    """A 1 s WAV whose header sizes are set by hand (as other writers leave them)."""
    import struct

    sf.write(str(path), np.full((44100, 1), 0.1, np.float32), 44100, subtype="PCM_16")
    raw = bytearray(path.read_bytes()) + tail
    if riff_size is not None:
        raw[4:8] = struct.pack("<I", riff_size)
    if data_size is not None:
        at = raw.find(b"data")
        raw[at + 4 : at + 8] = struct.pack("<I", data_size)
    path.write_bytes(bytes(raw))


def test_whole_files_are_not_said_to_end_early(folder):
    for subtype, suffix in (("PCM_16", ".aiff"), ("PCM_24", ".flac"), ("FLOAT", ".w64")):
        sf.write(str(folder / f"extra{suffix}"), np.zeros((4410, 1), np.float32), 44100, subtype)
    # Every sample there, the header wrong elsewhere: a RIFF size 2 bytes too large, a
    # chunk after the samples cut short, a WAV streamed to a pipe (placeholder sizes),
    # a padding byte missing.
    _wav_with(folder / "riff.wav", riff_size=88200 + 36 + 2)
    _wav_with(folder / "list.wav", tail=b"LIST\x40\x00\x00\x00INFO")
    _wav_with(folder / "piped.wav", riff_size=0xFFFFFFFF, data_size=0xFFFFFFFF)
    _wav_with(folder / "odd.wav", data_size=88200 + 1)
    multitrack = load_multitrack(folder)
    assert not [n for n in multitrack.notices if "ends early" in n]
    piped = multitrack.tracks[multitrack.index("piped")]
    assert np.count_nonzero(piped.audio) == 44100  # every sample read


def test_a_few_samples_missing_is_said_in_milliseconds(folder):
    _wav_with(folder / "cut.wav", data_size=88200 + 2 * 882)  # 20 ms more than is there
    (notice,) = [n for n in load_multitrack(folder).notices if "ends early" in n]
    assert "0.020 s of the 1.020 s its header announces are missing" in notice


# -- a mix exported into the stems folder ------------------------------------------------


def test_a_mix_exported_into_the_stems_folder_is_not_taken_for_a_stem(folder, tmp_path, capsys):
    """`mix -o STEMS/x.wav` then `suggest STEMS` mixed x.wav in as an "other" stem."""
    before = suggest(load_multitrack(folder), method="loudness").gains_db
    gains = tmp_path / "gains.json"
    names = [p.stem for p in sorted(folder.iterdir())]
    gains.write_text(json.dumps({"tracks": [{"name": n, "gain_db": 0.0} for n in names]}))
    for mix_name in ("x.wav", "x.flac"):
        assert main(["mix", str(folder), "--gains", str(gains), "-o", str(folder / mix_name)]) == 0
    multitrack = load_multitrack(folder)
    assert sorted(multitrack.names) == sorted(names)
    for mix_name in ("x.wav", "x.flac"):
        notice = f"{mix_name}: a mix exported by drumassist, not a stem; left out"
        assert notice in multitrack.notices
    np.testing.assert_array_equal(suggest(multitrack, method="loudness").gains_db, before)
    capsys.readouterr()
    assert main(["info", str(folder)]) == 0
    assert "x.wav: a mix exported by drumassist" in capsys.readouterr().err


def test_a_stem_and_an_exported_mix_are_not_a_multitrack(folder, tmp_path):
    kick, *others = sorted(folder.iterdir())
    for other in others:
        other.unlink()
    gains = tmp_path / "gains.json"
    stems = [kick, folder / "b.wav"]
    sf.write(str(stems[1]), np.zeros((4410, 1), np.float32), 44100)
    tracks = [{"name": p.stem, "gain_db": 0.0} for p in stems]
    gains.write_text(json.dumps({"tracks": tracks}))
    assert main(["mix", str(folder), "--gains", str(gains), "-o", str(folder / "mix.wav")]) == 0
    stems[1].unlink()
    with pytest.raises(InvalidStemError, match="mix.wav: a mix exported by drumassist, not a stem"):
        load_multitrack(folder)


def test_an_unreadable_file_in_the_folder_says_how_to_go_on(folder, capsys):
    # ("Bounce.wav" before: a folder now leaves a file named as a mix out unread.)
    (folder / "Tom 3.wav").write_bytes(np.random.default_rng(0).bytes(5000))
    assert main(["info", str(folder)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("drumassist: error: Tom 3.wav: cannot read audio (")
    assert err.rstrip().endswith("; move it out of the folder to open the other stems")
    with pytest.raises(
        InvalidStemError, match=r"^Tom 3\.wav: .*; leave it out of the stems given$"
    ):
        load_multitrack([folder / "Kick_In.wav", folder / "Tom 3.wav"])


def test_an_exported_mix_named_on_its_own_is_read(folder, tmp_path, capsys):
    """Left out of a folder only: as a reference mix, or a submix named as a stem, it is
    audio like any other (reverse engineering an exported mix must recover its gains)."""
    gains = tmp_path / "gains.json"
    tracks = [{"name": p.stem, "gain_db": -6.0 if p.stem == "Kick_In" else 0.0}
              for p in sorted(folder.iterdir())]  # fmt: skip
    gains.write_text(json.dumps({"tracks": tracks}))
    mix_path = tmp_path / "mix.wav"
    assert main(["mix", str(folder), "--gains", str(gains), "-o", str(mix_path), "--mono"]) == 0
    capsys.readouterr()
    assert main(["reverse", str(folder), str(mix_path), "--json"]) == 0
    fitted = {t["name"]: t["gain_db"] for t in json.loads(capsys.readouterr().out)["tracks"]}
    assert fitted["Kick_In"] - fitted["Snare_Top"] == pytest.approx(-6.0, abs=0.05)
    named = load_multitrack([folder / "Kick_In.wav", mix_path])
    assert named.names == ("Kick_In", "mix") and named.tracks[1].audio.any()


def test_a_session_of_one_track_says_what_it_lacks(tmp_path, capsys):
    session = tmp_path / "one.drumassist"
    track = {"path": str(tmp_path / "kick.wav"), "name": "kick", "role": "kick", "gain_db": 0.0}
    session.write_text(
        json.dumps({"format": "drumassist-session", "version": 1, "tracks": [track]})
    )
    assert main(["info", str(session)]) == 1
    err = capsys.readouterr().err
    assert (
        err == "drumassist: error: one.drumassist: a session needs two tracks or more; it has 1\n"
    )


def test_json_written_with_a_byte_order_mark_is_read(tmp_path):
    # Windows Notepad saves UTF-8 with a BOM: the same document, read the same.
    from drumassist.core.jsondoc import read_json_doc
    from drumassist.errors import DrumassistError

    def read_json_object(path):
        return read_json_doc(path, what="gains file", error=DrumassistError)

    doc = {"tracks": [{"name": "kick", "gain_db": -2.0}]}
    plain, marked = tmp_path / "plain.json", tmp_path / "marked.json"
    plain.write_text(json.dumps(doc), encoding="utf-8")
    marked.write_text(json.dumps(doc), encoding="utf-8-sig")
    assert marked.read_bytes().startswith(b"\xef\xbb\xbf")
    assert read_json_object(marked) == read_json_object(plain) == doc
