"""The lessons CPython 3.13.x, 3.14 and 3.15 need: default_context, forkserver_preload, process_interrupt,
broken_pool (main_guard's host tests are in test_core_experiments.py).

Two kinds of test. Behaviour tests run a ``--quick`` cell on the host interpreter under each start
method and assert what CPython's source or docs say (named at each assertion) for the host's
version, or a property of our own code. Version tests run a cell on 3.13.0, the newest 3.13, 3.14
and 3.15 when this machine has them -- found on PATH and through pyenv by ``lab.run.discovery``, so put
e.g. ``/opt/.../bin`` on PATH to include them -- and check that every fact of ``lab/facts`` that
applies there agrees (``check_cell``), without restating the facts here.
"""

from __future__ import annotations

import concurrent.futures
import json
import multiprocessing
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest

from lab.environment import collect
from lab.facts import AGREES, DIFFERS, all_facts, check_cell
from lab.results.record import CellRecord
from lab.run.discovery import Interpreter, candidates, identify
from tests.conftest import lab_env, run_cell

CPYTHON = sys.implementation.name == "cpython"
VERSION = sys.version_info[:3]
POSIX = sys.platform != "win32"
BROKEN = "A process in the process pool was terminated abruptly while the future was running or pending."
UNUSABLE = "A child process terminated abruptly, the process pool is not usable anymore"


LESSONS = ("main_guard", "default_context", "forkserver_preload", "process_interrupt", "broken_pool")


def undeclared(experiment: str, record: dict) -> list[str]:
    """Declared observation keys the cell lacks, unless an enclosing value is ``not applicable`` or an error.

    Our code: every label the report shows names a key the experiment records.
    """
    from lab.experiments import load

    missing = []
    for observation in load(experiment).EXPERIMENT.observations:
        value = record["observations"]
        for part in observation.key.split("."):
            if not isinstance(value, dict) or value.get("status") == "not applicable" or "error" in value:
                break
            if part not in value:
                missing.append(observation.key)
                break
            value = value[part]
    return missing


@pytest.mark.parametrize("experiment", LESSONS)
def test_symptom_patterns_match_their_own_messages(experiment):
    # Our code: lab check, lab probe and the plugin find a symptom by its pattern.
    import re

    from lab.experiments import load

    declared = [o.key for o in load(experiment).EXPERIMENT.observations]
    for symptom in load(experiment).EXPERIMENT.symptoms:
        assert symptom.messages
        assert symptom.docs.startswith("https://docs.python.org/")
        for message in symptom.messages:
            assert re.search(symptom.pattern, message), (symptom.id, message)
        # the evidence is a declared observation, or a field of one
        assert any(symptom.evidence == key or symptom.evidence.startswith(key + ".") for key in declared)


def host_facts_agree(experiment: str, method: str, record: dict) -> None:
    """No fact about ``experiment`` differs on this host's cell (lab/facts/EXPERIMENT.py), and every
    declared observation is there."""
    assert record["status"] == "ok", record.get("error")
    assert undeclared(experiment, record) == []
    env = collect()
    verdicts = [
        check_cell(f, env, "host", method, CellRecord.from_json(record))
        for f in all_facts()
        if f.experiment == experiment and f.when.applies(env, method)
    ]
    assert not [(v.fact.id, v.observed) for v in verdicts if v.outcome == DIFFERS]


def test_main_guard_facts_agree_on_this_host(cell, method):
    host_facts_agree("main_guard", method, cell("main_guard", method))


# --- default_context --------------------------------------------------------------------------


