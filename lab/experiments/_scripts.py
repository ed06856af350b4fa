"""Run a user's script in a fresh interpreter, bounded in time, leaving nothing behind.

The lessons about ``__main__`` (main_guard, forkserver_preload, default_context) cannot run in
the cell's own process: what they show is how a *script* is started, re-imported or preloaded.
Each script runs as ``python [flags] SCRIPT ARGS`` (or ``python -m NAME``) in the cell's
temporary directory, as the leader of its own process group, so that everything it starts --
children, a forkserver, the resource tracker -- can be stopped together. A script that does not
finish within ``timeout`` seconds is an observation (``hung``), not a failed cell: its group is
stopped and the run goes on. Not an experiment (its name starts with ``_``).

Scripts write what each of their processes saw as JSON lines to ``events.jsonl`` in their working
directory (one line per event, appended, so every process can write); ``events`` parses them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from lab.experiment import SOURCE_ROOT, Cell

SCENARIOS = SOURCE_ROOT / "lab" / "experiments" / "scenarios"
EVENTS = "events.jsonl"
POSIX = os.name == "posix"
#: Process groups we can signal and list (POSIX); elsewhere only the script itself is stopped.
GROUPS = POSIX and hasattr(os, "killpg")
HAS_PROC = Path("/proc/self/stat").exists()
#: How long a finished script's helpers (forkserver, resource tracker) get to exit on their own.
SETTLE_S = 3.0


@dataclass
class ScriptRun:
    """How one script run ended and what its processes wrote."""

    pid: int
    returncode: Optional[int]  # None when it hung and was stopped
    hung: bool
    stdout: str
    stderr: str
    events: List[Dict[str, Any]] = field(default_factory=list)

    def roles(self) -> Dict[int, str]:
        """Which process each pid was: the parent, one of its children, or another (the forkserver)."""
        found = {self.pid: "parent"}
        for event in self.events:
            if event["event"] == "child":
                found[event["child"]] = "children"
        for event in self.events:
            found.setdefault(event["pid"], "server")
        return found

    def by_role(self, event_name: str) -> Dict[str, int]:
        """How many ``event_name`` events the parent, the server and the children wrote."""
        role = self.roles()
        counts = {"parent": 0, "server": 0, "children": 0}
        for event in self.events:
            if event["event"] == event_name:
                counts[role[event["pid"]]] += 1
        return counts


def copy_scenario(cell: Cell, name: str) -> Path:
    """Copy ``scenarios/NAME`` (a file or a package directory) into the cell's directory."""
    source, target = SCENARIOS / name, Path(cell.tmpdir) / name
    if source.is_dir():
        if target.exists():
            shutil.rmtree(str(target))
        shutil.copytree(str(source), str(target), ignore=shutil.ignore_patterns("__pycache__"))
    else:
        target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    return target


def script_env(cell: Cell, extra: Optional[Dict[str, str]] = None, method: bool = True) -> Dict[str, str]:
    """The environment a script gets: ours, the lab importable, the cell's method (unless not wanted)."""
    env = dict(os.environ)
    env.pop("FORKLAB_METHOD", None)
    if method:
        env["FORKLAB_METHOD"] = cell.method
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SOURCE_ROOT), env.get("PYTHONPATH")]))
    env.update(extra or {})
    return env


def run_script(
    cell: Cell,
    argv: Sequence[str],
    timeout: float = 30.0,
    env: Optional[Dict[str, str]] = None,
    cwd: Optional[Path] = None,
) -> ScriptRun:
    """Run ``python ARGV`` (default interpreter flags) in the cell's directory; see the module doc."""
    workdir = Path(cwd or cell.tmpdir)
    events_path = workdir / EVENTS
    if events_path.exists():
        events_path.unlink()
    out_path, err_path = workdir / "script.stdout", workdir / "script.stderr"
    options: Dict[str, Any] = {"start_new_session": True} if POSIX else {"creationflags": _new_group_flag()}
    with open(str(out_path), "wb") as out, open(str(err_path), "wb") as err:
        process = subprocess.Popen(
            [sys.executable, *argv],
            cwd=str(workdir),
            env=env if env is not None else script_env(cell),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            **options,
        )
    hung = False
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        hung = True
    finally:
        if process.returncode is None:
            stop(process)
        settle_group(process.pid)
    return ScriptRun(
        pid=process.pid,
        returncode=None if hung else process.returncode,
        hung=hung,
        stdout=_read(out_path),
        stderr=_read(err_path),
        events=read_events(events_path),
    )


def read_events(path: Path) -> List[Dict[str, Any]]:
    """Every complete JSON line of an events file (a line cut short by a killed process is skipped)."""
    if not path.exists():
        return []
    found = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            found.append(json.loads(line))
        except ValueError:
            continue
    return found


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _new_group_flag() -> int:
    return getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)


def group_members(pgid: int) -> List[int]:
    """Live (non-zombie) processes of a process group: /proc where there is one, else ``killpg(0)``."""
    if not GROUPS:
        return []
    if HAS_PROC:
        members = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if len(fields) > 2 and fields[0] != "Z" and int(fields[2]) == pgid:
                members.append(int(entry.name))
        return members
    try:
        os.killpg(pgid, 0)
    except OSError:
        return []
    return [pgid]


def stop(process: subprocess.Popen) -> None:
    """Stop a script that hung, and what it started: its process group (POSIX), its tree (Windows,
    ``taskkill /T``), or -- where neither can be reached -- the script itself."""
    if GROUPS:
        stop_group(process.pid)
    elif os.name == "nt":
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(process.pid)], capture_output=True, check=False)
    else:
        process.kill()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        pass


def stop_group(pgid: int) -> None:
    """SIGTERM the group (the resource tracker cleans up on it), then SIGKILL what is left."""
    _signal_group(pgid, signal.SIGTERM)
    if not _wait_empty(pgid, 1.0):
        _signal_group(pgid, getattr(signal, "SIGKILL", signal.SIGTERM))
        _wait_empty(pgid, 2.0)


def settle_group(pgid: int) -> None:
    """After the leader exited: give its helpers ``SETTLE_S`` to finish, then stop the rest."""
    if GROUPS and not _wait_empty(pgid, SETTLE_S):
        stop_group(pgid)


def _signal_group(pgid: int, sig: int) -> None:
    if not GROUPS:
        return
    try:
        os.killpg(pgid, sig)
    except OSError:
        pass


def _wait_empty(pgid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while group_members(pgid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True
