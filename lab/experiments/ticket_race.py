"""The tutorial's exercise (小练习 -- 抢票): ten buyers, one ticket in a file, with and without the lock.

Buying is check-then-write: read the count, and if a ticket is left, take it and write the count
back. Without a lock several buyers read "1 left" before any of them writes "0", and each of them
thinks it got the ticket. With ``lock.acquire(); buy_ticket(); lock.release()`` one buyer buys at a
time, so exactly one gets it. ``check_ticket`` stays outside the lock, as in the tutorial.

The program is the tutorial's, with its random 0-3 s delays cut to 0-30 ms, run for several
rounds by the same ten processes: every round starts them together behind a barrier.
"""

from __future__ import annotations

import json
import random
import time
from contextlib import nullcontext
from pathlib import Path
from typing import Dict, List

from lab.experiment import Cell, Experiment, Observation, Symptom, classify_count, finish

DOCS = "https://docs.python.org/3/library/multiprocessing.html#synchronization-between-processes"

EXPERIMENT = Experiment(
    name="ticket_race",
    title="Selling the last ticket: ten buyers, with and without a lock",
    question="With one ticket left and ten buyers at once, how many get it without a lock, and with the lock "
    "around buying?",
    concept="小练习 -- 抢票 ... 过程: 1.查看余票, 2.有就买,无失败 — the ticket-buying exercise: check the tickets "
    "left; buy if there is one, fail if not",
    lesson="Without a lock, several buyers read that one ticket is left before any of them writes that none is, "
    "so the last ticket is sold more than once. With the lock around buying, exactly one buyer gets it.",
    docs=DOCS,
    version=1,  # split from lock_race (version 2), with more rounds
    observations=(
        Observation(
            "without_lock.oversold", "Without the lock: rounds in which the ticket was sold twice or more", glance=True
        ),
        Observation("with_lock.exactly_one_buyer", "With the lock: rounds in which exactly one buyer got it"),
        Observation("with_lock.oversold", "With the lock: rounds in which the ticket was sold twice or more"),
        Observation("with_lock.unreadable_while_buying", "With the lock: buyers that found the file half-written"),
    ),
    symptoms=(
        Symptom(
            id="oversold-ticket",
            title="Check-then-write across processes: the last item is sold more than once",
            messages=(),
            pattern=r"(?i)oversold|sold (twice|more than once)",
            cause="Each buyer reads the count before another's write lands; reading and writing are separate steps.",
            fix="Hold one Lock, passed to every process, around the whole read-check-write.",
            evidence="without_lock.oversold.class",
            shows=("seen",),
            docs=DOCS,
        ),
    ),
)

BUYERS = 10  # the tutorial's ten buyers


def check_ticket(path: str) -> None:
    """The tutorial's check_ticket: look at the tickets left."""
    with open(path, encoding="utf-8") as a:
        json.load(a)
    time.sleep(random.randint(0, 3) / 100)  # the tutorial's 0-3 s, in hundredths


def buy_ticket(path: str) -> bool:
    """The tutorial's buy_ticket: read the count, and if a ticket is left, take it and write it back."""
    with open(path, encoding="utf-8") as a:
        data = json.load(a)
    if data["count"] > 0:
        data["count"] -= 1
        time.sleep(random.randint(0, 3) / 100)  # 模拟延迟: the simulated delay
        with open(path, "w", encoding="utf-8") as a:
            json.dump(data, a)
        return True
    return False


def task(lock, path: str, rounds: List[bool], start_line, outcomes, index: int) -> None:
    """The tutorial's task(lock), once per round: check, then buy (holding the lock in locked rounds).

    ``outcomes[index]`` is 1 for a ticket, 0 for "sold out", and -1 (while checking) or -2 (while
    buying) when the file could not be read because another buyer was half-way through rewriting
    it -- a race of its own, which the tutorial's program would die of (json.JSONDecodeError).
    """
    for locked in rounds:
        start_line.wait(30)
        outcome = -1
        try:
            check_ticket(path)
            outcome = -2
            with lock if locked else nullcontext():  # lock.acquire() ... lock.release()
                outcome = 1 if buy_ticket(path) else 0
        except ValueError:  # json.JSONDecodeError: empty or half-written
            pass
        outcomes[index] = outcome
        start_line.wait(30)


def run(cell: Cell) -> None:
    ctx = cell.context
    path = Path(cell.tmpdir) / "ticket.json"
    path.write_text(json.dumps({"count": 1}), encoding="utf-8")  # the tutorial's {"count":1}
    trials = cell.trials(full=20, quick=10)
    plan = [locked for _ in range(trials) for locked in (False, True)]
    lock, start_line = ctx.Lock(), ctx.Barrier(BUYERS + 1)
    outcomes = ctx.Array("i", BUYERS, lock=False)
    buyers = [ctx.Process(target=task, args=(lock, str(path), plan, start_line, outcomes, i)) for i in range(BUYERS)]
    for p in buyers:
        p.start()
    seen: Dict[bool, List[List[int]]] = {False: [], True: []}
    try:
        for locked in plan:
            path.write_text(json.dumps({"count": 1}), encoding="utf-8")
            start_line.wait(30)  # the buyers start
            start_line.wait(30)  # every buyer has its outcome
            seen[locked].append(list(outcomes))
    finally:
        finish(*buyers)
    for locked, rounds in seen.items():
        key = "with_lock" if locked else "without_lock"
        for outcome in rounds:  # how many, per round: chance, so samples rather than observations
            cell.sample(f"{key}_buyers_with_a_ticket", outcome.count(1), unit="buyers")
            cell.sample(f"{key}_unreadable_while_checking", outcome.count(-1), unit="buyers")
            cell.sample(f"{key}_unreadable_while_buying", outcome.count(-2), unit="buyers")
        oversold = sum(1 for o in rounds if o.count(1) > 1)
        if locked:  # with the lock the outcome is certain: none/some/all
            cell.observe(
                key,
                {
                    "exactly_one_buyer": classify_count(sum(1 for o in rounds if o.count(1) == 1), len(rounds)),
                    "oversold": classify_count(oversold, len(rounds)),
                    "unreadable_while_buying": classify_count(sum(o.count(-2) for o in rounds), BUYERS * len(rounds)),
                },
            )
        else:  # without it, a race: can it happen (none/seen)?
            cell.observe(key, {"oversold": classify_count(oversold, len(rounds), presence=True)})
