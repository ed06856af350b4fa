"""How long it takes to start a child under each start method, and why spawn is the slow one.

``fork`` copies the running parent, so the child is ready almost at once. ``spawn`` starts a fresh
Python interpreter that imports multiprocessing and re-runs the parent's main script before it can
run the target; ``forkserver`` forks from a small server process that it starts (once per program)
on the first ``start()``. Each round runs one fresh parent per method: its first start is timed on
its own ("cold"), then after a discarded warm-up the steady state is sampled. The rounds spread the
samples over fresh parents as pyperf does, and the methods of one round run seconds apart, so the
ratios between them are paired round by round.
"""

from __future__ import annotations

from lab.experiment import TIMING, Cell, Experiment, Observation, Rounds, classify_count
from lab.experiments._parents import add_counts, run_parents

EXPERIMENT = Experiment(
    name="start_latency",
    title="Start-up latency per start method",
    question="How long from start() to the child's first message and to join(), cold and steady?",
    concept="# 告诉操作系统帮你创建进程 p.start() — start() asks the operating system for a new process, "
    "and the process takes time to exist",
    lesson="A fork child is a copy of the running parent and is ready in milliseconds; a spawn child is a new "
    "interpreter that imports multiprocessing and runs the main script again first, many times slower. "
    "forkserver starts its server on a program's first start() and then forks each child from it, so mostly "
    "the first start is slow.",
    docs="https://docs.python.org/3/library/multiprocessing.html#contexts-and-start-methods",
    kind=TIMING,
    version=3,  # 3: eight rounds of four values, each the mean of starts lasting 50 ms (was six of five starts)
    rounds=Rounds(full=8, quick=2),
    observations=(Observation("main_reran_in_child", "The child ran the main script's top level again", glance=True),),
    summaries=(
        # the steady ratio is the headline below; the cold one shows forkserver's server start
        {"kind": "ratio", "timing": "cold_start_to_join", "baseline": "fork"},
        {
            "kind": "distribution",
            "title": "Start to join() of a trivial child, steady state",
            "timing": "steady_start_to_join",
            "plot": "start_latency-steady_start_to_join",
            "glance": True,  # the report's at-a-glance section shows this picture
        },
        {
            "kind": "headline",
            "timing": "steady_start_to_join",
            "baseline": "fork",
            "text": "A trivial child starts and is joined {spawn} times slower with spawn "
            "and {forkserver} times slower with forkserver than with fork.",
        },
    ),
)


def run(cell: Cell) -> None:
    parents = 1  # per round: the rounds are the fresh parents
    warmups = 1  # after the cold start, discarded
    samples = cell.trials(full=4, quick=2)
    min_value_ms = 50  # a steady value is the mean of enough starts to last this long (pyperf's loops)
    observed = run_parents(cell, "startup_latency.py", parents, [str(warmups), str(samples), str(min_value_ms)])
    reruns = add_counts([o["main_reran_in_child"] for o in observed])
    cell.observe("main_reran_in_child", classify_count(reruns["count"], reruns["trials"]))
