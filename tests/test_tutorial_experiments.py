"""The tutorial's lessons on the host interpreter, one real cell per lesson and start method.

Each cell is ``python -m lab.driver cell LESSON METHOD out.json --quick`` in a temporary directory,
bounded by a timeout (the ``cell`` fixture of conftest.py). The documented behaviour is not
restated here: it is written once, in ``lab/facts/LESSON.py``, and every fact that applies to the
cell must agree with it. A timing lesson's noisy yes/no (an observation declared
``judgement=True``, such as "the processes ran in parallel") is not held to its fact here: this
suite runs beside other tests on two cores. The rest are properties of our own code: the
declarations match what the lessons observe, counts are well formed, the helpers classify right.
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from lab import experiments
from lab.environment import collect
from lab.experiment import NOT_APPLICABLE
from lab.experiments import lock_vs_join, orphans, process_creation
from lab.experiments._processes import fields
from lab.facts import AGREES, all_facts, check_cell
from lab.results.record import CellRecord

LESSONS = (
    "process_creation",
    "join_semantics",
    "global_isolation",
    "exit_codes",
    "terminate_latency",
    "daemon",
    "orphans",
    "zombies",
    "lost_updates",
    "ticket_race",
    "lock_vs_join",
    "lock_twice",
    "parallel_speedup",
)
ENVIRONMENT = collect()
COUNT_KEYS = {"count", "trials", "fraction", "class"}


def judged(experiment: str, path: str) -> bool:
    """Whether ``path`` is (inside) an observation the lesson declares a judgement."""
    declared = experiments.load(experiment).EXPERIMENT.observations
    return any(o.judgement and (path == o.key or path.startswith(o.key + ".")) for o in declared)


def observed(observations: dict, key: str) -> bool:
    """Whether a declared key is observed, or sits in an observation that is ``not applicable`` here.

    Keys may hold dots themselves (``sys.exit(3)``): the longest key that matches wins, as in
    ``lab.facts.dsl.get``.
    """
    value: Any = observations
    rest = key
    while rest:
        if not isinstance(value, dict):
            return False
        if value.get("status") == NOT_APPLICABLE:
            return True
        parts = rest.split(".")
        found = next((cut for cut in range(len(parts), 0, -1) if ".".join(parts[:cut]) in value), 0)
        if not found:
            return False
        value, rest = value[".".join(parts[:found])], ".".join(parts[found:])
    return True


def counts(value: Any) -> Iterator[dict]:
    """Every classify_count() result inside an observation."""
    if isinstance(value, dict):
        if set(value) >= COUNT_KEYS:
            yield value
        for inner in value.values():
            yield from counts(inner)


@pytest.mark.parametrize("experiment", LESSONS)
def test_the_lesson_agrees_with_its_facts_and_its_declaration(cell, method, experiment):
    record = cell(experiment, method, timeout=120)
    assert record["status"] == "ok", record.get("error") or record
    observations = record["observations"]

    facts = [f for f in all_facts() if f.experiment == experiment and f.when.applies(ENVIRONMENT, method)]
    assert facts, f"no fact about {experiment} applies here"
    for fact in facts:
        if any(judged(experiment, path) for path in fact.check.paths):
            continue
        verdict = check_cell(fact, ENVIRONMENT, "test", method, CellRecord.from_json(record))
        assert verdict.outcome == AGREES, f"{fact.id}: {verdict.outcome} {verdict.observed} {verdict.note}"

    declaration = experiments.load(experiment).EXPERIMENT
    for key in [o.key for o in declaration.observations] + [s.evidence for s in declaration.symptoms]:
        assert observed(observations, key), f"{experiment} declares {key!r} but does not observe it"
    for count in counts(observations):  # lab/experiment.py, classify_count
        assert 0 <= count["count"] <= count["trials"]
        if count["class"] in ("none", "seen"):
            assert (count["class"] == "seen") == (count["count"] > 0)
        elif count["class"] in ("some", "all"):
            assert count["class"] == ("all" if count["count"] == count["trials"] else "some")
        else:
            assert count["class"] in ("yes", "no")  # parallel_speedup.by_median


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ([1, 1, 1, 2, 2, 2, 3, 3, 3], False),
        ([3, 3, 3, 1, 1, 1, 2, 2, 2], False),
        ([1, 2, 3, 1, 2, 3, 1, 2, 3], True),
        ([1, 1, 2, 1, 2, 2, 3, 3, 3], True),
    ],
)
def test_lock_vs_join_calls_lines_interleaved_when_a_task_is_split(lines, expected):
    assert lock_vs_join.interleaved(lines) is expected


def test_orphans_classifies_the_new_parent():
    assert orphans.new_parent(100, 100) == "unchanged"
    assert orphans.new_parent(100, 1) == "pid 1"
    assert orphans.new_parent(100, 42) == "another process (a subreaper)"


def test_scenario_output_fields_and_masked_process_names():
    assert fields("coco 不在 boss_alive=False") == {"boss_alive": "False"}
    assert fields("orphan pid=12 parent=1") == {"pid": "12", "parent": "1"}
    assert process_creation.default_name_pattern("Process-3") == "Process-N"
    assert process_creation.default_name_pattern("Process-3:2:1") == "Process-N"
    assert process_creation.default_name_pattern("coco") == "coco"


def test_every_lesson_declares_its_lesson_docs_and_observations():
    for name in LESSONS:
        declaration = experiments.load(name).EXPERIMENT
        assert declaration.lesson.count(". ") >= 1, name  # two sentences
        assert declaration.docs.startswith("https://docs.python.org/3/"), name
        assert declaration.observations, name
        assert any(o.glance for o in declaration.observations), name
