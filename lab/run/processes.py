"""Start, stop and clean up process trees (host side).

Every cell runs as the leader of a new session and process group (POSIX), or of a new process
group (Windows), so that the whole tree it creates -- children, grandchildren, orphans that were
reparented away from it, multiprocessing's forkserver and resource tracker -- can be stopped
together. Stopping is graceful first (SIGTERM to the group, so the resource tracker can remove
named semaphores), then forceful (SIGKILL).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

GRACE_S = 2.0
TAIL_CHARS = 2000
POSIX = os.name == "posix"


def new_group_options() -> dict:
    """Popen keyword arguments that make the child the leader of its own group."""
    if POSIX:
        return {"start_new_session": True}
    return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}  # type: ignore[attr-defined]


def group_alive(pgid: int) -> bool:
    """Whether a live process of the group is still there (POSIX); on Windows, the leader's tree.

    Zombies do not count: an orphan that exited waits for PID 1 (or a subreaper) to reap it,
    which some inits do only every second or so; it holds nothing but a process-table entry.
    """
    if not POSIX:
        return _windows_tree_alive(pgid)
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return bool(live_members(pgid))


def live_members(pgid: int) -> list[int]:
    """Pids of the group's processes that are not zombies (psutil; all members without it)."""
    try:
        import psutil
    except ImportError:
        return [pgid]
    members = []
    for process in psutil.process_iter(["status"]):
        try:
            if os.getpgid(process.pid) == pgid and process.info["status"] != psutil.STATUS_ZOMBIE:
                members.append(process.pid)
        except (OSError, psutil.Error):
            continue
    return members


def _windows_tree_alive(pid: int) -> bool:
    try:
        import psutil
    except ImportError:
        return False
    try:
        return psutil.Process(pid).is_running() or bool(psutil.Process(pid).children(recursive=True))
    except psutil.Error:
        return False


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _wait_gone(pgid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not group_alive(pgid):
            return True
        time.sleep(0.02)
    return not group_alive(pgid)


def stop_group(pgid: int, grace: float = GRACE_S) -> None:
    """SIGTERM the group, wait up to ``grace`` seconds, then SIGKILL what is left."""
    if not POSIX:
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(pgid)], capture_output=True, check=False)
        return
    _signal_group(pgid, signal.SIGTERM)
    if not _wait_gone(pgid, grace):
        _signal_group(pgid, signal.SIGKILL)  # type: ignore[attr-defined]
        _wait_gone(pgid, grace)


def settle_group(pgid: int, linger: float = 1.0) -> bool:
    """After a cell's leader exited: let its helpers (forkserver, resource tracker) finish on
    their own for up to ``linger`` seconds, then stop whatever is left. True if it was clean."""
    if _wait_gone(pgid, linger):
        return True
    stop_group(pgid)
    return False


@dataclass(frozen=True)
class Finished:
    """How a process group ended: the leader's return code, whether it hit the timeout, and
    whether the group was clean (nothing left running) when the leader exited."""

    returncode: int
    timed_out: bool
    clean: bool


def run_group(
    argv: list[str],
    cwd: Path,
    env: dict[str, str],
    capture: Path,
    timeout: float,
    on_start: Callable[[subprocess.Popen], None] | None = None,
    on_end: Callable[[subprocess.Popen], None] | None = None,
) -> Finished:
    """Run ``argv`` as the leader of a new process group, bounded by ``timeout``.

    Its stdout and stderr go to ``capture/stdout.txt`` and ``capture/stderr.txt`` (files, not
    pipes: a child that prints megabytes cannot block, and only a tail is ever read). On timeout,
    or if the caller is interrupted while waiting, the whole group is stopped; afterwards
    whatever the group left running is stopped too. ``on_start``/``on_end`` let the caller
    register the group (with the watchdog, say) for exactly as long as it may be alive.
    """
    with open(capture / "stdout.txt", "wb") as out, open(capture / "stderr.txt", "wb") as err:
        process = subprocess.Popen(
            argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err, **new_group_options()
        )
    if on_start:
        on_start(process)
    timed_out = False
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        stop_group(process.pid)
        process.wait()
    finally:
        if process.returncode is None:  # interrupted while waiting: stop the group before leaving
            stop_group(process.pid)
            process.wait()
        clean = settle_group(process.pid)
        if on_end:
            on_end(process)
    return Finished(process.returncode, timed_out, clean)


def tail(path: Path, chars: int = TAIL_CHARS) -> str:
    """The last characters of a captured stream: bounded however much the process printed."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - chars))
            return handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
