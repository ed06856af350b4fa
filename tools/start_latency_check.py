"""Independent check of lab's start_latency: median ms from start() to join() of a trivial child.

Written without the lab on purpose (one parent, plain loop, stdlib only), so that a bug in the lab's
harness would show as a disagreement. Two children: one with no arguments, and one that, like the
lab's, is handed a Pipe end and sends one message (on PyPy handing over the pipe costs forkserver
several ms). Usage: python tools/start_latency_check.py [SAMPLES]
Its top level imports as little as the lab's scenario does: spawn and forkserver children import it
again, and `import statistics` alone added 20 ms to every forkserver start here (see import_weight).
"""

import multiprocessing
import sys
import time


def bare():
    pass


def messenger(conn):
    conn.send(None)


def median_start_to_join(context, samples, with_pipe, warmups=3):
    times = []
    for i in range(warmups + samples):
        receiver, sender = context.Pipe(duplex=False)
        p = context.Process(target=messenger, args=(sender,)) if with_pipe else context.Process(target=bare)
        began = time.perf_counter()
        p.start()
        if with_pipe:
            receiver.recv()
        p.join()
        if i >= warmups:
            times.append((time.perf_counter() - began) * 1000)
        receiver.close()
        sender.close()
    times.sort()
    return (times[(samples - 1) // 2] + times[samples // 2]) / 2


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    print(f"{sys.version.split()[0]:<10} {'bare child':>11} {'pipe child':>11}")
    for method in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context(method)
        bare_ms, pipe_ms = (median_start_to_join(context, count, with_pipe) for with_pipe in (False, True))
        print(f"{method:<10} {bare_ms:8.2f} ms {pipe_ms:8.2f} ms")
