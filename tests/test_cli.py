"""Bad input on the command line: one clear line, exit code 2, nothing stored changed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import run_lab

HOST = sys.executable


def assert_one_line_error(result, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    for fragment in fragments:
        assert fragment in errors[0]


def test_list_names_every_experiment_with_its_question() -> None:
    result = run_lab("list")
    assert result.returncode == 0
    for name in ("main_guard", "global_isolation", "terminate_latency", "exit_codes"):
        assert name in result.stdout


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--experiment", "no_such"], ["unknown experiment 'no_such'", "python -m lab list"]),
        (["--method", "vfork"], ["unknown start method 'vfork'", "fork, spawn, forkserver"]),
        (["--python", "3.99"], ["--python 3.99", "or pass its path"]),
        (["--python", "/no/such/python"], ["/no/such/python"]),
        (["--label", "Bad Label"], ["--label"]),
    ],
)
def test_bad_arguments(tmp_path: Path, args, fragments) -> None:
    assert_one_line_error(run_lab("run", "--out", str(tmp_path), "--python", HOST, *args), *fragments)
    assert list(tmp_path.iterdir()) == []


def test_unwritable_out(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = run_lab("run", "--python", HOST, "--experiment", "exit_codes", "--out", str(blocker / "results"))
    assert_one_line_error(result, "cannot write there", "choose a writable directory")


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ('{"schema": "forklab', "is not valid JSON"),
        ('{"name": "x"}', "not a forklab result file"),
        ('{"schema": "forklab.results/9"}', "forklab.results/9 is not one this lab reads"),
    ],
)
def test_corrupt_or_foreign_result_file_stops_the_run_and_stays(tmp_path: Path, content: str, fragment: str) -> None:
    bad = tmp_path / "local-linux-cpython-3.12.json"
    bad.write_text(content)
    result = run_lab("run", "--python", HOST, "--experiment", "exit_codes", "--out", str(tmp_path))
    assert_one_line_error(result, bad.name, fragment, "nothing was run")
    assert bad.read_text() == content
    assert sorted(p.name for p in tmp_path.iterdir()) == [bad.name]


def test_too_old_interpreter_is_refused(tmp_path: Path) -> None:
    from lab.run.discovery import discover_all

    old = [note for note in discover_all().skipped if "older than 3.8" in note]
    if not old:
        pytest.skip("no interpreter older than 3.8 on this machine")
    path = old[0].split("(", 1)[1].split(")", 1)[0]
    assert_one_line_error(run_lab("run", "--python", path, "--out", str(tmp_path)), path)
