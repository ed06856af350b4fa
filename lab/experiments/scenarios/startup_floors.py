"""The floors under a child's start-up, timed from inside a fresh parent, beside a real start.

    python startup_floors.py OUT.json WARMUPS SAMPLES FLOORS

Each sample times one start of a trivial child with FORKLAB_METHOD and, in turn, every floor
once, so that a slow moment on a shared machine hits the floors and the start alike and the
report can subtract one from the other. FLOORS is ``all``, or ``fork`` for the raw os.fork()
floor alone (the interpreter floors do not depend on the start method). WARMUPS starts of the
child come first and are discarded (the first one starts forkserver's server). The interpreter
floors run sys.executable, as spawn does.
"""

import multiprocessing
import os
import sys
import time

PYTHON_FLOORS = {
    "python_S_c_pass": ["-S", "-c", "pass"],
    "python_I_c_pass": ["-I", "-c", "pass"],
    "python_c_pass": ["-c", "pass"],
    "python_import_multiprocessing": ["-c", "import multiprocessing"],
    # what a spawn child imports before it reads anything from its parent
    "python_import_spawn_main": ["-c", "from multiprocessing.spawn import spawn_main"],
}


def python_start(arguments):
    """Milliseconds from starting an interpreter to its exit."""
    began = time.perf_counter()
    subprocess.run([sys.executable, *arguments], stdin=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - began) * 1000


def fork_round_trip():
    """A raw os.fork(): ms until the child's byte arrives through a pipe, and until waitpid()."""
    readable, writable = os.pipe()
    began = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.write(writable, b"x")
        os._exit(0)
    os.close(writable)
    os.read(readable, 1)
    messaged = time.perf_counter()
    os.waitpid(pid, 0)
    reaped = time.perf_counter()
    os.close(readable)
    return (messaged - began) * 1000, (reaped - began) * 1000


def child():
    pass


def method_start(context):
    """Milliseconds from start() to join() of a trivial child with the cell's start method."""
    p = context.Process(target=child)
    began = time.perf_counter()
    p.start()
    p.join(30)
    if p.exitcode != 0:
        p.kill()
        p.join()
        raise RuntimeError(f"the child ended with exitcode {p.exitcode}")
    return (time.perf_counter() - began) * 1000


def one_round(context, floors):
    times = {"method_start_to_join": method_start(context)}
    if floors == "all":
        times.update((name, python_start(arguments)) for name, arguments in PYTHON_FLOORS.items())
    if hasattr(os, "fork"):
        times["os_fork_to_message"], times["os_fork_to_waitpid"] = fork_round_trip()
    return times


if __name__ == "__main__":
    import json  # here, not at the top: spawn and forkserver children re-run the top level
    import subprocess

    out, warmups, samples, floors = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    context = multiprocessing.get_context(os.environ["FORKLAB_METHOD"])
    for _ in range(warmups):
        method_start(context)
    result = {"samples": {}, "units": {}, "observations": {"os_fork_available": hasattr(os, "fork")}}
    for _ in range(samples):
        for name, value in one_round(context, floors).items():
            result["samples"].setdefault(name, []).append(value)
    with open(out, "w") as f:
        json.dump(result, f)
