"""lab.facts: the facts language, the evaluator, and the committed results read against every fact.

The language and the evaluator are tested on synthetic observations (properties of our own code).
The facts themselves are never restated here: they are checked against observed cells, the
committed ones below and this interpreter's in tests/test_what_breaks.py.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from lab import experiments
from lab.facts import AGREES, DIFFERS, NOT_MEASURED, all_facts, check_cell, evaluate, evaluate_cell, unique
from lab.facts.dsl import MISSING, all_of, cpython, docs, equal_all, equals, fact, get, issue, not_equal, one_of, when
from lab.results.files import ResultFile, load
from lab.results.record import CellRecord

RESULTS = Path(__file__).resolve().parent.parent / "results"
LINUX = {"platform": "linux", "implementation": "cpython", "python_version": "3.12.1", "free_threaded": False}
SOURCE = cpython("v3.14.0", "Lib/multiprocessing/process.py", "BaseProcess._bootstrap")


def env(version: str = "3.12.1", **changes) -> dict:
    return {**LINUX, "python_version": version, **changes}


def a_fact(id: str = "synthetic", check=None, condition=None):
    return fact(id, "a synthetic claim", condition or when(), check or equals("x", 1), SOURCE)


# -- reading observations -------------------------------------------------------------------
def test_get_reads_dotted_paths_and_keys_that_hold_dots():
    observations = {
        "sys.exit(3)": 3,
        "unguarded": {"child_exitcode": 1, "a.b": {"c": 2}},
        "x.y": "longest key",
        "x": {"y": "shorter key"},
    }
    assert get(observations, "sys.exit(3)") == 3
    assert get(observations, "unguarded.child_exitcode") == 1
    assert get(observations, "unguarded.a.b.c") == 2
    assert get(observations, "x.y") == "longest key"  # the longest key that matches wins
    assert get(observations, "unguarded.nothing") is MISSING
    assert get(observations, "sys.exit(3).deeper") is MISSING  # a value is not a dict


def test_not_applicable_reads_as_missing_at_any_depth():
    na = {"status": "not applicable", "reason": "no /proc here"}
    observations = {"untouched": na, "after": {"uss": na, "rss": "whole block"}}
    assert get(observations, "untouched") is MISSING
    assert get(observations, "untouched.uss") is MISSING
    assert get(observations, "after.uss") is MISSING
    assert get(observations, "after.rss") == "whole block"


def test_checks_keep_bool_and_int_apart():
    assert equals("x", True)({"x": 1}) is False
    assert equals("x", 1)({"x": True}) is False
    assert equals("x", 0)({"x": False}) is False
    assert equals("x", None)({"x": 0}) is False
    assert equals("x", 1)({"x": 1}) is True
    assert one_of("x", [1, 2])({"x": True}) is False
    assert one_of("x", [True, 2])({"x": True}) is True
    assert not_equal("x", 1)({"x": True}) is True
    assert not_equal("x", "none")({"x": "seen"}) is True


def test_a_missing_or_not_applicable_observation_gives_no_verdict():
    check = all_of(equals("a", 1), equal_all({"b.c": "yes", "d": None}))
    assert check.paths == ("a", "b.c", "d")
    assert check({"a": 1, "b": {"c": "yes"}, "d": None}) is True
    assert check({"a": 2, "b": {"c": "yes"}, "d": None}) is False
    assert check({"a": 1, "b": {"c": "yes"}}) is None  # d is missing
    assert check({"a": 1, "b": {"status": "not applicable", "reason": "r"}, "d": None}) is None
    assert check.describe() == "a is 1; b.c is 'yes'; d is None"


# -- where a claim applies ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("version", "expected"),
    [("3.7.17", False), ("3.8.0", True), ("3.13.7", True), ("3.13.8", False), ("3.13.18", False),
     ("3.14.0", True), ("3.14.1", False), ("3.15.2", False), ("3.13", True), ("3.14.0rc1", True)],
)  # fmt: skip
def test_version_ranges_hold_to_the_patch_release(version, expected):
    condition = when(versions=[("3.8", "3.13.8"), ("3.14", "3.14.1")])
    assert condition.applies(env(version), "spawn") is expected


@pytest.mark.parametrize(
    ("condition", "version", "expected"),
    [(when(since="3.12"), "3.12.0", True), (when(since="3.12"), "3.11.9", False), (when(since="3.12"), "3.12", True),
     (when(before="3.12"), "3.12.0", False), (when(before="3.12"), "3.11.9", True),
     (when(since="3.12.5"), "3.12.4", False), (when(since="3.12.5"), "3.12.5", True),
     (when(since="3.12", before="3.14"), "3.13.18", True), (when(since="3.12", before="3.14"), "3.14.0", False)],
)  # fmt: skip
def test_since_and_before(condition, version, expected):
    assert condition.applies(env(version), "fork") is expected


def test_implementation_method_platform_and_build_conditions():
    pypy = env("3.11.13", implementation="pypy")
    assert not when().applies(pypy, "fork")  # CPython unless said otherwise
    assert when(implementation=None).applies(pypy, "fork")
    assert when(implementation="pypy").applies(pypy, "fork")
    assert not when(methods=("spawn", "forkserver")).applies(env(), "fork")
    assert when(platforms=("linux", "macos")).applies(env(), "fork")
    assert not when(platforms=("windows",)).applies(env(), "spawn")
    assert when(free_threaded=True).applies(env("3.13.15", free_threaded=True), "spawn")
    assert not when(free_threaded=True).applies(env("3.13.15"), "spawn")
    assert not when(min_cpus=2).applies({**env(), "cpu_count": 1}, "spawn")
    with pytest.raises(ValueError, match="either versions"):
        when(versions=[("3.8", None)], since="3.9")


def test_describe_says_where_a_claim_holds_in_words():
    assert when().describe() == "CPython, every version"
    assert when(implementation=None, methods=("fork",)).describe() == "every implementation, every version; fork"
    assert when(methods=("spawn",), since="3.12").describe() == "CPython 3.12+; spawn"
    assert when(before="3.9").describe() == "CPython before 3.9"
    assert when(versions=[("3.8", "3.13.8"), ("3.14", "3.14.1")]).describe() == (
        "CPython 3.8 to before 3.13.8, 3.14 to before 3.14.1"
    )
    assert when(free_threaded=True, platforms=("linux",), min_cpus=2).describe() == (
        "CPython (free-threaded), every version; linux; 2+ CPUs"
    )


# -- what a fact must have -----------------------------------------------------------------
def test_a_fact_without_a_source_or_a_check_is_refused():
    with pytest.raises(ValueError, match="source"):
        fact("no-source", "a claim", when(), equals("x", 1))
    with pytest.raises(ValueError, match="sources are"):
        fact("text-source", "a claim", when(), equals("x", 1), "Lib/multiprocessing/process.py")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="check at least one"):
        fact("no-check", "a claim", when(), equal_all({}), SOURCE)
    with pytest.raises(ValueError, match="an id and a claim"):
        fact("", "a claim", when(), equals("x", 1), SOURCE)


def test_duplicate_ids_are_refused():
    first, second = a_fact("same-id"), a_fact("same-id", equals("y", 2))
    with pytest.raises(ValueError, match="repeated: same-id"):
        unique([first, second])
    with pytest.raises(ValueError, match="repeated: same-id"):
        evaluate([], facts=[first, second])
    assert unique([first, a_fact("other-id")]) == (first, a_fact("other-id"))


def test_sources_link_a_tag_or_a_versioned_page():
    assert SOURCE.url == "https://github.com/python/cpython/blob/v3.14.0/Lib/multiprocessing/process.py"
    assert SOURCE.text() == "BaseProcess._bootstrap"
    page = docs("3.14", "library/multiprocessing.html", "contexts-and-start-methods")
    assert page.url == "https://docs.python.org/3.14/library/multiprocessing.html#contexts-and-start-methods"
    assert issue(100228).url == "https://github.com/python/cpython/issues/100228"
    assert issue(100228).text() == "gh-100228"


def test_every_written_fact_names_a_real_experiment_and_links_a_tag():
    facts = all_facts()  # unique ids, or it raises
    assert facts
    names = set(experiments.names())
    for written in facts:
        assert written.experiment in names, written.id
        for source in written.sources:
            url = source.url
            assert "/cpython/blob/v3." in url or "docs.python.org/3." in url or "/cpython/issues/" in url, (
                f"{written.id}: {url} is not at a tag or a versioned docs page"
            )


# -- the evaluator ---------------------------------------------------------------------------
def test_check_cell_outcomes_and_notes():
    written = a_fact(check=equal_all({"x": 1, "y.z": "yes"}))

    def cell(observations, status="ok"):
        return CellRecord("e", "fork", status, observations=observations)

    agrees = check_cell(written, env(), "local", "fork", cell({"x": 1, "y": {"z": "yes"}}))
    assert (agrees.outcome, agrees.observed) == (AGREES, {"x": 1, "y.z": "yes"})
    differs = check_cell(written, env(), "local", "fork", cell({"x": True, "y": {"z": "yes"}}))
    assert (differs.outcome, differs.observed) == (DIFFERS, {"x": True, "y.z": "yes"})
    missing = check_cell(written, env(), "local", "fork", cell({"x": 1}))
    assert (missing.outcome, missing.note, missing.observed) == (
        NOT_MEASURED,
        "observation missing or not applicable",
        {"x": 1},
    )
    timed_out = check_cell(written, env(), "local", "fork", cell({}, status="timeout"))
    assert (timed_out.outcome, timed_out.note) == (NOT_MEASURED, "cell timeout")
    assert check_cell(written, env(), "local", "fork", None).note == "no cell"


def test_evaluate_covers_each_method_a_file_holds_where_the_fact_applies():
    spawn_only = a_fact("spawn-only", condition=when(methods=("spawn",)))
    everywhere = a_fact("everywhere", equals("x", 1))
    cells = [
        CellRecord("alpha", "fork", "ok", observations={"x": 2}),
        CellRecord("alpha", "spawn", "ok", observations={"x": 1}),
    ]
    assert spawn_only.experiment == ""  # filled in from the module a fact is written in
    facts = [dataclasses.replace(f, experiment="alpha") for f in (spawn_only, everywhere)]
    verdicts = evaluate([ResultFile(environment=env(), cells=cells)], facts=facts)
    by = {(v.fact.id, v.method): v.outcome for v in verdicts}
    assert by == {("spawn-only", "spawn"): AGREES, ("everywhere", "fork"): DIFFERS, ("everywhere", "spawn"): AGREES}
    other_implementation = evaluate([ResultFile(environment=env(implementation="pypy"), cells=cells)], facts=facts)
    assert other_implementation == []


def test_evaluate_cell_reads_the_facts_about_that_experiment():
    as_written = {"experiment": "exit_codes", "method": "fork", "status": "ok", "observations": {"sys.exit(3)": 4}}
    verdicts = {v.fact.id: v for v in evaluate_cell(env(), as_written)}  # the driver's JSON form
    assert [v.outcome for v in evaluate_cell(env(), CellRecord.from_json(as_written))] == [
        v.outcome for v in verdicts.values()
    ]
    assert verdicts["exitcode-sys-exit-n"].outcome == DIFFERS
    assert {v.fact.experiment for v in verdicts.values()} == {"exit_codes"}
    assert "exitcode-kill-is-terminate-on-windows" not in verdicts  # a Windows fact, on Linux


# -- the committed measurements --------------------------------------------------------------
def test_committed_results_differ_from_no_fact():
    files = [load(path) for path in sorted(RESULTS.glob("*.json"))]
    assert files, "no committed result files"
    verdicts = evaluate(files)
    differing = [
        f"{v.fact.id} on {v.environment.get('implementation')} {v.environment.get('python_version')} {v.method}: "
        f"{v.observed}"
        for v in verdicts
        if v.outcome == DIFFERS
    ]
    assert not differing, "\n".join(differing)
    assert sum(v.outcome == AGREES for v in verdicts) > len(files)  # the facts were read, not skipped


@pytest.mark.parametrize(
    ("environment", "gil"),
    [
        ({"free_threaded": False}, True),  # a GIL build before 3.13 records no gil_enabled
        ({"free_threaded": True, "gil_enabled": False}, False),
        ({"free_threaded": True, "gil_enabled": True}, True),  # PYTHON_GIL=1 turned it back on
        ({"free_threaded": True}, False),
    ],
)
def test_when_gil_follows_the_run_time_state_not_the_build(environment, gil):
    env = {"implementation": "cpython", "python_version": "3.13.15", **environment}
    assert when(gil=gil).applies(env, "fork")
    assert not when(gil=not gil).applies(env, "fork")
