"""The CLI as a user runs it: a real subprocess, real files, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf


def run_cli(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    full_env.pop("DISPLAY", None)
    full_env.pop("WAYLAND_DISPLAY", None)
    return subprocess.run(
        [sys.executable, "-m", "drumassist", *map(str, args)],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=300,
        check=False,
    )


@pytest.fixture
def folder(make_stems, drum_arrays) -> Path:
    arrays = dict(drum_arrays)
    arrays["silent"] = np.zeros_like(arrays["HH"])
    return make_stems(arrays)


def test_info_json(folder):
    proc = run_cli("info", folder, "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["sample_rate"] == 44100
    assert doc["duration_s"] == pytest.approx(3.0)
    by_name = {t["name"]: t for t in doc["tracks"]}
    assert set(by_name) == {"Kick In", "Snare Top", "HH", "OH L", "silent"}
    assert by_name["Kick In"]["role"] == "kick"
    assert by_name["HH"]["role"] == "hi-hat"
    assert by_name["OH L"]["channels"] == 1
    assert by_name["silent"]["loudness_lufs"] is None
    assert isinstance(by_name["Snare Top"]["loudness_lufs"], float)
    assert by_name["HH"]["path"] == str(folder / "HH.wav")


def test_info_describes_one_stem(folder):
    proc = run_cli("info", folder / "HH.wav", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert [(t["name"], t["role"], t["channels"]) for t in doc["tracks"]] == [("HH", "hi-hat", 1)]
    assert doc["duration_s"] == pytest.approx(3.0)
    assert isinstance(doc["tracks"][0]["loudness_lufs"], float)
    text = run_cli("info", folder / "HH.wav").stdout
    assert text.startswith("1 track, 44100 Hz, 3.00 s")


def test_info_text(folder):
    proc = run_cli("info", folder)
    assert proc.returncode == 0
    assert "5 tracks, 44100 Hz, 3.00 s" in proc.stdout
    assert "silent" in proc.stdout


@pytest.mark.slow
def test_mix_matches_numpy_and_refuses_to_overwrite(folder, drum_arrays, tmp_path):
    gains = {
        "tracks": [
            {"name": "Kick In", "gain_db": -2},
            {"name": "Snare Top", "gain_db": -4},
            {"name": "HH", "gain_db": -12},
            {"name": "OH L", "gain_db": -6},
            {"name": "silent", "gain_db": None},
        ]
    }
    gains_file = tmp_path / "g.json"
    gains_file.write_text(json.dumps(gains))
    out = tmp_path / "out.wav"
    proc = run_cli("mix", folder, "--gains", gains_file, "-o", out, "--mono", "--bit-depth", "24")
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {out}" in proc.stdout
    data, _ = sf.read(str(out), dtype="float64")
    expected = sum(
        drum_arrays[t["name"]].astype(np.float64) * 10 ** (t["gain_db"] / 20)
        for t in gains["tracks"]
        if t["gain_db"] is not None
    )
    np.testing.assert_allclose(data, expected, atol=2**-23 + 2e-7)

    again = run_cli("mix", folder, "--gains", gains_file, "-o", out)
    assert again.returncode == 1
    assert (
        again.stderr.strip()
        == "drumassist: error: out.wav: the file exists; pass --force to replace it"
    )
    forced = run_cli("mix", folder, "--gains", gains_file, "-o", out, "--force", "--loudness")
    assert forced.returncode == 0, forced.stderr
    assert "(-23.0 LUFS" in forced.stdout
    assert sf.info(str(out)).channels == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("info", "{missing}"), "nowhere: no such folder"),
        (("info", "{missing_session}"), "gone.drumassist: no such file"),
        (("suggest", "{missing_stem}"), "gone.wav: no such file"),
        (("info", "{junk}"), "junk: no audio files found"),
        (("mix", "{folder}", "--gains", "{missing}", "-o", "{out}"), "no such gains file"),
    ],
)
def test_errors_are_one_line_without_traceback(folder, tmp_path, args, message):
    (tmp_path / "junk").mkdir()
    paths = {
        "missing": tmp_path / "nowhere",
        "missing_session": tmp_path / "gone.drumassist",
        "missing_stem": tmp_path / "gone.wav",
        "junk": tmp_path / "junk",
        "folder": folder,
        "out": tmp_path / "o.wav",
    }
    proc = run_cli(*[a.format(**paths) for a in args])
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("drumassist: error: ")
    assert message in lines[0]
    assert "Traceback" not in proc.stderr


def test_debug_shows_the_traceback(tmp_path):
    proc = run_cli("--debug", "info", tmp_path / "nowhere")
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr


def test_corrupt_stem_names_the_file(folder):
    (folder / "tom.wav").write_bytes(b"garbage")
    proc = run_cli("info", folder)
    assert proc.returncode == 1
    assert proc.stderr.startswith("drumassist: error: tom.wav: cannot read audio")


@pytest.mark.slow
def test_demo_writes_eight_stems_and_info_reads_them(tmp_path):
    out = tmp_path / "demo"
    proc = run_cli("demo", out, "--duration", "4")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{n}.wav"
        for n in ("kick", "snare", "hi-hat", "overhead_L", "overhead_R", "tom_1", "tom_2", "tom_3")
    )
    info = json.loads(run_cli("info", out, "--json").stdout)
    roles = {t["name"]: t["role"] for t in info["tracks"]}
    assert roles["hi-hat"] == "hi-hat" and roles["overhead_L"] == "overhead"
    assert roles["tom_3"] == "tom"
    assert info["duration_s"] == pytest.approx(4.0)
    refused = run_cli("demo", out, "--duration", "4")
    assert refused.returncode == 1 and "exists" in refused.stderr
    assert "--force" in refused.stderr and "overwrite=True" not in refused.stderr


def test_the_window_without_a_display_is_one_line_not_a_core_dump(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    proc = subprocess.run(
        [sys.executable, "-m", "drumassist", "gui", str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    assert "error: no display to open the window on" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_quickstart_headless(tmp_path):
    env = {"DRUMASSIST_DATA_DIR": str(tmp_path / "data")}
    proc = run_cli("quickstart", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "8 tracks, 44100 Hz" in proc.stdout
    assert "suggested balance (default):" in proc.stdout
    assert "(-23.0 LUFS" in proc.stdout
    mix_path = tmp_path / "data" / "demo-mix.wav"
    assert sf.info(str(mix_path)).channels == 2


def test_version():
    proc = run_cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.startswith("drumassist ")


def test_suggest_json_carries_the_warning_about_normalised_stems(tmp_path, drum_arrays):
    """Stems all peaking at -1 dBFS: `suggest` says so once on stderr (as loading does)
    and its JSON carries it under "warnings", for scripts that read only stdout."""
    folder = tmp_path / "normalised"
    folder.mkdir()
    for name, audio in drum_arrays.items():
        sf.write(folder / f"{name}.wav", audio * (10 ** (-1 / 20) / np.abs(audio).max()), 44100)
    proc = run_cli("suggest", folder, "--json")
    warnings = json.loads(proc.stdout)["warnings"]
    assert len(warnings) == 1 and "as stems normalised on export do" in warnings[0]
    assert proc.stderr.count("as stems normalised on export do") == 1


def test_a_session_s_roles_are_the_ones_the_commands_use(folder):
    """A role set in the window (saved in the session) wins over the guess from the name,
    and ``suggest --json`` carries the session's pans."""
    from drumassist.core.roles import Role
    from drumassist.core.session import Session, TrackState, save_session

    tracks = [
        TrackState(path=folder / f"{name}.wav", name=name, role=role)
        for name, role in (
            ("Kick In", Role.KICK),
            ("Snare Top", Role.SNARE),
            ("HH", Role.CYMBAL),  # the user's choice; "HH" reads as a hi-hat
            ("OH L", Role.OVERHEAD),
        )
    ]
    tracks[3] = TrackState(path=folder / "OH L.wav", name="OH L", role=Role.OVERHEAD, pan=-0.3)
    session = folder.parent / "song.drumassist"
    save_session(Session(tuple(tracks)), session)
    info = json.loads(run_cli("info", session, "--json").stdout)
    assert {t["name"]: t["role"] for t in info["tracks"]} == {
        "Kick In": "kick", "Snare Top": "snare", "HH": "cymbal", "OH L": "overhead",
    }  # fmt: skip
    from_folder = run_cli("suggest", folder, "--json")
    from_session = run_cli("suggest", session, "--json")
    assert from_session.returncode == 0, from_session.stderr
    roles = {t["name"]: t["role"] for t in json.loads(from_session.stdout)["tracks"]}
    assert roles["HH"] == "cymbal"
    # ... and its pans are the session's (the window's), not the starting ones.
    pans = {t["name"]: t["pan"] for t in json.loads(from_session.stdout)["tracks"]}
    assert pans == {"Kick In": 0.0, "Snare Top": 0.0, "HH": 0.0, "OH L": -0.3}
    assert {t["name"]: t["role"] for t in json.loads(from_folder.stdout)["tracks"]}["HH"] == (
        "hi-hat"
    )


