"""``python -m drumassist``."""

import sys

if __name__ == "__main__":
    try:
        if getattr(sys, "frozen", False):
            # A frozen app's worker processes start here too (10 ms to import otherwise).
            import multiprocessing

            multiprocessing.freeze_support()
        from drumassist.cli import main

        status = main()
    except KeyboardInterrupt:
        # Ctrl-C before main() installed its handlers (while importing): one line, 130.
        print("drumassist: interrupted", file=sys.stderr)
        status = 130
    # The command is over and its status known: a signal during the interpreter's
    # shutdown (which restores the default handlers) must not turn it into -15.
    from drumassist.core.interrupts import ignore

    ignore()
    sys.exit(status)
