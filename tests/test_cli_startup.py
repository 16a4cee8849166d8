"""The CLI registers its commands without importing them: ``--help`` stays light."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from drumassist import cli

ROOT = Path(__file__).resolve().parents[1]
#: Libraries that cost a large share of a second to import; ``--help`` needs none.
HEAVY = ("sklearn", "scipy.signal", "essentia", "PySide6", "matplotlib", "skops")


#: Runs ``python -m drumassist ARGS`` as ``-m`` does (runpy), then lists sys.modules.
RUNNER = """
import runpy, sys
out, sys.argv = sys.argv[1], ["drumassist", *sys.argv[2:]]
status = None
try:
    runpy.run_module("drumassist", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    status = exc.code
with open(out, "w") as f:
    f.write(f"{status}\\n" + "\\n".join(sorted(sys.modules)))
"""


def imported_by(tmp_path: Path, *args: str) -> set[str]:
    """Every module ``python -m drumassist ARGS`` has imported when it exits."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = tmp_path / "modules.txt"
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(out), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    status, *names = out.read_text().splitlines()
    assert status in ("0", "None"), f"drumassist {' '.join(args)} exited with {status}"
    return set(names)


def heavy_among(modules: set[str]) -> set[str]:
    return {m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)}


def test_help_imports_no_heavy_library(tmp_path: Path) -> None:
    modules = imported_by(tmp_path, "--help")
    assert "drumassist.cli" in modules  # the parse worked: it did see the imports
    assert heavy_among(modules) == set()
    # Not even the command modules: the help lines come from the table.
    assert not {m for m in modules if m.startswith("drumassist.learn")}


def test_the_runner_would_see_a_heavy_import(tmp_path: Path) -> None:
    # The checks here can fail: a command that imports scipy.signal (demo synthesises
    # its drums with it) shows up in the same listing.
    modules = imported_by(tmp_path, "demo", str(tmp_path / "demo"), "--duration", "1")
    assert "drumassist.cli.commands" in modules
    assert "scipy.signal" in heavy_among(modules), "expected demo to import scipy.signal"


@pytest.mark.parametrize("name", list(cli.COMMANDS))
def test_a_commands_help_imports_no_heavy_library(name: str, tmp_path: Path) -> None:
    """Naming a command builds its parser only: evaluate's used to import the corpus
    renderers and scipy.signal (0.8 s for its --help)."""
    modules = imported_by(tmp_path, name, "--help")
    assert heavy_among(modules) == set()


def _commands(parser: argparse.ArgumentParser) -> dict[str, str | None]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {choice.dest: choice.help for choice in action._choices_actions}


def test_table_matches_what_the_modules_register() -> None:
    full = _commands(cli.build_parser())
    table = {name: help_text for name, (_, help_text) in cli.COMMANDS.items()}
    assert list(table) == list(full), "cli.COMMANDS must list every command in --help order"
    assert table == full, "a help line in cli.COMMANDS differs from its module's"


@pytest.mark.parametrize("name", list(cli.COMMANDS))
def test_a_command_is_built_in_full_from_its_module(name: str) -> None:
    def usage(parser: argparse.ArgumentParser) -> str:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return action.choices[name].format_help()

    assert usage(cli.build_parser([name])) == usage(cli.build_parser())


def test_top_level_options_before_the_command() -> None:
    args = cli.build_parser(["--debug", "-v", "demo", "out"]).parse_args(
        ["--debug", "-v", "demo", "out"]
    )
    assert args.debug and args.verbose and args.dir == Path("out")
    assert callable(args.func)


def test_unknown_command_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["no-such-command"])
    assert "invalid choice: 'no-such-command'" in capsys.readouterr().err
