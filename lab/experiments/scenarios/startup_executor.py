"""A user's script that creates a ProcessPoolExecutor and waits for its first result.

    python startup_executor.py OUT.json WARM MODE

MODE ``context`` passes ``mp_context=multiprocessing.get_context(FORKLAB_METHOD)``; MODE ``default``
passes no mp_context, which is what most users write. The first executor of this fresh parent is
timed on its own ("cold": the constructor, the first submit() and its result, with default
max_workers); WARM more executors are then created and timed the same way in the same parent.
"""

import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor


def square(x):
    return x * x


def first_result(mp_context):
    """Milliseconds from creating an executor to its first result, and to its shutdown."""
    began = time.perf_counter()
    with ProcessPoolExecutor(mp_context=mp_context) as executor:
        if executor.submit(square, 7).result(timeout=60) != 49:
            raise RuntimeError("wrong result")
        answered = time.perf_counter()
    shut_down = time.perf_counter()
    return (answered - began) * 1000, (shut_down - answered) * 1000


if __name__ == "__main__":
    import json  # here, not at the top: spawn and forkserver children re-run the top level

    out, warm, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    context = multiprocessing.get_context(os.environ["FORKLAB_METHOD"]) if mode == "context" else None
    prefix = "" if mode == "context" else "no_mp_context_"
    result = {"samples": {}, "units": {}, "observations": {}}

    def keep(name, value):
        result["samples"].setdefault(prefix + name, []).append(value)

    try:
        to_result, to_shutdown = first_result(context)
    except Exception as exc:  # an executor that cannot start workers is an observation, not a crash
        result["observations"]["first_result"] = {"type": type(exc).__name__, "message": str(exc)}
    else:
        result["observations"]["first_result"] = "ok"
        keep("cold_first_result", to_result)
        keep("cold_shutdown", to_shutdown)
        for _ in range(warm):
            to_result, to_shutdown = first_result(context)
            keep("warm_first_result", to_result)
    if mode == "default":
        # the executor has set the global default context by now; this reads which one it used
        result["observations"]["default_method"] = multiprocessing.get_start_method()
    with open(out, "w") as f:
        json.dump(result, f)
