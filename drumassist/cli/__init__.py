"""The drumassist command line: headless access to everything the window does.

Each command group lives in a module of this package with a ``register(subparsers)``.

Errors the user can cause are printed as one line on stderr with a non-zero exit
status; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

from drumassist import __version__
from drumassist.errors import DrumassistError

log = logging.getLogger("drumassist")

EXIT_ERROR = 1
EXIT_INTERNAL = 2
EXIT_INTERRUPTED = 130


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit status.

    SIGINT, SIGTERM and SIGHUP end a command with one line and the shell's status
    ``128 + signal`` (130, 143, 129), after its temporary files are removed.
    """
    from drumassist.core.interrupts import Interrupted, install, received, restore, settle

    previous = install()
    debug = False
    try:
        words = sys.argv[1:] if argv is None else list(argv)
        parser = build_parser(words)
        args = parser.parse_args(words)
        debug = args.debug
        level = logging.DEBUG if debug else logging.INFO if args.verbose else logging.WARNING
        logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
        if not hasattr(args, "func"):
            parser.print_help()
            return EXIT_ERROR
        status = _run(args)
        late = settle()  # a signal deferred in an import the command ended right after
        if late:
            print(f"drumassist: {_interrupted_words(late)}", file=sys.stderr)
            return 128 + late
        return status
    except Interrupted as exc:
        print(f"drumassist: {_interrupted_words(exc.signum)}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        if debug:
            raise
        print("drumassist: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception:
        # An ImportError from numpy's C code can stand for a Ctrl-C during start-up.
        signum = received()
        if not signum or debug:
            raise
        print(f"drumassist: {_interrupted_words(signum)}", file=sys.stderr)
        return 128 + signum
    finally:
        # main() is also called in-process (tests, gui_main): leave the handlers as found.
        settle()
        restore(previous)


def _run(args: argparse.Namespace) -> int:
    if not getattr(args, "opens_window", False):
        # A command ends with its work: its temporaries may reuse freed memory (see
        # core.memory), and they skip huge pages, which cost more than they save on
        # a virtual machine. The window runs on, so it gives its memory back.
        from drumassist.core.memory import keep_freed_memory, skip_huge_page_advice

        keep_freed_memory()
        skip_huge_page_advice()
    try:
        return int(args.func(args) or 0)
    except DrumassistError as exc:
        print(f"drumassist: error: {exc}", file=sys.stderr)
        if args.debug:
            raise
        return EXIT_ERROR
    except (KeyboardInterrupt, SystemExit):
        raise
    except BrokenPipeError:
        # stdout went to a pager or `head` that has quit: nothing more to say.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR
    except Exception as exc:
        from drumassist.core.interrupts import received

        # A signal during a command's own imports can surface as an ImportError from C
        # code (as during start-up): main() reports the signal, not an internal error.
        if args.debug or received():
            raise
        # The last line of defence for the CLI: one line, not a traceback.
        print(
            f"drumassist: internal error: {type(exc).__name__}: {exc} (run with --debug for"
            " details)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _interrupted_words(signum: int) -> str:
    import signal

    if signum == signal.SIGINT:
        return "interrupted"
    return f"stopped by {signal.Signals(signum).name}"


def gui_main() -> int:
    """Entry point of ``drumassist-gui``."""
    return main(["gui", *sys.argv[1:]])


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The ``drumassist`` parser, built only as far as ``argv`` needs.

    With ``argv``, only the module of the command it names is imported (none for
    ``--help``, which lists :data:`COMMANDS`); every other command is a placeholder with
    its help line. Without ``argv`` every command is built in full.
    """
    parser = argparse.ArgumentParser(
        prog="drumassist", description="A mixing assistant for drum multitracks."
    )
    parser.add_argument("--version", action="version", version=f"drumassist {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("-v", "--verbose", action="store_true", help="show what is being done")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    if argv is None:
        for register in _registrars():
            register(_Only(sub, None))
        return parser
    wanted = _command_of(argv)
    module = COMMANDS[wanted][0] if wanted in COMMANDS else None
    for name, (_, help_text) in COMMANDS.items():
        if name == wanted and module is not None:
            importlib.import_module(f"drumassist.cli.{module}").register(_Only(sub, name))
        else:
            sub.add_parser(name, help=help_text)
    return parser


#: Every command, in the order of ``--help``: the ``drumassist.cli`` module that
#: registers it and its help line (a test checks both against the modules).
COMMANDS: dict[str, tuple[str, str]] = {
    "info": ("commands", "list the stems of a multitrack (or one stem) with roles and loudness"),
    "mix": (
        "commands",
        "mix the stems with the gains in a JSON file, or a session's faders, and export",
    ),
    "demo": ("commands", "write the built-in demo drum multitrack (8 stems)"),
    "quickstart": (
        "commands",
        "make the demo multitrack and open it (the window, or a headless summary)",
    ),
    "gui": ("commands", "open the window"),
    "suggest": ("suggest", "suggest a gain balance for the stems"),
    "reverse": ("reverse", "find the gains (and pans) that rebuild a mix from its stems"),
    "compare": ("compare", "every suggestion method side by side (scored against a reference mix)"),
    "corpus": ("corpus", "build a training corpus (render, enst, folder)"),
    "features": ("features", "extract the audio features of the stems (cached)"),
    "train": ("train", "train a gain model on a corpus"),
    "evaluate": (
        "evaluate",
        "train every method on a corpus and test it by group and on held-out corpora",
    ),
    "listening-report": (
        "listening",
        "analyse blind listening-test ratings: medians, Kruskal-Wallis, Dunn/Holm",
    ),
}


def _command_of(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names: its first word that is not an option (the top-level
    options take no value), or None."""
    return next((word for word in argv if not word.startswith("-")), None)


def _global_options() -> argparse.ArgumentParser:
    """``--debug`` and ``-v`` for each command's own parser too, so that they may come
    after the command (``drumassist mix ... --debug`` was refused: new-user trial);
    unset there, they leave the values given before the command as they are."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS,
        help="show tracebacks and debug logs",
    )  # fmt: skip
    options.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
        help="show what is being done",
    )  # fmt: skip
    return options


class _Only:
    """Subparsers that build only the command ``name`` (every command for None), each
    with the global options; the others a module registers alongside it go to a parser
    that is thrown away."""

    def __init__(self, sub: Any, name: str | None) -> None:
        self._sub, self._name = sub, name

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        if self._name is None or name == self._name:
            parents = [*kwargs.pop("parents", []), _global_options()]
            parser: argparse.ArgumentParser = self._sub.add_parser(name, parents=parents, **kwargs)
            return parser
        return argparse.ArgumentParser(prog=name, add_help=False)


def _registrars() -> list[Callable[[Any], None]]:
    """Each command group's ``register(subparsers)``, in the order of ``--help``."""
    from drumassist.cli import (
        commands,
        compare,
        corpus,
        evaluate,
        features,
        listening,
        reverse,
        suggest,
        train,
    )

    return [
        commands.register,
        suggest.register,
        reverse.register,
        compare.register,
        corpus.register,
        features.register,
        train.register,
        evaluate.register,
        listening.register,
    ]
