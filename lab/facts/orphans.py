"""Orphans: a child whose parent exits first (docs, os.getppid; Lib/multiprocessing/forkserver.py).

Nothing in multiprocessing stops a child when its parent leaves with ``os._exit()``. On POSIX the
kernel gives the orphan a new parent. A forkserver child's OS parent is the server, and each child
holds the write end of the server's "alive" pipe (``connect_to_new_process`` sends it, ``_serve_one``
keeps it), so the server, which exits when that pipe reaches EOF, outlives its children.
"""

from __future__ import annotations

from lab.facts.dsl import cpython, docs, equal_all, equals, fact, when

GETPPID = docs("3.14", "library/os.html", "os.getppid", "os.getppid: after the parent exits, init's id on Unix")
POSIX = ("linux", "macos")

FACTS = [
    fact(
        "orphan-keeps-running",
        "a child whose parent exits first (os._exit, nothing joins it) keeps running",
        when(implementation=None),
        equals("outlived_parent", True),
        GETPPID,
    ),
    fact(
        "orphan-reparented",
        "under fork and spawn the child's OS parent is the program, and once the program has exited the child "
        "has a new OS parent",
        when(implementation=None, methods=("fork", "spawn"), platforms=POSIX),
        equal_all({"first_parent_was_the_program": True, "reparented": True}),
        GETPPID,
    ),
    fact(
        "orphan-forkserver-child-keeps-the-server",
        "under forkserver the child's OS parent is the server, which outlives it: the child is not re-parented",
        when(implementation=None, methods=("forkserver",)),
        equal_all({"first_parent_was_the_program": False, "reparented": False}),
        cpython("v3.14.0", "Lib/multiprocessing/forkserver.py", "connect_to_new_process and _serve_one (alive fd)"),
        cpython("v3.14.0", "Lib/multiprocessing/forkserver.py", "main(): exits when alive_r reaches EOF"),
    ),
]
