"""An orphan: a child whose parent ends first keeps running, and the operating system adopts it.

The tutorial's 孤儿进程: when a parent exits before its child, the child is not stopped; the OS
hands it to a new parent (PID 1, or the nearest "subreaper") that will collect it when it ends.
Under ``forkserver`` the OS parent was never your program but the fork server, and the server
lives as long as any of its children, so nothing changes for the child. Windows does not
re-parent at all: ``os.getppid()`` keeps the id of the parent that exited.

The parent is a user's program (``scenarios/parent_leaves_first.py``) that leaves with
``os._exit(0)`` right after starting its child, so nothing joins the child.
"""

from __future__ import annotations

import os
from pathlib import Path

from lab.experiment import Cell, Experiment, Observation, not_applicable
from lab.experiments._processes import SCENARIO_ENV, WINDOWS, fields, kill_leftover, read_output, wait_for_state

EXPERIMENT = Experiment(
    name="orphans",
    title="Orphans: the parent ends first",
    question="Does a child whose parent exits first keep running, and who becomes its parent?",
    concept="孤儿进程指的是开启子进程后,父进程先于子进程终止了 ... 在父进程结束后,其子进程会被操作系统接管 — an "
    "orphan is a child whose parent ended first; the operating system takes it over",
    lesson="A child whose parent exits first keeps running, and the OS makes PID 1 (or a subreaper) its parent. "
    "Under forkserver the child's OS parent is the fork server, which outlives it, so it is not re-parented.",
    docs="https://docs.python.org/3/library/os.html#os.getppid",
    version=1,  # split from orphans_and_zombies (version 2), with its own scenario
    observations=(
        Observation("outlived_parent", "The orphan keeps running after its parent has gone"),
        Observation("first_parent_was_the_program", "Its OS parent was the program that started it"),
        Observation("reparented", "An orphan gets a new OS parent", glance=True),
        Observation("new_parent", "Who the new parent is", depends_on="machine: what PID 1 is, and any subreaper"),
        Observation(
            "reaped_by_new_parent_promptly",
            "The new parent reaps it within 0.5 s of its end",
            depends_on="machine: whether PID 1 (or the subreaper) reaps",
        ),
    ),
)

SCRIPT = "parent_leaves_first.py"
PROMPTLY = 0.5  # seconds an init that reaps gives an ended orphan; a container's PID 1 may never do it


def new_parent(before: int, after: int) -> str:
    """Who a process's parent became, as a stable classification."""
    if after == before:
        return "unchanged"
    return "pid 1" if after == 1 else "another process (a subreaper)"


def run(cell: Cell) -> None:
    output = Path(cell.tmpdir) / "output.txt"
    completed = cell.run_scenario(SCRIPT, timeout=30, env={**os.environ, **SCENARIO_ENV})
    lines = read_output(output)
    parent = next((fields(line) for line in lines if line.startswith("parent ")), {})
    child = next((fields(line) for line in lines if line.startswith("child ")), None)
    cell.observe("parent_exitcode", completed.returncode)
    cell.observe("child_started", child is not None)
    if child is None:
        return
    pid = int(child["pid"])
    lines = read_output(output, until="orphan ", pid=pid, timeout=15)
    after = next((fields(line) for line in lines if line.startswith("orphan ")), None)
    cell.observe("outlived_parent", after is not None)
    if WINDOWS:
        reason = "Windows does not re-parent: os.getppid() keeps the id of the parent that exited"
        for key in ("first_parent_was_the_program", "reparented", "new_parent", "reaped_by_new_parent_promptly"):
            cell.observe(key, not_applicable(reason))
    else:
        cell.observe("first_parent_was_the_program", child["parent"] == parent.get("pid"))
        if after is not None:
            cell.observe("reparented", after["parent"] != child["parent"])
            cell.observe("new_parent", new_parent(int(child["parent"]), int(after["parent"])))
        wait_for_state(pid, ("zombie", "gone"), 2.0)  # it printed its last line: it is on its way out
        cell.observe("reaped_by_new_parent_promptly", wait_for_state(pid, ("gone",), PROMPTLY) == "gone")
    cell.observe("left_behind_and_killed", kill_leftover(pid))
