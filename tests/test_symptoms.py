"""The symptom catalog: lab/symptoms.json is what the experiments declare, and explain() finds them.

The catalog is generated (``python -m lab symptoms --write``) from ``Experiment.symptoms``; the
pytest plugin and ``lab probe`` read the JSON, so a stale file would give users stale causes.
"""

from __future__ import annotations

import json
from pathlib import Path

from lab import symptoms
from tests.conftest import run_lab

SAMPLE = [
    {
        "id": "cant-pickle-local-object",
        "title": "Can't pickle local object",
        "pattern": r"Can't (pickle|get) local object",
        "page": "results/experiments/pickling.md#cant-pickle-local-object",
    },
    {"id": "bootstrapping", "title": "bootstrapping phase", "pattern": r"bootstrapping phase", "page": ""},
]


def test_the_committed_catalog_is_what_the_experiments_declare() -> None:
    """Regenerate with `python -m lab symptoms --write` after changing an experiment's symptoms."""
    assert symptoms.CATALOG.read_text(encoding="utf-8") == symptoms.dump(symptoms.collect())


def test_every_symptom_names_its_experiment_page_and_a_pattern_that_matches_its_messages() -> None:
    for entry in symptoms.collect():
        assert entry["page"].startswith(f"results/experiments/{entry['experiment']}.md#{entry['id']}")
        for message in entry["messages"]:
            assert symptoms.explain(message, [entry]) == [entry], (entry["id"], message)


def test_explain_matches_a_traceback_and_nothing_else() -> None:
    traceback = "Traceback (most recent call last):\n  ...\nAttributeError: Can't get local object 'outer.<locals>.f'"
    assert [s["id"] for s in symptoms.explain(traceback, SAMPLE)] == ["cant-pickle-local-object"]
    assert symptoms.explain("ZeroDivisionError: division by zero", SAMPLE) == []


def test_load_reads_what_dump_writes(tmp_path: Path) -> None:
    path = tmp_path / "symptoms.json"
    path.write_text(symptoms.dump(SAMPLE), encoding="utf-8")
    assert symptoms.load(path) == SAMPLE


def test_write_regenerates_the_catalog_atomically(tmp_path: Path) -> None:
    path = tmp_path / "symptoms.json"
    count = symptoms.write(path)
    assert json.loads(path.read_text(encoding="utf-8")) == {"symptoms": symptoms.collect()}
    assert count == len(symptoms.collect())
    assert not list(tmp_path.glob("*.partial"))


def test_the_symptoms_command_prints_the_catalog() -> None:
    completed = run_lab("symptoms")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == symptoms.dump(symptoms.collect())
