"""The tutorial's daemon example (老板不在: the boss leaves), with a boss that really exits.

    python boss_leaves.py MODE

MODE         the child is    the boss (the parent) leaves by
daemon       daemonic        ending its main code, as in the tutorial
non-daemon   not daemonic    ending its main code
os-exit      daemonic        os._exit(0): no clean-up, so nobody terminates the daemon

A user's program, run by lab/experiments/daemon.py; the start method is chosen once under the
main guard (forklab passes it in FORKLAB_METHOD). Everything the processes print goes to
output.txt: the boss points its stdout there before it starts anything, so a child that
outlives it does not hold the caller's pipes, and what the child says last is kept.
"""

import multiprocessing
import os
import sys
from multiprocessing import Pipe, Process

from lab.experiments._processes import send_output_to

# How long the child waits for its boss to leave before it ends by itself (it stays bounded).
PATIENCE = {"daemon": 5.0, "non-daemon": 0.3, "os-exit": 5.0}


def teat(name, running, patience):
    print(f"{name} 在", f"pid={os.getpid()}")
    running.send(True)
    boss = multiprocessing.parent_process()
    boss.join(patience)  # the tutorial's time.sleep(1), cut short if the boss leaves
    print(f"{name} 不在", f"boss_alive={boss.is_alive()}")


if __name__ == "__main__":
    mode = sys.argv[1]
    multiprocessing.set_start_method(os.environ["FORKLAB_METHOD"])
    send_output_to("output.txt")
    running, child_end = Pipe(duplex=False)
    p = Process(target=teat, args=("coco", child_end, PATIENCE[mode]))
    p.daemon = mode != "non-daemon"
    p.start()
    running.poll(30)  # instead of the tutorial's time.sleep(0.1): the child is surely running
    print("老板不在")
    if mode == "os-exit":
        os._exit(0)
