"""terminate() and kill() over many children (Lib/multiprocessing/popen_fork.py; docs, Process.terminate).

``Popen.terminate``/``kill`` send SIGTERM/SIGKILL and return; ``poll`` turns "killed by signal N"
into exitcode -N. On Windows both call TerminateProcess, reported as -SIGTERM.
"""

from __future__ import annotations

from lab.facts.dsl import cpython, docs, equals, fact, when

POPEN_FORK = cpython("v3.14.0", "Lib/multiprocessing/popen_fork.py", "Popen.terminate, Popen.kill and Popen.poll")
POPEN_WIN32 = cpython("v3.14.0", "Lib/multiprocessing/popen_spawn_win32.py", "Popen.terminate (kill = terminate)")
TERMINATE = docs("3.14", "library/multiprocessing.html", "multiprocessing.Process.terminate", "Process.terminate")

FACTS = [
    fact(
        "terminate-latency-terminate-exitcode",
        "every child stopped with terminate() reports exitcode -SIGTERM (-15)",
        when(implementation=None),
        equals("terminate_exitcodes", [-15]),
        POPEN_FORK,
        POPEN_WIN32,
    ),
    fact(
        "terminate-latency-kill-exitcode",
        "every child stopped with kill() reports exitcode -SIGKILL (-9) on POSIX",
        when(implementation=None, platforms=("linux", "macos")),
        equals("kill_exitcodes", [-9]),
        POPEN_FORK,
    ),
    fact(
        "terminate-latency-kill-exitcode-windows",
        "on Windows every child stopped with kill() reports exitcode -SIGTERM (-15): kill is terminate",
        when(implementation=None, platforms=("windows",)),
        equals("kill_exitcodes", [-15]),
        POPEN_WIN32,
    ),
    fact(
        "terminate-is-a-request",
        "terminate() only sends the request: right after it, is_alive() can still be True (the docs' own example "
        "sleeps 0.1 s before it checks)",
        when(implementation=None),
        equals("alive_right_after_terminate.class", "seen"),
        TERMINATE,
        POPEN_FORK,
    ),
]
