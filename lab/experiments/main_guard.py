"""Why the tutorial says: on Windows, start processes only under ``if __name__ == "__main__":``.

``spawn`` and ``forkserver`` start the child by importing the parent's main script again (as
``__mp_main__``), so module-level code runs once more in every child. Without the guard the child
reaches ``start()`` itself while it is still importing, and multiprocessing stops it with a
RuntimeError about the "bootstrapping phase". ``fork`` copies the running parent and re-runs nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from lab.experiment import Cell, Experiment

EXPERIMENT = Experiment(
    name="main_guard",
    title="The __main__ guard",
    question='What happens when a script starts a process without `if __name__ == "__main__":`?',
    concept="windows创建进程一定要在 if __name__ == '__main__': 代码块内创建 — create processes under the main guard",
)

SCENARIOS = {"unguarded": "main_guard_unguarded.py", "guarded": "main_guard_guarded.py"}


def observe_scenario(cell: Cell, script: str) -> dict:
    """Run one scenario script as __main__ and read back what its processes logged."""
    events = Path(cell.tmpdir) / "events.log"
    if events.exists():
        events.unlink()
    answer = Path(cell.tmpdir) / "answer.json"
    completed = cell.run_scenario(script, [str(answer)], timeout=60)
    report = json.loads(answer.read_text()) if answer.exists() else {}
    lines = [line.split(" ", 2) for line in events.read_text().splitlines()] if events.exists() else []
    module_names = [name for pid, event, name in lines if event == "module" and int(pid) != report.get("parent_pid")]
    target_names = [name for _, event, name in lines if event == "target"]
    child_names = target_names or module_names
    return {
        "module_level_runs": sum(1 for _, event, _ in lines if event == "module"),
        "target_ran": bool(target_names),
        "child_exitcode": report.get("child_exitcode"),
        "parent_exitcode": completed.returncode,
        "bootstrap_error": "bootstrapping phase" in completed.stderr,
        "child_main_name": child_names[0] if child_names else None,
    }


def run(cell: Cell) -> None:
    for scenario, script in SCENARIOS.items():
        cell.observe(scenario, observe_scenario(cell, script))
