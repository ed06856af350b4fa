"""孤儿进程: a parent that ends before its child, and the child that keeps running.

    python parent_leaves_first.py

A user's program, run by lab/experiments/orphans.py; the start method is chosen once
under the main guard (forklab passes it in FORKLAB_METHOD). The parent starts a child and leaves
at once with os._exit(0), so nothing joins the child; the child says who its parent is before and
after. Everything printed goes to output.txt (see boss_leaves.py for why).
"""

import multiprocessing
import os
import time
from multiprocessing import Pipe, Process

from lab.experiments._processes import os_parent, send_output_to


def child(running):
    parent_before = os_parent()
    print("child", f"pid={os.getpid()}", f"parent={parent_before}")
    running.send(True)
    multiprocessing.parent_process().join(10)  # until the parent has gone
    deadline = time.monotonic() + 1.0  # then give the OS a moment to hand the child to a new parent
    while os_parent() == parent_before and time.monotonic() < deadline:
        time.sleep(0.005)
    print("orphan", f"pid={os.getpid()}", f"parent={os_parent()}")


if __name__ == "__main__":
    multiprocessing.set_start_method(os.environ["FORKLAB_METHOD"])
    send_output_to("output.txt")
    running, child_end = Pipe(duplex=False)
    Process(target=child, args=(child_end,)).start()
    running.poll(30)
    print("parent", f"pid={os.getpid()}", "leaves first")
    os._exit(0)  # at once, without joining its child: the child is an orphan now
