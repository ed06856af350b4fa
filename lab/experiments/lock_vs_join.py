"""The tutorial's two fixes for processes that garble a shared resource: join() after each start, or a lock.

Its task1..3 each say three lines that belong together (你好 / 吃饭 / 下雨), pausing between them;
started together with nothing to keep them apart, their lines interleave. 解决方案1 starts and
joins one task at a time: the lines stay together, always in the same order, and all the tasks'
work runs in series. 解决方案2 starts all three and holds one lock around only the three lines:
they stay together, in whatever order the tasks win the lock, while the work outside the lock
overlaps -- the finer grain is faster.

The tasks write their lines into a shared log (an Array), the way they would print them; every
run is timed from a start line to a finish line, so no start method's start-up cost is counted.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from typing import Dict, List, Sequence, Tuple

from lab.experiment import TIMING, Cell, Experiment, Observation, classify_count, finish, now_ms

EXPERIMENT = Experiment(
    name="lock_vs_join",
    title="Lock or join(): keeping processes from garbling a shared resource",
    question="Do the tutorial's three tasks garble their shared output when started together, do join() and a "
    "Lock keep it apart, and which of the two is faster?",
    concept="锁和join的区别 ... join是把进程的任务全部串行 锁可以锁任意代码 ,一行也可以 可以自己调整粒度 — the "
    "difference between a lock and join: join runs whole tasks in series; a lock can guard any code, even one line, "
    "at the grain you choose",
    lesson="Started together, the three tasks' lines interleave; join() after each start and a Lock around the "
    "lines both keep each task's lines together. The lock is faster because the work outside it still overlaps, "
    "while join() runs everything in series.",
    docs="https://docs.python.org/3/library/multiprocessing.html#synchronization-between-processes",
    kind=TIMING,
    version=1,  # split from lock_race (version 2); the tasks' lines are logged, so garbling is observed
    observations=(
        Observation("no_lock.lines_interleaved", "Started together, no lock: the tasks' lines interleave", glance=True),
        Observation("join.lines_interleaved", "join() after each start: the tasks' lines interleave"),
        Observation("join.in_start_order", "join() after each start: the tasks run in the order started"),
        Observation("lock.lines_interleaved", "A lock around the lines: the tasks' lines interleave"),
        Observation("lock_faster_than_join", "The lock finishes sooner than join()", judgement=True),
    ),
    summaries=({"kind": "ratio", "timing": "join", "baseline": "fork"},),
)

TASKS = (1, 2, 3)  # task1, task2, task3
OWN_WORK_S = 0.06  # work a task does that needs nothing shared
PAUSE_S = 0.01  # the tutorial's time.sleep(3) between two lines, shortened


def say(log, number: int) -> None:
    """Append one line (the task's number) to the shared log, as print() would write it."""
    with log.get_lock():  # the log's own lock: keeps one line whole, not one task's lines together
        log[0] += 1
        log[log[0]] = number


def task(number: int, lock, log, start_line) -> None:
    """The tutorial's task1..3: work of its own, then three lines with pauses, inside the lock if there is one."""
    start_line.wait(30)
    time.sleep(OWN_WORK_S)
    with lock if lock is not None else nullcontext():  # lock.acquire() ... lock.release()
        for line in range(3):  # 你好 ... / 吃饭 / 下雨
            say(log, number)
            if line < 2:
                time.sleep(PAUSE_S)
    start_line.wait(30)  # done: the parent's clock stops here, before the process's exit


def run_tasks(cell: Cell, numbers: Sequence[int], lock, log, start_line) -> float:
    """Start one task per number, time them from the start line to the finish line, then join them."""
    processes = [cell.context.Process(target=task, args=(n, lock, log, start_line)) for n in numbers]
    for p in processes:
        p.start()
    try:
        start_line.wait(30)
        started = now_ms()
        start_line.wait(30)
        return now_ms() - started
    finally:
        finish(*processes)


def one_way(cell: Cell, way: str, lock, lines) -> Tuple[float, List[int]]:
    """Run the three tasks one way; return the time taken and the lines in the order they were written.

    ``lines`` holds a start line for one task and one for all three (a Barrier resets after each
    round): made once, like the lock, so none is dropped while processes start (see ``run``).
    """
    log = cell.context.Array("i", 1 + 3 * len(TASKS))  # log[0] counts the lines
    if way == "join":  # 解决方案1: p1.start(); p1.join(); p2.start(); p2.join(); ...
        took = sum(run_tasks(cell, (n,), None, log, lines[1]) for n in TASKS)
    else:  # all three started at once, with (解决方案2) or without one lock around the lines
        took = run_tasks(cell, TASKS, lock if way == "lock" else None, log, lines[len(TASKS)])
    return took, list(log[1 : 1 + log[0]])


def interleaved(lines: List[int]) -> bool:
    """Whether some task's lines are not all next to each other."""
    runs = 1 + sum(1 for a, b in zip(lines, lines[1:]) if a != b)
    return runs > len(set(lines))


def run(cell: Cell) -> None:
    # Made once and kept to the end: a lock dropped while processes start runs its clean-up inside
    # an import, which PyPy 3.9 gets wrong (tools/pypy_pickle_race.py).
    lock = cell.context.Lock()
    lines = {n: cell.context.Barrier(n + 1) for n in (1, len(TASKS))}
    trials = cell.trials(full=3, quick=1)
    seen: Dict[str, List[List[int]]] = {"no_lock": [], "join": [], "lock": []}
    lock_faster = 0
    for _ in range(trials):
        times = {}
        for way, runs in seen.items():
            times[way], written = one_way(cell, way, lock, lines)
            if len(written) != 3 * len(TASKS):
                raise RuntimeError(f"{way}: expected {3 * len(TASKS)} lines in the log, found {written}")
            cell.sample(way, times[way])
            runs.append(written)
        lock_faster += times["lock"] < times["join"]
    for way, runs in seen.items():
        count = sum(1 for lines in runs if interleaved(lines))
        # Without a lock the interleaving is a race (none/seen); with join or the lock it is certain.
        observed = {"lines_interleaved": classify_count(count, trials, presence=way == "no_lock")}
        if way == "join":
            in_order = sum(1 for lines in runs if lines == sorted(lines))
            observed["in_start_order"] = classify_count(in_order, trials)
        cell.observe(way, observed)
    cell.observe("lock_faster_than_join", classify_count(lock_faster, trials))
