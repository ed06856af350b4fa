"""Behaviour tests of the four core experiments on the host interpreter, under each start method.

Each test asserts what CPython documents (source named in the test, see ../shared/FACTS.md) and
only where it holds on the interpreter running the tests. No absolute time is asserted.
"""

from __future__ import annotations

import multiprocessing
import platform

import pytest

CPYTHON = platform.python_implementation() == "CPython"
METHODS = multiprocessing.get_all_start_methods()


@pytest.mark.start_methods("spawn", "forkserver")
def test_unguarded_start_fails_in_the_child_with_the_bootstrapping_error(cell, method):
    # Lib/multiprocessing/spawn.py, _check_not_importing_main: the child re-runs the main module
    # as __mp_main__, reaches start() while importing, raises RuntimeError; its exitcode is 1.
    unguarded = cell("main_guard", method)["observations"]["unguarded"]
    assert unguarded["bootstrap_error"] is True
    assert unguarded["target_ran"] is False
    assert unguarded["child_exitcode"] == 1
    assert unguarded["parent_exitcode"] == 0  # "The parent keeps running"
    assert unguarded["child_main_name"] == "__mp_main__"
    assert unguarded["module_level_runs"] >= 2


@pytest.mark.skipif("fork" not in METHODS, reason="fork is not offered on this platform")
def test_fork_re_runs_no_module_level_code(cell):
    # Docs, "Contexts and start methods": fork copies the parent; nothing of __main__ is re-run.
    observations = cell("main_guard", "fork")["observations"]
    for scenario in ("unguarded", "guarded"):
        assert observations[scenario]["module_level_runs"] == 1
        assert observations[scenario]["target_ran"] is True
        assert observations[scenario]["child_main_name"] == "__main__"


def test_guarded_script_runs_its_target_under_every_method(cell, method):
    # Docs, programming guidelines, "Safe importing of main module".
    guarded = cell("main_guard", method)["observations"]["guarded"]
    assert guarded["target_ran"] is True
    assert guarded["child_exitcode"] == 0
    assert guarded["bootstrap_error"] is False


# global_isolation, exit_codes and terminate_latency: tests/test_tutorial_experiments.py runs them
# against their facts (lab/facts/).
