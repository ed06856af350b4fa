"""lab/expectations.py: the framework's reading of observations, and the core claims.

The core claims are checked two ways: on observation dicts shaped like the experiments' own
(a property of our code: a documented value agrees, any other value differs, a missing one is
not measured), and, marked slow, on real cells of this interpreter, where a DIFFERS is the
documented behaviour of CPython not holding (FACTS.md; sources are in each expectation).
"""

from __future__ import annotations

import sys
from copy import deepcopy

import pytest

from lab.expectations import (
    AGREES,
    DIFFERS,
    EXPECTATIONS,
    NOT_MEASURED,
    equal_all,
    equals,
    evaluate,
    get,
    reimports_main,
)
from lab.records import ResultFile

LINUX_312 = {"platform": "linux", "implementation": "cpython", "python_version": "3.12.1"}
WINDOWS_312 = {**LINUX_312, "platform": "windows"}
PYPY = {**LINUX_312, "implementation": "pypy", "python_version": "3.9.18"}
CORE = ("global_isolation", "exit_codes", "terminate_latency")

# What the docs and source say each experiment observes on CPython/Linux (FACTS.md).
# fmt: off
DOCUMENTED = {
    ("global_isolation", "fork"): {"child_sees": "runtime", "parent_sees_child_write": False,
                                   "child_sees_list_append": True, "parent_sees_child_list_append": False},
    ("global_isolation", "spawn"): {"child_sees": "import-time", "parent_sees_child_write": False,
                                    "child_sees_list_append": False, "parent_sees_child_list_append": False},
    ("exit_codes", "fork"): {"return": 0, "return 5": 0, "sys.exit()": 0, "sys.exit(None)": 0, "sys.exit(0)": 0,
                             "sys.exit(3)": 3, "sys.exit('text')": 1, "raise ValueError": 1,
                             "raise KeyboardInterrupt": 1, "os._exit(7)": 7, "before start": None,
                             "while running": None, "terminate()": -15, "kill()": -9,
                             "after close()": {"type": "ValueError", "message": "process object is closed"}},
    ("terminate_latency", "fork"): {
        "terminate_exitcodes": [-15],
        "kill_exitcodes": [-9],
        "alive_right_after_terminate": {"count": 29, "trials": 30, "fraction": 0.9667, "class": "seen"},
    },
}
# fmt: on
DOCUMENTED[("global_isolation", "forkserver")] = DOCUMENTED[("global_isolation", "spawn")]
for method in ("spawn", "forkserver"):
    DOCUMENTED[("exit_codes", method)] = DOCUMENTED[("exit_codes", "fork")]
    DOCUMENTED[("terminate_latency", method)] = DOCUMENTED[("terminate_latency", "fork")]


def core(experiment: str | None = None) -> list:
    return [e for e in EXPECTATIONS if e.experiment in CORE and experiment in (None, e.experiment)]


def test_get_reads_dotted_paths_and_keys_that_hold_dots():
    observations = {"sys.exit(3)": 3, "unguarded": {"child_exitcode": 1}, "proc": {"status": "not applicable"}}
    assert get(observations, "sys.exit(3)") == 3
    assert get(observations, "unguarded.child_exitcode") == 1
    missing = get(observations, "unguarded.nothing")
    assert missing is get(observations, "proc")  # not applicable reads as missing


def test_equality_keeps_bool_and_int_apart():
    assert equals("x", True)({"x": 1}, LINUX_312, "fork") is False
    assert equals("x", 0)({"x": False}, LINUX_312, "fork") is False
    assert equals("x", 1)({"x": 1}, LINUX_312, "fork") is True
    assert equal_all({"x": 1, "y": None})({"x": 1}, LINUX_312, "fork") is None
    assert equal_all({"x": 1, "y": 2}).paths == ("x", "y")


@pytest.mark.parametrize(
    ("version", "method", "expected"),
    [("3.12.1", "spawn", True), ("3.13.0", "forkserver", True), ("3.13.8", "forkserver", False),
     ("3.14.0", "forkserver", True), ("3.14.1", "forkserver", False), ("3.12.1", "fork", False)],
)  # fmt: skip
def test_forkserver_reimports_main_only_before_the_preload_fix(version, method, expected):
    assert reimports_main({**LINUX_312, "python_version": version}, method) is expected


