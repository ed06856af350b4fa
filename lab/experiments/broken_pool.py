"""When a pool's worker dies: BrokenProcessPool, and stopping the workers on purpose (3.14).

A ``ProcessPoolExecutor`` whose worker ends abruptly (``os._exit``, a segfault, the OOM killer)
cannot know which task it was running, so it gives up: every future that was running or waiting
fails with ``BrokenProcessPool: A process in the process pool was terminated abruptly while the
future was running or pending.``, and every later ``submit()`` raises ``BrokenProcessPool: A child
process terminated abruptly, the process pool is not usable anymore``. Since 3.15 the futures'
``__cause__`` names the worker and its exit code when no traceback is known (reliably only with
the forkserver: under fork and spawn the exit status is often not readable yet at that moment).

3.14 added ``terminate_workers()`` and ``kill_workers()``: they cancel what no worker has taken
yet, SIGTERM/SIGKILL the workers, and leave the pool broken in the same way -- the tasks the
workers had taken get BrokenProcessPool, never a result.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

from lab.experiment import Cell, Experiment, Observation, Symptom, classify_count, not_applicable
from lab.normalise import describe_exception, normalise

DOCS = "https://docs.python.org/3/library/concurrent.futures.html#concurrent.futures.process.BrokenProcessPool"
STOP_DOCS = (
    "https://docs.python.org/3/library/concurrent.futures.html#concurrent.futures.ProcessPoolExecutor.terminate_workers"
)
ADDED = "ProcessPoolExecutor.terminate_workers() and kill_workers() were added in Python 3.14"
#: what each operation sends (signal.SIGTERM / SIGKILL; on Windows kill() is terminate(): both -15)
SIGNALS = {"terminate_workers": 15, "kill_workers": 15 if os.name == "nt" else 9}
TASKS = 8
WORKERS = 2
WAIT_S = 30.0

EXPERIMENT = Experiment(
    name="broken_pool",
    title="A dead worker breaks the pool: BrokenProcessPool, terminate_workers(), kill_workers()",
    question="What does a ProcessPoolExecutor do when a worker dies, or when its workers are stopped on purpose?",
    concept="ProcessPoolExecutor -- what you see when a worker process dies",
    lesson="When one worker of a ProcessPoolExecutor dies, the whole pool is broken: every pending future fails "
    "with BrokenProcessPool and the pool accepts no more work. terminate_workers() and kill_workers() (3.14) "
    "break it on purpose: tasks not yet taken are cancelled, taken ones fail with BrokenProcessPool.",
    docs=DOCS,
    observations=(
        Observation("worker_dies.future", "A worker exits mid-task: what its future raises", glance=True),
        Observation("worker_dies.cause", "... its __cause__ (3.15: the exit code; fork, spawn: only now and then)"),
        Observation("worker_dies.cause_named", "... 3.15's __cause__ was filled in (fork, spawn: a race)"),
        Observation("worker_dies.queued_future", "... what a task queued behind it raises"),
        Observation("worker_dies.submit_after", "... what submit() raises afterwards"),
        Observation("worker_dies.worker_exitcode", "... the dead worker's exit code"),
        Observation("stop_workers_available", "terminate_workers() and kill_workers() exist"),
        Observation("terminate_workers.taken", "terminate_workers(): what the tasks workers had taken end with"),
        Observation("terminate_workers.not_taken", "terminate_workers(): what the tasks still waiting end with"),
        Observation("terminate_workers.results", "terminate_workers(): futures that still got a result"),
        Observation(
            "terminate_workers.requested_signal",
            "terminate_workers(): a worker ended by SIGTERM (-15)",
        ),
        Observation("terminate_workers.submit_after", "terminate_workers(): what submit() raises afterwards"),
        Observation(
            "terminate_workers.wait_counts_cancelled_as_done",
            "terminate_workers(): concurrent.futures.wait() counts the cancelled futures as done (gh-109934)",
        ),
        Observation("kill_workers.requested_signal", "kill_workers(): a worker ended by SIGKILL (-9)"),
        Observation("kill_workers.submit_after", "kill_workers(): what submit() raises afterwards"),
    ),
    symptoms=(
        Symptom(
            id="broken-process-pool",
            title="BrokenProcessPool: a process in the process pool was terminated abruptly",
            messages=(
                "concurrent.futures.process.BrokenProcessPool: A process in the process pool was terminated "
                "abruptly while the future was running or pending.",
                "concurrent.futures.process.BrokenProcessPool: A child process terminated abruptly, the process "
                "pool is not usable anymore",
            ),
            pattern=r"BrokenProcessPool: A (process in the process pool was|child process) terminated abruptly",
            cause="A worker process ended without returning its result (os._exit, a crash, the OOM killer, "
            "a signal, or terminate_workers()/kill_workers()), so the executor marks every pending future failed "
            "and refuses new work.",
            fix="Find why the worker died (its exit code: on 3.15 in the exception's __cause__; a negative code is "
            "the signal); create a new executor to go on. Tasks that may crash the process belong in their own "
            "Process, or use max_tasks_per_child to recycle workers.",
            evidence="worker_dies.future.type",
            shows=("BrokenProcessPool",),
            docs=DOCS,
        ),
        Symptom(
            id="no-terminate-workers",
            title="AttributeError: 'ProcessPoolExecutor' object has no attribute 'terminate_workers'",
            messages=(
                "AttributeError: 'ProcessPoolExecutor' object has no attribute 'terminate_workers'",
                "AttributeError: 'ProcessPoolExecutor' object has no attribute 'kill_workers'",
            ),
            pattern=r"'ProcessPoolExecutor' object has no attribute '(terminate|kill)_workers'",
            cause="terminate_workers() and kill_workers() are new in 3.14 (gh-128041).",
            fix="Before 3.14 call shutdown(wait=False, cancel_futures=True) and terminate the worker processes "
            "yourself, or run the work in Process objects you own.",
            evidence="stop_workers_available",
            shows=(False,),
            docs=STOP_DOCS,
        ),
    ),
)


def square(x: int) -> int:
    return x * x


def die(code: int, go: str) -> None:
    """Wait until the parent has queued a second task, then end the worker the way a crash would."""
    deadline = time.monotonic() + WAIT_S
    while not os.path.exists(go) and time.monotonic() < deadline:
        time.sleep(0.005)
    os._exit(code)  # what a segfault or the OOM killer does to a worker, as far as the pool can tell


def sleep_marked(index: int, directory: str) -> int:
    """A long task that first says it was taken by a worker."""
    Path(directory, f"taken-{index}").touch()
    time.sleep(WAIT_S)
    return index


def outcome(future: concurrent.futures.Future) -> Dict[str, Any]:
    """A finished future as an observation: its exception, ``cancelled``, or ``result``."""
    if future.cancelled():
        return {"type": "cancelled"}
    error = future.exception(timeout=0)
    return describe_exception(error) if error is not None else {"type": "result"}


def cause_of(future: concurrent.futures.Future) -> Optional[str]:
    """The text of an exception's __cause__ (a _RemoteTraceback), without its quotes and the worker's pid."""
    error = future.exception(timeout=0)
    cause = getattr(error, "__cause__", None)
    if cause is None:
        return None
    text = str(cause).strip().strip("'").strip()
    return normalise(re.sub(r"\bProcess \d+", "Process <pid>", text))


def submit_after(executor: concurrent.futures.ProcessPoolExecutor) -> Optional[Dict[str, Any]]:
    try:
        executor.submit(square, 2).cancel()
    except Exception as exc:
        return describe_exception(exc)
    return None


def worker_dies_once(cell: Cell, trial: int) -> Dict[str, Any]:
    """One worker; its task kills it once a second task is queued behind it."""
    go = Path(cell.tmpdir) / f"go-{trial}"
    executor = concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=cell.context)
    try:
        doomed = executor.submit(die, 3, str(go))
        workers = list(getattr(executor, "_processes", {}).values())  # the worker submit() started
        queued = executor.submit(square, 3)
        go.touch()
        settle([doomed, queued], WAIT_S)
        answer = {
            "future": outcome(doomed),
            "cause": cause_of(doomed),
            "queued_future": outcome(queued),
            "submit_after": submit_after(executor),
        }
    except Exception as exc:  # Debian's PyPy 3.9: submit() itself fails with spawn and forkserver
        executor.shutdown(wait=True)
        return {"error": describe_exception(exc)}
    executor.shutdown(wait=True)  # joins the executor's own thread, which has reaped the worker
    answer["worker_exitcode"] = workers[0].exitcode if workers else None
    return answer


def worker_dies(cell: Cell) -> Dict[str, Any]:
    """A few trials: 3.15's __cause__ (gh-139462) is filled in only when the worker's exit status is already
    readable as the pool breaks -- always with the forkserver, whose status pipe carries it, but only now and
    then with fork and spawn, where the pool asks waitpid(WNOHANG) first: a race, kept as none/seen."""
    trials = [worker_dies_once(cell, n) for n in range(cell.trials(5, 3))]
    if "error" in trials[0]:
        return trials[0]
    answer = dict(trials[0])
    causes = [t.get("cause") for t in trials if t.get("cause")]
    answer["cause"] = causes[0] if causes else None
    answer["cause_named"] = classify_count(len(causes), len(trials), presence=True)
    for key in ("future", "queued_future", "submit_after", "worker_exitcode"):
        if any(t.get(key) != answer[key] for t in trials):
            answer[key] = {"varies": sorted({json.dumps(t.get(key), sort_keys=True) for t in trials})}
    return answer


def settle(futures: List[concurrent.futures.Future], seconds: float) -> bool:
    """Wait until every future is done, polling ``done()``: ``concurrent.futures.wait()`` never counts a
    future that shutdown(cancel_futures=True) cancelled as done (gh-109934), so it would sit out its timeout."""
    deadline = time.monotonic() + seconds
    while not all(f.done() for f in futures):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def stop_workers(cell: Cell, operation: str) -> Dict[str, Any]:
    """Two workers busy, six tasks waiting; then ``terminate_workers()`` or ``kill_workers()``.

    The workers' exit codes are read once the executor's own thread, which reaps them, has ended. Two
    races are kept apart as none/seen: kill_workers() SIGKILLs the workers one by one, but the pool's
    thread, seeing the first one die, SIGTERMs the rest (``other_signal``); and a forkserver worker's
    code reads 255 -- Popen.poll's "could not read the status" -- when terminate_workers()'s
    is_alive() and that thread read the same status pipe at once (``exitcode_255``).
    """
    marks = Path(cell.tmpdir) / operation
    marks.mkdir(exist_ok=True)
    executor = concurrent.futures.ProcessPoolExecutor(max_workers=WORKERS, mp_context=cell.context)
    futures = [executor.submit(sleep_marked, i, str(marks)) for i in range(TASKS)]
    deadline = time.monotonic() + WAIT_S
    while len(list(marks.iterdir())) < WORKERS and time.monotonic() < deadline:
        time.sleep(0.01)
    workers = list(getattr(executor, "_processes", {}).values())
    manager = getattr(executor, "_executor_manager_thread", None)
    getattr(executor, operation)()
    if manager is not None:
        manager.join(WAIT_S)
    all_done = settle(futures, WAIT_S)
    wait_counts_all = len(concurrent.futures.wait(futures, timeout=0.5).done) == TASKS
    taken = {int(path.name.split("-")[1]) for path in marks.iterdir()}
    ends: List[Dict[str, Any]] = [outcome(f) if f.done() else {"type": "not done"} for f in futures]
    codes = [w.exitcode for w in workers]
    read = [c for c in codes if c != 255]
    requested = -SIGNALS[operation]
    answer = {
        "taken": sorted({ends[i]["type"] for i in taken}),
        "not_taken": sorted({e["type"] for i, e in enumerate(ends) if i not in taken}),
        "results": classify_count(sum(e["type"] == "result" for e in ends), TASKS),
        "all_done": all_done,
        "wait_counts_cancelled_as_done": wait_counts_all,
        "workers_ended_by_signal": classify_count(sum(c is not None and c < 0 for c in read), len(read))
        if read
        else None,
        "requested_signal": classify_count(read.count(requested), len(read), presence=True) if read else None,
        # races, kept apart: kill_workers() SIGKILLs one worker, the pool's own thread may SIGTERM the
        # others first; and a forkserver worker's status read twice at once reads 255 once
        "other_signal": classify_count(sum(c != requested for c in read), len(read), presence=True) if read else None,
        "exitcode_255": classify_count(codes.count(255), len(codes), presence=True) if codes else None,
        "submit_after": submit_after(executor),
    }
    executor.shutdown(wait=True)
    return answer


def run(cell: Cell) -> None:
    cell.observe("worker_dies", worker_dies(cell))
    available = hasattr(concurrent.futures.ProcessPoolExecutor, "terminate_workers")
    cell.observe("stop_workers_available", available)
    for operation in ("terminate_workers", "kill_workers"):
        cell.observe(operation, stop_workers(cell, operation) if available else not_applicable(ADDED))
