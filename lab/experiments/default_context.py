"""What a program gets when it never chooses a start method.

``multiprocessing.Process`` and ``concurrent.futures.ProcessPoolExecutor()`` use the platform's
default start method: ``fork`` on Linux up to Python 3.13, ``spawn`` on Windows and (since 3.8)
macOS, and ``forkserver`` on Linux from 3.14. Code written against one default can break when it
meets another, so this experiment asks a fresh interpreter, which has chosen nothing yet. The
answer does not depend on the cell's method: every cell asks the same question.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

from lab.experiment import Cell, Experiment, Observation
from lab.normalise import normalise

EXPERIMENT = Experiment(
    name="default_context",
    title="The default start method",
    question="Which start method do Process and ProcessPoolExecutor use when none is chosen, and does it warn?",
    concept="multiprocessing.get_start_method() — the default differs by platform and Python version",
    lesson="A program that never chooses a start method gets its platform's default, and the default differs by "
    "platform and Python version. Code written against one default can break on another: choose the method with "
    "get_context() where it matters.",
    docs="https://docs.python.org/3/library/multiprocessing.html#contexts-and-start-methods",
    observations=(
        Observation("process_uses", "The method a plain Process() uses"),
        Observation("pool_uses", "The method ProcessPoolExecutor() uses"),
        Observation("get_start_method", "get_start_method() after the first start"),
        Observation("get_start_method_allow_none", "get_start_method(allow_none=True) before any start"),
        Observation("get_all_start_methods", "The methods this platform offers, default first"),
        Observation("process_exitcode", "Exit code of that plain child"),
        Observation("warnings_emitted", "Warnings raised while starting (all recorded)"),
        Observation("warnings_shown_by_default", "Warnings a user sees with the default filters"),
    ),
    # The report's "which column is yours" line: the default per platform and version, from this
    # observation in every cell and from the facts in lab/facts/default_context.py that check it.
    summaries=({"kind": "default_method", "observation": "process_uses"},),
)

SCENARIO = "default_context.py"


def ask(cell: Cell, mode: str) -> Dict[str, Any]:
    """Run the scenario in a fresh interpreter; its answer plus the warnings it printed."""
    answer_path = Path(cell.tmpdir) / f"default_context_{mode}.json"
    completed = cell.run_scenario(SCENARIO, [str(answer_path), mode], timeout=90)
    if not answer_path.exists():
        raise RuntimeError(f"the scenario wrote no answer (exit {completed.returncode}): {completed.stderr[-2000:]}")
    answer = json.loads(answer_path.read_text(encoding="utf-8"))
    answer["stderr_warnings"] = [normalise(line) for line in completed.stderr.splitlines() if "Warning" in line]
    return answer


def run(cell: Cell) -> None:
    caught = ask(cell, "catch")
    for key in ("get_start_method_allow_none", "get_start_method", "get_all_start_methods"):
        cell.observe(key, caught[key])
    cell.observe("process_uses", caught["process_uses"])
    cell.observe("process_exitcode", caught["process_exitcode"])
    cell.observe("pool_uses", caught["pool_uses"])
    cell.observe("warnings_emitted", caught["warnings"])
    cell.observe("warnings_shown_by_default", ask(cell, "plain")["stderr_warnings"])
