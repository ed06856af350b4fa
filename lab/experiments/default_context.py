"""What a program gets when it never chooses a start method -- and how to choose one safely.

``multiprocessing.Process``, ``multiprocessing.Pool()`` and ``ProcessPoolExecutor()`` use the
platform's default start method: ``fork`` on Linux up to Python 3.13, ``spawn`` on Windows and
(since 3.8) macOS, and ``forkserver`` on Linux from 3.14 (gh-84559). ``ProcessPoolExecutor(
max_tasks_per_child=...)`` uses spawn (3.11+). An explicit ``mp_context=get_context(m)`` /
``get_context(m).Pool()`` always wins. ``set_start_method()`` may be called once: a second call,
or one after anything used the default (even ``get_start_method()``), raises ``RuntimeError:
context has already been set``; ``get_context(m)`` never does.

Each question is asked in a fresh interpreter that has chosen nothing and never sees the cell's
start method (``cell_method_visible`` says so): the answer is the interpreter's, the same in every
cell, and a report can show it once.
"""

from __future__ import annotations

import json
from typing import Any, Dict

from lab.experiment import Cell, Experiment, Observation, Symptom
from lab.experiments._scripts import copy_scenario, run_script, script_env
from lab.normalise import normalise

DOCS = "https://docs.python.org/3/library/multiprocessing.html#contexts-and-start-methods"
SCENARIO = "default_context.py"

EXPERIMENT = Experiment(
    name="default_context",
    title="The default start method",
    question="Which start method do Process, Pool and ProcessPoolExecutor use when none is chosen, "
    "and how do you choose one?",
    concept="multiprocessing.get_start_method() -- the default differs by platform and Python version",
    version=2,
    lesson="Code that never chooses a start method gets fork on Linux up to 3.13, forkserver on Linux from 3.14, "
    "and spawn on macOS and Windows -- for Process, Pool and ProcessPoolExecutor alike. "
    "Choose with get_context(m) (or mp_context=); set_start_method() works once, before anything used the default.",
    docs=DOCS,
    observations=(
        Observation("cell_method_visible", "The scenario sees the cell's method (False: one answer for every cell)"),
        Observation("get_start_method", "get_start_method() when nothing was chosen", glance=True),
        Observation("get_all_start_methods", "get_all_start_methods() (the default first since 3.14)"),
        Observation("get_start_method_allow_none", "get_start_method(allow_none=True) before first use"),
        Observation("process_uses", "Process() uses"),
        Observation("executor_uses", "ProcessPoolExecutor() uses"),
        Observation("pool_uses", "multiprocessing.Pool() uses"),
        Observation("executor_max_tasks_per_child_uses", "ProcessPoolExecutor(max_tasks_per_child=1) uses"),
        Observation("explicit", "ProcessPoolExecutor(mp_context=get_context(m)) and get_context(m).Pool() use"),
        Observation("set.second_set", "set_start_method() a second time"),
        Observation("set.set_after_get_start_method", "set_start_method() after get_start_method()"),
        Observation("set.force", "set_start_method(..., force=True) a second time"),
        Observation("set.get_context_after_set", "get_context(m) after the method was set"),
        Observation("warnings_emitted", "Warnings emitted (all recorded)"),
        Observation("warnings_shown_by_default", "Warnings a user sees (default filters)"),
    ),
    # The report's "which column is yours" line: the default per platform and version, from this
    # observation in every cell and from the facts in lab/facts/default_context.py that check it.
    summaries=({"kind": "default_method", "observation": "process_uses"},),
    symptoms=(
        Symptom(
            id="context-already-set",
            title="RuntimeError: context has already been set",
            messages=("RuntimeError: context has already been set",),
            pattern=r"RuntimeError: context has already been set",
            cause="set_start_method() was called a second time, or after something already used the default "
            "context (get_start_method(), a Process, a Pool, an executor, a library doing so on import).",
            fix="Call set_start_method() once, under `if __name__ == '__main__':`; better, pass "
            "multiprocessing.get_context('spawn') (or mp_context=) to what you create; force=True only in tests.",
            evidence="set.second_set.message",
            shows=("context has already been set",),
            docs="https://docs.python.org/3/library/multiprocessing.html#multiprocessing.set_start_method",
        ),
        Symptom(
            id="pypy39-executor-adjust-process-count",
            title="AttributeError: 'ProcessPoolExecutor' object has no attribute '_adjust_process_count'",
            messages=("AttributeError: 'ProcessPoolExecutor' object has no attribute '_adjust_process_count'",),
            pattern=r"'ProcessPoolExecutor' object has no attribute '_adjust_process_count'",
            cause="The PyPy 3.9 seen here (Debian's 7.3.11) ships a concurrent/futures/process.py whose "
            "_adjust_process_count is renamed _adjust_process_count_cpython, so submit() fails whenever the "
            "executor's context is spawn or forkserver.",
            fix="On that PyPy use the fork context (its Linux default) or multiprocessing.Pool; PyPy 3.11 and "
            "CPython are not affected.",
            evidence="explicit.spawn.executor.type",
            shows=("AttributeError",),
            docs="https://docs.python.org/3/library/concurrent.futures.html#processpoolexecutor",
        ),
    ),
)


def ask(cell: Cell, mode: str) -> Dict[str, Any]:
    """Run the scenario in a fresh interpreter (without the cell's method); its answer plus stderr warnings."""
    answer_path = cell.tmpdir / f"default_context_{mode}.json"
    completed = run_script(cell, [SCENARIO, str(answer_path), mode], timeout=120, env=script_env(cell, method=False))
    if not answer_path.exists():
        tail = completed.stderr[-2000:]
        raise RuntimeError(f"the scenario wrote no answer (exit {completed.returncode}, hung {completed.hung}): {tail}")
    answer = json.loads(answer_path.read_text(encoding="utf-8"))
    answer["stderr_warnings"] = [normalise(line) for line in completed.stderr.splitlines() if "Warning" in line]
    return answer


def run(cell: Cell) -> None:
    copy_scenario(cell, SCENARIO)
    caught = ask(cell, "catch")
    for key in (
        "cell_method_visible",
        "get_start_method_allow_none",
        "get_start_method",
        "get_all_start_methods",
        "process_uses",
        "process_exitcode",
        "executor_uses",
        "pool_uses",
        "executor_max_tasks_per_child_uses",
        "explicit",
    ):
        cell.observe(key, caught[key])
    cell.observe("warnings_emitted", caught["warnings"])
    cell.observe("warnings_shown_by_default", ask(cell, "plain")["stderr_warnings"])
    answer = ask(cell, "set")
    answer.pop("stderr_warnings")
    cell.observe("set", answer)
