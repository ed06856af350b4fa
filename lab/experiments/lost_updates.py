"""Processes that change the same data at the same time lose each other's changes, unless a lock takes turns.

``counter.value += 1`` is three steps: read the value, add one, write it back. When two processes
interleave them, both read 5 and both write 6, and one increment is lost. A ``Value``'s own lock
does not help here: it guards the read and the write one at a time, never the pair (the docs'
warning). Holding one ``Lock`` around the whole ``+=``, the tutorial's 互斥锁, makes the steps of
one process finish before another's begin, and nothing is lost.

Each round starts its processes together behind a barrier and lets each add for the same stretch
of time, counting its own additions: the race is between running processes, not between one
process's start-up and another's work, and the loss is what they added minus what the counter holds.
"""

from __future__ import annotations

import time
from typing import Dict, List, Tuple

from lab.experiment import Cell, Experiment, Observation, Symptom, classify_count, finish

DOCS = "https://docs.python.org/3/library/multiprocessing.html#multiprocessing.Value"

EXPERIMENT = Experiment(
    name="lost_updates",
    title="Lost updates: a shared counter with and without a lock",
    question="Do processes that add to one shared counter at the same time lose additions, with no lock, with "
    "the Value's own lock, and with a Lock held around the addition?",
    concept="当多个进程同时要操作同一个资源时,将会导致数据错乱的问题 ... 解决方案2: 就是给公共资源加 锁----互斥锁 — "
    "when several processes work on one resource at once the data gets garbled; the fix is a mutex",
    lesson="Three processes that each add 1 to a shared counter many times end with a total short of the sum, "
    "even when the Value has its own lock, because += is a read and a write. With one Lock held around "
    "each +=, the total is exact.",
    docs=DOCS,
    version=2,  # 2: three trials of each case (were four). 1: split from lock_race, the Value's own lock a case
    observations=(
        Observation("no_lock.lost_updates", "Value(lock=False), += with no lock: additions lost", glance=True),
        Observation("own_lock.lost_updates", "Value() with its own lock, += outside get_lock(): additions lost"),
        Observation("with_lock.lost_updates", "+= inside `with lock:`: additions lost"),
        Observation("no_lock.rounds_with_lost_updates", "Rounds in which additions were lost, with no lock"),
    ),
    symptoms=(
        Symptom(
            id="lost-updates-wrong-total",
            title="A shared counter ends short of the expected total (lost updates)",
            messages=(),
            pattern=r"(?i)lost updates?|counter.*(wrong|short|less than expected)",
            cause="counter.value += 1 reads and then writes; another process's write between the two is overwritten.",
            fix="Hold one lock around the whole read-modify-write: `with counter.get_lock(): counter.value += 1` "
            "(or a Lock passed to every process).",
            evidence="no_lock.lost_updates.class",
            shows=("seen",),
            docs=DOCS,
        ),
    ),
)

PROCESSES = 3  # more than the 2 cores this was sized on
# Each process adds for the same stretch of time and counts what it added, so the processes
# overlap however unevenly a barrier wakes them (it releases its waiters one after another; a
# fixed number of additions let a fast interpreter finish one process before the next woke).
CASES = ("no_lock", "own_lock", "with_lock")
SECONDS = {"full": 0.2, "quick": 0.1}
BATCH = 1000  # additions between looks at the clock


def add_one(counter, lock, start_line, added, index: int, seconds: float) -> None:
    """``counter.value += 1`` over and over for ``seconds``, inside ``with lock:`` when there is a lock."""
    start_line.wait(30)
    deadline, count = time.perf_counter() + seconds, 0
    while time.perf_counter() < deadline:
        for _ in range(BATCH):
            if lock is None:
                counter.value += 1  # read, add, write: another process may write in between
            else:
                with lock:  # lock.acquire() ... lock.release(): one process at a time
                    counter.value += 1
        count += BATCH
    added[index] = count  # this process's own tally: one slot each, nothing to lose


def one_round(cell: Cell, counter, lock, start_line) -> Tuple[int, int]:
    """Let the processes add to the counter, from 0; return (additions made, additions lost)."""
    ctx = cell.context
    counter.value = 0
    added = ctx.Array("q", PROCESSES, lock=False)
    seconds = SECONDS["quick" if cell.quick else "full"]
    processes = [
        ctx.Process(target=add_one, args=(counter, lock, start_line, added, i, seconds)) for i in range(PROCESSES)
    ]
    for p in processes:
        p.start()
    finish(*processes)
    if any(p.exitcode != 0 for p in processes):
        raise RuntimeError(f"an adding process failed: exit codes {[p.exitcode for p in processes]}")
    return sum(added), sum(added) - counter.value


def run(cell: Cell) -> None:
    ctx = cell.context
    # Made once and kept to the end, as the tutorial's `lock = Lock()` under the main guard: a lock
    # dropped while processes start runs its clean-up inside an import, which PyPy 3.9 gets wrong
    # (tools/pypy_pickle_race.py).
    counters = {"no_lock": ctx.Value("i", 0, lock=False), "own_lock": ctx.Value("i", 0)}
    counters["with_lock"] = ctx.Value("i", 0, lock=False)
    lock, start_line = ctx.Lock(), ctx.Barrier(PROCESSES)
    trials = cell.trials(full=3, quick=1)
    rounds: Dict[str, List[Tuple[int, int]]] = {case: [] for case in CASES}
    for _ in range(trials):
        for case in CASES:
            guard = lock if case == "with_lock" else None
            rounds[case].append(one_round(cell, counters[case], guard, start_line))
    for case, per_round in rounds.items():
        made, lost = sum(m for m, _ in per_round), sum(n for _, n in per_round)
        # A race is a matter of chance: whether it happens is stable (none/seen), how often is not.
        cell.observe(
            case,
            {
                "lost_updates": classify_count(lost, made, presence=True),
                "rounds_with_lost_updates": classify_count(sum(1 for _, n in per_round if n), trials, presence=True),
            },
        )
