"""The physical floors under a child's start-up: what no start method can beat.

A raw ``os.fork()`` with a pipe round trip is the least any POSIX child costs; an interpreter that
starts and exits (``python -S -c pass`` without ``site``, ``-I`` isolated, plain ``-c pass``, and with
multiprocessing's imports) is the least a spawn child costs before it runs a line of the parent's
code. Each round also starts one trivial child with the cell's method, so the floors and the start
are measured side by side, under the same load, and spawn's cost splits into interpreter start,
imports and the rest.
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
            "compare": {"experiment": "startup_floors", "timing": "method_start_to_join"},
        },
        {
            "kind": "decomposition",
            "title": "Where spawn's start-up goes",
            "method": "spawn",
            "total": {"experiment": "startup_floors", "timing": "method_start_to_join"},
            "parts": [
                {"label": "interpreter start (python -c pass)", "timing": "python_c_pass"},
                {
                    "label": "multiprocessing's imports (from multiprocessing.spawn import spawn_main)",
                    "timing": "python_import_spawn_main",
                },
            ],
            "rest": "the rest: unpickling the preparation data and the Process, re-running __main__, pipes, exit",
            "headline": True,
        },
    ),
)


def run(cell: Cell) -> None:
    parents = cell.trials(full=3, quick=2)
    warmups = 1  # one start of the child, discarded: the cold one
    samples = cell.trials(full=5, quick=2)
    observed = run_parents(cell, "startup_floors.py", parents, [str(warmups), str(samples)])
    if not agreed([o["os_fork_available"] for o in observed]):
        cell.observe("os_fork_round_trip", not_applicable("os.fork() exists only on POSIX"))
    else:
        cell.observe("os_fork_round_trip", "measured")
