"""``python -m drumassist``."""

import sys

if __name__ == "__main__":
    try:
        import multiprocessing

        from drumassist.cli import main

        # Worker processes (spawn, forkserver, frozen apps) import this module too.
        multiprocessing.freeze_support()
        status = main()
    except KeyboardInterrupt:
        # Ctrl-C before main() installed its handlers (while importing): one line, 130.
        print("drumassist: interrupted", file=sys.stderr)
        status = 130
    sys.exit(status)
