"""A user's script that starts K children at once, then uses a Pool(4), timed from a fresh parent.

    python startup_concurrent.py OUT.json REPEATS K1,K2,... TASKS POOLS

For each K, REPEATS bursts: start K trivial children one after another, wait for each one's first
message and join them all; the rate is K / elapsed (starts per second). A first burst of one child
is discarded (forkserver starts its server there). Then POOLS times a Pool(4): time to create it,
its first map() over 4 trivial tasks (the workers come up), both together (from Pool(4) to the
first results), the per-task time of map() over TASKS trivial tasks with the default chunksize
(in MAPS maps of TASKS / MAPS tasks, one sample each), and close() + join().
"""

import multiprocessing
import os
import sys
import time

POOL_SIZE = 4
MAPS = 4


def child(conn):
    conn.send(None)
    conn.close()


def noop(x):
    return x


def burst(context, k):
    """Start k children at once; seconds from the first start() to the last join()."""
    pipes = [context.Pipe(duplex=False) for _ in range(k)]
    processes = [context.Process(target=child, args=(sender,)) for _, sender in pipes]
    began = time.perf_counter()
    try:
        for p, (_, sender) in zip(processes, pipes):
            p.start()
            sender.close()
        for receiver, _ in pipes:
            if not receiver.poll(60):
                raise RuntimeError("a child sent no message within 60 s")
            receiver.recv()
        for p in processes:
            p.join(60)
        elapsed = time.perf_counter() - began
        if any(p.exitcode != 0 for p in processes):
            raise RuntimeError(f"exit codes {[p.exitcode for p in processes]}")
    finally:
        for p in processes:
            if p.is_alive():
                p.kill()
                p.join()
        for receiver, _ in pipes:
            receiver.close()
    return elapsed


def pool_timings(context, tasks):
    """One Pool(4): a list of (name, value) samples."""
    per_map = max(1, tasks // MAPS)
    began = time.perf_counter()
    pool = context.Pool(POOL_SIZE)
    try:
        created = time.perf_counter()
        pool.map(noop, range(POOL_SIZE))
        first_map = time.perf_counter()
        samples = [
            ("pool4_create", (created - began) * 1000),
            ("pool4_first_map", (first_map - created) * 1000),
            ("pool4_create_to_first_results", (first_map - began) * 1000),
        ]
        for _ in range(MAPS):
            started = time.perf_counter()
            pool.map(noop, range(per_map))
            samples.append(("pool4_map_per_task", (time.perf_counter() - started) * 1e6 / per_map))
        mapped = time.perf_counter()
        pool.close()
        pool.join()
        samples.append(("pool4_close_join", (time.perf_counter() - mapped) * 1000))
    finally:
        pool.terminate()
    return samples


if __name__ == "__main__":
    import json  # here, not at the top: spawn and forkserver children re-run the top level

    out, repeats, ks, tasks = sys.argv[1], int(sys.argv[2]), [int(k) for k in sys.argv[3].split(",")], int(sys.argv[4])
    pools = int(sys.argv[5])
    context = multiprocessing.get_context(os.environ["FORKLAB_METHOD"])
    result = {"samples": {}, "units": {}, "observations": {"cpu_count": os.cpu_count()}}

    def keep(name, value, unit):
        result["samples"].setdefault(name, []).append(value)
        result["units"][name] = unit

    burst(context, 1)  # warm-up, discarded
    for _ in range(repeats):
        for k in ks:
            keep(f"k{k}_starts_per_s", k / burst(context, k), "starts/s")
    for _ in range(pools):
        for name, value in pool_timings(context, tasks):
            keep(name, value, "us" if name.endswith("per_task") else "ms")
    with open(out, "w") as f:
        json.dump(result, f)
