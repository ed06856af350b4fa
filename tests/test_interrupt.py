"""Ctrl-C and SIGTERM during a run: exit 130/143, finished cells kept, nothing left running."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from lab.results.files import load, result_paths
from tests.conftest import FAILING, ROOT, alive, lab_env, wait_for

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_stops_cells_in_flight_and_keeps_finished_ones(tmp_path: Path, sig, code) -> None:
    out, pids = tmp_path / "out", tmp_path / "pids.txt"
    argv = [
        sys.executable,
        "-m",
        "lab",
        "run",
        "--python",
        sys.executable,
        "--method",
        "fork",
        "--out",
        str(out),
        "--experiment",
        "fail_raise",
        "--experiment",
        "fail_hang",
        "--jobs",
        "2",
        "--quick",
    ]
    env = lab_env(FORKLAB_EXTRA_EXPERIMENTS=str(FAILING), FORKLAB_TEST_PIDS=str(pids))
    runner = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: pids.exists() and len(pids.read_text().split()) == 2, 30)
        assert wait_for(lambda: bool(result_paths(out)) and load(result_paths(out)[0]).cells, 30)
        runner.send_signal(sig)
        _, stderr = runner.communicate(timeout=30)
    finally:
        if runner.poll() is None:
            runner.kill()
    assert runner.returncode == code, stderr
    assert "interrupted" in stderr
    cells = load(result_paths(out)[0]).cells
    assert [c.experiment for c in cells] == ["fail_raise"]  # finished cell kept, hung one not recorded
    hung = [int(p) for p in pids.read_text().split()]
    assert wait_for(lambda: not any(alive(p) for p in hung), 5)
