"""The ticket exercise: check-then-write by ten processes (docs, Synchronization; multiprocessing.Lock)."""

from __future__ import annotations

from lab.facts.dsl import docs, equal_all, equals, fact, when

MP = "library/multiprocessing.html"

FACTS = [
    fact(
        "ticket-oversold-without-lock",
        "without a lock, buyers that read and then write the ticket file race: in some rounds the one ticket is "
        "sold more than once",
        when(implementation=None),
        equals("without_lock.oversold.class", "seen"),
        docs("3.14", MP, "synchronization-between-processes", "without the lock, processes' work gets mixed up"),
    ),
    fact(
        "ticket-one-buyer-with-lock",
        "with the lock around buying, exactly one buyer gets the ticket in every round, and no buyer reads the "
        "file half-written while buying",
        when(implementation=None),
        equal_all(
            {
                "with_lock.exactly_one_buyer.class": "all",
                "with_lock.oversold.class": "none",
                "with_lock.unreadable_while_buying.class": "none",
            }
        ),
        docs("3.14", MP, "multiprocessing.Lock", "Lock: later acquires from any process block until it is released"),
    ),
]
