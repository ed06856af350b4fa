"""The tutorial's first way to create a process: instantiate Process with the task as target.

    python process_creation_target.py

A user's program, run by lab/experiments/process_creation.py. It chooses the start method the
way the docs recommend for a program: ``set_start_method()`` once, under the main guard (forklab
passes the cell's method in FORKLAB_METHOD). Parent and child each note what they know of
themselves in seen.jsonl.
"""

import multiprocessing
import os
import time
from multiprocessing import Process

from lab.experiments._processes import note


def test(name):
    print(f"{name} is running")
    note("child")  # forklab: what the child knows of itself and its parent
    time.sleep(0.1)  # the tutorial's time.sleep(2), shortened
    print(f"{name} is over")


if __name__ == "__main__":
    multiprocessing.set_start_method(os.environ["FORKLAB_METHOD"])
    p = Process(target=test, args=("lolo",))
    p.start()
    print("主")
    p.join()  # forklab: wait for the child, then note what the parent saw
    note("parent", child_pid=p.pid, child_name=p.name, exitcode=p.exitcode)
