"""Failures at the CLI's number options (issue 14, items 2 and 4): finite, in range, one line.

``type=float`` took ``--loudness nan`` (a silent file, exit 0) and ``1e308`` (a
300-digit number in a warning). Every numeric option now refuses non-finite and
out-of-range values as a usage error (exit 2) that gives the range.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf

from drumassist import cli
from drumassist.cli import main

HUGE = "9" * 400


@pytest.fixture
def stems(tmp_path):
    folder = tmp_path / "stems"
    folder.mkdir()
    t = np.arange(22050) / 44100
    sf.write(str(folder / "kick.wav"), 0.5 * np.sin(2 * np.pi * 60 * t), 44100)
    sf.write(str(folder / "snare.wav"), 0.3 * np.sin(2 * np.pi * 200 * t), 44100)
    (tmp_path / "g.json").write_text(
        '{"tracks": [{"name": "kick", "gain_db": 0}, {"name": "snare", "gain_db": 0}]}'
    )
    return folder


def _argv(command: str, stems, tmp_path) -> list[str]:
    out = str(tmp_path / "out.wav")
    gains = str(tmp_path / "g.json")
    return {
        "mix": ["mix", str(stems), "--gains", gains, "-o", out],
        "suggest": ["suggest", str(stems)],
        "demo": ["demo", str(tmp_path / "demo")],
        "reverse": ["reverse", str(stems), out],
        "corpus": ["corpus", "render", str(tmp_path / "corpus"), "--sessions", "1"],
        "features": ["features", str(stems)],
        "train": ["train", "--corpus", str(tmp_path), "--out", str(tmp_path / "m")],
        "evaluate": ["evaluate", "--corpus", str(tmp_path)],
    }[command]


CASES = [
    ("mix", "--loudness", v, "-70 to 0 LUFS") for v in ("nan", "inf", "-inf", "1e308", "5", "-71")
] + [
    ("mix", "--ceiling", "nan", "-60 to 0 dBFS"),
    ("mix", "--ceiling", "3", "-60 to 0 dBFS"),
    ("mix", "--bit-depth", "nan", "invalid"),
    ("mix", "--bit-depth", "1e308", "invalid"),
    ("suggest", "--target", "nan", "-70 to 0 LUFS"),
    ("suggest", "--target", "1e308", "-70 to 0 LUFS"),
    ("demo", "--duration", "nan", "0.01 to 3600 s"),
    ("demo", "--duration", "inf", "0.01 to 3600 s"),
    ("demo", "--duration", "-1", "0.01 to 3600 s"),
    ("demo", "--seed", "-1", "0 to 4294967295"),
    ("demo", "--seed", "1e308", "expected a whole number"),
    ("demo", "--seed", HUGE, "expected a whole number"),
    ("demo", "--sample-rate", "0", "8000 to 384000 Hz"),
    ("demo", "--sample-rate", "nan", "expected a whole number"),
    ("reverse", "--max-latency-ms", "nan", "0 to 1000 ms"),
    ("reverse", "--max-latency-ms", "-5", "0 to 1000 ms"),
    ("corpus", "--sessions", "0", "1 to 100000"),
    ("corpus", "--sessions", "nan", "expected a whole number"),
    ("corpus", "--duration", "inf", "1 to 600 s"),
    ("corpus", "--workers", "0", "1 to 256"),
    ("corpus", "--seed", HUGE, "expected a whole number"),
    ("features", "--workers", "-3", "1 to 256"),
    ("train", "--trees", "0", "1 to 100000"),
    ("train", "--jobs", "nan", "expected a whole number"),
    ("train", "--seed", "inf", "expected a whole number"),
    ("evaluate", "--jobs", "0", "1 to 256"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}{c[1]}={c[2][:8]}")
def test_numeric_option_refused_with_its_range(stems, tmp_path, capsys, case):
    command, option, value, expected = case
    argv = [*_argv(command, stems, tmp_path), f"{option}={value}"]
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    last = err.strip().splitlines()[-1]
    assert f"argument {option}" in last and expected in last, err
    assert len(last) < 200, "a 300-digit number is not a message"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.json", "stems"]


@pytest.mark.parametrize("value", ["-70", "-23", "0"])
def test_loudness_in_range_is_taken(stems, tmp_path, capsys, value):
    argv = [*_argv("mix", stems, tmp_path), f"--loudness={value}"]
    assert main(argv) == 0
    assert "LUFS" in capsys.readouterr().out


def test_ctrl_c_while_building_the_parser_exits_130_in_one_line(monkeypatch, capsys):
    """Item 4: start-up (importing the command modules) was outside the handler."""

    def interrupted(*_args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupted)
    assert main(["info", "x"]) == 130
    assert capsys.readouterr().err == "drumassist: interrupted\n"


def test_ctrl_c_hidden_in_an_import_error_exits_130(monkeypatch, capsys):
    """numpy's C code turns a Ctrl-C while it imports into an ImportError (seen at 0.1 s)."""

    def numpy_interrupted(*_args):
        try:
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            raise ImportError('PyCapsule_Import could not import module "datetime"') from None

    monkeypatch.setattr(cli, "build_parser", numpy_interrupted)
    assert main(["info", "x"]) == 130
    assert capsys.readouterr().err == "drumassist: interrupted\n"


