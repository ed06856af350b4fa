"""Shared helpers for the test suite: run the real CLI and the real driver in subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FAILING = ROOT / "tests" / "experiments_that_fail"
#: A synthetic result file's environment (Linux, CPython 3.12.1, every method): tests that build
#: result files start from it and override what they vary.
ENVIRONMENT = {
    "platform": "linux",
    "os_release": "6.1",
    "machine": "x86_64",
    "implementation": "cpython",
    "python_version": "3.12.1",
    "series": "3.12",
    "default_start_method": "fork",
    "available_start_methods": ["fork", "spawn", "forkserver"],
    "lab_version": "0.1.0",
    "created_at": "2026-11-27T00:00:00Z",
}

pytest_plugins = ["pytester"]


def lab_env(**extra: str) -> dict[str, str]:
    """The environment for a lab subprocess: the source tree importable, nothing else changed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def run_lab(*args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    """Run ``python -m lab ARGS`` from the repository root, bounded in time."""
    return subprocess.run(
        [sys.executable, "-m", "lab", *args],
        cwd=ROOT,
        env=lab_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_cell(
    experiment: str, method: str, workdir: Path, quick: bool = True, python: str = sys.executable, timeout: float = 60
) -> dict:
    """Run one cell with the driver, as the runner would, and return its record."""
    out = workdir / "cell.json"
    argv = [python, "-m", "lab.driver", "cell", experiment, method, str(out)] + (["--quick"] if quick else [])
    subprocess.run(argv, cwd=workdir, env=lab_env(), capture_output=True, timeout=timeout, check=False)
    return json.loads(out.read_text())


def wait_for(predicate, seconds: float) -> bool:
    """Poll ``predicate`` until it holds or ``seconds`` pass; its last answer."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return bool(predicate())


def alive(pid: int) -> bool:
    """Whether a process is running (a zombie waiting for init to reap it does not count)."""
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.fixture
def method(start_method: str) -> str:
    """The start method a test is about: one run per method the platform offers, through the
    forklab pytest plugin's ``mp_context`` parametrization (ids ``fork``, ``spawn``, ``forkserver``;
    unavailable methods skipped with the reason). Restrict with ``@pytest.mark.start_methods``."""
    return start_method


@pytest.fixture
def cell(tmp_path: Path):
    """``cell(experiment, method)`` -> the record of a --quick run on the host interpreter."""
    return lambda experiment, method, **kw: run_cell(experiment, method, tmp_path, **kw)
