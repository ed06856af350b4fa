"""How long it takes to start a child under each start method, and why spawn is the slow one.

``fork`` copies the running parent, so the child is ready almost at once. ``spawn`` starts a fresh
Python interpreter that imports multiprocessing and re-runs the parent's main script before it can
run the target; ``forkserver`` forks from a small server process that it starts (once per program)
on the first ``start()``. Each fresh parent's first start is timed on its own ("cold"), then after
discarded warm-ups the steady state is sampled, spread over several fresh parents as pyperf does.
"""

from __future__ import annotations

from lab.experiment import TIMING, Cell, Experiment, classify_count
from lab.experiments._parents import add_counts, run_parents

EXPERIMENT = Experiment(
    name="start_latency",
    title="Start-up latency per start method",
    question="How long from start() to the child's first message and to join(), cold and steady?",
    concept="p.start() 只是向操作系统发送创建进程的指令，需要时间 — start() only asks the OS for a process, "
    "and that takes time",
    kind=TIMING,
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
    parents = cell.trials(full=5, quick=3)
    warmups = cell.trials(full=2, quick=1)
    samples = cell.trials(full=8, quick=2)
    observed = run_parents(cell, "startup_latency.py", parents, [str(warmups), str(samples)])
    reruns = add_counts([o["main_reran_in_child"] for o in observed])
    cell.observe("main_reran_in_child", classify_count(reruns["count"], reruns["trials"]))
