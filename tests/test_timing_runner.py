"""Timing rounds through the real runner, with a test experiment of known values and simulated load.

lab/run/runner.py promises: a timing experiment's cells run interleaved in rounds (one fresh
driver each, in its own temporary directory and process group, with a directory shared by the
rounds; the rounds of several experiments spread over the timing phase), and are saved as one
cell per method with the union of the rounds, each round's median,
the declared ratios paired round by round and what the load guard saw; a failed round ends its
cell; Ctrl-C stops the round in flight, saves nothing of the interrupted experiment and leaves
nothing running.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import lab.experiments
from lab.results.files import load, result_paths
from lab.run.discovery import identify
from lab.run.plan import plan
from lab.run.runner import RunConfig, Runner
from tests.conftest import ROOT, alive, lab_env, wait_for
from tests.test_load_guard import SimulatedMeter

ROUNDS = Path(__file__).parent / "timing_rounds"
pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="fork and forkserver are POSIX")]


@pytest.fixture
def timing_pairs(monkeypatch, tmp_path):
    """The runner with tests/timing_rounds on the experiment path (host and driver) and a round log."""
    monkeypatch.setattr(lab.experiments, "__path__", [*lab.experiments.__path__, str(ROUNDS)])
    monkeypatch.setenv("FORKLAB_EXTRA_EXPERIMENTS", str(ROUNDS))
    log = tmp_path / "rounds.log"
    monkeypatch.setenv("FORKLAB_TEST_ROUNDS_LOG", str(log))
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    interpreter = identify(sys.executable)
    assert interpreter is not None

    def run(meter: SimulatedMeter, max_wait: float = 0.0, names: tuple[str, ...] = ("timing_pairs",)):
        (tmp_path / "out").mkdir(exist_ok=True)
        config = RunConfig(out_dir=tmp_path / "out", quick=True, max_wait=max_wait, timeout=60)
        runner = Runner(config, meter=lambda: meter)
        outcomes = runner.run(plan([interpreter], ["fork", "spawn", "forkserver"], list(names)))
        (path,) = result_paths(tmp_path / "out")
        rounds = [line.split() for line in log.read_text().splitlines()]
        return outcomes, {c.method: c for c in load(path).cells}, rounds, scratch

    return run


def test_rounds_run_interleaved_and_merge_into_one_cell_per_method(timing_pairs):
    outcomes, cells, rounds, scratch = timing_pairs(SimulatedMeter([0.05]))
    available = [m for m in ("fork", "spawn", "forkserver") if m in cells and cells[m].ok]
    expected = [(str(r), m) for r in range(3) for m in (available if r % 2 == 0 else available[::-1])]
    assert [(r[0], r[2]) for r in rounds] == expected
    assert {r[1] for r in rounds} == {"3"}
    assert len({r[3] for r in rounds}) == 1  # one shared directory for the experiment's rounds
    assert list(scratch.iterdir()) == []  # every round's directory and the shared one removed
    fork = cells["fork"]
    assert fork.timings["t"]["samples"] == [1.0, 1.0, 2.0, 2.0, 3.0, 3.0]  # the union of three rounds
    assert fork.timings["t"]["round_medians"] == [1.0, 2.0, 3.0]
    assert fork.observations == {"round_seen": {"varies": [0, 1, 2]}, "shared_is_a_directory": True}
    assert fork.provenance.extra["rounds"] == 3
    assert fork.ratios == {}
    spawn = cells["spawn"].ratios["t"]
    assert (spawn["ratio"], spawn["low"], spawn["high"], spawn["unstable"]) == (10.0, 10.0, 10.0, False)
    assert spawn["per_round"] == [10.0, 10.0, 10.0]
    assert spawn["baseline"] == "fork"
    if "forkserver" in available:
        assert cells["forkserver"].ratios["t"]["ratio"] == 2.0
    load_seen = fork.provenance.extra["load"]
    assert load_seen["measured_under_load"] is False
    assert load_seen["rounds"] == [0.05, 0.05, 0.05]
    assert all(c.provenance.extra["load"] == load_seen for c in cells.values())
    assert len(outcomes) == 3


def test_the_rounds_of_two_experiments_are_spread_over_the_timing_phase(timing_pairs):
    _, cells, rounds, scratch = timing_pairs(SimulatedMeter([0.0]), names=("timing_pairs", "timing_more"))
    seen = list(dict.fromkeys((r[4], r[0]) for r in rounds))  # (experiment, round) in the order they ran
    assert seen == [
        ("timing_pairs", "0"), ("timing_more", "0"),
        ("timing_pairs", "1"), ("timing_more", "1"),
        ("timing_pairs", "2"),
    ]  # fmt: skip
    assert len({r[3] for r in rounds if r[4] == "timing_pairs"}) == 1  # each keeps its shared directory
    assert {r[3] for r in rounds if r[4] == "timing_pairs"} != {r[3] for r in rounds if r[4] == "timing_more"}
    assert list(scratch.iterdir()) == []
    assert cells["spawn"].ratios["t"]["ratio"] == 10.0


def test_a_busy_machine_is_waited_for_then_recorded(timing_pairs):
    _, cells, _, _ = timing_pairs(SimulatedMeter([0.9]), max_wait=0.2)
    for cell in cells.values():
        seen = cell.provenance.extra["load"]
        assert seen["gave_up"] is True
        assert seen["measured_under_load"] is True
        assert 0.2 <= seen["waited_s"] <= 5
        assert seen["busy_rounds"] == 3
        assert seen["source"] == "simulated"


def test_a_failed_round_ends_its_cell_and_the_others_go_on(timing_pairs, monkeypatch):
    monkeypatch.setenv("FORKLAB_TEST_FAIL", "spawn 1")
    _, cells, rounds, _ = timing_pairs(SimulatedMeter([0.0]))
    assert cells["spawn"].status == "error"
    assert cells["spawn"].error == "round 2 of 3: RuntimeError: failed on purpose in round 1"
    assert [r[0] for r in rounds if r[2] == "spawn"] == ["0", "1"]  # no third spawn round
    assert cells["fork"].ok
    assert cells["fork"].timings["t"]["n"] == 6
    assert cells["spawn"].ratios == {}


def test_ctrl_c_during_rounds_stops_them_saves_nothing_of_them_and_leaves_nothing_running(tmp_path):
    out, pids, scratch = tmp_path / "out", tmp_path / "pids.txt", tmp_path / "tmp"
    scratch.mkdir()
    argv = [sys.executable, "-m", "lab", "run", "--python", sys.executable, "--out", str(out), "--quick"]
    argv += ["--experiment", "timing_pairs", "--max-wait", "0"]
    env = lab_env(
        FORKLAB_EXTRA_EXPERIMENTS=str(ROUNDS),
        FORKLAB_TEST_HANG="spawn 1",
        FORKLAB_TEST_PIDS=str(pids),
        TMPDIR=str(scratch),
    )
    runner = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(pids.exists, 60)
        runner.send_signal(signal.SIGINT)
        _, stderr = runner.communicate(timeout=30)
    finally:
        if runner.poll() is None:
            runner.kill()
    assert runner.returncode == 130, stderr
    assert "interrupted" in stderr
    assert result_paths(out) == []  # the interrupted experiment saved nothing
    hung = [int(p) for p in pids.read_text().split()]
    assert wait_for(lambda: not any(alive(p) for p in hung), 5)
    assert wait_for(lambda: list(scratch.iterdir()) == [], 5)  # round and shared directories removed
