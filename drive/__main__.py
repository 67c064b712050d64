"""``python -m drive``: the command line."""

import sys

from drive.cli import main

sys.exit(main())
