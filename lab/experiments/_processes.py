"""Asking the operating system about a process by pid, and cleaning up after a scenario.

Shared by the experiments whose processes outlive their own parent (daemons, orphans) or that
must look at a child the parent has not reaped (zombies). POSIX only: on Windows there is no
``/proc``, no ``ps -o stat``, no zombie state, and ``os.kill(pid, 0)`` would *terminate* the
process, so every function here answers ``"unknown"`` or does nothing there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

WINDOWS = sys.platform == "win32"
#: Linux (and others with procfs) report the state in /proc/PID/stat; macOS and the BSDs via ps.
HAS_PROC = Path("/proc/self/stat").exists()

_STATES = {"Z": "zombie", "X": "gone"}


def _state_letter(pid: int) -> Optional[str]:
    """The one-letter state the OS reports for ``pid``, or None when there is no such process."""
    if HAS_PROC:
        try:
            text = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return None
        # "PID (comm) S ...": comm may hold spaces and parentheses, so split after the last ")".
        return text.rsplit(")", 1)[1].split()[0]
    completed = subprocess.run(
        ["ps", "-o", "stat=", "-p", str(pid)],
        check=False,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        timeout=10,
    )
    letters = completed.stdout.strip()
    return letters[0] if completed.returncode == 0 and letters else None


def process_state(pid: int) -> str:
    """``"alive"``, ``"zombie"`` or ``"gone"`` as the OS reports it; ``"unknown"`` on Windows."""
    if WINDOWS:
        return "unknown"
    letter = _state_letter(pid)
    return "gone" if letter is None else _STATES.get(letter, "alive")


def state_source() -> str:
    """Where process_state() reads the state from (recorded beside the observation)."""
    # a label, not a path: "procfs" reads /proc/PID/stat, "ps" runs ps -o stat=
    return "none" if WINDOWS else "procfs" if HAS_PROC else "ps"


def wait_for_state(pid: int, wanted: tuple, timeout: float) -> str:
    """Poll the state until it is one of ``wanted`` or ``timeout`` seconds pass; return the last state."""
    deadline = time.monotonic() + timeout
    state = process_state(pid)
    while state not in wanted and time.monotonic() < deadline:
        time.sleep(0.005)
        state = process_state(pid)
    return state


def kill_leftover(pid: int) -> bool:
    """Make sure ``pid`` (a process a scenario left behind) is gone; True when it had to be killed.

    SIGTERM first so the process can clean up, SIGKILL if it is still alive a second later.
    A zombie is left alone: it is not running, and only its parent (or init) can reap it.
    On Windows nothing is done: the scenarios' children end by themselves within seconds.
    """
    if WINDOWS or process_state(pid) != "alive":
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        return False
    if wait_for_state(pid, ("gone", "zombie"), 1.0) == "alive":
        try:
            os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
        except OSError:
            pass
        wait_for_state(pid, ("gone", "zombie"), 1.0)
    return True
