"""What a child sees of its parent's run-time changes (Lib/multiprocessing/spawn.py, forkserver.py).

A fork child is a copy of the parent at ``start()``. A spawn child is a fresh interpreter,
executed with the parent's environment at that moment (``util.spawnv_passfds`` passes no
``env``), which then applies what ``spawn.get_preparation_data`` sent: ``sys.path``,
``sys.argv``, the working directory and how to import ``__main__`` (as ``__mp_main__``). A
forkserver child gets the same data, but is forked from a server started once, at the first
``start()``: it has the server's environment. Every child's ``sys.stdin`` is replaced with
``os.devnull`` by ``BaseProcess._bootstrap``. This is the stdlib's Python code, the same in PyPy;
what Python reports of signal dispositions after exec is CPython's (PyPy reports an inherited
SIG_IGN as SIG_DFL), so that fact is CPython's.
"""

from __future__ import annotations

from lab.facts.dsl import cpython, docs, equal_all, equals, fact, issue, when

FRESH = ("spawn", "forkserver")
POSIX = ("linux", "macos")
PREPARATION = cpython("v3.14.0", "Lib/multiprocessing/spawn.py", "get_preparation_data and prepare")
FIXUP_MAIN = cpython("v3.14.0", "Lib/multiprocessing/spawn.py", "_fixup_main_from_path / _fixup_main_from_name")
SPAWNV = cpython("v3.14.0", "Lib/multiprocessing/util.py", "spawnv_passfds: fork_exec(env=None, restore_signals=False)")
SERVER = cpython("v3.14.0", "Lib/multiprocessing/forkserver.py", "ForkServer.ensure_running (once) and main (fork)")
START_METHODS = docs("3.14", "library/multiprocessing.html", "contexts-and-start-methods", "Contexts and start methods")

FACTS = [
    fact(
        "inherited-fork-copies-everything",
        "a fork child inherits the parent as it is at start(): environment, cwd, sys.path, argv, signal "
        "handlers, logging handlers and open file descriptors",
        when(implementation=None, methods=("fork",), platforms=POSIX),
        equal_all(
            {
                "env_second_child": "the value set before its start",
                "cwd_change_seen": True,
                "sys_path_append_seen": True,
                "argv_change_seen": True,
                "signal_handler": "parent's handler",
                "signal_ignored": "ignored",
                "logging_handler_seen": True,
                "parent_fd": "inherited",
            }
        ),
        START_METHODS,
    ),
    fact(
        "inherited-spawn-sends-path-argv-cwd",
        "spawn and forkserver send sys.path, sys.argv and the working directory at each start(), so the child "
        "sees the parent's run-time changes to them",
        when(implementation=None, methods=FRESH),
        equal_all(
            {
                "sys_path_append_seen": True,
                "argv_same_as_parent": True,
                "argv_change_seen": True,
                "cwd_change_seen": True,
            }
        ),
        PREPARATION,
    ),
    fact(
        "inherited-spawn-environment-at-start",
        "a spawn child is executed with the parent's environment as it is at that start()",
        when(implementation=None, methods=("spawn",), platforms=POSIX),
        equal_all(
            {"env_first_child": "the value set before its start", "env_second_child": "the value set before its start"}
        ),
        SPAWNV,
    ),
    fact(
        "inherited-forkserver-environment-of-the-server",
        "a forkserver child has the environment the server started with (at the first start()): os.environ "
        "changes made after it never reach forkserver children",
        when(implementation=None, methods=("forkserver",)),
        equal_all(
            {
                "env_first_child": "the value set before its start",
                "env_second_child": "the value set before an earlier start",
            }
        ),
        SERVER,
        START_METHODS,
    ),
    fact(
        "inherited-spawn-no-unneeded-fds-or-handlers",
        "spawn and forkserver children do not inherit the parent's file descriptors, its run-time logging "
        "handlers or its Python signal handlers",
        when(implementation=None, methods=FRESH, platforms=POSIX),
        equal_all({"parent_fd": "not inherited", "logging_handler_seen": False, "signal_handler": "default"}),
        START_METHODS,
    ),
    fact(
        "inherited-spawn-keeps-ignored-signal",
        "a signal the parent ignores (SIG_IGN) at a spawn start() stays ignored in the child: exec keeps ignored "
        "signals, and the new interpreter reports the disposition it starts with",
        when(methods=("spawn",), platforms=POSIX),
        equal_all({"signal_ignored": "ignored", "signal_ignored_kernel": True}),
        SPAWNV,
        docs("3.14", "library/signal.html", "signal.getsignal", "signal.getsignal"),
    ),
    fact(
        "inherited-stdin-is-devnull",
        "every child's sys.stdin is os.devnull, opened read-only",
        when(implementation=None),
        equals("stdin", "os.devnull"),
        cpython("v3.14.0", "Lib/multiprocessing/util.py", "_close_stdin, called by BaseProcess._bootstrap"),
        docs("3.14", "library/multiprocessing.html", "all-start-methods", "Beware of replacing sys.stdin"),
    ),
    fact(
        "inherited-main-is-mp-main",
        "in a spawn or forkserver child __main__ is the parent's main module imported as __mp_main__, for a "
        "script and for python -m alike (re-run in each child, or once in the forkserver since it preloads "
        "__main__: 3.13.8, 3.14.1)",
        when(implementation=None, methods=FRESH),
        equal_all({"main_name_script": "__mp_main__", "main_name_python_m": "__mp_main__"}),
        FIXUP_MAIN,
        issue(126631, "gh-126631: forkserver preloads __main__"),
    ),
    fact(
        "inherited-main-fork",
        "in a fork child __main__ is the parent's own __main__: nothing re-runs",
        when(implementation=None, methods=("fork",)),
        equal_all({"main_name_script": "__main__", "main_name_python_m": "__main__"}),
        START_METHODS,
    ),
]
