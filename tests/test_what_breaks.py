"""Behaviour tests of the "what breaks when the start method changes" experiments (issue 6).

Each test runs a real ``--quick`` cell of the host interpreter with ``python -m lab.driver`` in a
temporary directory, then asserts what CPython documents (source named at each assertion, see
FACTS.md) or a property of the lab itself, conditioned on version, implementation and platform.
No absolute time or memory figure is asserted: only classifications.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
METHODS = [m for m in ("fork", "spawn", "forkserver") if m in multiprocessing.get_all_start_methods()]
CPYTHON = sys.implementation.name == "cpython"
LINUX = sys.platform.startswith("linux")
FORK = pytest.mark.skipif("fork" not in METHODS, reason="fork is not offered on this platform")


@lru_cache(maxsize=None)
def _run(experiment: str, method: str) -> str:
    """One --quick cell on the host interpreter, as the runner starts it; the record as JSON text."""
    with tempfile.TemporaryDirectory(prefix="forklab-test-") as workdir:
        out = Path(workdir) / "cell.json"
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        completed = subprocess.run(
            [sys.executable, "-m", "lab.driver", "cell", experiment, method, str(out), "--quick"],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            timeout=90,
            check=False,
        )
        assert out.exists(), completed.stderr[-2000:]
        text = out.read_text(encoding="utf-8")
        assert workdir not in text  # results never hold this machine's paths (lab.normalise)
        return text


def observations(experiment: str, method: str) -> dict[str, Any]:
    record = json.loads(_run(experiment, method))
    assert record["status"] == "ok", record.get("traceback") or record.get("error")
    return record["observations"]


# --- pickling ----------------------------------------------------------------------------------


@FORK
def test_fork_pickles_nothing() -> None:
    # FACTS.md, Pickling: "fork pickles nothing at start: lambdas, closures and local functions work".
    seen = observations("pickling", "fork")
    assert len(seen) == 12
    assert {case: result["outcome"] for case, result in seen.items()} == dict.fromkeys(seen, "ok")


@pytest.mark.start_methods("spawn", "forkserver")
def test_fresh_interpreters_pickle_the_process_object(method: str) -> None:
    seen = observations("pickling", method)
    # Doc/library/pickle.rst, "What can be pickled": functions and classes reachable by name.
    for case in ("module_function", "partial", "bound_method", "staticmethod"):
        assert seen[case]["outcome"] == "ok", case
    # Lib/multiprocessing/reduction.py registers a reducer for socket.socket (the fd is passed on).
    assert seen["arg_socket"]["outcome"] == "ok"
    # FACTS.md, Pickling: the whole Process object is pickled in the parent, at start().
    for case in ("lambda", "closure", "subclass_lock_attribute", "subclass_file_attribute", "arg_lambda"):
        assert seen[case]["outcome"] == "parent", case
        assert seen[case]["exitcode"] is None
    assert seen["arg_generator"]["outcome"] == "parent"
    # FACTS.md: a target defined under the __main__ guard pickles but fails in the child.
    guarded = seen["main_guard_function"]
    assert (guarded["outcome"], guarded["type"], guarded["exitcode"]) == ("child", "AttributeError", 1)
    assert guarded["message"].startswith("Can't get attribute 'defined_under_guard' on <module '__mp_main__'")
    if CPYTHON:
        # FACTS.md: PicklingError for a lambda; AttributeError "Can't pickle local object" up to 3.12.
        assert seen["lambda"]["type"] == seen["arg_lambda"]["type"] == "PicklingError"
        assert seen["closure"]["type"] == "AttributeError"
        if sys.version_info < (3, 13):
            assert seen["closure"]["message"] == "Can't pickle local object 'closure.<locals>.nested'"
        for case in ("subclass_lock_attribute", "subclass_file_attribute", "arg_generator"):
            assert seen[case]["type"] == "TypeError", case


# --- fork_with_threads -------------------------------------------------------------------------


def test_fork_with_threads(method: str) -> None:
    seen = observations("fork_with_threads", method)
    # The lab's own promise (DESIGN.md): the driver is single-threaded, and the experiment joins its thread.
    assert seen["other_threads_before"] == 0
    assert seen["other_threads_after"] == 0
    assert seen["with_thread"]["parent_threads_at_start"] == 2
    assert seen["with_thread"]["child_exitcode"] == 0
    # POSIX fork(): the child has one thread, and a lock another thread held stays held in it.
    assert seen["with_thread"]["child_threads"] == 1
    assert seen["with_thread"]["child_lock"] == ("deadlocked" if method == "fork" else "acquired")
    # FACTS.md, fork with threads: 3.12+ warns under fork only (gh-100228); hidden by default filters.
    warns = CPYTHON and method == "fork" and sys.version_info >= (3, 12)
    assert seen["with_thread"]["warning_emitted"] is warns
    assert seen["w_default"]["shown"] is warns
    assert seen["default_filters"]["shown"] is False
    if warns:
        message = "This process (pid=<pid>) is multi-threaded, use of fork() may lead to deadlocks in the child."
        assert seen["with_thread"]["warnings"] == [{"category": "DeprecationWarning", "message": message}]


# --- random_state ------------------------------------------------------------------------------


def test_random_state(method: str) -> None:
    seen = observations("random_state", method)
    # FACTS.md, Random state: the global generator is reseeded in a fork child (Lib/random.py,
    # os.register_at_fork); a spawn child seeds a fresh one. Either way children differ.
    for case in ("global_after_use", "global_after_seed"):
        assert seen[case]["children_identical"] is False, case
        assert seen[case]["any_equals_parent_next"] is False, case
    # Your own generator is copied as it is (fork), or pickled with its state (an argument).
    assert seen["passed_instance"]["children_identical"] is True
    assert seen["passed_instance"]["any_equals_parent_next"] is True
    module_instance = seen["module_instance"]
    assert module_instance["children_identical"] is True
    # fork copies the advanced instance; spawn/forkserver import the module again and get it fresh.
    assert module_instance["any_equals_parent_next"] is (method == "fork")
    assert module_instance["equals_import_time_draw"] is (method != "fork")


# --- inherited_state ---------------------------------------------------------------------------


def test_inherited_state(method: str) -> None:
    seen = observations("inherited_state", method)
    # FACTS.md, The __main__ module in the child: spawn and forkserver send sys.path, sys.argv and
    # the cwd at each start (Lib/multiprocessing/spawn.py, get_preparation_data); fork copies them.
    assert seen["sys_path_append_seen"] is True
    assert seen["argv_same_as_parent"] is True
    assert seen["argv_change_seen"] is True
    assert seen["cwd_change_seen"] is True
    # Docs, "Contexts and start methods": fork inherits all resources; spawn/forkserver no unneeded fds.
    assert seen["parent_fd"] == ("inherited" if method == "fork" else "not inherited")
    assert seen["logging_handler_seen"] is (method == "fork")
    # Docs, Programming guidelines, "Beware of replacing sys.stdin": children read os.devnull.
    assert seen["stdin"] == "os.devnull"
    # A fork child is a copy at start(); spawn children get the environment of their start().
    assert seen["env_first_child"] == "the value set before its start"
    if method in ("fork", "spawn"):
        assert seen["env_second_child"] == "the value set before its start"
    # FACTS.md: spawn re-runs the script as __mp_main__; fork re-runs nothing.
    assert seen["main_name_script"] == ("__main__" if method == "fork" else "__mp_main__")
    if hasattr(os, "fork"):
        # POSIX: a fork child keeps the parent's handlers; exec resets caught signals to default.
        assert seen["signal_handler"] == ("parent's handler" if method == "fork" else "default")
    else:
        assert seen["signal_handler"]["status"] == "not applicable"


# --- memory ------------------------------------------------------------------------------------


def test_memory(method: str) -> None:
    seen = observations("memory", method)
    # A fork child is a copy of the parent; spawn and forkserver children are fresh interpreters.
    assert seen["child_has_block"] is (method == "fork")
    if not LINUX:
        assert seen["untouched"]["status"] == "not applicable"
        return
    if method == "fork":
        # fork(2): pages are shared copy-on-write; proc(5): RSS counts shared pages, PSS a share of them.
        assert seen["untouched"] == {"rss": "whole block", "pss": "part of it", "uss": "none of it"}
        assert seen["after_write"]["uss"] == "whole block"  # every page written was copied
    else:
        assert seen["untouched"] == {"rss": "none of it", "pss": "none of it", "uss": "none of it"}
        assert seen["after_write"]["status"] == "not applicable"
