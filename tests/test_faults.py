"""Fault injection: the runner killed outright, two runs at once, a full disk, leftovers.

Each case runs the real CLI in a subprocess and then checks the exit code and message, that the
result files are valid and unchanged except for cells that finished, and that nothing the run
started is still alive (psutil). ``nox -s faults`` runs just these.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from lab.results.files import load, result_paths
from tests.conftest import FAILING, ROOT, alive, lab_env, run_lab, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and mounts")]


def _snapshot(directory: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in result_paths(directory)}


def test_sigkill_of_the_runner_leaves_valid_files_and_no_cell_running(tmp_path: Path) -> None:
    out, pids = tmp_path / "out", tmp_path / "pids.txt"
    assert (
        run_lab(
            "run", "--python", sys.executable, "--out", str(out), "--quick", "--experiment", "global_isolation"
        ).returncode
        == 0
    )
    before = _snapshot(out)
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
        "fail_hang",
        "--quick",
    ]
    scratch = tmp_path / "tmp"  # a SIGKILLed runner cannot remove its cell's scratch directory: keep it here
    scratch.mkdir()
    env = lab_env(FORKLAB_EXTRA_EXPERIMENTS=str(FAILING), FORKLAB_TEST_PIDS=str(pids), TMPDIR=str(scratch))
    runner = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: pids.exists() and len(pids.read_text().split()) == 2, 30)
        runner.send_signal(signal.SIGKILL)
        runner.wait(timeout=10)
    finally:
        if runner.poll() is None:
            runner.kill()
    hung = [int(p) for p in pids.read_text().split()]
    assert wait_for(lambda: not any(alive(p) for p in hung), 8), "the watchdog did not stop the cell in flight"
    assert _snapshot(out) == before  # still valid (loaded) and complete
    rerun = run_lab("run", "--python", sys.executable, "--out", str(out), "--quick", "--experiment", "exit_codes")
    assert rerun.returncode == 0, rerun.stderr  # a re-run recovers
    cells = load(result_paths(out)[0]).cells
    assert {c.experiment for c in cells} == {"global_isolation", "exit_codes"}


def test_two_runs_into_one_directory_lose_no_cell(tmp_path: Path) -> None:
    out = tmp_path / "out"
    argv = [sys.executable, "-m", "lab", "run", "--python", sys.executable, "--out", str(out), "--quick"]
    runs = [
        subprocess.Popen(
            [*argv, "--experiment", name],
            cwd=ROOT,
            env=lab_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("exit_codes", "global_isolation")
    ]
    for run in runs:
        _, stderr = run.communicate(timeout=180)
        assert run.returncode == 0, stderr
    cells = load(result_paths(out)[0]).cells
    assert len(cells) == 6
    assert {c.experiment for c in cells} == {"exit_codes", "global_isolation"}
    assert not list(out.glob(".*partial"))
    assert not (out / ".forklab.lock").exists()


@pytest.fixture
def tiny_disk(tmp_path: Path):
    """A 64 KiB tmpfs (needs root); skipped where mounting is not allowed."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)], capture_output=True, check=False
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, check=False)


def test_full_disk_stops_the_run_with_one_line_and_keeps_the_old_file(tiny_disk: Path, tmp_path: Path) -> None:
    assert (
        run_lab(
            "run",
            "--python",
            sys.executable,
            "--out",
            str(tiny_disk),
            "--quick",
            "--experiment",
            "global_isolation",
            "--method",
            "fork",
        ).returncode
        == 0
    )
    before = _snapshot(tiny_disk)
    filler = tiny_disk / "filler.bin"
    free = os.statvfs(tiny_disk).f_bavail * os.statvfs(tiny_disk).f_frsize
    filler.write_bytes(b"\0" * max(0, free - 2048))  # leave less room than the next write needs
    result = run_lab(
        "run",
        "--python",
        sys.executable,
        "--out",
        str(tiny_disk),
        "--quick",
        "--experiment",
        "terminate_latency",
        "--method",
        "fork",
    )
    filler.unlink()
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "cannot write to" in errors[0]
    assert "free space" in errors[0]
    assert _snapshot(tiny_disk) == before
    assert sorted(p.name for p in tiny_disk.iterdir()) == sorted(before)


def _semaphores() -> set[str]:
    shm = Path("/dev/shm")
    return {p.name for p in shm.glob("sem.mp-*")} if shm.is_dir() else set()


@pytest.mark.parametrize("experiment", ["exit_codes", "terminate_latency", "main_guard", "global_isolation"])
def test_no_temporary_directories_sockets_or_semaphores_remain(tmp_path: Path, experiment: str) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    before = _semaphores()
    result = run_lab(
        "run",
        "--python",
        sys.executable,
        "--out",
        str(tmp_path / "out"),
        "--quick",
        "--experiment",
        experiment,
        TMPDIR=str(scratch),
    )
    assert result.returncode == 0, result.stderr
    assert list(scratch.iterdir()) == []  # per-cell dirs, forkserver sockets (pymp-*) all gone
    # Other processes on the machine (tests in parallel) may hold semaphores for a while: only one
    # that outlives them all counts as a leak.
    assert wait_for(lambda: not (_semaphores() - before), 15), _semaphores() - before
