"""Orphans and zombies: what happens when parent and child do not end in order.

An orphan is a child whose parent exits first: it keeps running and the operating system gives it
a new parent (init, PID 1, or a "subreaper") that will collect it when it ends. A zombie is a child
that has ended but whose parent has not yet collected ("reaped") its exit status; it holds a pid
until then. multiprocessing reaps for you in ``join()``, ``is_alive()``, ``active_children()`` and
``start()``, so a zombie lasts only until the parent next asks.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import wait
from typing import Any, Dict, List

from lab.experiment import Cell, Experiment, classify_count, not_applicable
from lab.experiments._processes import WINDOWS, process_state, state_source, wait_for_state
from lab.experiments.daemon import boss_leaves

EXPERIMENT = Experiment(
    name="orphans_and_zombies",
    title="Orphans and zombies",
    question="Who adopts a child whose parent exits first, and is a finished, unjoined child a zombie until reaped?",
    concept="孤儿进程: 父进程先于子进程终止, 子进程会被操作系统接管; 僵尸进程: 子进程结束而父进程没有回收 — "
    "orphan: the parent ends first and the OS adopts the child; "
    "zombie: the child ended and the parent has not reaped it",
    version=2,  # 2: zombie.state_source is a label (procfs, ps), no longer a path-like string
)

PROMPTLY = 0.5  # seconds an init that reaps gives an ended orphan; a container's PID 1 may take longer


def exits_at_once() -> None:
    return


def orphan(cell: Cell) -> Dict[str, Any]:
    """The parent leaves first (os._exit, so it does not wait); the child logs its ppid before and after."""
    result = boss_leaves(cell, "orphan")
    child_pid = result.pop("child_pid", None)
    if "new_parent" in result and isinstance(result["new_parent"], str):
        result["reparented"] = result["new_parent"] != "unchanged"
    if WINDOWS or child_pid is None:
        result["reaped_by_new_parent_promptly"] = not_applicable("Windows has no zombie state to read")
    else:  # the orphan has ended: does its new parent collect it within PROMPTLY seconds?
        result["reaped_by_new_parent_promptly"] = wait_for_state(child_pid, ("gone",), PROMPTLY) == "gone"
    return result


def zombie(cell: Cell, reap: str) -> str:
    """Start a child that ends at once; return its state before and after the parent reaps it."""
    p = cell.context.Process(target=exits_at_once)
    p.start()
    try:
        wait([p.sentinel], timeout=10)  # it has ended; nothing has reaped it (is_alive() would)
        before = wait_for_state(p.pid, ("zombie", "gone"), 1.0)
        if reap == "active_children":
            multiprocessing.active_children()
        else:
            p.join(10)
        return f"{before}->{process_state(p.pid)}"
    finally:
        p.join(10)


def zombies(cell: Cell) -> Dict[str, Any]:
    """Repeat the zombie check per reaping call; count the outcomes."""
    trials = cell.trials(full=5, quick=2)
    result: Dict[str, Any] = {"state_source": state_source()}
    states: List[str] = []
    for reap in ("active_children", "join"):
        outcomes = [zombie(cell, reap) for _ in range(trials)]
        states += [outcome.split("->")[0] for outcome in outcomes]
        gone = sum(1 for outcome in outcomes if outcome.endswith("->gone"))
        result[f"gone_after_{reap}"] = classify_count(gone, trials)
    result["states_before_reap"] = sorted(set(states))
    result["zombie_before_reap"] = classify_count(states.count("zombie"), len(states))
    return result


def run(cell: Cell) -> None:
    cell.observe("orphan", orphan(cell))
    if WINDOWS:
        reason = "Windows keeps no zombie state: a handle, not a pid, holds the exit code"
        cell.observe("zombie", not_applicable(reason))
    else:
        cell.observe("zombie", zombies(cell))
