"""Forking a process that runs threads copies only the thread that called ``fork()``.

Locks held by the other threads at that moment stay held in the child for ever, so a child that
needs one of them hangs: the classic fork-with-threads deadlock. Since Python 3.12 ``os.fork()``
warns about it with a ``DeprecationWarning`` (hidden by the default warning filters). ``spawn`` and
``forkserver`` start the child from a fresh interpreter, so they neither copy the lock nor warn.
"""

from __future__ import annotations

import os
import re
import threading
import warnings
from typing import Any, Dict, List, Sequence

from lab.experiment import Cell, Experiment, Observation, Symptom
from lab.normalise import mask_pid, normalise

OS_FORK = "https://docs.python.org/3/library/os.html#os.fork"
START_METHODS = "https://docs.python.org/3/library/multiprocessing.html#contexts-and-start-methods"

EXPERIMENT = Experiment(
    name="fork_with_threads",
    title="fork() while another thread holds a lock",
    question="With a second thread alive, does start() warn, and can the child take a lock that thread held?",
    concept="os.fork() copies one thread: a lock another thread holds stays locked in the child",
    version=2,
    lesson="fork copies only the thread that calls it, so a lock another thread holds at that moment stays "
    "locked in the child for ever, and a child that needs it hangs. Since 3.12 CPython warns with a "
    "DeprecationWarning that the default filters hide; spawn and forkserver start a fresh interpreter, so they "
    "neither copy the lock nor warn.",
    docs=START_METHODS,
    observations=(
        Observation("with_thread.warning_emitted", "start() with a thread alive warns", glance=True),
        Observation("with_thread.warning_categories", "Warning categories at start()"),
        Observation("with_thread.child_lock", "The child takes a lock another thread held at start()", glance=True),
        Observation("with_thread.child_threads", "Threads in the child"),
        Observation("default_filters.shown", "A plain script shows the warning (default filters)"),
        Observation("w_default.shown", "The script shows the warning under -W default"),
    ),
    symptoms=(
        Symptom(
            id="fork-multi-threaded-deprecation",
            title="DeprecationWarning: This process is multi-threaded, use of fork() may lead to deadlocks",
            messages=(
                "DeprecationWarning: This process (pid=<pid>) is multi-threaded, use of fork() may lead to "
                "deadlocks in the child.",
            ),
            pattern=r"is multi-threaded, use of fork\(\) may lead to deadlocks",
            cause="The fork start method called os.fork() while another thread was alive; the child gets only "
            "the calling thread, and CPython 3.12+ warns because any lock another thread held stays held in it.",
            fix="Use the spawn or forkserver context (multiprocessing.get_context('forkserver')), or start the "
            "processes before any thread; run with -W default to see the warning at all.",
            evidence="with_thread.warning_emitted",
            shows=(True,),
            docs=OS_FORK,
        ),
        Symptom(
            id="fork-child-hangs-on-a-held-lock",
            title="A fork child hangs: it waits for a lock another thread held at fork time",
            messages=(),
            pattern=r"(?i)\b(fork|child)\b.{0,60}\b(hangs?|hung|deadlocks?)\b"
            r"|\b(hangs?|hung|deadlocks?)\b.{0,60}\b(fork|child)\b",
            cause="A fork child has only the thread that called fork(); a lock another thread held at that "
            "moment (a logging handler's, an import lock, your own) is never released in it.",
            fix="Do not fork while threads run: use spawn or forkserver, or start the processes first; give "
            "acquire() and join() timeouts so a hang shows up as an error.",
            evidence="with_thread.child_lock",
            shows=("deadlocked",),
            docs=START_METHODS,
        ),
    ),
)

SCENARIO = "fork_with_threads_default_filters.py"
_LINE_NUMBER = re.compile(r"\.py:\d+:")
#: Held by the helper thread while the child starts. A spawn or forkserver child imports this
#: module afresh and gets a new, unlocked lock; a fork child gets a copy of the held one.
HELD_LOCK = threading.Lock()


def acquire_in_child(conn, timeout: float) -> None:
    """Try the lock the parent's other thread held at fork time, bounded by ``timeout``."""
    acquired = HELD_LOCK.acquire(timeout=timeout)
    conn.send({"acquired": acquired, "threads": threading.active_count()})
    conn.close()


def hold(lock: threading.Lock, held: threading.Event, release: threading.Event) -> None:
    """The other thread: take the lock, say so, keep it until told to let go (bounded)."""
    with lock:
        held.set()
        release.wait(30)


def stop(process, timeout: float) -> None:
    """Join a started child, killing it if it outlives ``timeout``; an unstarted one needs nothing."""
    if process.pid is None:
        return
    process.join(timeout)
    if process.is_alive():
        process.kill()
        process.join(10)


def describe_warnings(caught: List[warnings.WarningMessage]) -> List[Dict[str, str]]:
    """Caught warnings as category and message, with this process's pid masked."""
    return [
        {"category": w.category.__name__, "message": normalise(mask_pid(str(w.message), os.getpid()))} for w in caught
    ]


def start_with_a_thread_holding_the_lock(cell: Cell, timeout: float) -> Dict[str, Any]:
    """Start one child while a second thread holds HELD_LOCK; what warned and what the child saw."""
    held, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=hold, args=(HELD_LOCK, held, release), name="forklab-lock-holder")
    holder.start()
    receiver, sender = cell.context.Pipe(duplex=False)
    process = cell.context.Process(target=acquire_in_child, args=(sender, timeout))
    try:
        if not held.wait(10):
            raise RuntimeError("the helper thread did not take the lock within 10 s")
        threads_at_start = threading.active_count()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            process.start()
        release.set()  # the parent's thread lets go at once; only a fork child keeps the held copy
        sender.close()
        report = receiver.recv() if receiver.poll(timeout + 20) else None
    finally:
        release.set()
        holder.join(30)
        stop(process, timeout + 20)
        receiver.close()
    deprecations = [w for w in caught if issubclass(w.category, DeprecationWarning)]
    return {
        "parent_threads_at_start": threads_at_start,
        "warning_emitted": bool(deprecations),
        "warning_categories": [w.category.__name__ for w in caught],
        "warnings": describe_warnings(caught),
        "child_acquired_lock": None if report is None else report["acquired"],
        "child_lock": "no answer" if report is None else "acquired" if report["acquired"] else "deadlocked",
        "child_threads": None if report is None else report["threads"],
        "child_exitcode": process.exitcode,
    }


def warning_on_stderr(cell: Cell, flags: Sequence[str] = ()) -> Dict[str, Any]:
    """A plain script run with ``flags``: does the user see the warning on stderr at all?"""
    completed = cell.run_scenario(SCENARIO, timeout=60, flags=flags)
    # "<path>/popen_fork.py:66: DeprecationWarning: ...": the line number moves between patch releases.
    lines = [_LINE_NUMBER.sub(".py:<line>:", line) for line in completed.stderr.splitlines() if "Warning" in line]
    return {
        "shown": bool(lines),
        "lines": [normalise(line) for line in lines],
        "exitcode": completed.returncode,
    }


def run(cell: Cell) -> None:
    # The driver must hand over a single-threaded process, or every fork would look multi-threaded.
    cell.observe("other_threads_before", threading.active_count() - 1)
    timeout = 0.5 if cell.quick else 1.0
    cell.observe("with_thread", start_with_a_thread_holding_the_lock(cell, timeout))
    cell.observe("default_filters", warning_on_stderr(cell))
    cell.observe("w_default", warning_on_stderr(cell, ["-W", "default"]))
    cell.observe("other_threads_after", threading.active_count() - 1)
