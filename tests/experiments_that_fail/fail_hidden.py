"""A test experiment that fails as pickle's save_global does: an error raised ``from None`` over its cause."""

from __future__ import annotations

from lab.experiment import Cell, Experiment

EXPERIMENT = Experiment(
    name="fail_hidden", title="hides its cause", question="is a hidden cause recorded?", concept="test only"
)


def run(cell: Cell) -> None:
    try:
        {}["the hidden cause"]
    except KeyError:
        raise LookupError("raised from None by a forklab test") from None
