"""The target side keeps working on the oldest and newest local CPython and on PyPy.

A quick run of the four core experiments per interpreter through the real CLI: every cell must
be ``ok`` (or ``unavailable`` where the platform lacks the method). Interpreters that this
machine does not have are skipped with the reason; CI installs PyPy (see .ci/run).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.results.files import load, result_paths
from lab.run.discovery import discover_all
from tests.conftest import run_lab

CORE = ("main_guard", "global_isolation", "terminate_latency", "exit_codes")


def _targets() -> list:
    found = discover_all().found
    cpython = sorted((i for i in found if i.implementation == "cpython"), key=lambda i: i.version_tuple)
    chosen = {
        "oldest CPython": cpython[0] if cpython else None,
        "newest CPython": cpython[-1] if cpython else None,
        "PyPy": next((i for i in found if i.implementation == "pypy"), None),
    }
    return [
        pytest.param(i, id=name, marks=pytest.mark.skipif(i is None, reason=f"no {name} here"))
        for name, i in chosen.items()
    ]


@pytest.mark.slow
@pytest.mark.parametrize("interpreter", _targets())
def test_core_experiments_run_on(interpreter, tmp_path: Path) -> None:
    args = ["run", "--python", interpreter.executable, "--out", str(tmp_path), "--quick"]
    for name in CORE:
        args += ["--experiment", name]
    result = run_lab(*args, timeout=300)
    assert result.returncode == 0, result.stderr
    [path] = result_paths(tmp_path)
    cells = load(path).cells
    assert len(cells) == len(CORE) * 3
    bad = [(c.experiment, c.method, c.status, c.error) for c in cells if c.status not in ("ok", "unavailable")]
    assert not bad
    assert load(path).environment["python_version"] == interpreter.version