def test_suggest_json_given_to_mix_spreads_the_overhead_pair(tmp_path, drum_arrays):
    """``suggest --json`` carries the window's starting pans, so ``mix --gains`` of it is
    the window's mix: an overhead pair at -/+80 %, the rest centred."""
    from drumassist.core.mix import mix
    from drumassist.core.multitrack import load_multitrack

    arrays = {**drum_arrays, "OH R": np.roll(drum_arrays["OH L"], 441)}
    folder = tmp_path / "kit"
    folder.mkdir()
    for name, data in arrays.items():
        sf.write(str(folder / f"{name}.wav"), data, 44100, subtype="FLOAT")
    proc = run_cli("suggest", folder, "--method", "sum", "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    pans = {t["name"]: t["pan"] for t in doc["tracks"]}
    assert pans == {"Kick In": 0.0, "Snare Top": 0.0, "HH": 0.0, "OH L": -0.8, "OH R": 0.8}
    (tmp_path / "sug.json").write_text(proc.stdout)
    out = tmp_path / "mix.wav"
    done = run_cli("mix", folder, "--gains", tmp_path / "sug.json", "-o", out)
    assert done.returncode == 0, done.stderr
    written, _ = sf.read(str(out), always_2d=True)
    multitrack = load_multitrack(folder)
    gains = [{t["name"]: t["gain_db"] for t in doc["tracks"]}[n] for n in multitrack.names]
    expected = mix(multitrack, gains, pans=[pans[n] for n in multitrack.names], stereo=True)
    np.testing.assert_allclose(written, expected, atol=1e-6)
    assert np.abs(written[:, 0] - written[:, 1]).max() > 0.01  # not a mono mix in two channels


def test_mix_renders_a_sessions_faders_without_a_gains_file(
    make_stems, drum_arrays, tmp_path, capsys
):
    """An engineer's batch render of a saved mix: `mix SESSION -o OUT` mixes its faders,
    pans, mutes, solos and polarity, as the window's A plays them."""
    from dataclasses import replace

    from drumassist.cli import main
    from drumassist.core.mix import mix
    from drumassist.core.multitrack import load_multitrack
    from drumassist.core.roles import Role
    from drumassist.core.session import Session, TrackState, save_session

    folder = make_stems(drum_arrays)
    tracks = (
        TrackState(folder / "Kick In.wav", "Kick In", Role.KICK, gain_db=-2.5, pan=0.2),
        TrackState(folder / "Snare Top.wav", "Snare Top", Role.SNARE, gain_db=3.0, mute=True),
        TrackState(folder / "HH.wav", "HH", Role.HIHAT, gain_db=-9.0, pan=0.3),
        TrackState(folder / "OH L.wav", "OH L", Role.OVERHEAD, gain_db=1.0, pan=-0.7, invert=True),
    )
    path = folder / "song.drumassist"
    save_session(Session(tracks, None), path)
    out = tmp_path / "render.wav"
    assert main(["mix", str(path), "-o", str(out), "--bit-depth", "32"]) == 0
    written, _ = sf.read(str(out), dtype="float32", always_2d=True)
    stems = load_multitrack([t.path for t in tracks])
    expected = mix(
        stems, [t.gain_db for t in tracks], pans=[t.pan for t in tracks],
        mutes=[t.mute for t in tracks], inverted=[t.invert for t in tracks], stereo=True,
    )  # fmt: skip
    np.testing.assert_allclose(written, expected, atol=1e-6)
    # A solo that is on leaves the others out, and says so.
    save_session(Session((*tracks[:2], replace(tracks[2], solo=True), tracks[3]), None), path)
    solo = tmp_path / "solo.wav"
    assert main(["mix", str(path), "-o", str(solo), "--bit-depth", "32"]) == 0
    assert "note: solo on: only HH mixed" in capsys.readouterr().err
    only_hh = mix(stems, [t.gain_db for t in tracks], pans=[t.pan for t in tracks],
                  mutes=[True, True, False, True], stereo=True)  # fmt: skip
    np.testing.assert_allclose(
        sf.read(str(solo), dtype="float32", always_2d=True)[0], only_hh, atol=1e-6
    )
    # Stems without a session need a gains file.
    assert main(["mix", str(folder), "-o", str(tmp_path / "x.wav")]) == 1
    assert "mix needs --gains G.json, or a .drumassist session" in capsys.readouterr().err


def test_suggest_on_a_session_hears_its_inverted_tracks(tmp_path):
    """A session whose Snare Btm the user inverted (Ø, as suggested): `suggest SESSION`
    hears the stems as the window plays them, so it does not suggest that flip again, its
    loudness is of that mix, and `mix --gains` of its JSON makes it (the track carries
    "invert"). Real audio: the 14a Frankensnare snare, bottom opposite to top as recorded."""
    from drumassist.core.loudness import integrated_loudness
    from drumassist.core.roles import Role
    from drumassist.core.session import Session, TrackState, save_session
    from tests.learn.bleed.test_polarity import RATE, frankensnare_session

    folder = tmp_path / "snare"
    folder.mkdir()
    for name, audio in frankensnare_session("14a_basic").items():  # skips without ../shared
        sf.write(folder / f"{name}.wav", audio, RATE, subtype="FLOAT")
    as_recorded = json.loads(run_cli("suggest", folder, "--method", "loudness", "--json").stdout)
    assert as_recorded["polarity"]["flip"] == ["Snare Btm"]
    roles = {"Snare Top": Role.SNARE, "Snare Btm": Role.SNARE, "OH": Role.OVERHEAD}
    tracks = tuple(
        TrackState(folder / f"{n}.wav", n, role, invert=n == "Snare Btm")
        for n, role in roles.items()
    )
    session = tmp_path / "snare.drumassist"
    save_session(Session(tracks), session)
    proc = run_cli("suggest", session, "--method", "loudness", "--json")
    assert proc.returncode == 0, proc.stderr
    assert "note: polarity inverted as in the session: Snare Btm" in proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["polarity"]["flip"] == []  # made already
    assert [t["name"] for t in doc["tracks"] if t.get("invert")] == ["Snare Btm"]
    # The flipped mix of the stems as recorded is this one, and mix --gains makes it.
    assert doc["loudness_lufs"] == pytest.approx(
        as_recorded["polarity"]["flipped_loudness_lufs"] + _offset(doc, as_recorded), abs=0.05
    )
    gains = tmp_path / "gains.json"
    gains.write_text(proc.stdout)
    out = tmp_path / "mono.wav"
    done = run_cli("mix", folder, "--gains", gains, "--mono", "-o", out, "--bit-depth", "32")
    assert done.returncode == 0, done.stderr
    written, rate = sf.read(str(out), dtype="float32", always_2d=True)
    assert integrated_loudness(written, rate) == pytest.approx(doc["loudness_lufs"], abs=0.05)
    table = run_cli("suggest", session, "--method", "loudness")
    assert "inverted (session)" in next(r for r in table.stdout.splitlines() if "Snare Btm" in r)


def _offset(doc: dict, other: dict) -> float:
    """The common gain difference (dB) between two suggestions of the same tracks."""
    a = {t["name"]: t["gain_db"] for t in doc["tracks"]}
    b = {t["name"]: t["gain_db"] for t in other["tracks"]}
    return float(np.mean([a[n] - b[n] for n in a]))


def test_role_option_names_what_a_track_name_does_not(make_stems, drum_arrays):
    """`--role TRACK=ROLE`: a mic named by the kit's own words ("06 Retro") was "other",
    and only a session saved from the window could say it was a room (found by a
    new-user trial). It beats the name and the session; a wrong one is refused."""
    from drumassist.core.roles import Role
    from drumassist.core.session import Session, TrackState, save_session

    arrays = {**drum_arrays, "06 Retro": drum_arrays["OH L"] * 0.5}
    folder = make_stems(arrays)
    as_named = json.loads(run_cli("suggest", folder, "--method", "loudness", "--json").stdout)
    assert {t["name"]: t["role"] for t in as_named["tracks"]}["06 Retro"] == "other"
    given = run_cli("suggest", folder, "--role", "06 Retro=room", "--role", "HH=cymbal", "--json")
    assert given.returncode == 0, given.stderr
    roles = {t["name"]: t["role"] for t in json.loads(given.stdout)["tracks"]}
    assert (roles["06 Retro"], roles["HH"], roles["Kick In"]) == ("room", "cymbal", "kick")
    tracks = tuple(
        TrackState(folder / f"{n}.wav", n, Role.OVERHEAD if n == "06 Retro" else Role.OTHER)
        for n in arrays
    )
    save_session(Session(tracks), folder / "song.drumassist")
    info = run_cli("info", folder / "song.drumassist", "--role", "06 Retro=room", "--json")
    assert {t["name"]: t["role"] for t in json.loads(info.stdout)["tracks"]}["06 Retro"] == "room"
    wrong = run_cli("suggest", folder, "--role", "Retro=room")
    assert wrong.returncode == 1
    assert "--role: no track named 'Retro'; the tracks are 06 Retro, HH," in wrong.stderr
    bad = run_cli("mix", folder, "--role", "06 Retro=banjo", "-o", folder / "x.wav")
    assert bad.returncode == 2 and "unknown drum role 'banjo'" in bad.stderr


def test_text_tables_list_the_tracks_as_the_window_s_strips_stand(
    make_stems, drum_arrays, tmp_path
):
    """`suggest`, `info` and `compare` print their tracks kick first, by role, as the
    window's strips stand (they printed the folder's alphabetical order, so HH came
    before the kick: found comparing the CLI with the window), and a session's own
    strip order when given one. JSON keeps the stems' order (read by name)."""
    from drumassist.core.roles import Role
    from drumassist.core.session import Session, TrackState, save_session

    folder = make_stems(drum_arrays)  # HH, Kick In, OH L, Snare Top on disk

    def listed(*args: str | Path) -> list[str]:
        proc = run_cli(*args)
        assert proc.returncode == 0, proc.stderr
        names = [n for n in drum_arrays if n != "HH"] + ["HH"]
        found = []
        for line in proc.stdout.splitlines():
            found += [n for n in names if line.strip().startswith(n + " ")]
        return found

    by_role = ["Kick In", "Snare Top", "HH", "OH L"]
    assert listed("suggest", folder, "--method", "loudness") == by_role
    assert listed("info", folder) == by_role
    compare = run_cli("compare", folder, "--method", "sum")
    header = next(line for line in compare.stdout.splitlines() if line.startswith("method"))
    assert header.split()[1:] == ["Kick", "In", "Snare", "Top", "HH", "OH", "L"]
    doc = json.loads(run_cli("suggest", folder, "--method", "loudness", "--json").stdout)
    assert [t["name"] for t in doc["tracks"]] == ["HH", "Kick In", "OH L", "Snare Top"]
    # A session's strips, dragged into another order in the window, keep it.
    dragged = ["OH L", "Kick In", "HH", "Snare Top"]
    roles = {"Kick In": Role.KICK, "Snare Top": Role.SNARE, "HH": Role.HIHAT, "OH L": Role.OVERHEAD}
    save_session(Session(tuple(TrackState(folder / f"{n}.wav", n, roles[n]) for n in dragged)),
                 tmp_path / "song.drumassist")  # fmt: skip
    assert listed("suggest", tmp_path / "song.drumassist", "--method", "loudness") == dragged
    assert listed("info", tmp_path / "song.drumassist") == dragged


def test_mix_of_a_session_stops_when_a_sounding_stem_is_missing(make_stems, drum_arrays, tmp_path):
    """`mix SESSION` with a stem deleted wrote the mix without that drum and exited 0, so
    a batch render silently lost it (found by a new-user trial). Now it stops, names the
    track and its file and writes nothing; --allow-missing mixes the rest; a missing
    track the mix would not sound anyway (muted) does not stop it."""
    from drumassist.core.roles import Role
    from drumassist.core.session import Session, TrackState, save_session

    folder = make_stems(drum_arrays)
    roles = {"Kick In": Role.KICK, "Snare Top": Role.SNARE, "HH": Role.HIHAT, "OH L": Role.OVERHEAD}
    session = tmp_path / "song.drumassist"

    def save(muted: str | None = None) -> None:
        tracks = tuple(
            TrackState(folder / f"{n}.wav", n, r, mute=n == muted) for n, r in roles.items()
        )
        save_session(Session(tracks), session)

    save()
    (folder / "HH.wav").unlink()
    out = tmp_path / "mix.wav"
    refused = run_cli("mix", session, "-o", out)
    assert refused.returncode == 1
    assert (
        f"song.drumassist: not mixed: HH ({folder / 'HH.wav'}) missing or unreadable"
        in refused.stderr
    )
    assert "--allow-missing" in refused.stderr
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == [
        "song.drumassist",
        "stems",
    ]
    allowed = run_cli("mix", session, "-o", out, "--allow-missing")
    assert allowed.returncode == 0, allowed.stderr
    assert sf.info(str(out)).frames == 3 * 44100
    out.unlink()
    save(muted="HH")  # the window would not sound it: nothing is lost
    assert run_cli("mix", session, "-o", out).returncode == 0 and out.exists()


def test_tables_pad_names_by_the_columns_a_terminal_gives_them(make_stems, drum_arrays):
    """A wide character takes two columns and a combining accent none: a row named
    "Caja 鼓 snare" stood one column right of the others (found by a new-user trial)."""
    from drumassist.cli.common import shown

    assert shown("Caja 鼓", 10) == "Caja 鼓   "  # 7 columns, 3 spaces
    assert shown("Cafe\u0301", 6) == "Cafe\u0301  "  # é as e and a combining accent
    assert shown("kick\tin", 0) == "kick\\tin"
    arrays = {"Caja 鼓 snare": drum_arrays["Snare Top"], "Kick In": drum_arrays["Kick In"]}
    out = run_cli("info", make_stems(arrays)).stdout.splitlines()[1:]
    # The columns after the names start at one terminal column on every row.
    import unicodedata

    def column(line: str, word: str) -> int:
        before = line[: line.index(word)]
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in before)

    assert column(out[0], "mono") == column(out[1], "mono")


