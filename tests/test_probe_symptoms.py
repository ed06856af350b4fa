"""``lab probe`` names the symptom of a failed cell, from the same catalog as the pytest plugin.

The catalog entries here are written for the test (the committed lab/symptoms.json holds what
the experiments declare); what is tested is that a cell's exception, pickling error or the
child's stderr is matched, and how the match is shown.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pytest

from lab import symptoms
from lab.probe import ProbeRequest, main, name_symptoms, probe_cell, symptom_lines
from lab.run.discovery import identify
from tests.conftest import ROOT

LAMBDA = {
    "id": "lambda-target",
    "title": "A lambda cannot be pickled",
    "pattern": r"<lambda>",
    "page": "results/experiments/pickling.md#lambda-target",
    "docs": "https://docs.python.org/3/library/multiprocessing.html#the-spawn-and-forkserver-start-methods",
}
NONE_GLOBAL = {"id": "import-time-global", "title": "A global is None in the child", "pattern": r"'NoneType'"}
CATALOG = [LAMBDA, NONE_GLOBAL]


def _cell(method: str, status: str = "failed", **extra) -> dict:
    return {"interpreter": "cpython-3.12.1", "method": method, "status": status, **extra}


def test_a_failed_cell_is_matched_by_its_exception_pickling_error_or_stderr() -> None:
    cells = [
        _cell("fork", "ok", pickle_error={"type": "PicklingError", "message": "Can't pickle <lambda>"}),
        _cell("spawn", exception={"type": "PicklingError", "message": "Can't pickle <function <lambda>>"}),
        _cell("forkserver", exception=None, stderr_tail="AttributeError: 'NoneType' object has no attribute"),
    ]
    name_symptoms(cells, CATALOG)
    assert [[s["id"] for s in c["symptoms"]] for c in cells] == [[], ["lambda-target"], ["import-time-global"]]
    assert cells[1]["symptoms"][0]["page"] == LAMBDA["page"]


def test_one_line_per_interpreter_and_symptom_with_its_methods_and_links() -> None:
    cells = [_cell(m, exception={"type": "PicklingError", "message": "<lambda>"}) for m in ("spawn", "forkserver")]
    name_symptoms(cells, CATALOG)
    assert symptom_lines(cells) == [
        f"cpython-3.12.1 spawn, forkserver: A lambda cannot be pickled -- {LAMBDA['page']}, {LAMBDA['docs']}"
    ]


def test_without_a_catalog_file_nothing_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(symptoms, "CATALOG", tmp_path / "missing.json")
    cells = [_cell("spawn", exception={"type": "PicklingError", "message": "<lambda>"})]
    name_symptoms(cells)
    assert cells[0]["symptoms"] == []


@pytest.mark.slow
@pytest.mark.start_methods("spawn")
def test_the_probe_names_the_symptom_of_a_real_cell(
    mp_context, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """examples.lambda_target under spawn fails at start() ("More picklability"); the table says why."""
    catalog = tmp_path / "symptoms.json"
    catalog.write_text(symptoms.dump(CATALOG), encoding="utf-8")
    monkeypatch.setattr(symptoms, "CATALOG", catalog)
    monkeypatch.chdir(ROOT)
    host = identify(sys.executable)
    cell = probe_cell(host, mp_context.get_start_method(), ProbeRequest("examples.lambda_target:square", args=[7]))
    name_symptoms([cell])
    assert [s["id"] for s in cell["symptoms"]] == ["lambda-target"]

    args = argparse.Namespace(
        target="examples.lambda_target:square", args="[7]", kwargs="{}", setup=None, timeout=30.0,
        method=["spawn"], python=[sys.executable], json=False,
    )  # fmt: skip
    assert main(args) == 1
    out = capsys.readouterr().out
    assert "likely causes (lab/symptoms.json):" in out
    assert f"spawn: A lambda cannot be pickled -- {LAMBDA['page']}" in out
    args.json = True
    main(args)
    assert json.loads(capsys.readouterr().out)[0]["symptoms"][0]["id"] == "lambda-target"
