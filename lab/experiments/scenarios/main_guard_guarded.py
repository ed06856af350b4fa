"""The tutorial's fix: create the process only under `if __name__ == "__main__":`.

Every process that runs this file's module-level code appends a line to events.log, so the
parent can count how often it ran.
"""

import json
import multiprocessing
import os
import sys


def log(event):
    with open("events.log", "a") as f:
        f.write(f"{os.getpid()} {event}\n")


def target():
    log("target " + sys.modules["__main__"].__name__)


log("module " + __name__)

if __name__ == "__main__":
    child = multiprocessing.get_context(os.environ["FORKLAB_METHOD"]).Process(target=target)
    child.start()
    child.join()
    with open(sys.argv[1], "w") as out:
        json.dump({"parent_pid": os.getpid(), "child_exitcode": child.exitcode}, out)
