"""A daemonic child lives only as long as its parent's main code runs, and may not have children.

When the parent's main code ends normally, multiprocessing terminates its daemonic children
(and waits for the others), so the tutorial's daemon never prints its last line. That clean-up
runs at a normal exit only: a parent that leaves with ``os._exit()`` skips it, and the daemon lives
on. A daemon that starts a process of its own is stopped by an assertion in ``start()``.

The tutorial's example runs as a user's program (``scenarios/boss_leaves.py``); what its
processes print is the observation.
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path
from typing import Any, Dict

from lab.experiment import Cell, Experiment, Observation, Symptom, finish
from lab.experiments._processes import SCENARIO_ENV, WINDOWS, fields, kill_leftover, read_output, wait_for_state
from lab.normalise import describe_exception, normalise

DOCS = "https://docs.python.org/3/library/multiprocessing.html#multiprocessing.Process.daemon"

EXPERIMENT = Experiment(
    name="daemon",
    title="Daemonic processes",
    question="Is a daemon terminated when its parent's main code ends, can it start children, and what if the "
    "parent leaves with os._exit()?",
    concept="1.守护进程会在主进程代码执行结束后就终止, 2.守护进程内无法再开启子进程,否则抛出异常 — a daemon ends "
    "when the main process's code ends; a daemon cannot start child processes, or an exception is raised",
    lesson="When the parent's main code ends, multiprocessing terminates its daemonic children (and waits for the "
    "others), unless the parent leaves with os._exit(), which skips that clean-up. A daemon that starts a process "
    "gets AssertionError: daemonic processes are not allowed to have children.",
    docs=DOCS,
    version=2,  # 2: the scenario's own prints are the observation; the orphan case moved to orphans
    observations=(
        Observation(
            "parent_exits_normally.reached_last_line",
            "A daemon prints its last line after the boss's main code ended",
            glance=True,
        ),
        Observation("non_daemon.reached_last_line", "A non-daemon prints its last line (the boss waits for it)"),
        Observation("non_daemon.boss_alive_at_last_line", "The boss is still alive at the non-daemon's last line"),
        Observation(
            "parent_os_exit.reached_last_line",
            "After os._exit() in the boss, the daemon prints its last line",
        ),
        Observation("daemon_starts_child.type", "A daemon starts a process of its own"),
    ),
    symptoms=(
        Symptom(
            id="daemon-no-children",
            title="A daemonic process cannot start processes",
            messages=("AssertionError: daemonic processes are not allowed to have children",),
            pattern=r"daemonic processes are not allowed to have children",
            cause="A daemon is terminated when its parent exits, which would leave its own children orphaned; "
            "BaseProcess.start() asserts that the current process is not a daemon.",
            fix="Make the worker non-daemonic and join it, or start the processes from the main process. "
            "multiprocessing.Pool's workers are daemons; ProcessPoolExecutor's are not (since 3.9).",
            evidence="daemon_starts_child.type",
            shows=("AssertionError",),
            docs=DOCS,
        ),
    ),
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


def boss_leaves(cell: Cell, mode: str) -> Dict[str, Any]:
    """Run the tutorial's example in one mode and read what its processes printed."""
    output = Path(cell.tmpdir) / "output.txt"
    if output.exists():
        output.unlink()
    completed = cell.run_scenario(SCRIPT, [mode], timeout=30, env={**os.environ, **SCENARIO_ENV})
    started = [fields(line) for line in read_output(output) if line.startswith("coco 在")]
    pid = int(started[0]["pid"]) if started else None
    if mode == "os-exit" and pid is not None:  # the daemon outlived the boss: let it reach its last line
        read_output(output, until="coco 不在", pid=pid, timeout=10)
    lines = read_output(output)
    ended = [fields(line) for line in lines if line.startswith("coco 不在")]
    result: Dict[str, Any] = {
        "boss_exitcode": completed.returncode,
        "child_started": pid is not None,
        "reached_last_line": bool(ended),
        "boss_printed": "老板不在" in lines,
    }
    if ended:
        result["boss_alive_at_last_line"] = ended[0].get("boss_alive") == "True"
    if pid is None:
        result["program_output"] = normalise(" | ".join(lines)[-300:])
    else:
        if not WINDOWS:  # a child that printed its last line is on its way out: let it end
            wait_for_state(pid, ("gone", "zombie"), 2.0)
        result["left_behind_and_killed"] = kill_leftover(pid)
    return result


def run(cell: Cell) -> None:
    ctx = cell.context
    # 1. The tutorial's example: the boss's main code ends while the daemon sleeps.
    cell.observe("parent_exits_normally", boss_leaves(cell, "daemon"))
    # 2. Not a daemon: the boss's exit waits for it.
    cell.observe("non_daemon", boss_leaves(cell, "non-daemon"))
    # 3. The boss leaves with os._exit(): nobody terminates the daemon.
    cell.observe("parent_os_exit", boss_leaves(cell, "os-exit"))

    # 4. 守护进程内无法再开启子进程: a daemon that starts a child of its own.
    receiver, sender = ctx.Pipe(duplex=False)
    p = ctx.Process(target=daemon_starts_a_child, args=(cell.method, sender), daemon=True)
    p.start()
    sender.close()
    error = receiver.recv() if receiver.poll(30) else "no answer"
    finish(p)
    cell.observe("daemon_starts_child", error if error is not None else "allowed")
    cell.observe("daemon_starts_child_exitcode", p.exitcode)
