"""windows创建进程一定要在if __name__ == '__main__':代码块内创建 否则报错 -- the tutorial's warning, run for real.

This script starts three processes at module level, with no guard. Every process that runs its
module-level code, and every target, writes one line to events.jsonl, so the lab can tell who ran
what. Run as ``python main_guard_unguarded.py`` or as ``python -m main_guard_unguarded``.
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


with open("events.jsonl", "a+") as f:  # a safety net: never let a broken guard start processes forever
    f.seek(0)
    if len(f.readlines()) > 60:
        os._exit(99)

log("module", name=__name__)  # module-level code: who runs it, and how often?

ctx = multiprocessing.get_context(os.environ["FORKLAB_METHOD"])
for n in range(3):
    p = ctx.Process(target=work, args=(n,))
    try:
        p.start()  # no `if __name__ == "__main__":` -- every process that imports this file gets here
    except BaseException as exc:
        log("start failed", name=__name__, type=type(exc).__name__, message=str(exc))
        raise
    p.join()
    log("child", n=n, child=p.pid, exitcode=p.exitcode)
