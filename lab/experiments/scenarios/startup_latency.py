"""A user's script that starts trivial children, timed from inside a fresh parent.

    python startup_latency.py OUT.json WARMUPS SAMPLES [MIN_VALUE_MS]

The first start in this process is recorded on its own ("cold": forkserver's first child also
starts the server); WARMUPS more starts are discarded; SAMPLES values are timed. Each start is
timed from start() to the child's first message and to join() returning. A value is one start,
or with MIN_VALUE_MS the mean of as many starts as last that long by the last warm-up's
time -- pyperf's loops: a fork start of 3 ms is otherwise one draw of the machine's scheduling
noise, while a spawn start of 80 ms already spans it.

FORKLAB_WEIGHT names a generated module that this script imports at its top, as a user's own
imports would be: spawn and forkserver children run this top level again, fork children do not.
"""

import multiprocessing
import os
import sys
import time

IMPORT_BEGAN = time.perf_counter()
if os.environ.get("FORKLAB_WEIGHT"):
    __import__(os.environ["FORKLAB_WEIGHT"])
IMPORT_MS = (time.perf_counter() - IMPORT_BEGAN) * 1000
MAIN_LOADED_BY = os.getpid()  # the process that ran this top level
MAX_LOOPS = 50


def child(conn):
    conn.send(os.getpid() == MAIN_LOADED_BY)  # True when this child ran the top level again
    conn.close()


def loops_for(min_value_ms, start_ms):
    """How many starts of ``start_ms`` one value averages to last at least ``min_value_ms`` (1 to MAX_LOOPS)."""
    if min_value_ms <= 0:
        return 1
    return min(MAX_LOOPS, max(1, int(-(-min_value_ms // max(start_ms, 1e-3)))))  # the ceiling


def start_once(context):
    """One start: (ms to first message, ms to join, did the child re-run __main__)."""
    receiver, sender = context.Pipe(duplex=False)
    p = context.Process(target=child, args=(sender,))
    began = time.perf_counter()
    try:
        p.start()
        sender.close()
        if not receiver.poll(30):
            raise RuntimeError("no message from the child within 30 s")
        reran_main = receiver.recv()
        messaged = time.perf_counter()
        p.join(30)
        joined = time.perf_counter()
        if p.exitcode != 0:
            raise RuntimeError(f"the child ended with exitcode {p.exitcode}")
    finally:
        if p.is_alive():
            p.kill()
            p.join()
        receiver.close()
    return (messaged - began) * 1000, (joined - began) * 1000, reran_main


if __name__ == "__main__":
    import json  # here, not at the top: spawn and forkserver children re-run the top level

    out, warmups, samples = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    min_value_ms = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
    context = multiprocessing.get_context(os.environ["FORKLAB_METHOD"])
    result = {"samples": {}, "units": {}, "observations": {}}

    def keep(name, value):
        result["samples"].setdefault(name, []).append(value)

    to_message, to_join, reran = start_once(context)
    keep("cold_start_to_message", to_message)
    keep("cold_start_to_join", to_join)
    reruns = [reran]
    for _ in range(warmups):
        _, to_join, reran = start_once(context)
        reruns.append(reran)
    loops = loops_for(min_value_ms, to_join) if warmups else 1
    for _ in range(samples):
        starts = [start_once(context) for _ in range(loops)]
        keep("steady_start_to_message", sum(s[0] for s in starts) / loops)
        keep("steady_start_to_join", sum(s[1] for s in starts) / loops)
        reruns += [s[2] for s in starts]
    if min_value_ms:
        keep("starts_per_steady_value", loops)
        result["units"]["starts_per_steady_value"] = "starts"
    if os.environ.get("FORKLAB_WEIGHT"):
        keep("import_in_parent", IMPORT_MS)
    result["observations"]["main_reran_in_child"] = {"count": sum(reruns), "trials": len(reruns)}
    with open(out, "w") as f:
        json.dump(result, f)
