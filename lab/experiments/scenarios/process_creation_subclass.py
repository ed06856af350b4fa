"""The tutorial's second way to create a process: subclass Process and put the task in run().

    python process_creation_subclass.py

A user's program, run by lab/experiments/process_creation.py, like process_creation_target.py.
Under spawn and forkserver the MyProcess object is pickled and sent to the child, which imports
this file (as __mp_main__) to find the class; under fork the child has a copy.
"""

import multiprocessing
import os
import time
from multiprocessing import Process

from lab.experiments._processes import note


class MyProcess(Process):
    def __init__(self, name):
        super().__init__()
        self.name = name

    def run(self):
        print(f"{self.name} is running")
        note("child")  # forklab: what the child knows of itself and its parent
        time.sleep(0.1)  # the tutorial's time.sleep(2), shortened
        print(f"{self.name} is over")


if __name__ == "__main__":
    multiprocessing.set_start_method(os.environ["FORKLAB_METHOD"])
    p = MyProcess("coco")
    p.start()
    print("主")
    p.join()  # forklab: wait for the child, then note what the parent saw
    note("parent", child_pid=p.pid, child_name=p.name, exitcode=p.exitcode)