def test_default_context_is_the_interpreters_not_the_cells(cell, method):
    record = cell("default_context", method)
    seen = record["observations"]
    # Our code: the scenario runs without FORKLAB_METHOD, so the answer cannot depend on the cell.
    assert seen["cell_method_visible"] is False
    # context.py, DefaultContext.get_start_method: None until something fixes the default.
    assert seen["get_start_method_allow_none"] is None
    # Process, Pool() and ProcessPoolExecutor() all take the default context (context.py;
    # concurrent/futures/process.py, ProcessPoolExecutor.__init__: mp.get_context()).
    assert seen["process_uses"] == seen["pool_uses"] == seen["executor_uses"] == seen["get_start_method"]
    assert seen["get_start_method"] == seen["get_all_start_methods"][0] == multiprocessing.get_start_method()
    # An explicit context wins (docs, "Contexts and start methods").
    for name, used in seen["explicit"].items():
        assert used == {"executor": name, "pool": name}
    if VERSION >= (3, 11):  # process.py: max_tasks_per_child without mp_context -> spawn
        assert seen["executor_max_tasks_per_child_uses"] == "spawn"
    host_facts_agree("default_context", method, record)


def test_set_start_method_twice_raises_and_get_context_does_not(cell, method):
    # context.py, DefaultContext.set_start_method: RuntimeError('context has already been set').
    done = cell("default_context", method)["observations"]["set"]
    already = {"type": "RuntimeError", "message": "context has already been set"}
    assert done["first_set"] is None
    assert done["second_set"] == already
    assert done["set_after_get_start_method"] == already  # get_start_method() fixed the default
    assert done["force"] is None
    assert done["get_context_after_set"] == {"uses_asked_method": True}


# --- forkserver_preload -----------------------------------------------------------------------


def test_forkserver_preload_is_only_about_the_forkserver(cell, method):
    record = cell("forkserver_preload", method)
    host_facts_agree("forkserver_preload", method, record)
    seen = record["observations"]
    if method != "forkserver":
        assert {v["status"] for v in seen.values()} == {"not applicable"}
        return
    # forkserver.py, main: `for modname in preload: __import__(modname)` before any fork.
    assert seen["fine"]["imports"] == {"parent": 0, "server": 1, "children": 0}
    assert seen["fine"]["children_see_it"]["class"] == "all"
    # ForkServer.set_forkserver_preload replaces the default ['__main__'].
    assert seen["fine"]["server_ran_main"] is False
    # main: `except ImportError: pass` -- but nothing else is caught.
    assert seen["missing"]["child_exitcodes"] == [0, 0, 0]
    assert seen["missing"]["said_so_on_stderr"] is False
    assert seen["raises"]["parent_exitcode"] == 1
    assert seen["raises"]["child_exitcodes"] == []
    assert seen["raises"]["parent_start_error"] is not None
    assert seen["raises"]["server_error"] == "ZeroDivisionError: preload_raises fails at import"
    for case in ("main", "large_argv", "fine", "missing", "raises"):
        assert seen[case]["hung"] is False
    if VERSION < (3, 15):  # forkserver.py before 3.15: set_forkserver_preload(self, modules_names)
        assert seen["keyword"]["accepted"]["type"] == "TypeError"
        assert seen["on_error_warn"]["status"] == "not applicable"


# --- process_interrupt ------------------------------------------------------------------------


def test_process_interrupt(cell, method):
    record = cell("process_interrupt", method)
    host_facts_agree("process_interrupt", method, record)
    seen = record["observations"]
    assert seen["available"] is hasattr(multiprocessing.Process, "interrupt")
    if not seen["available"]:
        reasons = {seen[case]["reason"] for case in seen if case != "available"}
        assert reasons == {"Process.interrupt() was added in Python 3.14"}
        return
    if POSIX:  # popen_fork.py, Popen.interrupt: SIGINT; process.py, _bootstrap: an exception -> 1
        assert seen["caught"]["child_saw"] == "KeyboardInterrupt"
        assert seen["caught"]["exitcode"] == 0
        assert seen["uncaught"]["exitcode"] == 1
        assert seen["uncaught"]["finally_ran"] is True
        assert seen["terminate"]["finally_ran"] is False


# --- broken_pool ------------------------------------------------------------------------------


