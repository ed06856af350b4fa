"""``terminate()`` only asks the operating system to stop a child; it does not wait.

Right after ``terminate()`` (SIGTERM on POSIX) or ``kill()`` (SIGKILL) the child may still be alive,
which is why the tutorial's ``print(p.is_alive())`` can print ``True``. ``join()`` waits until the
child is really gone. Each trial starts a child that says it is running and sleeps, then stops it and
measures how long the stop takes to be seen.
"""

from __future__ import annotations

import time

from lab.experiment import TIMING, Cell, Experiment, Observation, Rounds, classify_count, finish, now_ms

EXPERIMENT = Experiment(
    name="terminate_latency",
    title="terminate() and kill() take time",
    question="Is a child still alive right after terminate() or kill(), and how long until join() returns?",
    concept="p.terminate() # 与start一样 都是给操作系统发送指令 所以会有延迟 — like start(), terminate() only sends "
    "the operating system a request, so it takes effect with a delay",
    lesson="terminate() and kill() only ask the operating system to stop the child, so is_alive() right after "
    "them can still be True; join() waits until the child is gone. The child's exitcode is then -SIGTERM or "
    "-SIGKILL (on Windows both are TerminateProcess, reported as -SIGTERM).",
    docs="https://docs.python.org/3/library/multiprocessing.html#multiprocessing.Process.terminate",
    kind=TIMING,
    version=2,  # rounds: the same 30 stops of each kind, in three fresh parents
    rounds=Rounds(full=3, quick=2),
    summaries=({"kind": "ratio", "timing": "terminate_to_join", "baseline": "fork"},),
    observations=(
        Observation("alive_right_after_terminate", "is_alive() right after terminate()", glance=True),
        Observation("alive_right_after_kill", "is_alive() right after kill()"),
        Observation("terminate_exitcodes", "exitcode after terminate()"),
        Observation("kill_exitcodes", "exitcode after kill()"),
    ),
)

BATCH = 5  # children started together, then stopped one at a time


def sleeper(conn) -> None:
    conn.send("running")
    conn.close()
    time.sleep(60)


def start_running(cell: Cell, count: int) -> list:
    """Start ``count`` children and wait until each says it is running."""
    children = []
    for _ in range(count):
        receiver, sender = cell.context.Pipe(duplex=False)
        p = cell.context.Process(target=sleeper, args=(sender,))
        p.start()
        sender.close()
        children.append((p, receiver))
    for _, receiver in children:
        if not receiver.poll(30):
            finish(*(child for child, _ in children), timeout=0)
            raise RuntimeError("a child did not report that it was running within 30 s")
        receiver.recv()
        receiver.close()
    return [p for p, _ in children]


def stop(cell: Cell, p, how: str, trial: int) -> bool:
    """Stop one child; return whether it was alive right after the request."""
    started = now_ms()
    p.terminate() if how == "terminate" else p.kill()
    alive = p.is_alive()
    if trial % 2 == 0:
        p.join()
        cell.sample(f"{how}_to_join", now_ms() - started)
    else:
        while p.is_alive():
            pass
        cell.sample(f"{how}_to_not_alive", now_ms() - started)
        p.join()
    return alive


def run(cell: Cell) -> None:
    trials = cell.trials(full=10, quick=4)  # per round
    for how in ("terminate", "kill"):
        alive_after, exitcodes, trial = 0, set(), 0
        while trial < trials:
            batch = start_running(cell, min(BATCH, trials - trial))
            try:
                for p in batch:
                    alive_after += stop(cell, p, how, trial)
                    exitcodes.add(p.exitcode)
                    trial += 1
            finally:
                finish(*batch, timeout=0)  # the safety net: nothing of a failed batch is left running
        # Whether the child can still be alive right after the request is the stable finding;
        # how often depends on the machine's load, so the class is none/seen (presence).
        cell.observe(f"alive_right_after_{how}", classify_count(alive_after, trials, presence=True))
        cell.observe(f"{how}_exitcodes", sorted(exitcodes))
