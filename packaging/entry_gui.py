"""Frozen entry point of ``drumassist-gui`` (the window), used by drumassist.spec.

See entry_cli.py for why ``multiprocessing.freeze_support()`` comes first.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from drumassist.cli import gui_main

    sys.exit(gui_main())
