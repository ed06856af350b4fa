"""A race: processes that read, change and write the same data lose each other's updates, unless a lock serialises them.

``counter.value += 1`` is three steps (read, add, write); when two processes interleave them, one
write overwrites the other and an increment is lost. The same happens to the tutorial's ticket
file: several buyers read "1 ticket left" before any of them writes "0", and all of them buy. A
``Lock`` held around just those steps (the critical section) makes them happen one process at a
time, and costs less than serialising whole processes with ``join()``.

Every round starts its processes together behind a barrier, so the race is between running
processes and not between one process's start-up and another's work.
"""

from __future__ import annotations

import json
import random
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Dict, List, Tuple

from lab.experiment import Cell, Experiment, classify_count, now_ms

EXPERIMENT = Experiment(
    name="lock_race",
    title="Races and locks",
    question="Do processes that update shared data without a lock lose updates (and oversell the ticket), "
    "does a Lock prevent it, and what does a lock cost compared with join()?",
    concept="并发将带来资源的竞争问题 ... 解决方案2: 就是给公共资源加锁----互斥锁 — concurrency brings competition "
    "for resources; the fix is a mutual-exclusion lock (and the ticket-buying exercise, 抢票)",
    version=2,  # 2: chance outcomes without the lock (and half-written reads) are samples, races none/seen
)

PROCESSES = 3  # incrementing processes; more than the 2 cores this was sized on
# Increments per process per round, sized on a busy 2-core machine (load average 7-13): with
# 3 x 30000 every one of 45 unlocked rounds (3 start methods x CPython 3.8, 3.11, PyPy 3.9) lost
# updates, with 3 x 20000 a few rounds lost none; 40000 leaves a margin, yet one of 12 full-quality
# rounds at load 12 still lost none (the processes did not overlap), so rounds are counted, not
# assumed. Each round takes about 0.1-0.2 s on CPython, a few ms on PyPy.
VALUE_INCREMENTS = 40000
FILE_INCREMENTS = 200
BUYERS = 10  # the tutorial's ten buyers
NON_CRITICAL_S, CRITICAL_S = 0.05, 0.02  # lock vs join: work that needs no lock, and work that does


class FileCounter:
    """A counter kept in a file, like the tutorial's ticket database: reading ``value`` opens and
    reads the file, assigning it writes the file (a fixed width, so a write never leaves it short)."""

    def __init__(self, path: str) -> None:
        self.path = path

    @property
    def value(self) -> int:
        with open(self.path, encoding="utf-8") as f:
            return int(f.read() or 0)

    @value.setter
    def value(self, n: int) -> None:
        with open(self.path, "r+", encoding="utf-8") as f:
            f.write(f"{n:012d}")


def add_one_at_a_time(rounds: List[Tuple[Any, bool, int]], lock, start_line) -> None:
    """Each round: wait for everyone, then ``counter.value += 1`` over and over, with or without the lock."""
    for counter, locked, increments in rounds:
        start_line.wait(30)
        for _ in range(increments):
            with lock if locked else nullcontext():
                counter.value += 1
        start_line.wait(30)


def race_count(count: int, trials: int) -> Dict[str, Any]:
    """How often a race showed, classified as ``none``/``seen``: whether it happens is stable, how often is not."""
    return classify_count(count, trials, presence=True)


def check_ticket(path: str) -> None:
    """The tutorial's check_ticket: look at the tickets left (its 0-3 s delay is 0-30 ms here)."""
    with open(path, encoding="utf-8") as a:
        json.load(a)
    time.sleep(random.randint(0, 3) / 100)


def buy_ticket(path: str) -> bool:
    """The tutorial's buy_ticket: read the count, and if a ticket is left, take it and write it back."""
    with open(path, encoding="utf-8") as a:
        data = json.load(a)
    if data["count"] > 0:
        data["count"] -= 1
        time.sleep(random.randint(0, 3) / 100)  # 模拟延迟: the simulated delay, in 1/100 of the tutorial's
        with open(path, "w", encoding="utf-8") as a:
            json.dump(data, a)
        return True
    return False


