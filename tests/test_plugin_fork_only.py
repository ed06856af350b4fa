"""The plugin's end-of-run list: tests that pass under fork but fail under spawn or forkserver.

Each listed test gets its likely cause from forklab's symptom catalog, which the plugin loads by
its file path (``lab/symptoms.py`` beside ``pytest_forklab.py``), never as ``lab``: the user
project here has its own ``lab`` package, and its tests must keep importing that one.

Behaviour relied on (Doc/library/multiprocessing.rst, "The spawn and forkserver start methods",
"More picklability"): spawn and forkserver pickle the Process object at ``start()``, so a lambda
target fails there; fork pickles nothing.
"""

from __future__ import annotations

import json
import multiprocessing
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 120
NEEDS = {"fork", "spawn"} <= set(multiprocessing.get_all_start_methods())
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not NEEDS, reason="needs fork and spawn (POSIX)")]

#: A catalog entry as `python -m lab symptoms --write` makes them (lab/experiment.py, Symptom.metadata()).
LOCAL_OBJECT = {
    "id": "cant-pickle-local-object",
    "title": "Can't pickle local object",
    "messages": ["AttributeError: Can't pickle local object 'outer.<locals>.inner'"],
    "pattern": r"Can't (pickle|get) local object",
    "cause": "spawn and forkserver pickle the target by name; a nested function has none.",
    "fix": "Define the target at module level.",
    "evidence": "nested_function.outcome",
    "shows": ["parent"],
    "docs": "https://docs.python.org/3/library/multiprocessing.html#the-spawn-and-forkserver-start-methods",
    "experiment": "pickling",
    "page": "results/experiments/pickling.md#cant-pickle-local-object",
}

USERS_SUITE = """
import lab


def test_lambda_target(mp_context):
    assert lab.WHOSE == "user"
    p = mp_context.Process(target=lambda: None)
    p.start()
    p.join(30)
    assert p.exitcode == 0


def test_fails_everywhere(mp_context):
    assert False, "not a start-method problem"


def test_fine(mp_context):
    assert lab.WHOSE == "user"
"""


def _site(factory: pytest.TempPathFactory, catalog: list | None) -> Path:
    """What an install puts in site-packages: the plugin module and, beside it, forklab's `lab`."""
    directory = factory.mktemp("site")
    shutil.copy(ROOT / "pytest_forklab.py", directory)
    if catalog is not None:
        package = directory / "lab"
        package.mkdir()
        package.joinpath("__init__.py").write_text("WHOSE = 'forklab'\n")
        shutil.copy(ROOT / "lab" / "symptoms.py", package)
        package.joinpath("symptoms.json").write_text(json.dumps({"symptoms": catalog}))
    return directory


def _run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, site: Path, *args: str) -> pytest.RunResult:
    monkeypatch.setenv("PYTHONPATH", str(site))  # after the project directory: the user's `lab` wins
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.mkpydir("lab").joinpath("__init__.py").write_text("WHOSE = 'user'\n")
    pytester.makepyfile(test_users=USERS_SUITE)
    return pytester.runpytest_subprocess("-p", "pytest_forklab", "--start-methods=fork,spawn", *args, timeout=TIMEOUT)


def test_lists_what_passes_under_fork_only_with_the_likely_cause(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    result = _run(pytester, monkeypatch, _site(tmp_path_factory, [LOCAL_OBJECT]))
    result.assert_outcomes(passed=3, failed=3)  # the user's own `lab` was imported by every test
    result.stdout.fnmatch_lines(
        [
            "*= forklab: passes under fork, fails under spawn or forkserver =*",
            "test_users.py::test_lambda_target: fails under spawn; passes under fork",
            "  *Error: Can't pickle local object 'test_lambda_target.<locals>.<lambda>'*",
            "  likely cause: Can't pickle local object (results/experiments/pickling.md#cant-pickle-local-object, "
            "https://docs.python.org/3/library/multiprocessing.html#the-spawn-and-forkserver-start-methods)",
            "    spawn and forkserver pickle the target by name; a nested function has none.",
            "    Define the target at module level.",
        ]
    )
    result.stdout.no_fnmatch_line("*test_fails_everywhere: fails under*")
    result.stdout.no_fnmatch_line("*test_fine: fails under*")


def test_without_the_catalog_the_tests_are_listed_without_causes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    result = _run(pytester, monkeypatch, _site(tmp_path_factory, None))
    result.assert_outcomes(passed=3, failed=3)
    result.stdout.fnmatch_lines(
        [
            "test_users.py::test_lambda_target: fails under spawn; passes under fork",
            "(forklab's symptom catalog, *symptoms.py, is not installed: causes not shown)",
        ]
    )
    result.stdout.no_fnmatch_line("*likely cause*")


def test_a_failure_the_catalog_does_not_know_is_listed_as_such(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    unrelated = dict(LOCAL_OBJECT, id="other", pattern="never matches anything")
    result = _run(pytester, monkeypatch, _site(tmp_path_factory, [unrelated]))
    result.stdout.fnmatch_lines(["  likely cause: not in forklab's symptom catalog"])


def test_the_list_survives_xdist(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Workers run the tests, the controller prints the summary: the labels travel with the reports."""
    pytest.importorskip("xdist")
    site = _site(tmp_path_factory, [LOCAL_OBJECT])
    result = _run(pytester, monkeypatch, site, "-p", "xdist", "-n", "2")
    result.assert_outcomes(passed=3, failed=3)
    result.stdout.fnmatch_lines(
        ["test_users.py::test_lambda_target: fails under spawn; passes under fork", "  likely cause: Can't pickle*"]
    )
