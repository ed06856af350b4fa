"""A test experiment that never ends: the runner must time it out and stop its whole tree."""

from __future__ import annotations

import os
import time

from lab.experiment import Cell, Experiment

EXPERIMENT = Experiment(name="fail_hang", title="hangs", question="does the runner time out?", concept="test only")


def sleep_forever() -> None:
    time.sleep(3600)


def run(cell: Cell) -> None:
    child = cell.context.Process(target=sleep_forever)
    child.start()
    record = os.environ.get("FORKLAB_TEST_PIDS")
    if record:
        with open(record, "a") as handle:
            handle.write(f"{os.getpid()}\n{child.pid}\n")
    time.sleep(3600)