def test_a_dead_worker_breaks_the_pool(cell, method):
    record = cell("broken_pool", method)
    host_facts_agree("broken_pool", method, record)
    dies = record["observations"]["worker_dies"]
    if "error" in dies:  # Debian's PyPy 3.9: ProcessPoolExecutor cannot start a spawn/forkserver worker
        assert not CPYTHON
        return
    # concurrent/futures/process.py, terminate_broken: every pending future, then submit().
    assert dies["future"] == {"type": "BrokenProcessPool", "message": BROKEN}
    assert dies["queued_future"] == {"type": "BrokenProcessPool", "message": BROKEN}
    assert dies["submit_after"] == {"type": "BrokenProcessPool", "message": UNUSABLE}
    assert dies["worker_exitcode"] == 3


def test_terminate_workers_where_it_exists(cell, method):
    seen = cell("broken_pool", method)["observations"]
    assert seen["stop_workers_available"] is hasattr(concurrent.futures.ProcessPoolExecutor, "terminate_workers")
    if not seen["stop_workers_available"]:
        assert seen["terminate_workers"]["status"] == seen["kill_workers"]["status"] == "not applicable"
        return
    for operation in ("terminate_workers", "kill_workers"):  # process.py, _force_shutdown
        assert seen[operation]["results"]["class"] == "none"
        assert seen[operation]["taken"] == ["BrokenProcessPool"]
        assert seen[operation]["submit_after"] == {"type": "BrokenProcessPool", "message": UNUSABLE}


# --- the same facts on the interpreters that changed them ---------------------------------------

#: spec -> how to pick it: an exact version, or the newest of a series.
TARGETS = {"3.13.0": "3.13.0", "3.13 (newest)": "3.13", "3.14": "3.14", "3.15": "3.15"}
#: the method that shows each experiment's version-dependent facts (default_context: any).
CELLS = {
    "main_guard": "forkserver",
    "forkserver_preload": "forkserver",
    "broken_pool": "forkserver",
    "process_interrupt": "forkserver",
    "default_context": "spawn",
}


@lru_cache(maxsize=1)
def local_cpythons() -> tuple[Interpreter, ...]:
    """Every CPython with the GIL found on PATH or through pyenv, each patch release kept."""
    found = set(candidates())
    for name in ("python3.13", "python3.14", "python3.15"):
        path = shutil.which(name)
        if path:
            found.add(path)
    interpreters = {}
    for path in sorted(found):
        interpreter = identify(path)
        if interpreter and interpreter.implementation == "cpython" and not interpreter.free_threaded:
            interpreters.setdefault(interpreter.version, interpreter)
    return tuple(interpreters.values())


def pick(spec: str) -> Interpreter | None:
    matching = [i for i in local_cpythons() if spec in (i.version, i.series)]
    return max(matching, key=lambda i: i.version_tuple) if matching else None


@pytest.mark.slow
@pytest.mark.parametrize("experiment", sorted(CELLS))
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_version_dependent_facts_agree(target, experiment, tmp_path: Path):
    interpreter = pick(TARGETS[target])
    if interpreter is None:
        pytest.skip(f"no CPython {target} on PATH or in pyenv")
    method = CELLS[experiment]
    env_path = tmp_path / "environment.json"
    subprocess.run(
        [interpreter.executable, "-m", "lab.driver", "environment", str(env_path)],
        cwd=tmp_path,
        env=lab_env(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    env = json.loads(env_path.read_text())
    record = run_cell(experiment, method, tmp_path, python=interpreter.executable, timeout=150)
    assert record["status"] == "ok", record.get("error")
    assert undeclared(experiment, record) == []
    verdicts = [
        check_cell(f, env, target, method, CellRecord.from_json(record))
        for f in all_facts()
        if f.experiment == experiment and f.when.applies(env, method)
    ]
    assert verdicts, "no fact applies: the facts' conditions do not cover this interpreter"
    assert not [(v.fact.id, v.observed) for v in verdicts if v.outcome == DIFFERS]
    assert [v for v in verdicts if v.outcome == AGREES]
