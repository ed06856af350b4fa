"""The "what breaks when the start method changes" experiments, run for real on this interpreter.

Each test runs one ``--quick`` cell per start method (the ``cell`` and ``method`` fixtures of
tests/conftest.py) and checks it two ways: every fact in ``lab/facts/NAME.py`` that applies to
this interpreter and method agrees (the facts are written once, there, with their sources), and
the observations have the shape our own code promises. No time or memory figure is asserted.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any

import pytest

from lab import experiments
from lab.environment import collect
from lab.facts import AGREES, DIFFERS, NOT_MEASURED, evaluate_cell

pytestmark = pytest.mark.slow

LINUX = sys.platform.startswith("linux")
POSIX = hasattr(os, "fork")
NOT_APPLICABLE = "not applicable"
FIVE = ("pickling", "fork_with_threads", "random_state", "inherited_state", "memory")


def symptoms(experiment: str) -> dict[str, Any]:
    return {s.id: s for s in experiments.load(experiment).EXPERIMENT.symptoms}


def recorded(observations: Any, path: str) -> bool:
    """Whether the experiment recorded ``path``, as a value or as ``not applicable`` (unlike
    ``lab.facts.dsl.get``, which reads both as missing): a fact naming a key that is never
    recorded would be ``not measured`` for ever."""
    value, rest = observations, path
    while rest:
        if isinstance(value, dict) and value.get("status") == NOT_APPLICABLE:
            return True
        if not isinstance(value, dict):
            return False
        parts = rest.split(".")
        for cut in range(len(parts), 0, -1):
            if ".".join(parts[:cut]) in value:
                value, rest = value[".".join(parts[:cut])], ".".join(parts[cut:])
                break
        else:
            return False
    return True


def measured(cell, experiment: str, method: str) -> dict[str, Any]:
    """Run the cell; assert it is ok and that no fact about it differs; its observations."""
    record = cell(experiment, method, timeout=120)
    assert record["status"] == "ok", record.get("error")
    verdicts = evaluate_cell(collect(), record)
    differing = {v.fact.id: v.observed for v in verdicts if v.outcome == DIFFERS}
    assert not differing, differing
    for verdict in verdicts:
        if verdict.outcome == NOT_MEASURED:
            unrecorded = [p for p in verdict.fact.check.paths if not recorded(record["observations"], p)]
            assert not unrecorded, f"{verdict.fact.id} reads keys {experiment} never records: {unrecorded}"
    if sys.implementation.name == "cpython" and LINUX:
        assert any(v.outcome == AGREES for v in verdicts), f"no fact about {experiment} {method} was checked"
    return record["observations"]


def test_pickling(cell, method):
    seen = measured(cell, "pickling", method)
    assert len(seen) == 12
    for case, result in seen.items():
        assert set(result) == {"outcome", "type", "message", "notes", "exitcode"}, case
        assert result["outcome"] in ("ok", "parent", "child"), case
        if result["outcome"] == "ok":
            assert (result["type"], result["message"], result["exitcode"]) == (None, None, 0), case
        elif result["outcome"] == "parent":  # start() raised: no child, no exit code
            assert result["exitcode"] is None, case
            assert result["type"], case
            assert result["message"], case
        else:  # the child failed: its traceback was found on stderr, after this case's marker
            assert result["type"], case
            assert result["exitcode"] not in (None, 0), case
        assert all(isinstance(note, str) for note in result["notes"]), case
        assert "/tmp/" not in str(result["message"]), case  # messages are normalised (lab.normalise)
    # Where a symptom's evidence shows, the message observed here is one its pattern recognises.
    for symptom in symptoms("pickling").values():
        case = seen[symptom.evidence.split(".")[0]]
        if case["outcome"] in symptom.shows:
            assert re.search(symptom.pattern, f"{case['type']}: {case['message']}"), (symptom.id, case)


def test_fork_with_threads(cell, method):
    seen = measured(cell, "fork_with_threads", method)
    # The driver hands over a single-threaded process, and the experiment joins the thread it starts.
    assert (seen["other_threads_before"], seen["other_threads_after"]) == (0, 0)
    with_thread = seen["with_thread"]
    assert with_thread["parent_threads_at_start"] == 2
    assert with_thread["child_exitcode"] == 0  # acquire() has a timeout: the child never hangs the cell
    assert with_thread["child_lock"] in ("acquired", "deadlocked")
    assert with_thread["warning_emitted"] is ("DeprecationWarning" in with_thread["warning_categories"])
    assert [w["category"] for w in with_thread["warnings"]] == with_thread["warning_categories"]
    for run in (seen["default_filters"], seen["w_default"]):
        assert run["exitcode"] == 0
        assert run["shown"] is bool(run["lines"])
        assert all(":<line>:" in line and "<pid>" in line for line in run["lines"] if "multi-threaded" in line)
    warning = symptoms("fork_with_threads")["fork-multi-threaded-deprecation"]
    deprecations = [w["message"] for w in with_thread["warnings"] if w["category"] == "DeprecationWarning"]
    assert all(re.search(warning.pattern, message) for message in deprecations), deprecations


def test_random_state(cell, method):
    seen = measured(cell, "random_state", method)
    assert set(seen) == {"global_after_use", "global_after_seed", "module_instance", "passed_instance"}
    for case, result in seen.items():
        assert result["children_answered"] == 2, case  # --quick: two children per case, each answered
        assert isinstance(result["children_identical"], bool), case
        assert isinstance(result["any_equals_parent_next"], bool), case
    assert isinstance(seen["module_instance"]["equals_import_time_draw"], bool)


def test_inherited_state(cell, method):
    seen = measured(cell, "inherited_state", method)
    words = {"the value set before its start", "the value set before an earlier start", "not set"}
    assert {seen["env_first_child"], seen["env_second_child"]} <= words
    assert (seen["parent_fd"], seen["parent_fd_number"]) in (
        ("inherited", "the parent's file"),
        ("not inherited", "another file"),
        ("not inherited", "closed"),
    )
    for key in ("signal_handler", "signal_ignored"):
        if POSIX:
            assert seen[key] in ("default", "ignored", "parent's handler", "another handler", "set outside Python")
        else:
            assert seen[key]["status"] == NOT_APPLICABLE
    assert seen["main_name_script"] in ("__main__", "__mp_main__")


def test_memory(cell, method):
    seen = measured(cell, "memory", method)
    assert seen["block_mib"] == 50  # --quick
    assert isinstance(seen["child_has_block"], bool)
    if not LINUX:
        assert seen["untouched"]["status"] == NOT_APPLICABLE
        return
    amounts = {"whole block", "part of it", "none of it", "varies"}
    assert set(seen["untouched"]) == {"rss", "pss", "uss"}
    assert set(seen["untouched"].values()) <= amounts
    if seen["child_has_block"]:
        assert set(seen["after_write"].values()) <= amounts
    else:  # nothing to write to: said so, not guessed
        assert seen["after_write"]["status"] == NOT_APPLICABLE


@pytest.mark.parametrize("experiment", FIVE)
def test_declarations_name_what_the_experiment_records(experiment):
    declared = experiments.load(experiment).EXPERIMENT
    keys = {o.key for o in declared.observations}
    assert declared.lesson.count(". ") >= 1, "a lesson of two sentences"
    assert declared.docs.startswith("https://docs.python.org/")
    assert len(keys) == len(declared.observations)
    assert sum(o.glance for o in declared.observations) <= 2  # the at-a-glance matrix stays 20-30 rows
    for symptom in declared.symptoms:
        assert symptom.evidence in keys, symptom.id
        for message in symptom.messages:
            assert re.search(symptom.pattern, message), (symptom.id, message)
