"""``join()`` blocks until its one process ends, or until its timeout (docs, Process.join)."""

from __future__ import annotations

from lab.facts.dsl import docs, equal_all, fact, when

JOIN = docs("3.14", "library/multiprocessing.html", "multiprocessing.Process.join", "Process.join")

FACTS = [
    fact(
        "join-together-is-concurrent",
        "children started together and joined afterwards overlap (the total is about the longest); started and "
        "joined one by one they run in series (about the sum)",
        when(implementation=None),
        equal_all({"started_together_then_joined.class": "concurrent", "joined_one_by_one.class": "serial"}),
        JOIN,
    ),
    fact(
        "join-timeout-leaves-child-running",
        "join(timeout) returns after the timeout with the child still alive and its exitcode None",
        when(implementation=None),
        equal_all({"join_timeout.alive_after_join_timeout": True, "join_timeout.exitcode_after_join_timeout": None}),
        JOIN,
        docs("3.14", "library/multiprocessing.html", "multiprocessing.Process.exitcode", "Process.exitcode"),
    ),
]