def test_debug_and_verbose_may_follow_the_command(tmp_path):
    """`drumassist info STEMS --debug` was refused ("unrecognized arguments"): the README
    did not say the flag goes first (found by a new-user trial). Either place works, and
    a flag given before the command is not undone by the command's parser."""
    missing = tmp_path / "nowhere"
    for args in (("info", missing, "--debug"), ("--debug", "info", missing)):
        proc = run_cli(*args)
        assert proc.returncode == 1
        assert (
            "Traceback" in proc.stderr
            and f"InvalidStemError: {missing}: no such folder" in proc.stderr
        )
    plain = run_cli("info", missing)
    assert "Traceback" not in plain.stderr and f"error: {missing}: no such folder" in plain.stderr
    folder = tmp_path / "demo"
    assert run_cli("demo", folder, "--duration", "2").returncode == 0
    after = run_cli("compare", folder, "--method", "sum", "-v")
    assert after.returncode == 0 and "%]" in after.stderr  # progress lines, as with -v first


def test_a_session_track_that_is_no_audio_is_named_with_its_session(
    make_stems, drum_arrays, tmp_path
):
    """A session edited so that a track's path is a text file said "notes.txt: not audio,
    ignored", naming neither the session nor the track (found by a new-user trial); and
    `mix` left that drum out without a word."""
    from drumassist.core.roles import Role
    from drumassist.core.session import Session, TrackState, save_session

    folder = make_stems(drum_arrays)
    notes = folder / "notes.txt"
    notes.write_text("take 3")
    tracks = [
        TrackState(folder / f"{n}.wav", n, Role.OTHER) for n in ("Kick In", "Snare Top", "HH")
    ]
    tracks[0] = TrackState(notes, "Kick In", Role.KICK)
    session = tmp_path / "song.drumassist"
    save_session(Session(tuple(tracks)), session)
    info = run_cli("info", session)
    assert info.returncode == 0, info.stderr
    assert (
        f"note: song.drumassist: track 'Kick In': {notes} is not an audio file; left out"
        in info.stderr
    )
    assert "notes.txt: not audio, ignored" not in info.stderr
    mixed = run_cli("mix", session, "-o", tmp_path / "mix.wav")
    assert mixed.returncode == 1 and "not mixed: Kick In" in mixed.stderr
