"""What exitcode the parent reads for each way a child ends (Lib/multiprocessing/process.py).

``BaseProcess._bootstrap`` turns the end of ``run()`` into the child's exit status: 0 after
``run()`` returns, ``e.code`` for ``SystemExit`` (0 for ``None`` since 3.9; 3.8 gave 1 for a bare
``sys.exit()``), 1 for any other exception. ``Popen.terminate``/``kill`` send SIGTERM/SIGKILL on
POSIX; on Windows both are ``TerminateProcess``, reported as ``-SIGTERM``.
"""

from __future__ import annotations

from lab.facts.dsl import cpython, docs, equal_all, equals, fact, when

BOOTSTRAP = cpython("v3.14.0", "Lib/multiprocessing/process.py", "BaseProcess._bootstrap")
EXITCODE_DOCS = docs("3.14", "library/multiprocessing.html", "multiprocessing.Process.exitcode", "Process.exitcode")
POPEN_FORK = cpython("v3.14.0", "Lib/multiprocessing/popen_fork.py", "Popen.terminate and Popen.kill")
POPEN_WIN32 = cpython("v3.14.0", "Lib/multiprocessing/popen_spawn_win32.py", "Popen.terminate (kill = terminate)")

FACTS = [
    fact(
        "exitcode-run-returns-0",
        "run() returning, whatever it returns, gives exitcode 0",
        when(),
        equal_all({"return": 0, "return 5": 0}),
        BOOTSTRAP,
    ),
    fact(
        "exitcode-sys-exit-n",
        "sys.exit(n) in the child gives exitcode n (0 <= n <= 255)",
        when(),
        equals("sys.exit(3)", 3),
        BOOTSTRAP,
        EXITCODE_DOCS,
    ),
    fact(
        "exitcode-sys-exit-none-or-0",
        "sys.exit(), sys.exit(None) and sys.exit(0) give exitcode 0",
        when(since="3.9"),
        equal_all({"sys.exit()": 0, "sys.exit(None)": 0, "sys.exit(0)": 0}),
        cpython("v3.9.0", "Lib/multiprocessing/process.py", "BaseProcess._bootstrap: `if e.code is None`"),
    ),
    fact(
        "exitcode-sys-exit-none-3.8",
        "on 3.8, sys.exit() and sys.exit(None) give exitcode 1 (None is written to stderr); sys.exit(0) gives 0",
        when(before="3.9"),
        equal_all({"sys.exit()": 1, "sys.exit(None)": 1, "sys.exit(0)": 0}),
        cpython("v3.8.18", "Lib/multiprocessing/process.py", "BaseProcess._bootstrap: `if not e.args: exitcode = 1`"),
    ),
    fact(
        "exitcode-sys-exit-text-1",
        "sys.exit('text') gives exitcode 1 (the text goes to stderr)",
        when(),
        equals("sys.exit('text')", 1),
        BOOTSTRAP,
    ),
    fact(
        "exitcode-uncaught-exception-1",
        "an uncaught exception in run(), KeyboardInterrupt included, gives exitcode 1",
        when(),
        equal_all({"raise ValueError": 1, "raise KeyboardInterrupt": 1}),
        BOOTSTRAP,
    ),
    fact(
        "exitcode-os-exit-n",
        "os._exit(n) in the child gives exitcode n",
        when(),
        equals("os._exit(7)", 7),
        EXITCODE_DOCS,
    ),
    fact(
        "exitcode-none-until-finished",
        "exitcode is None before start() and while the child runs",
        when(),
        equal_all({"before start": None, "while running": None}),
        EXITCODE_DOCS,
    ),
    fact(
        "exitcode-terminate-minus-sigterm",
        "terminate() gives exitcode -SIGTERM (-15), on Windows too",
        when(),
        equals("terminate()", -15),
        POPEN_FORK,
        POPEN_WIN32,
    ),
    fact(
        "exitcode-kill-minus-sigkill",
        "kill() gives exitcode -SIGKILL (-9) on POSIX",
        when(platforms=("linux", "macos")),
        equals("kill()", -9),
        POPEN_FORK,
    ),
    fact(
        "exitcode-kill-is-terminate-on-windows",
        "on Windows kill() is terminate(): exitcode -SIGTERM (-15)",
        when(platforms=("windows",)),
        equals("kill()", -15),
        POPEN_WIN32,
    ),
    fact(
        "exitcode-after-close-valueerror",
        "reading exitcode after close() raises ValueError: process object is closed",
        when(),
        equals("after close()", {"type": "ValueError", "message": "process object is closed"}),
        cpython("v3.14.0", "Lib/multiprocessing/process.py", "BaseProcess._check_closed"),
    ),
]
