"""A test timing experiment with known values: in round r, fork samples r + 1 ms, spawn ten times
that and forkserver twice that, so every paired ratio is exact. It logs each round it runs
(FORKLAB_TEST_ROUNDS_LOG); with FORKLAB_TEST_FAIL="METHOD ROUND" it raises in that round, and with
FORKLAB_TEST_HANG="METHOD ROUND" it writes its pid to FORKLAB_TEST_PIDS and hangs there."""

from __future__ import annotations

import os
import time
from pathlib import Path

from lab.experiment import TIMING, Cell, Experiment, Rounds

EXPERIMENT = Experiment(
    name="timing_pairs",
    title="known ratios",
    question="are rounds interleaved, merged and paired?",
    concept="test only",
    kind=TIMING,
    rounds=Rounds(full=3, quick=3),
    summaries=({"kind": "ratio", "timing": "t", "baseline": "fork"},),
)

FACTOR = {"fork": 1.0, "spawn": 10.0, "forkserver": 2.0}


def run(cell: Cell, name: str = "timing_pairs") -> None:
    log = os.environ.get("FORKLAB_TEST_ROUNDS_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{cell.round} {cell.rounds} {cell.method} {cell.shared} {name}\n")
    if os.environ.get("FORKLAB_TEST_FAIL") == f"{cell.method} {cell.round}":
        raise RuntimeError(f"failed on purpose in round {cell.round}")
    if os.environ.get("FORKLAB_TEST_HANG") == f"{cell.method} {cell.round}":
        with open(os.environ["FORKLAB_TEST_PIDS"], "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()}\n")
        time.sleep(120)
    for _ in range(cell.trials(full=2, quick=2)):
        cell.sample("t", FACTOR[cell.method] * (cell.round + 1))
    cell.observe("round_seen", cell.round)
    cell.observe("shared_is_a_directory", Path(cell.shared).is_dir())
