"""Smoke test of the frozen bundle: run its executables offscreen and fail on import errors.

    python packaging/smoke_test.py [BUNDLE]      (default: dist/drumassist)

1. The CLI: --version, demo, info --json, suggest --method loudness --json (and
   --method default when the bundle holds a default model), features (the analysis
   pool, i.e. multiprocessing in the frozen app), features --extractor paper
   (Essentia's MusicExtractor in the workers), quickstart --headless (mix and export).
2. The GUI executable on the demo folder, QT_QPA_PLATFORM=offscreen, for a few
   seconds: it must still be running, must have logged its start, and is then killed.

Every run gets its own temporary data, cache, config and log folders (the
DRUMASSIST_*_DIR variables), so the user's files are never touched. Fails (exit 1)
on a non-zero exit status, a timeout, or ImportError, ModuleNotFoundError, a
missing file, a Traceback or a Qt plugin failure in any output or in the GUI's log.
Prints one line per check and a summary.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUI_SECONDS = 6.0
CLI_TIMEOUT_S = 300
#: What must never appear in an output or a log.
BAD = re.compile(
    r"ImportError|ModuleNotFoundError|No such file|Traceback \(most recent call last\)"
    r"|Could not load the Qt platform plugin|could not find or load|internal error"
    r"|cannot open shared object file|Failed to execute script|BrokenProcessPool"
)


@dataclass
class Report:
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        (self.passed if ok else self.failed).append(name)
        print(
            f"{'PASS' if ok else 'FAIL'}  {name}"
            + (f"\n      {detail}" if detail and not ok else "")
        )
        return ok


def bad_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if BAD.search(line)]


def run_cli(report: Report, exe: Path, env: dict[str, str], name: str, *args: str) -> str:
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            [str(exe), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        report.check(name, False, f"timed out after {CLI_TIMEOUT_S} s")
        return ""
    seconds = time.perf_counter() - started
    output = proc.stdout + proc.stderr
    bad = bad_lines(output)
    detail = f"exit {proc.returncode}; " + ("; ".join(bad[:5]) or output.strip()[-800:])
    report.check(f"{name} ({seconds:.1f} s)", proc.returncode == 0 and not bad, detail)
    return proc.stdout


def check_json(report: Report, name: str, text: str) -> object:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        report.check(f"{name}: JSON", False, f"{exc}: {text[:300]!r}")
        return None
    report.check(f"{name}: JSON", True)
    return doc


#: Left out of the bundle by drumassist.spec (only the GTK3 platform theme needs them).
GTK_ONLY_PREFIXES = (
    "libcairo.so",
    "libcairo-gobject.so",
    "libpango-1.0.so",
    "libpangocairo-1.0.so",
    "libpangoft2-1.0.so",
    "libatk-1.0.so",
    "libgdk_pixbuf-2.0.so",
    "libfribidi.so",
    "libthai.so",
    "libdatrie.so",
    "libgraphite2.so",
    "libpixman-1.so",
    "libharfbuzz.so",
    "libgtk-3.so",
    "libgdk-3.so",
    "libatk-bridge-2.0.so",
)


def check_links(report: Report, bundle: Path) -> None:
    """No library left in the bundle needs one the spec dropped (readelf, if present)."""
    if shutil.which("readelf") is None:
        print("      (readelf not found: library links not checked)")
        return
    present = {p.name for p in bundle.rglob("*.so*")}
    broken = []
    for path in bundle.rglob("*.so*"):
        if not path.is_file():
            continue
        out = subprocess.run(
            ["readelf", "-d", str(path)], capture_output=True, text=True, check=False
        ).stdout
        for needed in re.findall(r"\(NEEDED\).*\[(.+?)\]", out):
            if needed.startswith(GTK_ONLY_PREFIXES) and needed not in present:
                broken.append(f"{path.name} needs {needed}")
    report.check(
        "no bundled library needs a dropped GTK library", not broken, "; ".join(broken[:5])
    )


def run_gui(report: Report, exe: Path, env: dict[str, str], folder: Path, log_dir: Path) -> None:
    out_path = log_dir.parent / "gui-output.txt"
    with out_path.open("w") as out:
        # A session of its own, so the fork server and workers can be stopped with it.
        proc = subprocess.Popen(
            [str(exe), str(folder)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log_file = log_dir / "drumassist.log"
        deadline = time.monotonic() + 60.0  # start-up time on a busy machine, then GUI_SECONDS
        started_at = None
        while time.monotonic() < deadline and proc.poll() is None:
            log_text = log_file.read_text(errors="replace") if log_file.exists() else ""
            if started_at is None and " started" in log_text:
                started_at = time.monotonic()
                deadline = started_at + GUI_SECONDS
            time.sleep(0.2)
        alive = proc.poll() is None
        if alive:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        else:
            # Workers may outlive a crashed parent; stop the session we started.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
    output = out_path.read_text(errors="replace")
    log_text = log_file.read_text(errors="replace") if log_file.exists() else ""
    report.check(
        "gui: still running after start-up", alive, f"exit {proc.returncode}: {output[-800:]}"
    )
    report.check("gui: logged its start", started_at is not None, log_text[-800:] or output[-800:])
    bad = bad_lines(output) + bad_lines(log_text)
    report.check("gui: no errors in output or log", not bad, "; ".join(bad[:5]))
    if log_text:
        print("      log: " + "\n      log: ".join(log_text.strip().splitlines()[-6:]))


def main(argv: list[str]) -> int:
    bundle = Path(argv[1]) if len(argv) > 1 else ROOT / "dist" / "drumassist"
    cli, gui = bundle / "drumassist", bundle / "drumassist-gui"
    report = Report()
    if not report.check(f"bundle executables exist in {bundle}", cli.is_file() and gui.is_file()):
        return 1
    internal = bundle / "_internal"
    resources = internal / "drumassist" / "resources"
    report.check("bundle holds drumassist/resources/icons", (resources / "icons").is_dir())
    check_links(report, bundle)
    has_model = (resources / "models" / "default").is_dir()
    print(f"      default model in bundle: {'yes' if has_model else 'no'}")

    with tempfile.TemporaryDirectory(prefix="drumassist-smoke-") as tmp:
        tmp_path = Path(tmp)
        env = dict(os.environ)
        env.update(
            QT_QPA_PLATFORM="offscreen",
            DRUMASSIST_DATA_DIR=str(tmp_path / "data"),
            DRUMASSIST_CACHE_DIR=str(tmp_path / "cache"),
            DRUMASSIST_CONFIG_DIR=str(tmp_path / "config"),
            DRUMASSIST_LOG_DIR=str(tmp_path / "log"),
            XDG_RUNTIME_DIR=str(tmp_path / "runtime"),
        )
        (tmp_path / "runtime").mkdir(mode=0o700)
        env.pop("PYTHONPATH", None)  # the bundle must stand alone
        demo = tmp_path / "demo"

        version = run_cli(report, cli, env, "cli --version", "--version")
        report.check("cli --version names drumassist", version.startswith("drumassist "))
        run_cli(report, cli, env, "cli demo", "demo", str(demo), "--duration", "4")
        report.check("demo wrote stems", len(list(demo.glob("*.wav"))) >= 2)
        check_json(
            report,
            "info",
            run_cli(report, cli, env, "cli info --json", "info", str(demo), "--json"),
        )
        check_json(
            report,
            "suggest loudness",
            run_cli(
                report,
                cli,
                env,
                "cli suggest --method loudness",
                "suggest",
                str(demo),
                "--method",
                "loudness",
                "--json",
            ),
        )
        if has_model:
            check_json(
                report,
                "suggest default",
                run_cli(
                    report,
                    cli,
                    env,
                    "cli suggest --method default",
                    "suggest",
                    str(demo),
                    "--method",
                    "default",
                    "--json",
                ),
            )
        run_cli(
            report,
            cli,
            env,
            "cli features --no-cache (fast, worker pool)",
            "features",
            str(demo),
            "--no-cache",
        )
        run_cli(report, cli, env, "cli features (cached)", "features", str(demo))
        run_cli(
            report,
            cli,
            env,
            "cli features --extractor paper (Essentia, 2 workers)",
            "features",
            str(demo),
            "--extractor",
            "paper",
            "--workers",
            "2",
            "--no-cache",
        )
        run_cli(report, cli, env, "cli quickstart --headless", "quickstart", "--headless")

        run_gui(report, gui, env, demo, tmp_path / "log")

    print()
    print(f"smoke: {len(report.passed)} passed, {len(report.failed)} failed")
    for name in report.failed:
        print(f"  failed: {name}")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
