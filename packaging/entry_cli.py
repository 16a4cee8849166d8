"""Frozen entry point of ``drumassist`` (the command line), used by drumassist.spec.

``multiprocessing.freeze_support()`` must run before anything else: the analysis
pool's fork server and resource tracker (and spawn workers) re-run this executable
with multiprocessing's own arguments, and freeze_support hands those runs over to
multiprocessing instead of the CLI.
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from drumassist.cli import main

    sys.exit(main())
