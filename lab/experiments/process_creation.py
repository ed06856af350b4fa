"""Two ways to create a process: pass a function as ``target``, or subclass ``Process`` and override ``run()``.

Either way ``start()`` asks the operating system for a new process with its own pid, which runs
the target (or ``run()``) and nothing else of the parent's main code. Under ``spawn`` and
``forkserver`` the ``Process`` object itself is pickled and sent to the child, so what a
subclass's ``__init__`` stored must survive pickling; under ``fork`` the child simply has a copy.

The tutorial's two snippets run as they are written, as a user's program
(``scenarios/process_creation_target.py`` and ``process_creation_subclass.py``): such a program
picks its start method once with ``multiprocessing.set_start_method()`` under
``if __name__ == "__main__":``, as the docs recommend, so ``class MyProcess(Process)`` is the
tutorial's own class and nothing of CPython's private machinery is touched.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Dict

from lab.experiment import Cell, Experiment, Observation, not_applicable
from lab.experiments._processes import SCENARIO_ENV
from lab.normalise import normalise

EXPERIMENT = Experiment(
    name="process_creation",
    title="Creating a process: target= or a Process subclass",
    question="Does each way of creating a process run in a new process, and what does the child know about "
    "itself and its parent?",
    concept="实例化Process,将要执行任务用target传入; 继承Process,并覆盖run方法 — instantiate Process with the "
    "task as target; or subclass Process and override run",
    lesson="Process(target=f) and a subclass that overrides run() both run the task in a new process, whose pid "
    "is the parent's p.pid. Under spawn and forkserver the Process object travels pickled, so what __init__ "
    "stores (here the name) arrives; under forkserver the OS parent is the server, not your program.",
    docs="https://docs.python.org/3/library/multiprocessing.html#the-process-class",
    version=2,  # 2: the tutorial's snippets run as programs with set_start_method(); no private _Popen override
    observations=(
        Observation("target.ran", "Process(target=test): the target ran"),
        Observation("subclass.ran", "class MyProcess(Process): run() ran"),
        Observation("target.child_pid_is_p_pid", "The child's os.getpid() is the parent's p.pid"),
        Observation("target.getppid_is_parent", "The child's os.getppid() is the parent", glance=True),
        Observation("target.parent_process_is_parent", "multiprocessing.parent_process() is the parent"),
        Observation("subclass.name_set_in_init_arrives", "The name MyProcess.__init__ set is the child's name"),
        Observation("target.name", "The default name of a Process (its counter masked)"),
    ),
)

SCRIPTS = {"target": "process_creation_target.py", "subclass": "process_creation_subclass.py"}


def default_name_pattern(name: str) -> str:
    """``Process-3`` -> ``Process-N``: the counter varies by run, the pattern does not."""
    return re.sub(r"-\d+(:\d+)*$", "-N", name)


def observe_program(cell: Cell, script: str) -> Dict[str, Any]:
    """Run one snippet as a program; compare what its child and its parent noted."""
    seen_path = Path(cell.tmpdir) / "seen.jsonl"
    if seen_path.exists():
        seen_path.unlink()
    completed = cell.run_scenario(script, timeout=60, env={**os.environ, **SCENARIO_ENV})
    lines = seen_path.read_text(encoding="utf-8").splitlines() if seen_path.exists() else []
    seen = {entry["who"]: entry for entry in map(json.loads, lines)}
    child, parent = seen.get("child"), seen.get("parent")
    result: Dict[str, Any] = {"ran": child is not None, "program_exitcode": completed.returncode}
    if child is None or parent is None:
        result["program_stderr"] = normalise(completed.stderr.strip()[-300:])
        return result
    result.update(
        {
            "pid_differs_from_parent": child["pid"] != parent["pid"],
            "child_pid_is_p_pid": child["pid"] == parent["child_pid"],
            "getppid_is_parent": (
                not_applicable("os.getppid() is read on POSIX only (Windows does not re-parent)")
                if child["os_parent"] is None
                else child["os_parent"] == parent["pid"]
            ),
            "parent_process_is_parent": child["parent_process"] == parent["pid"],
            "name": default_name_pattern(parent["child_name"]),
            "current_process_name": default_name_pattern(child["name"]),
            "exitcode": parent["exitcode"],
        }
    )
    return result


def run(cell: Cell) -> None:
    for way, script in SCRIPTS.items():
        seen = observe_program(cell, script)
        if way == "subclass" and "current_process_name" in seen:  # MyProcess('coco') set it in __init__
            seen["name_set_in_init_arrives"] = seen["current_process_name"] == "coco"
        cell.observe(way, seen)