def test_sigterm_hidden_in_an_import_error_inside_a_command_exits_143(monkeypatch, capsys):
    """A command imports its heavy modules when it runs: a SIGTERM during one of those
    imports reached the CLI as an ImportError and was reported as an internal error
    (exit 2; seen in tests/core/test_export_faults.py)."""
    from drumassist.cli import commands

    def interrupted_import(*_args):
        try:
            signal.raise_signal(signal.SIGTERM)
        except KeyboardInterrupt:  # the handler's Interrupted is a KeyboardInterrupt
            raise ImportError("initialization failed") from None

    monkeypatch.setattr(commands, "_cmd_info", interrupted_import)
    status = main(["info", "x"])
    assert status == 143
    assert capsys.readouterr().err == "drumassist: stopped by SIGTERM\n"


def test_nohup_keeps_sighup_ignored():
    """An export under nohup must survive the terminal closing: SIGHUP stays ignored."""
    from drumassist.core import interrupts

    before = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        previous = interrupts.install()
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
        interrupts.restore(previous)
    finally:
        signal.signal(signal.SIGHUP, before)


@pytest.fixture
def long_stems(tmp_path):
    """Two stems of three minutes: suggesting them takes 0.5 to 0.65 s here, longer than
    the delays below, so the signal lands in start-up, loading or measuring, never
    after the end."""
    folder = tmp_path / "long"
    folder.mkdir()
    t = np.arange(180 * 44100) / 44100
    sf.write(str(folder / "kick.wav"), 0.5 * np.sin(2 * np.pi * 60 * t), 44100)
    sf.write(str(folder / "snare.wav"), 0.3 * np.sin(2 * np.pi * 200 * t), 44100)
    return folder


