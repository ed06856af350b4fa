"""A watchdog process that stops cells in flight if the runner dies (host side).

    python -m lab.run.watchdog

The runner writes ``add PGID`` and ``del PGID`` lines to this process's stdin. When stdin
reaches end-of-file -- the runner finished, or was killed with SIGKILL and the OS closed its end
of the pipe -- every group still registered is stopped. A separate process, not a thread in the
runner, because a thread dies with the runner; it ignores Ctrl-C, which the runner handles.
"""

from __future__ import annotations

import signal
import sys

from lab.run.processes import stop_group


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    groups: set[int] = set()
    for line in sys.stdin:
        command, _, value = line.strip().partition(" ")
        if command == "add" and value.isdigit():
            groups.add(int(value))
        elif command == "del" and value.isdigit():
            groups.discard(int(value))
    for pgid in groups:
        stop_group(pgid)
    return 0


if __name__ == "__main__":
    sys.exit(main())
