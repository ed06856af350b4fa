"""A user's script that starts trivial children, timed from inside a fresh parent.

    python startup_latency.py OUT.json WARMUPS SAMPLES

The first start in this process is recorded on its own ("cold": forkserver's first child also
starts the server); WARMUPS more starts are discarded; SAMPLES starts are timed. Each start is
timed from start() to the child's first message and to join() returning.

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


def child(conn):
    conn.send(os.getpid() == MAIN_LOADED_BY)  # True when this child ran the top level again
    conn.close()


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
    context = multiprocessing.get_context(os.environ["FORKLAB_METHOD"])
    result = {"samples": {}, "units": {}, "observations": {}}

    def keep(name, value):
        result["samples"].setdefault(name, []).append(value)

    to_message, to_join, reran = start_once(context)
    keep("cold_start_to_message", to_message)
    keep("cold_start_to_join", to_join)
    reruns = [reran]
    for _ in range(warmups):
        reruns.append(start_once(context)[2])
    for _ in range(samples):
        to_message, to_join, reran = start_once(context)
        keep("steady_start_to_message", to_message)
        keep("steady_start_to_join", to_join)
        reruns.append(reran)
    if os.environ.get("FORKLAB_WEIGHT"):
        keep("import_in_parent", IMPORT_MS)
    result["observations"]["main_reran_in_child"] = {"count": sum(reruns), "trials": len(reruns)}
    with open(out, "w") as f:
        json.dump(result, f)
