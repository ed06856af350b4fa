"""Behaviour tests of the four core experiments on the host interpreter, under each start method.

Each test asserts what CPython documents (source named in the test, see ../shared/FACTS.md) and
only where it holds on the interpreter running the tests. No absolute time is asserted.
"""

from __future__ import annotations

import multiprocessing
import platform
import signal

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


def test_a_childs_write_to_a_global_never_reaches_the_parent(cell, method):
    # Docs, programming guidelines: "Bear in mind that if code run in a child process tries to
    # access a global variable, then the value it sees ... may not be the same as the value in the
    # parent process"; processes do not share memory.
    observations = cell("global_isolation", method)["observations"]
    assert observations["parent_sees_child_write"] is False
    assert observations["parent_sees_child_list_append"] is False
    expected = "runtime" if method == "fork" else "import-time"  # fork copies; spawn re-imports
    assert observations["child_sees"] == expected
    assert observations["child_sees_list_append"] is (method == "fork")


def test_exit_codes_follow_bootstrap(cell, method):
    # Lib/multiprocessing/process.py, BaseProcess._bootstrap and Process.exitcode docs.
    codes = cell("exit_codes", method)["observations"]
    assert codes["before start"] is None
    assert codes["while running"] is None
    for label in ("return", "return 5", "sys.exit()", "sys.exit(None)", "sys.exit(0)"):
        assert codes[label] == 0, label
    assert codes["sys.exit(3)"] == 3
    assert codes["sys.exit('text')"] == 1
    assert codes["raise ValueError"] == 1
    assert codes["os._exit(7)"] == 7
    # process.py, BaseProcess._check_closed: "process object is closed"
    assert codes["after close()"] == {"type": "ValueError", "message": "process object is closed"}


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals only")
def test_killed_child_reports_minus_the_signal(cell, method):
    # Lib/multiprocessing/popen_fork.py: "exitcode of a process killed by signal N is -N".
    codes = cell("exit_codes", method)["observations"]
    assert codes["terminate()"] == -signal.SIGTERM
    assert codes["kill()"] == -signal.SIGKILL


def test_terminate_latency_counts_and_timings(cell, method):
    # popen_fork.py: terminate() sends SIGTERM, kill() SIGKILL; join() waits until reaped.
    record = cell("terminate_latency", method)
    observations = record["observations"]
    for how, sig in (("terminate", "SIGTERM"), ("kill", "SIGKILL")):
        count = observations[f"alive_right_after_{how}"]
        assert 0 <= count["count"] <= count["trials"]
        assert count["class"] == ("seen" if count["count"] else "none")  # a matter of chance: presence
        if hasattr(signal, sig):
            assert observations[f"{how}_exitcodes"] == [-getattr(signal, sig)]
    for timing in ("terminate_to_join", "terminate_to_not_alive", "kill_to_join", "kill_to_not_alive"):
        summary = record["timings"][timing]
        assert summary["n"] == len(summary["samples"]) > 0
        assert summary["min"] <= summary["p5"] <= summary["median"] <= summary["p95"] <= summary["max"]
