"""Forking with threads alive (Modules/posixmodule.c; POSIX fork()).

A forked child has one thread, the one that called ``fork()``: a lock another thread held at
that moment stays held in the child. From 3.12 CPython detects other threads at ``os.fork()`` and
warns (gh-100228, ``warn_about_fork_with_threads``) with a ``DeprecationWarning`` attributed to
the caller, ``multiprocessing/popen_fork.py``, which the default warning filters hide. spawn and
forkserver children are fresh interpreters started from a single-threaded process: no copied
lock, no warning. The copied lock is POSIX's behaviour, so it holds on PyPy too; the warning is
CPython's.
"""

from __future__ import annotations

from lab.facts.dsl import cpython, docs, equal_all, fact, issue, when

FRESH = ("spawn", "forkserver")
WARNS = cpython("v3.12.0", "Modules/posixmodule.c", "warn_about_fork_with_threads")
OS_FORK = docs("3.12", "library/os.html", "os.fork", "os.fork (changed in 3.12: DeprecationWarning)")
START_METHODS = docs("3.14", "library/multiprocessing.html", "contexts-and-start-methods", "Contexts and start methods")
NO_WARNING = {"with_thread.warning_emitted": False, "with_thread.warning_categories": [], "w_default.shown": False}

FACTS = [
    fact(
        "fork-threads-deprecation-warning-3.12",
        "from 3.12, start() under fork with another thread alive emits one DeprecationWarning "
        "(This process (pid=N) is multi-threaded, use of fork() may lead to deadlocks in the child.)",
        when(methods=("fork",), since="3.12"),
        equal_all({"with_thread.warning_emitted": True, "with_thread.warning_categories": ["DeprecationWarning"]}),
        WARNS,
        issue(100228, "gh-100228: warn from os.fork() when other threads exist"),
        OS_FORK,
    ),
    fact(
        "fork-threads-warning-hidden-by-default-filters",
        "from 3.12, a plain script does not show that warning (the default filters show DeprecationWarning only "
        "when triggered in __main__, and it is attributed to multiprocessing/popen_fork.py); -W default shows it",
        when(methods=("fork",), since="3.12"),
        equal_all({"default_filters.shown": False, "w_default.shown": True}),
        docs("3.14", "library/warnings.html", "default-warning-filter", "Default warning filter"),
        WARNS,
    ),
    fact(
        "fork-threads-no-warning-before-3.12",
        "before 3.12, os.fork() with other threads alive does not warn",
        when(methods=("fork",), before="3.12"),
        equal_all(NO_WARNING),
        issue(100228, "gh-100228 (the warning is new in 3.12)"),
    ),
    fact(
        "fork-threads-no-warning-spawn-forkserver",
        "spawn and forkserver do not warn: the parent never calls os.fork() (forkserver's single-threaded server does)",
        when(methods=FRESH),
        equal_all(NO_WARNING),
        START_METHODS,
        cpython("v3.14.0", "Lib/multiprocessing/popen_forkserver.py", "Popen._launch: the server forks"),
    ),
    fact(
        "fork-threads-held-lock-stays-held",
        "a fork child has one thread, and a lock another thread held at the fork stays held in it "
        "(its acquire with a timeout fails)",
        when(implementation=None, methods=("fork",), platforms=("linux", "macos")),
        equal_all({"with_thread.child_threads": 1, "with_thread.child_lock": "deadlocked"}),
        docs("3.14", "library/os.html", "os.fork", "os.fork (threads and deadlocks)"),
        START_METHODS,
    ),
    fact(
        "fork-threads-fresh-lock-spawn-forkserver",
        "a spawn or forkserver child imports the module afresh and gets a new, free lock",
        when(implementation=None, methods=FRESH),
        equal_all({"with_thread.child_threads": 1, "with_thread.child_lock": "acquired"}),
        docs("3.14", "library/multiprocessing.html", "the-spawn-and-forkserver-start-methods", "spawn and forkserver"),
    ),
]
