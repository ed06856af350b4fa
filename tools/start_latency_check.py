"""Independent check of lab's start_latency: median ms from start() to join() of a trivial child.

Written without the lab on purpose (one parent, plain loop, stdlib only), so that a bug in the lab's
harness would show as a disagreement. Usage: python tools/start_latency_check.py [SAMPLES]
Its top level imports as little as the lab's scenario does: spawn and forkserver children import it
again, and `import statistics` alone added 20 ms to every forkserver start here (see import_weight).
"""

import multiprocessing
import sys
import time


def child():
    pass


def median_start_to_join(method, samples, warmups=3):
    context = multiprocessing.get_context(method)
    times = []
    for i in range(warmups + samples):
        p = context.Process(target=child)
        began = time.perf_counter()
        p.start()
        p.join()
        if i >= warmups:
            times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return (times[(samples - 1) // 2] + times[samples // 2]) / 2


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    for method in multiprocessing.get_all_start_methods():
        print(f"{method:<11} {median_start_to_join(method, count):8.2f} ms")
