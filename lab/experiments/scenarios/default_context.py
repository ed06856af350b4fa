"""A user's script that never chooses a start method: what does it get?

Run by lab/experiments/default_context.py as ``default_context.py ANSWER.json MODE``:

* ``catch``: what Process, ProcessPoolExecutor() and multiprocessing.Pool() use by default, and
  with an explicit ``get_context(m)``; every warning of the first two recorded
  (``simplefilter("always")``);
* ``plain``: Process and ProcessPoolExecutor() with the default warning filters, so what a user
  would see lands on stderr;
* ``set``: ``set_start_method()`` twice, after ``get_start_method()``, with ``force=True``, and
  ``get_context()`` as the way out.

It never reads the cell's start method: the answer is the interpreter's, whatever the cell.
"""

import concurrent.futures
import json
import multiprocessing
import os
import sys
import warnings

from lab.normalise import describe_exception, mask_pid, normalise

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


def executor_uses(**options):
    """The start method of a ProcessPoolExecutor's worker (one worker: the default count only adds processes);
    what it raised if it cannot run a task at all (Debian's PyPy 3.9 with spawn or forkserver)."""
    try:
        with concurrent.futures.ProcessPoolExecutor(max_workers=1, **options) as executor:
            future = executor.submit(task)  # submit() has started the worker: look before it may exit
            workers = list(getattr(executor, "_processes", {}).values())
            future.result(timeout=60)
            return method_of(workers[0]) if workers else None
    except Exception as exc:
        return describe_exception(exc)


def pool_uses(context=multiprocessing):
    """The start method of a multiprocessing.Pool's worker."""
    with context.Pool(1) as pool:
        pool.apply(task)
        return method_of(pool._pool[0])


def defaults():
    """A Process and a ProcessPoolExecutor, nothing chosen: the first things a program creates."""
    answer = {
        "cell_method_visible": "FORKLAB_METHOD" in os.environ,
        "get_start_method_allow_none": multiprocessing.get_start_method(allow_none=True),
        "get_all_start_methods": multiprocessing.get_all_start_methods(),
    }
    process = multiprocessing.Process(target=child)
    process.start()
    answer["process_uses"] = method_of(process)
    process.join(30)
    answer["process_exitcode"] = process.exitcode
    answer["get_start_method"] = multiprocessing.get_start_method()
    answer["executor_uses"] = executor_uses()
    return answer


def the_rest():
    """Pool(), max_tasks_per_child, and explicit contexts. Not under the warning recorder: a fork here may
    follow a pool's thread that has not quite exited, and 3.12+ warns about that by chance."""
    answer = {
        "pool_uses": pool_uses(),
        "executor_max_tasks_per_child_uses": executor_uses(max_tasks_per_child=1),  # a TypeError before 3.11
    }
    answer["explicit"] = {
        m: {"executor": executor_uses(mp_context=multiprocessing.get_context(m)),
            "pool": pool_uses(multiprocessing.get_context(m))}
        for m in multiprocessing.get_all_start_methods()
    }  # fmt: skip
    return answer


def attempt(action):
    """None when ``action()`` works, else the exception it raised."""
    try:
        action()
    except Exception as exc:
        return describe_exception(exc)
    return None


def set_start_method_twice():
    """The mistakes: set_start_method() called twice, or after the default was used; and the fixes."""
    answer = {"first_set": attempt(lambda: multiprocessing.set_start_method("spawn"))}
    answer["second_set"] = attempt(lambda: multiprocessing.set_start_method("spawn"))
    answer["force"] = attempt(lambda: multiprocessing.set_start_method("spawn", force=True))
    multiprocessing.set_start_method(None, force=True)  # back to "nothing chosen"
    multiprocessing.get_start_method()  # merely asking fixes the default
    answer["set_after_get_start_method"] = attempt(lambda: multiprocessing.set_start_method("spawn"))
    other = [m for m in multiprocessing.get_all_start_methods() if m != multiprocessing.get_start_method()]
    context = multiprocessing.get_context(other[0] if other else "spawn")
    process = context.Process(target=child)
    process.start()
    process.join(30)
    answer["get_context_after_set"] = {"uses_asked_method": method_of(process) == context.get_start_method()}
    return answer


if __name__ == "__main__":
    mode = sys.argv[2]
    if mode == "catch":
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            answer = defaults()
        answer["warnings"] = [
            {"category": w.category.__name__, "message": normalise(mask_pid(str(w.message), os.getpid()))}
            for w in caught
        ]
        answer.update(the_rest())
    elif mode == "plain":
        answer = defaults()
    else:
        answer = set_start_method_twice()
    with open(sys.argv[1], "w") as out:
        json.dump(answer, out)
