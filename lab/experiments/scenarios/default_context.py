"""A user's script that never chooses a start method: what does it get?

Run by lab/experiments/default_context.py as ``default_context.py ANSWER.json catch|plain``.
With ``catch`` every warning is recorded (``simplefilter("always")``); with ``plain`` the default
warning filters apply and whatever the user would see lands on stderr.
"""

import concurrent.futures
import json
import multiprocessing
import os
import sys
import warnings

from lab.normalise import mask_pid, normalise

#: Which start method made a child, read from the module of its Popen object.
POPEN_METHODS = {
    "popen_fork": "fork",
    "popen_spawn_posix": "spawn",
    "popen_spawn_win32": "spawn",
    "popen_forkserver": "forkserver",
}


def method_of(process):
    module = type(getattr(process, "_popen", None)).__module__.rsplit(".", 1)[-1]
    return POPEN_METHODS.get(module, module)


def child():
    pass


def task():
    return os.getpid()


def observe():
    """One plain Process and one pool (one worker: the default count only adds processes)."""
    answer = {
        "get_start_method_allow_none": multiprocessing.get_start_method(allow_none=True),
        "get_all_start_methods": multiprocessing.get_all_start_methods(),
    }
    process = multiprocessing.Process(target=child)
    process.start()
    answer["process_uses"] = method_of(process)
    process.join(30)
    answer["process_exitcode"] = process.exitcode
    answer["get_start_method"] = multiprocessing.get_start_method()
    with concurrent.futures.ProcessPoolExecutor(max_workers=1) as executor:
        worker_pid = executor.submit(task).result(timeout=60)
        workers = [p for p in getattr(executor, "_processes", {}).values() if p.pid == worker_pid]
        answer["pool_uses"] = method_of(workers[0]) if workers else None
    return answer


if __name__ == "__main__":
    if sys.argv[2] == "catch":
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            answer = observe()
        answer["warnings"] = [
            {"category": w.category.__name__, "message": normalise(mask_pid(str(w.message), os.getpid()))}
            for w in caught
        ]
    else:
        answer = observe()
    with open(sys.argv[1], "w") as out:
        json.dump(answer, out)
