"""``python -m lab.check PATH...``: the static check on its own (Python 3.8+, standard library only)."""

import sys

from lab.check.cli import main

if __name__ == "__main__":
    sys.exit(main())
