"""The runner with experiments that hang, crash, raise, flood output or leave processes behind.

These run the real CLI in a subprocess, with the test experiments of tests/experiments_that_fail
added through FORKLAB_EXTRA_EXPERIMENTS, and then check the recorded status and that no process
the run started survives (psutil).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from lab.results.files import load, result_paths
from tests.conftest import FAILING, alive, run_lab


def run_failing(tmp_path: Path, *experiments: str, timeout: str = "60", method: str = "spawn"):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    pids = tmp_path / "pids.txt"
    args = [
        "run",
        "--python",
        sys.executable,
        "--method",
        method,
        "--out",
        str(tmp_path / "out"),
        "--timeout",
        timeout,
        "--quick",
    ]
    for name in experiments:
        args += ["--experiment", name]
    result = run_lab(*args, FORKLAB_EXTRA_EXPERIMENTS=str(FAILING), FORKLAB_TEST_PIDS=str(pids), TMPDIR=str(scratch))
    cells = {c.experiment: c.to_json() for path in result_paths(tmp_path / "out") for c in load(path).cells}
    return result, cells, pids, scratch


def assert_gone(pid_file: Path, within: float = 5.0) -> None:
    """Every pid the experiments wrote down is gone (or a zombie about to be reaped by init)."""
    pids = [int(line) for line in pid_file.read_text().split()] if pid_file.exists() else []
    deadline = time.monotonic() + within
    running = pids
    while running and time.monotonic() < deadline:
        running = [p for p in pids if alive(p)]
        time.sleep(0.1)
    assert not running, f"processes left behind: {running}"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX process groups")
def test_hanging_cell_times_out_and_its_tree_is_stopped(tmp_path: Path) -> None:
    result, cells, pids, scratch = run_failing(tmp_path, "fail_hang", "fail_raise", timeout="4", method="fork")
    assert result.returncode == 0, result.stderr
    assert cells["fail_hang"]["status"] == "timeout"
    assert "no result within 4 s" in cells["fail_hang"]["error"]
    assert cells["fail_raise"]["status"] == "error"  # the run went on after the timeout
    assert len(pids.read_text().split()) == 2
    assert_gone(pids)
    assert list(scratch.iterdir()) == []  # per-cell temporary directories removed


def test_crash_is_an_error_with_the_signal(tmp_path: Path) -> None:
    result, cells, _, _ = run_failing(tmp_path, "fail_segfault")
    assert result.returncode == 0
    assert cells["fail_segfault"]["status"] == "error"
    if sys.platform != "win32":
        assert cells["fail_segfault"]["error"] == "killed by signal SIGABRT"


def test_exception_is_an_error_with_its_message(tmp_path: Path) -> None:
    _, cells, _, _ = run_failing(tmp_path, "fail_raise")
    assert cells["fail_raise"]["status"] == "error"
    assert cells["fail_raise"]["error"] == "RuntimeError: raised on purpose by a forklab test"
    assert "Traceback" in cells["fail_raise"]["stderr_tail"]
    assert "<path>/fail_raise.py" in cells["fail_raise"]["stderr_tail"]  # file names kept, paths masked
    assert str(FAILING) not in cells["fail_raise"]["stderr_tail"]


def test_error_raised_from_none_keeps_the_error_it_hid(tmp_path: Path) -> None:
    # `raise ... from None` leaves __context__ set and only stops it being printed
    # (https://docs.python.org/3/library/exceptions.html#exception-context): the record keeps it.
    _, cells, _, _ = run_failing(tmp_path, "fail_hidden", "fail_raise")
    hidden = cells["fail_hidden"]
    assert hidden["error"] == "LookupError: raised from None by a forklab test"
    assert "It was raised from None, hiding:" in hidden["stderr_tail"]
    assert hidden["stderr_tail"].rstrip().endswith("KeyError: 'the hidden cause'")
    assert "hiding" not in cells["fail_raise"]["stderr_tail"]  # nothing hidden, nothing added


def test_flood_of_output_is_captured_with_a_bounded_tail(tmp_path: Path) -> None:
    _, cells, _, _ = run_failing(tmp_path, "fail_noisy")
    cell = cells["fail_noisy"]
    assert cell["status"] == "error"
    assert len(cell["stderr_tail"]) <= 4000


def test_leftover_grandchild_is_stopped_after_an_ok_cell(tmp_path: Path) -> None:
    _, cells, pids, _ = run_failing(tmp_path, "fail_grandchild")
    assert cells["fail_grandchild"]["status"] == "ok"
    assert_gone(pids)


def test_partial_run_updates_its_cells_and_keeps_the_others(tmp_path: Path) -> None:
    out = tmp_path / "out"
    common = ["run", "--python", sys.executable, "--out", str(out), "--quick", "--experiment", "global_isolation"]
    assert run_lab(*common, "--method", "fork").returncode == 0
    first = load(result_paths(out)[0])
    assert run_lab(*common, "--method", "spawn").returncode == 0
    merged = load(result_paths(out)[0])
    assert {c.method for c in merged.cells} == {"fork", "spawn"}
    assert merged.cell("global_isolation", "fork") == first.cell("global_isolation", "fork")
    runs = {c.provenance.run_id for c in merged.cells}
    assert len(runs) == 2  # each cell carries its own provenance


def test_result_file_holds_no_absolute_path_or_host_name(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert (
        run_lab(
            "run", "--python", sys.executable, "--out", str(out), "--quick", "--experiment", "main_guard"
        ).returncode
        == 0
    )
    text = result_paths(out)[0].read_text()
    import socket

    for secret in (str(Path.home()), str(tmp_path), sys.prefix, socket.gethostname()):
        assert secret not in text
