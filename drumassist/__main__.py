"""``python -m drumassist``."""

import sys

from drumassist.cli import main

sys.exit(main())
