"""A user's script with a thread running when it starts a process, default warning filters.

Run by lab/experiments/fork_with_threads.py; whatever warning the user would see lands on stderr.
"""

import multiprocessing
import os
import threading


def child():
    pass


if __name__ == "__main__":
    stop = threading.Event()
    worker = threading.Thread(target=stop.wait, args=(30,))
    worker.start()
    process = multiprocessing.get_context(os.environ["FORKLAB_METHOD"]).Process(target=child)
    process.start()
    stop.set()
    worker.join(30)
    process.join(30)
