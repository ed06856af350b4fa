"""The cells of a run, in the order they run (host side).

A task is one cell: (interpreter, start method, experiment). Behaviour cells may run in
parallel; a timing cell runs with no other cell in flight (``kind``).
"""

from __future__ import annotations

from dataclasses import dataclass

from lab import METHODS, experiments
from lab.run.discovery import Interpreter


@dataclass(frozen=True)
class Task:
    """One cell to run."""

    interpreter: Interpreter
    method: str
    experiment: str
    kind: str


def plan(interpreters: list[Interpreter], methods: list[str], names: list[str]) -> list[Task]:
    """Every cell of the matrix, in a stable order."""
    kinds = {name: experiments.load(name).EXPERIMENT.kind for name in names}
    ordered = [m for m in METHODS if m in methods]
    return [Task(i, m, n, kinds[n]) for i in interpreters for n in names for m in ordered]
