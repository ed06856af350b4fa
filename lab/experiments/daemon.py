"""A daemonic child lives only as long as its parent's main code runs.

When the parent's main code ends normally, multiprocessing terminates its daemonic children
(and waits for the others), so a daemon never reaches its last line; a daemon may not start
children of its own. That clean-up runs at a normal exit only: a parent that leaves with
``os._exit()`` skips it, and the daemon lives on as an orphan.
"""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path
from typing import Any, Dict, List

from lab.experiment import Cell, Experiment, not_applicable
from lab.experiments._processes import WINDOWS, kill_leftover, process_state, wait_for_state
from lab.normalise import describe_exception, normalise

EXPERIMENT = Experiment(
    name="daemon",
    title="Daemonic processes",
    question="Is a daemon terminated when its parent exits, can it start children, and what if the parent "
    "leaves with os._exit()?",
    concept="守护进程会在主进程代码执行结束后就终止; 守护进程内无法再开启子进程 — a daemon ends when the main "
    "process's code ends; a daemon cannot start child processes",
)

SCRIPT = "boss_leaves.py"


def grandchild() -> None:
    return


def daemon_starts_a_child(method: str, conn) -> None:
    """The tutorial's second rule, tried: a daemon starting a process of its own."""
    try:
        multiprocessing.get_context(method).Process(target=grandchild).start()
        conn.send(None)
    except BaseException as exc:
        conn.send(describe_exception(exc))
    conn.close()


def read_log(path: Path) -> Dict[str, List[str]]:
    """The scenario's log, by the first word of each line."""
    lines = path.read_text().splitlines() if path.exists() else []
    return {line.split()[0]: line.split()[1:] for line in lines if line.split()}


def new_parent(before: int, after: int) -> str:
    """Who a process's parent became, as a stable classification."""
    if after == before:
        return "unchanged"
    return "pid 1 (init)" if after == 1 else "another process (a subreaper)"


def wait_for_last_line(log: Path, child_pid: int, timeout: float) -> Dict[str, List[str]]:
    """A child that outlived its parent: give it the moment it needs to reach its last line."""
    deadline = time.monotonic() + timeout
    entries = read_log(log)
    while "end" not in entries and time.monotonic() < deadline:
        if not WINDOWS and process_state(child_pid) != "alive":
            return read_log(log)
        time.sleep(0.01)
        entries = read_log(log)
    return entries


def boss_leaves(cell: Cell, mode: str) -> Dict[str, Any]:
    """Run the scenario in one mode; report what the child's log proves, then leave nothing behind."""
    log = Path(cell.tmpdir) / f"{mode}.log"
    if log.exists():
        log.unlink()
    completed = cell.run_scenario(SCRIPT, [mode, str(log)], timeout=30)
    entries = read_log(log)
    if "start" in entries and mode in ("os-exit", "orphan"):
        entries = wait_for_last_line(log, int(entries["start"][0]), timeout=5.0)
    result: Dict[str, Any] = {
        "parent_exitcode": completed.returncode,
        "child_started": "start" in entries,
        "reached_last_line": "end" in entries,
    }
    if "start" in entries:
        child_pid, ppid_before, parent_pid = (int(x) for x in entries["start"])
        result["getppid_was_parent"] = ppid_before == parent_pid
        if "end" in entries:
            result["parent_alive_at_last_line"] = entries["end"][0] == "1"
            if mode in ("os-exit", "orphan"):
                result["new_parent"] = (
                    not_applicable("Windows does not re-parent: os.getppid() keeps the dead parent's pid")
                    if WINDOWS
                    else new_parent(ppid_before, int(entries["end"][1]))
                )
        if not WINDOWS:  # a child that reached its last line is on its way out: let it end
            wait_for_state(child_pid, ("gone", "zombie"), 2.0)
        result["left_behind_and_killed"] = kill_leftover(child_pid)
        result["child_pid"] = child_pid  # for the caller's own checks; removed before observing
    if not entries.get("start"):
        result["scenario_output"] = normalise((Path(cell.tmpdir) / "boss_output.txt").read_text()[-300:])
    return result


def without_pid(result: Dict[str, Any]) -> Dict[str, Any]:
    """A pid varies by run: it is never an observation."""
    result.pop("child_pid", None)
    return result


def run(cell: Cell) -> None:
    ctx = cell.context
    # 1. The tutorial's example: the boss's main code ends while the daemon sleeps.
    cell.observe("parent_exits_normally", without_pid(boss_leaves(cell, "daemon")))
    # 2. Not a daemon: the boss's exit waits for it.
    cell.observe("non_daemon", without_pid(boss_leaves(cell, "non-daemon")))
    # 3. The boss leaves with os._exit(): nobody terminates the daemon.
    cell.observe("parent_os_exit", without_pid(boss_leaves(cell, "os-exit")))

    # 4. A daemon that starts a child of its own.
    receiver, sender = ctx.Pipe(duplex=False)
    p = ctx.Process(target=daemon_starts_a_child, args=(cell.method, sender))
    p.daemon = True
    try:
        p.start()
        sender.close()
        error = receiver.recv() if receiver.poll(30) else "no answer"
        cell.observe("daemon_starts_child", error if error is not None else "allowed")
        p.join(30)
        cell.observe("daemon_starts_child_exitcode", p.exitcode)
    finally:
        if p.is_alive():
            p.kill()
            p.join(5)
