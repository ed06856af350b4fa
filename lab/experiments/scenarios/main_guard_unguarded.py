"""The tutorial's warning, run for real: a process created at module level, with no guard.

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


with open("events.log", "a+") as f:  # a safety net: never let a broken guard fork forever
    f.seek(0)
    if len(f.readlines()) > 20:
        os._exit(99)

log("module " + __name__)
child = multiprocessing.get_context(os.environ["FORKLAB_METHOD"]).Process(target=target)
child.start()  # no `if __name__ == "__main__":` -- every process that imports this file gets here
child.join()

if __name__ == "__main__":
    with open(sys.argv[1], "w") as out:
        json.dump({"parent_pid": os.getpid(), "child_exitcode": child.exitcode}, out)
