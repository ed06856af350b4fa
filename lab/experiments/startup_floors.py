"""The physical floors under a child's start-up: what no start method can beat.

A raw ``os.fork()`` with a pipe round trip is the least any POSIX child costs; an interpreter that
starts and exits (``python -S -c pass`` without ``site``, ``-I`` isolated, plain ``-c pass``, and with
multiprocessing's imports) is the least a spawn child costs before it runs a line of the parent's
code. Each sample also starts one trivial child with the cell's method, so the floors and the start
are measured side by side, under the same load, and spawn's cost splits into interpreter start,
imports and the rest. One fresh parent per round. The interpreter floors do not depend on the start
method, and the rounds put the methods' cells seconds apart, so they are timed in the spawn cell
only, whose start-up they split; the raw fork floor, cheap, in every cell.
"""

from __future__ import annotations

from lab.experiment import TIMING, Cell, Experiment, Observation, Rounds, not_applicable
from lab.experiments._parents import agreed, run_parents

EXPERIMENT = Experiment(
    name="startup_floors",
    title="Start-up floors: fork and interpreter start",
    question="How long do a raw os.fork() round trip and a bare interpreter start take with this Python?",
    concept="创建进程就是在内存中重新开辟一块内存空间 — creating a process opens a new space in memory; "
    "a raw fork and a bare interpreter start are the least that costs",
    lesson="No start method beats its floor: a raw os.fork() and a pipe round trip for fork, an interpreter that "
    "starts and exits for spawn. Most of a spawn child's start-up is that interpreter start and "
    "multiprocessing's own imports, before any of your code runs.",
    docs="https://docs.python.org/3/library/multiprocessing.html#contexts-and-start-methods",
    kind=TIMING,
    version=2,
    rounds=Rounds(full=3, quick=2),
    observations=(
        Observation("os_fork_round_trip", "A raw os.fork() round trip was timed (POSIX only)"),
        Observation("interpreter_floors", "The interpreter floors were timed in this cell"),
    ),
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
    parents = 1  # per round: the rounds are the fresh parents
    warmups = 1  # one start of the child, discarded: the cold one
    samples = cell.trials(full=4, quick=2)
    floors = "all" if cell.method == "spawn" else "fork"
    observed = run_parents(cell, "startup_floors.py", parents, [str(warmups), str(samples), floors])
    if not agreed([o["os_fork_available"] for o in observed]):
        cell.observe("os_fork_round_trip", not_applicable("os.fork() exists only on POSIX"))
    else:
        cell.observe("os_fork_round_trip", "measured")
    if floors == "all":
        cell.observe("interpreter_floors", "measured")
    else:
        cell.observe("interpreter_floors", not_applicable("timed in the spawn cell, whose start-up they split"))
