"""An independent ~20-line check of terminate_latency's terminate_to_join (not part of the lab).

python tools/terminate_check.py [trials]
"""

import multiprocessing as mp
import statistics
import sys
import time


def sleeper(conn):
    conn.send("running")
    time.sleep(60)


if __name__ == "__main__":
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    for method in mp.get_all_start_methods():
        ctx, samples = mp.get_context(method), []
        for _ in range(trials):
            receiver, sender = ctx.Pipe(duplex=False)
            p = ctx.Process(target=sleeper, args=(sender,))
            p.start()
            receiver.recv()
            started = time.perf_counter()
            p.terminate()
            p.join()
            samples.append((time.perf_counter() - started) * 1000)
        print(f"{sys.version.split()[0]} {method:<10} terminate_to_join median {statistics.median(samples):.3f} ms")
