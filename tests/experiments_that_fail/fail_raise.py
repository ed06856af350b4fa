"""A test experiment that raises: the cell is an error with the exception's text."""

from __future__ import annotations

from lab.experiment import Cell, Experiment

EXPERIMENT = Experiment(name="fail_raise", title="raises", question="is an exception recorded?", concept="test only")


def run(cell: Cell) -> None:
    raise RuntimeError("raised on purpose by a forklab test")
