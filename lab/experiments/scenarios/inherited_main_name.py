"""A plain `python script.py`: what is `__name__` of the main module in its child?

Run by lab/experiments/inherited_state.py; the answer goes to argv[1] as JSON.
"""

import json
import multiprocessing
import os
import sys


def report(conn):
    conn.send(sys.modules["__main__"].__name__)
    conn.close()


if __name__ == "__main__":
    ctx = multiprocessing.get_context(os.environ["FORKLAB_METHOD"])
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(target=report, args=(sender,))
    child.start()
    sender.close()
    name = receiver.recv() if receiver.poll(30) else None
    child.join(30)
    with open(sys.argv[1], "w") as out:
        json.dump({"child_main_name": name, "child_exitcode": child.exitcode}, out)
