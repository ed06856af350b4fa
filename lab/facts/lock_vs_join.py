"""Keeping processes' output apart: a Lock (docs, Synchronization between processes) or join()."""

from __future__ import annotations

from lab.facts.dsl import docs, equal_all, equals, fact, when

MP = "library/multiprocessing.html"
SYNC = docs("3.14", MP, "synchronization-between-processes", "a lock so that one process prints at a time")

FACTS = [
    fact(
        "lines-interleave-without-lock",
        "three processes started together, each writing three lines with pauses, interleave their lines",
        when(implementation=None),
        equals("no_lock.lines_interleaved.class", "seen"),
        SYNC,
    ),
    fact(
        "lock-keeps-lines-together",
        "with one Lock held around each task's lines, no task's lines are interleaved with another's",
        when(implementation=None),
        equals("lock.lines_interleaved.class", "none"),
        SYNC,
        docs("3.14", MP, "multiprocessing.Lock", "multiprocessing.Lock"),
    ),
    fact(
        "join-keeps-lines-together-in-order",
        "with join() after each start the tasks run one after another, in the order they were started",
        when(implementation=None),
        equal_all({"join.lines_interleaved.class": "none", "join.in_start_order.class": "all"}),
        docs("3.14", MP, "multiprocessing.Process.join", "Process.join"),
    ),
]
