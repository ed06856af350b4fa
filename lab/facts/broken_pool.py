"""A broken ProcessPoolExecutor (Lib/concurrent/futures/process.py).

``_ExecutorManagerThread.terminate_broken`` runs when a worker's sentinel fires without a result:
it sets ``executor._broken`` ("A child process terminated abruptly, the process pool is not
usable anymore"), which ``submit()`` raises as BrokenProcessPool, and fails every pending future
with BrokenProcessPool("A process in the process pool was terminated abruptly while the future
was running or pending."). 3.15 sets that exception's ``__cause__`` to "Process PID terminated
abruptly with exit code N" when no traceback is known. ``terminate_workers()``/``kill_workers()``
(3.14, gh-128041) call ``shutdown(wait=False, cancel_futures=True)`` and then terminate()/kill()
each live worker.
"""

from __future__ import annotations

from lab.facts.dsl import cpython, docs, equal_all, equals, fact, issue, one_of, when

PROCESS = "Lib/concurrent/futures/process.py"
RUNNING = "A process in the process pool was terminated abruptly while the future was running or pending."
UNUSABLE = "A child process terminated abruptly, the process pool is not usable anymore"
TERMINATE_BROKEN = cpython("v3.14.0", PROCESS, "_ExecutorManagerThread._terminate_broken")
BROKEN_DOCS = docs(
    "3.14", "library/concurrent.futures.html", "concurrent.futures.process.BrokenProcessPool", "BrokenProcessPool"
)
FORCE = cpython("v3.14.0", PROCESS, "ProcessPoolExecutor._force_shutdown")
STOP_DOCS = docs(
    "3.14",
    "library/concurrent.futures.html",
    "concurrent.futures.ProcessPoolExecutor.terminate_workers",
    "terminate_workers()",
)

FACTS = [
    fact(
        "broken-pool-worker-dies",
        "a worker that exits mid-task breaks the pool: its future and the one queued behind it raise "
        "BrokenProcessPool, and so does every later submit()",
        when(implementation=None),
        equal_all(
            {
                "worker_dies.future": {"type": "BrokenProcessPool", "message": RUNNING},
                "worker_dies.queued_future": {"type": "BrokenProcessPool", "message": RUNNING},
                "worker_dies.submit_after": {"type": "BrokenProcessPool", "message": UNUSABLE},
                "worker_dies.worker_exitcode": 3,
            }
        ),
        cpython("v3.8.0", PROCESS, "_queue_management_worker: executor._broken, BrokenProcessPool"),
        TERMINATE_BROKEN,
        BROKEN_DOCS,
    ),
    fact(
        "broken-pool-cause-names-the-exit-code",
        "from 3.15 the BrokenProcessPool's __cause__ names the dead worker and its exit code -- with the "
        "forkserver, whose status pipe carries the exit status when the pool learns of the death (fork and "
        "spawn ask waitpid(WNOHANG) at that moment and often get nothing yet)",
        when(methods=("forkserver",), since="3.15"),
        equal_all(
            {
                "worker_dies.cause": "Process <pid> terminated abruptly with exit code 3",
                "worker_dies.cause_named.class": "seen",
            }
        ),
        cpython("v3.15.0", PROCESS, "_terminate_broken: 'terminated abruptly with exit code'"),
        issue(139462),
    ),
    fact(
        "broken-pool-no-cause-before-3.15",
        "before 3.15 a worker that died without a traceback leaves the BrokenProcessPool without a __cause__",
        when(implementation=None, before="3.15"),
        equal_all({"worker_dies.cause": None, "worker_dies.cause_named.class": "none"}),
        TERMINATE_BROKEN,
    ),
    fact(
        "broken-pool-stop-workers-added-in-3.14",
        "ProcessPoolExecutor.terminate_workers() and kill_workers() exist from 3.14",
        when(since="3.14"),
        equals("stop_workers_available", True),
        STOP_DOCS,
        issue(128041),
    ),
    fact(
        "broken-pool-stop-workers-absent-before-3.14",
        "before 3.14 there is no terminate_workers() or kill_workers()",
        when(implementation=None, before="3.14"),
        equals("stop_workers_available", False),
        STOP_DOCS,
    ),
    fact(
        "broken-pool-terminate-workers-breaks-the-pool",
        "terminate_workers(): no future gets a result, the tasks the workers had taken fail with "
        "BrokenProcessPool, those still waiting are cancelled (or fail, if already queued to the workers), "
        "and the pool accepts no more work",
        when(since="3.14"),
        equal_all(
            {
                "terminate_workers.taken": ["BrokenProcessPool"],
                "terminate_workers.results.class": "none",
                "terminate_workers.all_done": True,
                "terminate_workers.submit_after": {"type": "BrokenProcessPool", "message": UNUSABLE},
            }
        ),
        FORCE,
        STOP_DOCS,
    ),
    fact(
        "broken-pool-terminate-workers-cancels-waiting",
        "terminate_workers(): the tasks no worker had taken end cancelled, or BrokenProcessPool if already queued",
        when(since="3.14"),
        one_of("terminate_workers.not_taken", [["cancelled"], ["BrokenProcessPool", "cancelled"]]),
        FORCE,
    ),
    fact(
        "broken-pool-terminate-workers-signals",
        "terminate_workers() ends every worker with SIGTERM (-15); kill_workers() ends every worker by a signal, "
        "SIGKILL (-9) at least the first -- the pool's own thread may SIGTERM the others before they are killed",
        when(since="3.14", platforms=("linux", "macos")),
        equal_all(
            {
                "terminate_workers.workers_ended_by_signal.class": "all",
                "terminate_workers.requested_signal.class": "seen",
                "terminate_workers.other_signal.class": "none",
                "kill_workers.workers_ended_by_signal.class": "all",
                "kill_workers.requested_signal.class": "seen",
            }
        ),
        FORCE,
        TERMINATE_BROKEN,
        cpython("v3.14.0", "Lib/multiprocessing/popen_fork.py", "Popen.terminate / Popen.kill"),
    ),
]