def buyer(index: int, path: str, rounds: List[bool], lock, start_line, outcomes) -> None:
    """The tutorial's task(lock), once per round: check, then buy (holding the lock in locked rounds).

    outcomes[index] is 1 for a ticket, 0 for "sold out", and -1 (while checking) or -2 (while
    buying) when the file could not be read because another buyer was half-way through
    rewriting it -- a race of its own, which the tutorial's program would die of.
    """
    for locked in rounds:
        start_line.wait(30)
        outcome = -1
        try:
            check_ticket(path)  # outside the lock, as in the tutorial
            outcome = -2
            with lock if locked else nullcontext():
                outcome = 1 if buy_ticket(path) else 0
        except ValueError:  # json.JSONDecodeError: the file was empty or half-written
            pass
        outcomes[index] = outcome
        start_line.wait(30)


def task(name: str, lock, start_line) -> None:
    """The tutorial's task1..3, shortened: some work of its own, then the part that needs the shared resource."""
    start_line.wait(30)
    time.sleep(NON_CRITICAL_S)  # 你好 ... : needs nothing shared
    with lock:
        time.sleep(CRITICAL_S)  # 吃饭 / 下雨: uses the shared resource
    start_line.wait(30)  # done: the parent's clock stops here, before the process's own exit


def start_all(cell: Cell, target, args_list: List[tuple]) -> list:
    processes = [cell.context.Process(target=target, args=args) for args in args_list]
    for p in processes:
        p.start()
    return processes


def stop_all(processes: list) -> None:
    """Join every process; kill any that does not end (a broken barrier, say)."""
    for p in processes:
        p.join(30)
    for p in processes:
        if p.is_alive():
            p.kill()
            p.join(5)


def counters(cell: Cell) -> None:
    """The shared Value (lock=False) and the file counter, with and without the Lock."""
    ctx = cell.context
    path = Path(cell.tmpdir) / "counter.txt"
    path.write_text("0")
    value, file = ctx.Value("i", 0, lock=False), FileCounter(str(path))
    trials = cell.trials(full=4, quick=1)
    plan = [
        (name, counter, locked, increments)
        for _ in range(trials)
        for name, counter, increments in (("value", value, VALUE_INCREMENTS), ("file", file, FILE_INCREMENTS))
        for locked in (False, True)
    ]
    lock, start_line = ctx.Lock(), ctx.Barrier(PROCESSES + 1)
    rounds = [(counter, locked, increments) for _, counter, locked, increments in plan]
    processes = start_all(cell, add_one_at_a_time, [(rounds, lock, start_line)] * PROCESSES)
    lost: Dict[str, List[int]] = {}
    try:
        for name, counter, locked, increments in plan:
            counter.value = 0
            start_line.wait(30)
            started = now_ms()
            start_line.wait(30)
            key = f"{name}_{'with' if locked else 'without'}_lock"
            cell.sample(f"{key}_round", now_ms() - started)
            lost.setdefault(key, []).append(PROCESSES * increments - counter.value)
    finally:
        stop_all(processes)
    for key, per_round in lost.items():
        attempted = PROCESSES * (VALUE_INCREMENTS if key.startswith("value") else FILE_INCREMENTS)
        cell.observe(
            key,
            {
                "lost_updates": race_count(sum(per_round), attempted * len(per_round)),
                "rounds_with_lost_updates": race_count(sum(1 for n in per_round if n > 0), len(per_round)),
            },
        )