def test_every_core_expectation_has_a_source_and_names_a_real_experiment():
    from lab import experiments

    assert {e.experiment for e in core()} == set(CORE)
    for expectation in core():
        assert expectation.experiment in experiments.names()
        assert expectation.source
        assert getattr(expectation.check, "paths", ()), expectation.id  # the report shows what was read
    assert len({e.id for e in EXPECTATIONS}) == len(EXPECTATIONS)


@pytest.mark.parametrize(("experiment", "method"), sorted(DOCUMENTED))
def test_documented_observations_agree_and_any_change_differs(experiment, method):
    observations = DOCUMENTED[(experiment, method)]
    applicable = [e for e in core(experiment) if e.applies(LINUX_312, method)]
    assert applicable
    for expectation in applicable:
        assert expectation.check(observations, LINUX_312, method) is True, expectation.id
        for path in expectation.check.paths:
            changed = deepcopy(observations)
            *parents, last = path.split(".") if path not in changed else [path]
            target = changed
            for part in parents:
                target = target[part]
            target[last] = "something else"
            assert expectation.check(changed, LINUX_312, method) is False, (expectation.id, path)
        assert expectation.check({}, LINUX_312, method) is None


def test_sys_exit_without_code_is_conditioned_on_version():
    """3.8's _bootstrap gives 1 for a SystemExit without args; 3.9+ gives 0 (Lib/multiprocessing/process.py)."""
    py38 = {**LINUX_312, "python_version": "3.8.18"}
    on_38 = {e.id for e in core("exit_codes") if e.applies(py38, "fork")}
    on_312 = {e.id for e in core("exit_codes") if e.applies(LINUX_312, "fork")}
    assert "exitcode-sys-exit-none-3.8" in on_38 - on_312
    assert "exitcode-sys-exit-none-or-0" in on_312 - on_38
    observed_38 = {"sys.exit()": 1, "sys.exit(None)": 1, "sys.exit(0)": 0}
    (claim,) = [e for e in core("exit_codes") if e.id == "exitcode-sys-exit-none-3.8"]
    assert claim.check(observed_38, py38, "fork") is True


def test_claims_are_conditioned_on_implementation_and_platform():
    assert not [e for e in core() if e.applies(PYPY, "spawn") and e.id.startswith("exitcode")]
    windows = {e.id for e in core("exit_codes") if e.applies(WINDOWS_312, "spawn")}
    assert "exitcode-kill-is-terminate-on-windows" in windows
    assert "exitcode-kill-minus-sigkill" not in windows


def test_evaluate_covers_every_applicable_cell_with_an_outcome():
    cells = [
        {"experiment": "exit_codes", "method": "fork", "status": "ok", "observations": {"sys.exit(3)": 4}},
        {"experiment": "exit_codes", "method": "spawn", "status": "timeout", "observations": {}},
    ]
    checks = evaluate([ResultFile(environment=LINUX_312, cells=cells)])
    by = {(c.expectation.id, c.method): c for c in checks}
    assert by[("exitcode-sys-exit-3", "fork")].outcome == DIFFERS
    assert by[("exitcode-sys-exit-3", "fork")].observed == {"sys.exit(3)": 4}
    assert by[("exitcode-sys-exit-3", "spawn")].outcome == NOT_MEASURED
    assert by[("exitcode-sys-exit-3", "spawn")].note == "cell timeout"
    assert by[("global-not-shared-back", "fork")].note == "no cell"
    assert by[("exitcode-os-exit-n", "fork")].note == "observation missing or not applicable"
    assert {c.outcome for c in checks} == {DIFFERS, NOT_MEASURED}


@pytest.mark.slow
@pytest.mark.skipif(sys.implementation.name != "cpython", reason="the claims are CPython's")
@pytest.mark.parametrize("experiment", ["global_isolation", "exit_codes"])
def test_this_cpython_behaves_as_documented(cell, experiment, method):
    """A real --quick cell of this interpreter: every applicable claim agrees (sources in lab/expectations.py)."""
    from lab.environment import collect

    record = cell(experiment, method)
    assert record["status"] == "ok", record.get("error")
    checks = [c for c in evaluate([ResultFile(environment=collect(), cells=[record])]) if c.method == method]
    outcomes = {c.expectation.id: (c.outcome, c.observed) for c in checks if c.expectation.experiment == experiment}
    assert outcomes
    assert all(outcome == AGREES for outcome, _ in outcomes.values()), outcomes
