"""A zombie: a child that has ended stays in the process table until its parent reaps it.

The tutorial's 僵尸进程: a child that ends before its parent keeps its pid and exit status until
the parent collects them (``wait``/``waitpid``); piled up, zombies use up the pids a system has.
"在python中,已经封装好了wait操作": multiprocessing reaps finished children in ``join()``,
``is_alive()``, ``active_children()`` and the next ``start()``, so its zombies last only until the
parent next asks. Under ``forkserver`` the fork server is the OS parent and reaps at once.
Windows has no zombie state: a handle, not a pid, holds the exit code.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import wait
from typing import List

from lab.experiment import Cell, Experiment, Observation, Symptom, classify_count, finish, not_applicable
from lab.experiments._processes import WINDOWS, process_state, state_source, wait_for_state

DOCS = "https://docs.python.org/3/library/multiprocessing.html#all-start-methods"

EXPERIMENT = Experiment(
    name="zombies",
    title="Zombies: a finished child nobody has reaped",
    question="Is a finished, unjoined child a zombie, and which calls reap it?",
    concept="僵尸进程指的是,当子进程比父进程先结束,而父进程又没有回收子进程,释放子进程占用的资源 — a zombie is a "
    "child that ended first while its parent has not reaped it and freed what it holds",
    lesson="A child that has ended is a zombie until its parent reaps it; join(), active_children() and the "
    "next start() all reap it. Under forkserver the fork server reaps it, so the parent never sees a zombie.",
    docs=DOCS,
    version=1,  # split from orphans_and_zombies (version 2); the next start() as a reaper
    observations=(
        Observation("zombie_before_reap", "A finished, unjoined child is a zombie", glance=True),
        Observation("gone_after_join", "join() reaps it"),
        Observation("gone_after_active_children", "active_children() reaps it"),
        Observation("gone_after_next_start", "Starting another process reaps it"),
    ),
    symptoms=(
        Symptom(
            id="zombies-pile-up",
            title="Finished child processes linger as <defunct> zombies",
            messages=("python3 <defunct>",),
            pattern=r"<defunct>",
            cause="A finished child keeps its pid until its parent reaps it; a parent that never joins its "
            "children and starts no more processes leaves them as zombies.",
            fix="join() every process you start (or call multiprocessing.active_children() now and then).",
            evidence="zombie_before_reap.class",
            shows=("all", "some"),
            docs=DOCS,
        ),
    ),
)

REAPERS = ("join", "active_children", "next_start")
REASON = "Windows keeps no zombie state: a handle, not a pid, holds the exit code"


def exits_at_once() -> None:
    return


def zombie(cell: Cell, reap: str) -> str:
    """Start a child that ends at once; its state before and after the parent reaps it one way."""
    p = cell.context.Process(target=exits_at_once)
    p.start()
    others = []
    try:
        wait([p.sentinel], timeout=10)  # it has ended; nothing has reaped it yet (is_alive() would)
        before = wait_for_state(p.pid, ("zombie", "gone"), 1.0)
        if reap == "join":
            p.join(10)
        elif reap == "active_children":
            multiprocessing.active_children()
        else:  # start() reaps every finished child before it starts the next
            others.append(cell.context.Process(target=exits_at_once))
            others[0].start()
        return f"{before}->{process_state(p.pid)}"
    finally:
        finish(p, *others)


def run(cell: Cell) -> None:
    if WINDOWS:
        for key in ("zombie_before_reap", *(f"gone_after_{reap}" for reap in REAPERS)):
            cell.observe(key, not_applicable(REASON))
        return
    trials = cell.trials(full=5, quick=2)
    cell.observe("state_source", state_source())
    states: List[str] = []
    for reap in REAPERS:
        outcomes = [zombie(cell, reap) for _ in range(trials)]
        states += [outcome.split("->")[0] for outcome in outcomes]
        cell.observe(f"gone_after_{reap}", classify_count(sum(o.endswith("->gone") for o in outcomes), trials))
    cell.observe("states_before_reap", sorted(set(states)))
    cell.observe("zombie_before_reap", classify_count(states.count("zombie"), len(states)))