def tickets(cell: Cell) -> None:
    """The tutorial's exercise: one ticket, ten buyers, without and then with the lock."""
    ctx = cell.context
    path = Path(cell.tmpdir) / "ticket.json"
    trials = cell.trials(full=6, quick=2)
    plan = [locked for _ in range(trials) for locked in (False, True)]
    lock, start_line = ctx.Lock(), ctx.Barrier(BUYERS + 1)
    outcomes = ctx.Array("i", BUYERS, lock=False)
    path.write_text(json.dumps({"count": 1}), encoding="utf-8")
    processes = start_all(cell, buyer, [(i, str(path), plan, lock, start_line, outcomes) for i in range(BUYERS)])
    seen: Dict[bool, List[List[int]]] = {False: [], True: []}
    try:
        for locked in plan:
            path.write_text(json.dumps({"count": 1}), encoding="utf-8")  # the tutorial's {"count":1}
            start_line.wait(30)
            start_line.wait(30)
            seen[locked].append(list(outcomes))
    finally:
        stop_all(processes)
    for locked, rounds in seen.items():
        key = f"tickets_{'with' if locked else 'without'}_lock"
        count = classify_count if locked else race_count  # with the lock the outcome is certain
        for outcome in rounds:
            cell.sample(f"{key}_successful_buyers", outcome.count(1), unit="buyers")
            # The tutorial's check_ticket reads the file outside the lock, so even with the lock a
            # buyer may read it half-written. Rare and a matter of chance: a count, not a behaviour.
            cell.sample(f"{key}_unreadable_while_checking", outcome.count(-1), unit="buyers")
            cell.sample(f"{key}_unreadable_while_buying", outcome.count(-2), unit="buyers")
        observed = {
            "exactly_one_success": count(sum(1 for o in rounds if o.count(1) == 1), len(rounds)),
            "oversold": count(sum(1 for o in rounds if o.count(1) > 1), len(rounds)),
            "unreadable_while_buying": count(sum(o.count(-2) for o in rounds), BUYERS * len(rounds)),
        }
        if not locked:  # without the lock these are luck, not behaviour: the samples keep the counts
            del observed["exactly_one_success"], observed["unreadable_while_buying"]
        cell.observe(key, observed)


def timed_work(cell: Cell, names: Tuple[str, ...], lock) -> float:
    """Start one task per name, time their work from the start line to the finish line, then join."""
    start_line = cell.context.Barrier(len(names) + 1)
    processes = start_all(cell, task, [(name, lock, start_line) for name in names])
    try:
        start_line.wait(30)
        started = now_ms()
        start_line.wait(30)
        return now_ms() - started
    finally:
        stop_all(processes)


def lock_versus_join(cell: Cell) -> None:
    """The tutorial's two fixes: join() after each start, or one Lock around only the critical part.

    Both are timed from the start line to the finish line of the tasks' work, so neither the
    start method's start-up nor a process's exit is counted.
    """
    trials = cell.trials(full=2, quick=1)
    lock_faster = 0
    for _ in range(trials):
        lock = cell.context.Lock()  # kept referenced: under spawn a collected Lock's semaphore is gone
        # 解决方案1: p1.start(); p1.join(); p2.start(); p2.join(); ...
        serialised = sum(timed_work(cell, (name,), lock) for name in ("task1", "task2", "task3"))
        # 解决方案2: all three started, one lock around the critical section only
        locked = timed_work(cell, ("task1", "task2", "task3"), lock)
        cell.sample("serialised_with_join", serialised)
        cell.sample("lock_around_critical_section", locked)
        lock_faster += locked < serialised
    cell.observe("lock_faster_than_join", classify_count(lock_faster, trials))


def acquire_twice(cell: Cell) -> None:
    """注意1: a second acquire() of a Lock by the process that holds it would block for ever.

    With a timeout it returns False instead; an RLock lets its owner acquire it again.
    """
    ctx = cell.context
    result = {}
    for name, lock in (("Lock", ctx.Lock()), ("RLock", ctx.RLock())):
        lock.acquire()
        started = now_ms()
        result[name] = lock.acquire(timeout=0.1)
        cell.sample(f"second_{name}_acquire_returned_after", now_ms() - started)
        lock.release()
        if result[name]:
            lock.release()
    cell.observe("second_acquire_in_same_process", result)


def run(cell: Cell) -> None:
    counters(cell)
    tickets(cell)
    lock_versus_join(cell)
    acquire_twice(cell)
