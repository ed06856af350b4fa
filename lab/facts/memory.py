"""Memory after fork: the parent's pages are shared with the child until written (copy-on-write).

A fork child inherits the parent's memory (``os.fork``; the docs of ``gc.freeze`` rely on the
sharing: "avoiding unnecessary copy-on-write in child processes will maximize memory sharing").
A spawn or forkserver child is a fresh interpreter: the parent's run-time objects are not in it.
The figures come from Linux's ``/proc/PID/smaps_rollup``, so the memory facts are Linux's; which
child has the object is the start method's, on every implementation.
"""

from __future__ import annotations

from lab.facts.dsl import docs, equal_all, equals, fact, when

START_METHODS = docs("3.14", "library/multiprocessing.html", "contexts-and-start-methods", "Contexts and start methods")
GC_FREEZE = docs("3.14", "library/gc.html", "gc.freeze", "gc.freeze (copy-on-write after fork)")

FACTS = [
    fact(
        "memory-fork-child-has-the-object",
        "a fork child has the parent's run-time objects, as they were at start()",
        when(implementation=None, methods=("fork",)),
        equals("child_has_block", True),
        START_METHODS,
    ),
    fact(
        "memory-fresh-child-lacks-the-object",
        "a spawn or forkserver child is a fresh interpreter: the parent's run-time objects are not in it",
        when(implementation=None, methods=("spawn", "forkserver")),
        equals("child_has_block", False),
        START_METHODS,
    ),
    fact(
        "memory-fresh-child-holds-none-of-the-block",
        "none of the parent's block is in a spawn or forkserver child's memory, resident, proportional or private",
        when(implementation=None, methods=("spawn", "forkserver"), platforms=("linux",)),
        equal_all({"untouched.rss": "none of it", "untouched.pss": "none of it", "untouched.uss": "none of it"}),
        START_METHODS,
    ),
    fact(
        "memory-fork-copy-on-write",
        "after fork the block's pages are shared: the child's resident size counts the whole block but its private "
        "memory none of it, until it writes every page, when all of them become its own",
        when(methods=("fork",), platforms=("linux",)),
        equal_all({"untouched.rss": "whole block", "untouched.uss": "none of it", "after_write.uss": "whole block"}),
        GC_FREEZE,
        docs("3.14", "library/os.html", "os.fork", "os.fork"),
    ),
]
