"""Starting many children at once: how many starts per second each method reaches, and a Pool's cost.

A fork child is a copy made by the kernel, so many of them start quickly; a spawn child is a whole
new interpreter, so K of them need K interpreter start-ups sharing the machine's CPUs (recorded
beside the numbers: past the CPU count, more children at once cannot start faster). A ``Pool(4)`` pays
its start-up once and then hands out tasks cheaply: the time from ``Pool(4)`` to its first results is
timed, and ``map()``'s per-task cost after that. One fresh parent per round, two pools in each.
"""

from __future__ import annotations

from lab.experiment import TIMING, Cell, Experiment, Observation, Rounds
from lab.experiments._parents import agreed, run_parents

KS = (1, 4, 16)

EXPERIMENT = Experiment(
    name="concurrent_starts",
    title="Concurrent starts and Pool(4) overhead",
    question="How many children per second can each method start when K start at once, and what does a Pool cost?",
    concept="Starting many children at once (the tutorial's p_list loop, with more children), and a pool of "
    "worker processes started once and reused",
    lesson="Children started together share the CPUs: past the CPU count, starting more at once does not start "
    "them faster, and under spawn each of them is a whole interpreter start. A Pool pays for its workers' "
    "start-up once; after that a task costs microseconds under every method.",
    docs="https://docs.python.org/3/library/multiprocessing.html#module-multiprocessing.pool",
    kind=TIMING,
    version=2,
    rounds=Rounds(full=3, quick=2),
    observations=(Observation("cpu_count", "CPUs of the machine", depends_on="machine: its CPU count"),),
    summaries=(
        {
            "kind": "series",
            "plot": "concurrent_starts",
            "title": "Starts per second when K children start at once",
            "x_label": "children started at once (K)",
            "points": [{"x": k, "timing": f"k{k}_starts_per_s"} for k in KS],
        },
        {"kind": "ratio", "timing": "pool4_create_to_first_results", "baseline": "fork"},
        {"kind": "ratio", "timing": "pool4_map_per_task", "baseline": "fork"},
    ),
)


def run(cell: Cell) -> None:
    parents = 1  # per round: the rounds are the fresh parents
    repeats = 1  # a burst of 16 is already 16 starts; more parents beat more bursts in one parent
    tasks = cell.trials(full=20000, quick=2000)  # per pool, in four maps: each well above the clock's noise
    pools = cell.trials(full=2, quick=1)  # per parent: one Pool(4) is one sample of its start-up
    observed = run_parents(
        cell,
        "startup_concurrent.py",
        parents,
        [str(repeats), ",".join(str(k) for k in KS), str(tasks), str(pools)],
        timeout=120,
    )
    cell.observe("cpu_count", agreed([o["cpu_count"] for o in observed]))
