"""The tutorial's daemon example ("老板不在": the boss leaves), with a parent that really exits.

    python boss_leaves.py MODE LOG

MODE         the child is   the boss (parent) leaves by
daemon       daemonic       ending its main code normally
non-daemon   not daemonic   ending its main code normally
os-exit      daemonic       os._exit(0): no clean-up, so nobody terminates the daemon
orphan       not daemonic   os._exit(0): the parent exits first and the child is orphaned

Every process appends lines to LOG (the proof, rather than timing):
    boss BOSS_PID
    start CHILD_PID PPID PARENT_PROCESS_PID     -- the child's first line
    end PARENT_ALIVE PPID                       -- the child's last line, if it gets there
The boss points its stdout and stderr at boss_output.txt before starting anything, so a child
that outlives it does not keep the caller's pipes open.
"""

import multiprocessing
import os
import sys
import time

# How long the child waits for its boss to leave before it ends by itself (it stays bounded).
PATIENCE = {"daemon": 5.0, "non-daemon": 0.3, "os-exit": 5.0, "orphan": 5.0}


def log(path, line):
    with open(path, "a") as f:
        f.write(line + "\n")


def teat(name, log_path, ready, patience):
    parent = multiprocessing.parent_process()
    ppid_before = os.getppid()  # platform-ok: Windows never re-parents; daemon.py records that as not applicable
    log(log_path, f"start {os.getpid()} {ppid_before} {parent.pid}")
    print(f"{name} 在")
    ready.send("running")
    parent.join(patience)  # the tutorial's time.sleep(1), but it wakes early if the boss leaves
    if not parent.is_alive():  # the boss is gone: give the OS a moment to re-parent us
        deadline = time.monotonic() + 0.5
        while os.getppid() == ppid_before and time.monotonic() < deadline:  # platform-ok: bounded; times out on Windows
            time.sleep(0.005)
    print(f"{name} 不在")
    log(log_path, f"end {int(parent.is_alive())} {os.getppid()}")  # platform-ok: as above


if __name__ == "__main__":
    mode, log_path = sys.argv[1], sys.argv[2]
    output = os.open("boss_output.txt", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(output, 1)
    os.dup2(output, 2)
    log(log_path, f"boss {os.getpid()}")

    ctx = multiprocessing.get_context(os.environ["FORKLAB_METHOD"])
    ready, ready_sender = ctx.Pipe(duplex=False)
    p = ctx.Process(target=teat, args=("coco", log_path, ready_sender, PATIENCE[mode]))
    p.daemon = mode in ("daemon", "os-exit")
    p.start()
    if ready.poll(30):  # instead of the tutorial's time.sleep(0.1): the child is surely running
        ready.recv()
    print("老板不在")
    sys.stdout.flush()
    if mode in ("os-exit", "orphan"):
        os._exit(0)
