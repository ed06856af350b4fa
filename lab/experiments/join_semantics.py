"""``join()`` waits for one child to end; where you call it decides whether children overlap.

Start three children first and join them afterwards, and they run at the same time: the total is
about the longest child. Join each one right after starting it, and they run one after the other:
the total is about the sum. ``join(timeout)`` only waits that long; the child may still be running
when it returns.

Each child first waits at a barrier with the parent, and the clock starts when all have arrived,
so the start method's start-up cost (large for spawn on a busy machine) is not mistaken for
serial running. A run is ``concurrent`` when its time is nearer to the longest sleep than to the
sum of the sleeps, each plus the measured cost of a child that sleeps 0 s ending and being joined
(one such child for the sum of three, three at once for the longest), and ``serial`` otherwise.
"""

from __future__ import annotations

import time
from typing import Any, Dict, List

from lab.experiment import TIMING, Cell, Experiment, Observation, classify_count, finish, now_ms

EXPERIMENT = Experiment(
    name="join_semantics",
    title="join(): concurrent or serial",
    question="Does starting all children before joining make them overlap, joining one by one serialise them, "
    "and does join(timeout) leave a running child alive?",
    concept="Process的对象具备一个join函数 — a Process object has a join() method (the tutorial's p_list example)",
    lesson="join() waits for one child: start all children first and join them afterwards and they overlap, "
    "join each right after starting it and they run one after another. join(timeout) returns after the "
    "timeout with the child still running and its exitcode None.",
    docs="https://docs.python.org/3/library/multiprocessing.html#multiprocessing.Process.join",
    kind=TIMING,
    version=2,  # 2: the children sleep 0.05/0.1/0.15 s (were 0.1/0.2/0.3)
    summaries=({"kind": "ratio", "timing": "started_together_then_joined", "baseline": "fork"},),
    observations=(
        Observation(
            "started_together_then_joined.class",
            "Started together, then joined: the children overlap",
            judgement=True,
        ),
        Observation(
            "joined_one_by_one.class", "Each joined right after its start: the children run in series", judgement=True
        ),
        Observation("join_timeout.alive_after_join_timeout", "After join(0.1) the child is still alive", glance=True),
        Observation("join_timeout.exitcode_after_join_timeout", "exitcode after join(0.1) returned"),
    ),
)

SLEEPS = (0.05, 0.1, 0.15)  # the tutorial sleeps i = 0, 1, 2 seconds; shortened, and none of them zero


def test(name: str, i: float, start_line) -> None:
    """The tutorial's child (it is running, it sleeps, it is over), lined up first."""
    start_line.wait(30)  # everyone at the start line: start-up cost stays out of the timing
    time.sleep(i)


def waits_for(event) -> None:
    event.wait(10)


def together(cell: Cell, sleeps=SLEEPS) -> float:
    """The tutorial's p_list: start all, then join all; timed from the start line."""
    start_line = cell.context.Barrier(len(sleeps) + 1)
    p_list = []
    for i, seconds in enumerate(sleeps):
        p = cell.context.Process(target=test, args=(f"进程{i}", seconds, start_line))
        p.start()
        p_list.append(p)
    start_line.wait(30)
    started = now_ms()
    for p in p_list:
        p.join(30)
    took = now_ms() - started
    finish(*p_list)
    return took


def one_by_one(cell: Cell, sleeps=SLEEPS) -> float:
    """The same children, each joined right after it was started; each timed from its start line."""
    total = 0.0
    for i, seconds in enumerate(sleeps):
        start_line = cell.context.Barrier(2)
        p = cell.context.Process(target=test, args=(f"进程{i}", seconds, start_line))
        p.start()
        start_line.wait(30)
        started = now_ms()
        p.join(30)
        total += now_ms() - started
        finish(p)
    return total


def classify(total: float, end_one: float, end_three: float) -> str:
    """The rule in the module docstring."""
    concurrent = max(SLEEPS) * 1000 + end_three
    serial = sum(SLEEPS) * 1000 + 3 * end_one
    return "concurrent" if abs(total - concurrent) < abs(total - serial) else "serial"


def join_timeout(cell: Cell) -> Dict[str, Any]:
    """join(0.1) on a child that keeps running: join returns, the child is still alive."""
    event = cell.context.Event()
    p = cell.context.Process(target=waits_for, args=(event,))
    p.start()
    try:
        started = now_ms()
        p.join(0.1)
        cell.sample("join_timeout_0.1s_returned_after", now_ms() - started)
        return {"alive_after_join_timeout": p.is_alive(), "exitcode_after_join_timeout": p.exitcode}
    finally:
        event.set()
        finish(p)


def run(cell: Cell) -> None:
    # The cost of children that sleep 0 s ending and being joined, timed from the start line too
    # (so forkserver's first child, which starts the server, does not count).
    end_one, end_three = together(cell, (0.0,)), together(cell, (0.0, 0.0, 0.0))
    cell.sample("zero_sleep_child_ends_and_is_joined", end_one)
    cell.sample("three_zero_sleep_children_end_and_are_joined", end_three)
    trials = cell.trials(full=3, quick=1)
    classes: Dict[str, List[str]] = {"started_together_then_joined": [], "joined_one_by_one": []}
    for _ in range(trials):
        for name, how in (("started_together_then_joined", together), ("joined_one_by_one", one_by_one)):
            total = how(cell)
            cell.sample(name, total)
            classes[name].append(classify(total, end_one, end_three))
    for name, seen in classes.items():
        cell.observe(
            name,
            {
                "class": seen[0] if len(set(seen)) == 1 else "mixed",
                "concurrent": classify_count(seen.count("concurrent"), trials),
            },
        )
    cell.observe("join_timeout", join_timeout(cell))
