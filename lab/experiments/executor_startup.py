"""The start-up users actually meet: ``concurrent.futures.ProcessPoolExecutor``'s first result.

Most programs never call ``Process.start()``: they create a ``ProcessPoolExecutor`` and submit work.
Its first result waits for worker processes to start, so it pays the start method's cost (default
``max_workers``: one per CPU). Timed with ``mp_context`` set to the cell's method, and, in the cell
of the interpreter's default method, without ``mp_context``, as most users write it: the default
changes to forkserver on Linux in 3.14, and this is where users will feel it. One fresh parent per
round (and one more without ``mp_context`` in the default method's cell).
"""

from __future__ import annotations

import multiprocessing
from typing import Any, Dict, List

from lab.experiment import TIMING, Cell, Experiment, Observation, Rounds, not_applicable
from lab.experiments._parents import agreed, run_parents
from lab.normalise import normalise

EXPERIMENT = Experiment(
    name="executor_startup",
    title="ProcessPoolExecutor: time to the first result",
    question="How long from creating a ProcessPoolExecutor to its first result, with and without mp_context?",
    concept="concurrent.futures.ProcessPoolExecutor: a pool of worker processes, the one most programs meet first",
    lesson="A ProcessPoolExecutor's first result waits for its workers to start, so it pays the start method's "
    "cost, most of all under spawn. Without mp_context it uses the interpreter's default method, which on "
    "Linux changes from fork to forkserver in Python 3.14.",
    docs="https://docs.python.org/3/library/concurrent.futures.html#processpoolexecutor",
    kind=TIMING,
    version=2,
    rounds=Rounds(full=3, quick=2),
    observations=(
        Observation("first_result", "The first result arrived (or the exception raised instead)", glance=True),
        Observation("interpreter_default_method", "The interpreter's default start method"),
        Observation("no_mp_context", "Without mp_context: the method used and the first result"),
    ),
    summaries=({"kind": "ratio", "timing": "cold_first_result", "baseline": "fork"},),
)


def interpreter_default() -> str:
    """The default start method, without fixing the global context of this process.

    The docs of ``multiprocessing.get_all_start_methods()`` say the first method is the default;
    calling ``get_start_method()`` here would set the global context as a side effect.
    """
    return multiprocessing.get_all_start_methods()[0]


def first_result(observed: List[Dict[str, Any]]) -> Any:
    """ "ok", or the exception the executor raised instead of a result (type and normalised message)."""
    outcomes = []
    for o in observed:
        outcome = o["first_result"]
        if isinstance(outcome, dict):
            outcome = {"type": outcome["type"], "message": normalise(outcome["message"])}
        outcomes.append(outcome)
    return agreed(outcomes)


def run(cell: Cell) -> None:
    parents = 1  # per round: the rounds are the fresh parents
    warm = 1  # one more executor in the same parent, timed as warm
    observed = run_parents(cell, "startup_executor.py", parents, [str(warm), "context"])
    cell.observe("first_result", first_result(observed))
    default = interpreter_default()
    cell.observe("interpreter_default_method", default)
    if cell.method != default:
        reason = f"timed in the cell of the interpreter's default method, {default}"
        cell.observe("no_mp_context", not_applicable(reason))
        return
    observed = run_parents(cell, "startup_executor.py", parents, [str(warm), "default"])
    used = agreed([o["default_method"] for o in observed])
    cell.observe("no_mp_context", {"method_used": used, "first_result": first_result(observed)})
