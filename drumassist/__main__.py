"""``python -m drumassist``."""

import multiprocessing
import sys

from drumassist.cli import main

if __name__ == "__main__":
    # Worker processes (spawn, forkserver, frozen apps) import this module too.
    multiprocessing.freeze_support()
    sys.exit(main())
