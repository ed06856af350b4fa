"""The tutorial's fix: create the processes only under `if __name__ == "__main__":`.

Three processes, one after another. Every process that runs this file's module-level code, and
every target, writes one line to events.jsonl, so the lab can count who ran it and how often.
"""

import json
import multiprocessing
import os
import sys


def log(event, **details):
    with open("events.jsonl", "a") as f:
        f.write(json.dumps(dict(details, event=event, pid=os.getpid())) + "\n")


def work(n):
    log("target", n=n, main=sys.modules["__main__"].__name__)


log("module", name=__name__)  # module-level code: who runs it, and how often?

if __name__ == "__main__":
    ctx = multiprocessing.get_context(os.environ["FORKLAB_METHOD"])
    for n in range(3):
        p = ctx.Process(target=work, args=(n,))
        p.start()
        p.join()
        log("child", n=n, child=p.pid, exitcode=p.exitcode)
