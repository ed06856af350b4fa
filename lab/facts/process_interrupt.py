"""Process.interrupt() (3.14, gh-131913): SIGINT to one child (Lib/multiprocessing/process.py, popen_fork.py).

``BaseProcess.interrupt`` calls ``self._popen.interrupt()``, which the POSIX Popen classes (fork,
and through inheritance spawn and forkserver) implement as ``_send_signal(signal.SIGINT)``; the
Windows Popen has no ``interrupt``. The child's Python SIGINT handler raises KeyboardInterrupt;
``BaseProcess._bootstrap`` turns an uncaught one into exit code 1 and prints the traceback.
"""

from __future__ import annotations

from lab.facts.dsl import cpython, docs, equal_all, equals, fact, issue, when

POSIX = ("linux", "macos")
INTERRUPT = cpython("v3.14.0", "Lib/multiprocessing/popen_fork.py", "Popen.interrupt: _send_signal(signal.SIGINT)")
BOOTSTRAP = cpython("v3.14.0", "Lib/multiprocessing/process.py", "BaseProcess._bootstrap: exitcode = 1")
INTERRUPT_DOCS = docs(
    "3.14", "library/multiprocessing.html", "multiprocessing.Process.interrupt", "Process.interrupt()"
)

FACTS = [
    fact(
        "interrupt-added-in-3.14",
        "Process.interrupt() exists from 3.14",
        when(since="3.14"),
        equals("available", True),
        INTERRUPT_DOCS,
        issue(131913),
    ),
    fact(
        "interrupt-absent-before-3.14",
        "before 3.14 there is no Process.interrupt()",
        when(implementation=None, before="3.14"),
        equals("available", False),
        INTERRUPT_DOCS,
    ),
    fact(
        "interrupt-raises-keyboardinterrupt-in-the-child",
        "interrupt() raises KeyboardInterrupt in the child; caught, the child ends normally (exit 0), "
        "and its finally block runs",
        when(since="3.14", platforms=POSIX),
        equal_all({"caught.child_saw": "KeyboardInterrupt", "caught.finally_ran": True, "caught.exitcode": 0}),
        INTERRUPT,
        INTERRUPT_DOCS,
    ),
    fact(
        "interrupt-uncaught-exits-1",
        "an uncaught KeyboardInterrupt ends the child with exit code 1 (not -SIGINT), after its finally block, "
        "with the traceback on stderr",
        when(since="3.14", platforms=POSIX),
        equal_all(
            {
                "uncaught.child_saw": "KeyboardInterrupt",
                "uncaught.finally_ran": True,
                "uncaught.exitcode": 1,
                "uncaught.stderr_last_line": "KeyboardInterrupt",
            }
        ),
        BOOTSTRAP,
    ),
    fact(
        "interrupt-is-only-a-signal",
        "a child that ignores SIGINT is not stopped by interrupt()",
        when(since="3.14", platforms=POSIX),
        equals("ignored.stopped_by_interrupt", False),
        INTERRUPT,
    ),
    fact(
        "interrupt-terminate-runs-no-finally",
        "terminate() instead: SIGTERM ends the child at once, no finally block runs, exit code -15",
        when(since="3.14", platforms=POSIX),
        equal_all({"terminate.child_saw": None, "terminate.finally_ran": False, "terminate.exitcode": -15}),
        cpython("v3.14.0", "Lib/multiprocessing/popen_fork.py", "Popen.terminate: SIGTERM"),
    ),
    fact(
        "interrupt-not-on-windows",
        "on Windows the spawn Popen has no interrupt(): Process.interrupt() raises AttributeError",
        when(since="3.14", platforms=("windows",)),
        equals("caught.error.type", "AttributeError"),
        cpython("v3.14.0", "Lib/multiprocessing/popen_spawn_win32.py", "Popen: terminate and kill only"),
    ),
]
