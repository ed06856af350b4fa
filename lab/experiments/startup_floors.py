"""The physical floors under a child's start-up: what no start method can beat.

A raw ``os.fork()`` with a pipe round trip is the least any POSIX child costs; an interpreter that
starts and exits (``python -S -c pass`` without ``site``, ``-I`` isolated, plain ``-c pass``, and with
``import multiprocessing``) is the least a spawn child costs before it runs a line of the parent's
code. The report sets these beside start_latency to split spawn's cost into interpreter start,
imports and the rest. The floors do not depend on the cell's start method: each cell measures them
again, which shows how much they move from one run to the next.
"""

from __future__ import annotations

from lab.experiment import TIMING, Cell, Experiment, not_applicable
from lab.experiments._parents import agreed, run_parents

EXPERIMENT = Experiment(
    name="startup_floors",
    title="Start-up floors: fork and interpreter start",
    question="How long do a raw os.fork() round trip and a bare interpreter start take with this Python?",
    concept="spawn 会启动一个新的解释器 — spawn starts a new interpreter; fork copies the parent",
    kind=TIMING,
    summaries=(
        {
            "kind": "floors",
            "title": "Start-up floors beside a trivial child's start",
            "floors": [
                {"timing": "os_fork_to_message", "label": "os.fork() + pipe round trip"},
                {"timing": "python_S_c_pass", "label": "python -S -c pass"},
                {"timing": "python_I_c_pass", "label": "python -I -c pass"},
                {"timing": "python_c_pass", "label": "python -c pass"},
                {"timing": "python_import_multiprocessing", "label": 'python -c "import multiprocessing"'},
                {
                    "timing": "python_import_spawn_main",
                    "label": 'python -c "from multiprocessing.spawn import spawn_main"',
                },
            ],
            "compare": {"experiment": "start_latency", "timing": "steady_start_to_join"},
        },
    ),
)


def run(cell: Cell) -> None:
    parents = cell.trials(full=4, quick=2)
    warmups = 1
    samples = cell.trials(full=6, quick=2)
    observed = run_parents(cell, "startup_floors.py", parents, [str(warmups), str(samples)])
    if not agreed([o["os_fork_available"] for o in observed]):
        cell.observe("os_fork_round_trip", not_applicable("os.fork() exists only on POSIX"))
    else:
        cell.observe("os_fork_round_trip", "measured")
