"""A test experiment that leaves a grandchild behind: the runner must stop it after the cell."""

from __future__ import annotations

import os
import subprocess
import sys

from lab.experiment import Cell, Experiment

EXPERIMENT = Experiment(name="fail_grandchild", title="leaks", question="is a leftover stopped?", concept="test only")


def run(cell: Cell) -> None:
    leftover = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
    record = os.environ.get("FORKLAB_TEST_PIDS")
    if record:
        with open(record, "a") as handle:
            handle.write(f"{leftover.pid}\n")
    cell.observe("left_behind", True)
