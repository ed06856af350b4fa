"""Behaviour tests of main_guard on the host interpreter, under each start method.

Each test asserts what CPython documents (the source is named in the test) and
only where it holds on the interpreter running the tests. No absolute time is asserted.
"""

from __future__ import annotations

import multiprocessing
import platform
import sys

import pytest

CPYTHON = platform.python_implementation() == "CPython"
METHODS = multiprocessing.get_all_start_methods()


# Lib/multiprocessing/forkserver.py: the server imports __main__ itself since 3.13.8 and 3.14.1 (gh-126631).
FORKSERVER_PRELOADS_MAIN = CPYTHON and (
    (3, 13, 8) <= sys.version_info[:3] < (3, 14) or sys.version_info[:3] >= (3, 14, 1)
)


def re_runs_in_children(method: str) -> bool:
    """Whether children re-run a script's module-level code here (spawn; forkserver before the preload fix)."""
    return method == "spawn" or (method == "forkserver" and not FORKSERVER_PRELOADS_MAIN)


def test_unguarded_script_fails_where_the_script_is_re_run(cell, method):
    # Lib/multiprocessing/spawn.py, _check_not_importing_main: a process still importing the main
    # module (as __mp_main__) that reaches start() raises the "bootstrapping phase" RuntimeError.
    unguarded = cell("main_guard", method)["observations"]["script_unguarded"]
    assert unguarded["hung"] is False
    if method == "fork":  # docs, "Contexts and start methods": the child is a copy, nothing re-runs
        assert unguarded["module_level_runs"]["total"] == 1
        assert unguarded["child_exitcodes"] == [0, 0, 0]
        assert unguarded["bootstrap_error_in"] == []
    elif re_runs_in_children(method):
        assert unguarded["module_level_runs"] == {"parent": 1, "server": 0, "children": 3, "total": 4}
        assert unguarded["bootstrap_error_in"] == ["children"]
        assert unguarded["child_exitcodes"] == [1, 1, 1]
        assert unguarded["bootstrap_error_on_stderr"] is True
        assert unguarded["parent_start_error"] is None
        assert unguarded["parent_exitcode"] == 0  # the parent goes on
    assert unguarded["targets_ran"] == (3 if method == "fork" else 0)


def test_guarded_script_runs_every_target_and_counts_who_re_ran_it(cell, method):
    # Docs, programming guidelines, "Safe importing of main module"; spawn.py, _fixup_main_from_path.
    guarded = cell("main_guard", method)["observations"]["script_guarded"]
    assert guarded["child_exitcodes"] == [0, 0, 0]
    assert guarded["targets_ran"] == 3
    assert guarded["bootstrap_error_in"] == []
    runs = guarded["module_level_runs"]
    assert runs["parent"] == 1
    assert runs["total"] == runs["parent"] + runs["server"] + runs["children"]
    if method == "fork":
        assert runs["total"] == 1
        assert guarded["target_main_name"] == "__main__"
    else:
        assert guarded["target_main_name"] == "__mp_main__"
        assert runs["children"] == (3 if re_runs_in_children(method) else 0)
        assert runs["server"] == (1 if method == "forkserver" and FORKSERVER_PRELOADS_MAIN else 0)


@pytest.mark.start_methods("spawn", "forkserver")
def test_dash_m_module_is_re_run_but_a_packages_main_is_not(cell, method):
    # spawn.py, get_preparation_data / _fixup_main_from_name: a module run with -m is re-run with
    # runpy.run_module(..., "__mp_main__"); a name ending in ".__main__" returns at once. The
    # forkserver only preloads init_main_from_path, never a module name.
    observations = cell("main_guard", method)["observations"]
    module, package = observations["module_unguarded"], observations["package_unguarded"]
    assert module["module_level_runs"]["children"] == 3
    assert module["module_level_runs"]["server"] == 0
    assert module["bootstrap_error_in"] == ["children"]
    assert package["module_level_runs"]["total"] == 1
    assert package["child_exitcodes"] == [0, 0, 0]
    assert package["bootstrap_error_in"] == []


def test_main_guard_leaves_no_process_behind(cell, method, tmp_path):
    # Our own code (lab/experiments/_scripts.py): every script's process group is settled or stopped.
    import psutil

    record = cell("main_guard", method)
    assert record["status"] == "ok", record.get("error")
    left = []
    for process in psutil.process_iter(["cwd", "status"]):
        try:
            if process.info["cwd"] == str(tmp_path) and process.info["status"] != psutil.STATUS_ZOMBIE:
                left.append(process.pid)
        except psutil.Error:
            continue
    assert left == []


# global_isolation, exit_codes and terminate_latency: tests/test_tutorial_experiments.py runs them
# against their facts (lab/facts/).
