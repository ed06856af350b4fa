"""``python -m lab``: the command line (host side, Python 3.10+)."""

import sys

from lab.cli import main

if __name__ == "__main__":
    sys.exit(main())
