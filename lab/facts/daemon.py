"""Daemonic processes (Lib/multiprocessing/util.py and process.py).

``util._exit_function``, registered with ``atexit``, terminates the daemonic children of a process
whose main code ends and then joins the others; ``os._exit()`` skips atexit handlers, so it skips
that. ``BaseProcess.start`` asserts that the current process is not a daemon.
"""

from __future__ import annotations

from lab.facts.dsl import cpython, docs, equal_all, equals, fact, when

EXIT_FUNCTION = cpython("v3.14.0", "Lib/multiprocessing/util.py", "_exit_function: terminate daemons, join the rest")
DAEMON = docs("3.14", "library/multiprocessing.html", "multiprocessing.Process.daemon", "Process.daemon")

FACTS = [
    fact(
        "daemon-terminated-when-main-code-ends",
        "when the parent's main code ends normally, its daemonic child is terminated before it reaches its last line",
        when(implementation=None),
        equal_all(
            {
                "parent_exits_normally.child_started": True,
                "parent_exits_normally.reached_last_line": False,
                "parent_exits_normally.boss_exitcode": 0,
            }
        ),
        EXIT_FUNCTION,
        DAEMON,
    ),
    fact(
        "daemon-non-daemon-is-waited-for",
        "a non-daemonic child reaches its last line while its parent, whose main code has ended, still waits for it",
        when(implementation=None),
        equal_all({"non_daemon.reached_last_line": True, "non_daemon.boss_alive_at_last_line": True}),
        EXIT_FUNCTION,
    ),
    fact(
        "daemon-survives-os-exit",
        "a parent that leaves with os._exit() skips the clean-up that terminates daemons: the daemon outlives it",
        when(implementation=None),
        equal_all({"parent_os_exit.reached_last_line": True, "parent_os_exit.boss_alive_at_last_line": False}),
        docs("3.14", "library/os.html", "os._exit", "os._exit: exits without calling cleanup handlers"),
        EXIT_FUNCTION,
    ),
    fact(
        "daemon-cannot-have-children",
        "a daemonic process that starts a process gets an AssertionError (the message is kept as observed)",
        when(implementation=None),
        equals("daemon_starts_child.type", "AssertionError"),
        cpython("v3.14.0", "Lib/multiprocessing/process.py", "BaseProcess.start: assert not ...get('daemon')"),
        DAEMON,
    ),
]
