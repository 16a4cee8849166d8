"""The drumassist command line: headless access to everything the window does.

Each command group lives in a module of this package with a ``register(subparsers)``.

Errors the user can cause are printed as one line on stderr with a non-zero exit
status; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
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
    """Run the CLI; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not hasattr(args, "func"):
        parser.print_help()
        return EXIT_ERROR
    try:
        return int(args.func(args) or 0)
    except DrumassistError as exc:
        print(f"drumassist: error: {exc}", file=sys.stderr)
        if args.debug:
            raise
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("drumassist: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        # The last line of defence for the CLI: one line, not a traceback.
        if args.debug:
            raise
        print(
            f"drumassist: internal error: {type(exc).__name__}: {exc} (run with --debug for"
            " details)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def gui_main() -> int:
    """Entry point of ``drumassist-gui``."""
    return main(["gui", *sys.argv[1:]])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="drumassist", description="A mixing assistant for drum multitracks."
    )
    parser.add_argument("--version", action="version", version=f"drumassist {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("-v", "--verbose", action="store_true", help="show what is being done")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    for register in _registrars():
        register(sub)
    return parser


def _registrars() -> list[Callable[[Any], None]]:
    """Each command group's ``register(subparsers)``, in the order of ``--help``."""
    from drumassist.cli import (
        commands,
        compare,
        corpus,
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
        listening.register,
    ]
