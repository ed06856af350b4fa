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

from lab.experiment import Cell, Experiment
from lab.normalise import normalise

EXPERIMENT = Experiment(
    name="default_context",
    title="The default start method",
    question="Which start method do Process and ProcessPoolExecutor use when none is chosen, and does it warn?",
    concept="multiprocessing.get_start_method() — the default differs by platform and Python version",
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
