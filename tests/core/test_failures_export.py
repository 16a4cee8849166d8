"""Failures at the export boundary (issue 14, items 3, 4 and 8): a full disk, signals,
stale temporary files, warnings shown once, and a folder given as the output."""

from __future__ import annotations

import errno
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from drumassist.core import atomic
from drumassist.core.demo import write_demo
from drumassist.core.export import export_mix
from drumassist.core.multitrack import load_multitrack
from drumassist.errors import ExportError


def _gains(names, path: Path, gain_db: float = 0.0) -> Path:
    path.write_text(json.dumps({"tracks": [{"name": n, "gain_db": gain_db} for n in names]}))
    return path


@pytest.fixture
def stems(tmp_path):
    folder = tmp_path / "stems"
    write_demo(folder, duration_s=4.0)
    return folder


def _cli(*args) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return subprocess.run(
        [sys.executable, "-m", "drumassist", *map(str, args)],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip


# -- item 3: disk full ---------------------------------------------------------------------


@pytest.fixture
def tiny_fs(tmp_path):
    """A 64 KiB tmpfs: a real full disk. Skipped where mounting is not allowed."""
    mount = shutil.which("mount")
    if mount is None or not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a tiny tmpfs needs root and mount(8)")
    point = tmp_path / "tiny"
    point.mkdir()
    done = subprocess.run(
        [mount, "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(point)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    yield point
    subprocess.run(["umount", str(point)], check=False)


@pytest.mark.parametrize("suffix", [".wav", ".flac"])
def test_full_disk_says_so_in_one_line(stems, tmp_path, tiny_fs, suffix):
    """The issue's case: AssertionError, exit 2, and an "Exception ignored" traceback."""
    names = load_multitrack(stems).names
    out = tiny_fs / f"song{suffix}"
    proc = _cli("mix", stems, "--gains", _gains(names, tmp_path / "g.json"), "-o", out)
    assert proc.returncode == 1
    assert proc.stderr == (
        f"drumassist: error: song{suffix}: no space left on the device that holds {tiny_fs}\n"
    )
    assert list(tiny_fs.iterdir()) == []


def test_demo_onto_a_full_disk_says_so(tiny_fs):
    proc = _cli("demo", tiny_fs / "demo")
    assert proc.returncode == 1
    assert proc.stderr.endswith(f": no space left on the device that holds {tiny_fs / 'demo'}\n")
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert list((tiny_fs / "demo").iterdir()) == []


class _FullFile(io.FileIO):
    """A real file that fails with ENOSPC past 20 kB, as a full disk does."""

    LIMIT = 20_000

    def write(self, data) -> int:
        if self.tell() + len(data) > self.LIMIT:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return super().write(data)


@pytest.mark.parametrize("suffix", [".wav", ".flac"])
def test_enospc_from_the_write_itself(stems, tmp_path, monkeypatch, capsys, suffix):
    """Where no tmpfs can be mounted: the same ENOSPC raised by the file's own write.

    Only the temporary file's handle is replaced; soundfile's virtual-IO callbacks and
    libsndfile run for real, which is where the traceback came from.
    """
    monkeypatch.setattr(atomic.os, "fdopen", lambda fd, mode: _FullFile(fd, "wb"))
    multitrack = load_multitrack(stems)
    out = tmp_path / f"song{suffix}"
    held = f"^song\\{suffix}: no space left on the device that holds {re.escape(str(tmp_path))}$"
    with pytest.raises(ExportError, match=held):
        export_mix(multitrack, np.zeros(len(multitrack.tracks)), out)
    captured = capsys.readouterr()
    assert "Exception ignored" not in captured.err and "Traceback" not in captured.err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stems"]


# -- item 4: signals and stale temporary files --------------------------------------------


@pytest.fixture(scope="module")
def long_stems(tmp_path_factory):
    folder = tmp_path_factory.mktemp("long") / "stems"
    write_demo(folder, duration_s=20.0)
    return folder


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_signal_while_writing_removes_the_temporary_file(long_stems, tmp_path, signum):
    """SIGTERM or SIGHUP during the write left ``.OUT.wav.XXXX.part`` (10 MB) forever."""
    names = load_multitrack(long_stems).names
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    gains = _gains(names, tmp_path / "g.json")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "drumassist", "mix", str(long_stems), "--gains", str(gains),
         "-o", str(out_dir / "song.wav"), "--bit-depth", "16"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not list(out_dir.glob(".song.wav.*.part")) and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.002)
    if proc.poll() is not None:
        pytest.skip("the export finished before its temporary file was seen")
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    if proc.returncode == 0:
        pytest.skip("the export finished before the signal arrived")
    leftovers = sorted(p.name for p in out_dir.iterdir())
    # Nothing, or (a signal just after the rename) the whole file: never a part.
    assert leftovers in ([], ["song.wav"]), leftovers
    if leftovers:
        assert sf.info(str(out_dir / "song.wav")).frames == load_multitrack(long_stems).frames
    assert proc.returncode == 128 + signum, err
    name = "interrupted" if signum == signal.SIGINT else f"stopped by {signal.Signals(signum).name}"
    assert err == f"drumassist: {name}\n"


def _plant(folder: Path, name: str, *, age_s: float) -> Path:
    path = folder / name
    path.write_bytes(b"RIFF" + bytes(1000))
    stamp = time.time() - age_s
    os.utime(path, (stamp, stamp))
    return path


def test_stale_temporary_files_of_ours_are_removed_on_the_next_export(stems, tmp_path):
    multitrack = load_multitrack(stems)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    # A day old: older than this test process.
    stale = [
        _plant(out_dir, ".song.wav.k3j_x9q2.part", age_s=86400),
        _plant(out_dir, ".other take.flac.abcdefgh.part", age_s=86400),
    ]
    kept = [
        # Not our pattern: another program's, or the user's.
        _plant(out_dir, ".song.wav.part", age_s=3600),
        _plant(out_dir, "song.wav.k3j_x9q2.part", age_s=3600),
        _plant(out_dir, ".song.wav.TOOLONG123.part", age_s=3600),
        _plant(out_dir, "notes.txt", age_s=3600),
        # Ours by name but newer than this process: maybe another export's, in progress.
        _plant(out_dir, ".song.wav.fresh123.part", age_s=-5),
    ]
    export_mix(multitrack, np.zeros(len(multitrack.tracks)), out_dir / "new.wav")
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in kept)
    assert (out_dir / "new.wav").is_file()


def test_a_locked_temporary_file_is_left_alone(tmp_path):
    """A writer still running holds its lock; an old mtime alone is not enough to remove it."""
    fcntl = pytest.importorskip("fcntl")
    path = _plant(tmp_path, f".song.wav.{uuid.uuid4().hex[:8]}.part", age_s=3600)
    with path.open("rb") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        # flock locks are per open file description: a second open() contends like a process.
        assert atomic.remove_stale_parts(tmp_path) == []
    assert path.exists()
    assert atomic.remove_stale_parts(tmp_path) == [path]


# -- item 8: messages -----------------------------------------------------------------------


def test_export_warning_is_printed_once(stems, tmp_path):
    """A subprocess: under pytest the log line never reaches stderr (pytest owns logging)."""
    names = load_multitrack(stems).names
    gains = _gains(names, tmp_path / "g.json", gain_db=12.0)  # clips
    proc = _cli("mix", stems, "--gains", gains, "-o", tmp_path / "m.wav")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("samples clipped at 24 bit") == 1, proc.stderr
    assert proc.stderr.startswith("warning: the mix peaks at +")
    assert proc.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("outdir", r"outdir: is a folder; give a file name ending in \.wav or \.flac$"),
        ("plain", r"^plain: export as \.wav or \.flac; the name has no extension$"),
        ("mix.mp3", r"^mix\.mp3: export as \.wav or \.flac; not '\.mp3'$"),
    ],
)
def test_bad_output_names_the_output(stems, tmp_path, monkeypatch, output, message):
    (tmp_path / "outdir").mkdir()
    monkeypatch.chdir(tmp_path)
    multitrack = load_multitrack(stems)
    with pytest.raises(ExportError, match=message):
        export_mix(multitrack, np.zeros(len(multitrack.tracks)), Path(output))


def test_read_back_is_whole_after_a_good_export(stems, tmp_path):
    multitrack = load_multitrack(stems)
    out = tmp_path / "m.flac"
    export_mix(multitrack, np.zeros(len(multitrack.tracks)), out, bit_depth=16)
    assert sf.info(str(out)).frames == multitrack.frames
