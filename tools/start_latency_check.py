"""Independent check of lab's start_latency: median ms from start() to join() of a trivial child.

Written without the lab on purpose (one parent, plain loop, stdlib only), so that a bug in the lab's
harness would show as a disagreement. Usage: python tools/start_latency_check.py [SAMPLES]
"""

import multiprocessing
import statistics
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
    return statistics.median(times)


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    for method in multiprocessing.get_all_start_methods():
        print(f"{method:<11} {median_start_to_join(method, count):8.2f} ms")