#: ``python -m drumassist``, after one byte on the pipe whose descriptor is argv[1]: the
#: byte says Python's own start-up (the site module, the editable install's finder,
#: runpy finding the package) is over. A signal inside that start-up is the
#: interpreter's to handle ("Fatal Python error: init_import_site", exit 1; a CI run
#: under load met it at 50 ms), before any line of ours can run. The delays below count
#: from the byte, so on a loaded machine they still land in drumassist's own imports.
AFTER_START_UP = """
import importlib.util, os, runpy, sys
importlib.util.find_spec("drumassist.__main__")
os.write(int(sys.argv[1]), b"1")
os.close(int(sys.argv[1]))
sys.argv = ["drumassist"] + sys.argv[2:]
runpy.run_module("drumassist", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize("delay_s", [0.05, 0.1, 0.15, 0.2, 0.3])
def test_ctrl_c_during_start_up_exits_130_without_traceback(long_stems, tmp_path, delay_s):
    """Item 4: SIGINT during ``python -m drumassist``'s imports gave a traceback and -2.

    No skip when the command "finished first": a lost signal (exit 0) is a failure."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["DRUMASSIST_CACHE_DIR"] = str(tmp_path / "cache")  # empty: the suggestion measures
    ready, ready_w = os.pipe()
    proc = subprocess.Popen(
        [sys.executable, "-c", AFTER_START_UP, str(ready_w), "suggest", str(long_stems)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        pass_fds=(ready_w,),
    )
    os.close(ready_w)
    try:
        assert os.read(ready, 1) == b"1", "the command ended before Python's start-up did"
    finally:
        os.close(ready)
    time.sleep(delay_s)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert err == "drumassist: interrupted\n"


#: ``python -m drumassist``, with a SIGINT raised while ``drumassist.cli`` is imported:
#: before main() has installed its handlers, where only __main__'s own catch can help.
SIGNAL_IMPORTING_THE_CLI = """
import runpy, signal, sys

class Interrupting:
    def find_spec(self, name, path=None, target=None):
        if name == "drumassist.cli":
            sys.meta_path.remove(self)
            signal.raise_signal(signal.SIGINT)  # Python's own handler: KeyboardInterrupt
        return None

sys.meta_path.insert(0, Interrupting())
sys.argv = ["drumassist"] + sys.argv[1:]
runpy.run_module("drumassist", run_name="__main__", alter_sys=True)
"""


def test_ctrl_c_before_the_cli_is_imported_exits_130_in_one_line(stems):
    done = subprocess.run(
        [sys.executable, "-c", SIGNAL_IMPORTING_THE_CLI, "suggest", str(stems)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stderr) == (130, "drumassist: interrupted\n")
    assert done.stdout == ""


#: Imports soxr (a nanobind extension) in a fresh process and sends itself SIGINT from
#: inside soxr's initialiser, where the initialiser calls back into Python (enum.py).
SIGNAL_IN_EXTENSION_INIT = """
import enum, signal, sys, time
from drumassist.core import interrupts

interrupts.install()
original = enum.EnumType.__call__
fired = []

def call(cls, *args, **kwargs):
    if not fired and interrupts._in_extension_init(sys._getframe()):
        fired.append(True)
        signal.raise_signal(signal.SIGINT)  # handled right here, inside the initialiser
    return original(cls, *args, **kwargs)

enum.EnumType.__call__ = call
try:
    import soxr
    print("imported", bool(fired), flush=True)
    time.sleep(5)
    print("never interrupted")
except interrupts.Interrupted:
    print("interrupted after the import" if "soxr" in sys.modules else "during the import")
"""


def test_a_signal_inside_an_extensions_initialiser_waits_for_it_to_return():
    """Raised inside soxr's (nanobind) initialiser, the interrupt aborted the process
    ("Fatal Python error: Aborted", exit -6: found when start-up got faster). It is
    raised once the initialiser has returned, and then interrupts as usual."""
    done = subprocess.run(
        [sys.executable, "-c", SIGNAL_IN_EXTENSION_INIT],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split("\n")[:2] == ["imported True", "interrupted after the import"]


def test_a_python_modules_import_is_interrupted_at_once(tmp_path, monkeypatch):
    """Only C initialisers defer: an import stuck in Python code stays interruptible."""
    from drumassist.core import interrupts

    (tmp_path / "slow_module.py").write_text(
        "import signal, time\nsignal.raise_signal(signal.SIGINT)\ntime.sleep(5)\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    previous = interrupts.install()
    started = time.monotonic()
    try:
        with pytest.raises(interrupts.Interrupted):
            import slow_module  # noqa: F401
    finally:
        interrupts.restore(previous)
        sys.modules.pop("slow_module", None)
    assert time.monotonic() - started < 2.0


def test_a_signal_deferred_at_the_very_end_of_a_command_is_its_outcome(monkeypatch, capsys):
    """A command that ends within the 20 ms retry must still exit 130, not 0."""
    from drumassist.cli import commands
    from drumassist.core import interrupts

    def ends_with_a_deferred_signal(_args):
        interrupts._state["import_pending"] = signal.SIGINT  # as the handler leaves it
        return 0

    monkeypatch.setattr(commands, "_cmd_info", ends_with_a_deferred_signal)
    assert main(["info", "x"]) == 130
    assert capsys.readouterr().err == "drumassist: interrupted\n"
    assert interrupts.settle() == 0  # nothing left armed


def test_the_window_keeps_a_signal_that_was_ignored_at_start():
    # nohup ignores SIGHUP: the window's default handlers must not undo that.
    import signal

    from drumassist.core import interrupts

    saved = {s: signal.getsignal(s) for s in interrupts.SIGNALS}
    try:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        interrupts.install()
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL  # taken over
        interrupts.restore_defaults()
        assert signal.getsignal(signal.SIGHUP) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
        with pytest.raises(KeyboardInterrupt):  # Python's default meaning, recorded
            signal.getsignal(signal.SIGINT)(signal.SIGINT, None)
        assert interrupts.received() == signal.SIGINT
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)


def test_ctrl_c_closes_an_open_window_as_its_close_button_does(tmp_path):
    """Qt's event loop never ran Python's SIGINT handler: Ctrl-C in the terminal did
    nothing to an open window. It now closes it (asking about unsaved changes)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(QT_QPA_PLATFORM="offscreen", DRUMASSIST_CACHE_DIR=str(tmp_path / "cache"))
    env.update({f"XDG_{d}_HOME": str(tmp_path / d) for d in ("CONFIG", "DATA", "STATE")})
    proc = subprocess.Popen(
        [sys.executable, "-m", "drumassist", "-v", "gui"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stderr is not None
        for line in proc.stderr:  # the window is shown and its event loop about to run
            if "started" in line:
                break
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    finally:
        proc.kill()


def _write_stems(folder, arrays):
    folder.mkdir()
    for name, audio in arrays.items():
        sf.write(str(folder / f"{name}.wav"), audio, 44100, subtype="FLOAT")
    return folder


@pytest.mark.parametrize("method", ["default", "trim", "levels", "loudness"])
def test_suggesting_for_silent_stems_is_an_error_naming_the_folder(tmp_path, capsys, method):
    """Every stem digital silence or DC: the table said "mono mix at -inf LUFS", every
    track "silent", and the command exited 0."""
    n = 3 * 44100
    arrays = {"kick": np.zeros(n), "snare": np.full(n, 0.05), "hat": np.full(n, 1e-9)}
    folder = _write_stems(tmp_path / "quiet", arrays)
    assert main(["suggest", str(folder), "--method", method]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    expected = f"drumassist: error: {folder}: every stem is silent to the analysis"
    assert err.startswith(expected), err


def test_summing_silent_stems_is_an_error(tmp_path, capsys):
    """``sum`` analyses nothing, so it cannot say which stem is silent: the mix is."""
    folder = _write_stems(tmp_path / "zeros", {"kick": np.zeros(44100), "snare": np.zeros(44100)})
    assert main(["suggest", str(folder), "--method", "sum", "--json"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "the suggested mono mix is silent" in err, err


def test_stems_that_cancel_are_an_error_too(tmp_path, capsys):
    t = np.arange(3 * 44100) / 44100
    tone = 0.3 * np.sin(2 * np.pi * 200 * t)
    folder = _write_stems(tmp_path / "cancel", {"snare top": tone, "snare copy": -tone})
    assert main(["suggest", str(folder), "--method", "sum"]) == 1
    assert "they cancel each other out" in capsys.readouterr().err


def test_an_unreadable_stem_of_a_session_says_how_to_open_it(make_stems, drum_arrays, capsys):
    """The advice was "leave it out of the stems given", but the user gave a session. As
    advised, moving the bad file away opens the session without it."""
    from drumassist.core.roles import Role
    from drumassist.core.session import Session, TrackState, save_session

    folder = make_stems(drum_arrays)
    names = sorted(drum_arrays)
    save_session(
        Session(tuple(TrackState(folder / f"{n}.wav", n, Role.OTHER) for n in names)),
        folder / "song.drumassist",
    )
    bad = folder / f"{names[0]}.wav"
    bad.write_bytes(b"not audio")
    assert main(["info", str(folder / "song.drumassist")]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"drumassist: error: {bad.name}: cannot read audio"), err
    assert "stems given" not in err and "the session opens without a stem it cannot find" in err
    bad.rename(folder.parent / bad.name)  # moved away, as the message says
    assert main(["info", str(folder / "song.drumassist")]) == 0
    assert f"stems missing, left out: {bad}" in capsys.readouterr().err


def test_a_suggested_gain_beyond_what_a_mix_takes_is_no_gain(tmp_path, capsys):
    """trim gave -208 dB on odd input; ``mix`` then refused ``suggest --json``'s own output.
    Here a levels model whose kick offset is -300 dB: the kick gets no gain, a note says
    why, and the JSON mixes."""
    import json
    import shutil

    from drumassist.core.demo import write_demo
    from drumassist.learn.models.registry import shipped_model_dir

    stems = tmp_path / "demo"
    write_demo(stems, duration_s=4.0)
    model = tmp_path / "model"
    shutil.copytree(shipped_model_dir("levels"), model)
    doc = json.loads((model / "levels.json").read_text())
    doc["offsets"]["kick"] = -300.0
    (model / "levels.json").write_text(json.dumps(doc))
    assert main(["suggest", str(stems), "--method", "levels", "--model", str(model), "--json"]) == 0
    out, err = capsys.readouterr()
    gains = {t["name"]: t for t in json.loads(out)["tracks"]}
    assert gains["kick"]["gain_db"] is None and gains["kick"]["too_short"] is False
    assert all(t["gain_db"] is not None for n, t in gains.items() if n != "kick")
    assert "note: kick: suggested at -3" in err and "beyond the ±120 dB a mix takes" in err
    (tmp_path / "g.json").write_text(out)
    mix_args = [
        "mix",
        str(stems),
        "--gains",
        str(tmp_path / "g.json"),
        "-o",
        str(tmp_path / "m.wav"),
    ]
    assert main(mix_args) == 0


@pytest.mark.parametrize("command", ["suggest", "info"])
def test_a_tab_or_newline_in_a_stem_name_keeps_the_table_in_columns(tmp_path, capsys, command):
    """A file named "kick<TAB>in.wav" broke the columns; a newline broke the line."""
    t = np.arange(2 * 44100) / 44100
    folder = _write_stems(
        tmp_path / "odd",
        {
            "kick\tin": 0.5 * np.sin(2 * np.pi * 60 * t),
            "snare\nbottom": 0.3 * np.sin(2 * np.pi * 200 * t),
        },
    )
    args = [command, str(folder)] + (["--method", "loudness"] if command == "suggest" else [])
    assert main(args) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  ")]
    assert sorted(r.split()[0] for r in rows) == ["kick\\tin", "snare\\nbottom"]
    assert not any("\t" in r for r in rows)
