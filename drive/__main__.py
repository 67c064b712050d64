"""``python -m drive``: the command line."""

import sys

from drive.cli.main import main

sys.exit(main())
