"""A test experiment whose cell process dies of a signal (os.abort: SIGABRT on POSIX)."""

from __future__ import annotations

import os

from lab.experiment import Cell, Experiment

EXPERIMENT = Experiment(name="fail_segfault", title="crashes", question="is a crash recorded?", concept="test only")


def run(cell: Cell) -> None:
    os.abort()
