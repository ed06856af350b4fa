"""A watchdog process that stops cells in flight if the runner dies (host side).

    python -m lab.run.watchdog

The runner writes ``add PGID`` and ``del PGID`` lines to this process's stdin. When stdin
reaches end-of-file -- the runner finished, or was killed with SIGKILL and the OS closed its end
of the pipe -- every group still registered is stopped. A separate process, not a thread in the
runner, because a thread dies with the runner; it ignores Ctrl-C, which the runner handles.
``Watchdog`` is the runner's handle on it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

from lab.experiment import SOURCE_ROOT
from lab.run.processes import new_group_options, stop_group


class Watchdog:
    """Handle on the watchdog process (see lab.run.watchdog)."""

    def __init__(self) -> None:
        env = dict(os.environ, PYTHONPATH=str(SOURCE_ROOT))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lab.run.watchdog"],
            cwd=SOURCE_ROOT,  # so that a user's own `lab` package (probe runs in their directory) cannot shadow ours
            stdin=subprocess.PIPE,
            text=True,
            env=env,
            stdout=subprocess.DEVNULL,
            **new_group_options(),
        )
        self.lock = threading.Lock()

    def tell(self, command: str, pgid: int) -> None:
        with self.lock:
            try:
                self.process.stdin.write(f"{command} {pgid}\n")  # type: ignore[union-attr]
                self.process.stdin.flush()  # type: ignore[union-attr]
            except (BrokenPipeError, ValueError):
                pass

    def close(self) -> None:
        try:
            self.process.stdin.close()  # type: ignore[union-attr]
        except BrokenPipeError:
            pass
        self.process.wait(timeout=30)


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
