"""Zombies: a finished child nobody has reaped (docs, Programming guidelines; Lib/multiprocessing).

``process._cleanup`` polls every unjoined child (reaping the finished ones); ``active_children()``
and ``BaseProcess.start`` call it, ``join()`` waits for its own child. A forkserver child's OS
parent is the server, whose SIGCHLD handler reaps at once (``forkserver.main``).
"""

from __future__ import annotations

from lab.facts.dsl import cpython, docs, equal_all, fact, when

GUIDELINE = docs("3.14", "library/multiprocessing.html", "all-start-methods", "Joining zombie processes")

FACTS = [
    fact(
        "zombie-until-reaped",
        "under fork and spawn a child that has ended but was not joined is a zombie until the parent reaps it; "
        "join(), active_children() and the next start() reap it",
        when(implementation=None, methods=("fork", "spawn"), platforms=("linux", "macos")),
        equal_all(
            {
                "zombie_before_reap.class": "all",
                "gone_after_join.class": "all",
                "gone_after_active_children.class": "all",
                "gone_after_next_start.class": "all",
            }
        ),
        GUIDELINE,
        cpython("v3.14.0", "Lib/multiprocessing/process.py", "_cleanup, called by active_children() and start()"),
    ),
    fact(
        "zombie-forkserver-server-reaps",
        "a forkserver child is reaped by the server as soon as it ends, so the parent never sees it as a zombie",
        when(implementation=None, methods=("forkserver",)),
        equal_all({"zombie_before_reap.class": "none", "gone_after_join.class": "all"}),
        cpython("v3.14.0", "Lib/multiprocessing/forkserver.py", "main(): on SIGCHLD, os.waitpid(-1, os.WNOHANG)"),
    ),
]
