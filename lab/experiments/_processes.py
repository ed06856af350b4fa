"""What a process knows of itself, what the OS says of it by pid, and cleaning up after a scenario.

Shared by the lessons and scenario programs whose processes outlive their own parent (daemons,
orphans), that look at a child the parent has not reaped (zombies), or that report who created
whom (process_creation). It is not a lesson (its name starts with ``_``): the POSIX-only calls
live here, each behind a platform guard, so that the lessons read like the tutorial. On Windows
there is no ``/proc``, no ``ps -o stat``, no zombie state, ``os.kill(pid, 0)`` would *terminate*
the process, and ``os.getppid()`` keeps the id of a parent that has exited (Windows does not
re-parent), so the functions here answer ``None`` or ``"unknown"``, or do nothing there.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

WINDOWS = sys.platform == "win32"
#: Linux (and others with procfs) report the state in /proc/PID/stat; macOS and the BSDs via ps.
HAS_PROC = Path("/proc/self/stat").exists()

_STATES = {"Z": "zombie", "X": "gone"}
#: For a scenario program: its output must survive Windows' code page and a child's sudden end.
SCENARIO_ENV = {"PYTHONIOENCODING": "utf-8", "PYTHONUNBUFFERED": "1"}


# -- in the process itself ----------------------------------------------------------------------
def os_parent() -> Optional[int]:
    """The OS's parent of this process (``os.getppid()``); None on Windows, which never re-parents."""
    return None if WINDOWS else os.getppid()


def note(who: str, path: str = "seen.jsonl", **extra: Any) -> None:
    """Append what this process knows of itself, and ``extra``, to ``path`` as one JSON line."""
    parent = multiprocessing.parent_process()
    seen = {
        "who": who,
        "pid": os.getpid(),
        "os_parent": os_parent(),
        "parent_process": parent.pid if parent is not None else None,
        "name": multiprocessing.current_process().name,
        **extra,
    }
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(seen) + "\n")


def send_output_to(path: str) -> None:
    """Point this process's stdout and stderr at ``path``; children inherit them from here on.

    A scenario whose child outlives it calls this first, so that the child does not hold the
    caller's pipes open (the caller would wait for it) and its last words are kept.
    """
    out = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(out, 1)
    os.dup2(out, 2)
    os.close(out)


# -- a process seen from outside -----------------------------------------------------------------


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


def read_output(path: Path, until: str = "", pid: Optional[int] = None, timeout: float = 0.0) -> List[str]:
    """The lines of a scenario's output; with ``until``, wait (at most ``timeout`` seconds) for a
    line that starts with it, giving up early once process ``pid`` has ended."""
    deadline = time.monotonic() + timeout
    while True:
        text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
        lines = text.splitlines()
        if not until or any(line.startswith(until) for line in lines) or time.monotonic() >= deadline:
            return lines
        if pid is not None and process_state(pid) in ("zombie", "gone"):
            until = ""  # it has ended: read once more, in case its last line just landed
            continue
        time.sleep(0.01)


def fields(line: str) -> Dict[str, str]:
    """``coco 在 pid=12 boss_alive=True`` -> ``{"pid": "12", "boss_alive": "True"}``."""
    return dict(word.split("=", 1) for word in line.split() if "=" in word)


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
