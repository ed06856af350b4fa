"""The cells of a run, and the rounds of its timing cells, in the order they run (host side).

A task is one cell: (interpreter, start method, experiment). Behaviour cells may run in
parallel. Timing cells run with no other cell in flight, and those of one (interpreter,
experiment) run *interleaved in rounds* (``lab.experiment.Rounds``): each round runs every
available method once, each in a fresh driver, so that a ratio between two methods is formed
from measurements taken seconds apart rather than minutes apart, under whatever else the
machine was doing at the time. Even rounds run the methods in the lab's order (fork, spawn,
forkserver), odd rounds in the reverse order, so that over each pair of rounds every method
sits as often early as late in a round and a slow drift of the machine (a neighbour starting
up, the CPU warming) weighs on each method alike. A method the interpreter does not offer gets
no round (the runner records it ``unavailable`` once).

The rounds of different groups are *spread* over the whole timing phase (``spread``): round 1 of
every (interpreter, experiment), then round 2 of every one, and so on. A machine drifts over
minutes as well as seconds: on the 2-CPU virtual machine this was built on, one interpreter's
forkserver start-up held 21-25 ms through the six back-to-back rounds of one run and 15-23 ms in
the next run, minutes later. Run back to back, every round of an experiment sees the same few
minutes and its ratio moves with them; spread, the rounds of one ratio sample the machine
across the run, and their median is taken over that drift. Within a round the methods still
run seconds apart, so each paired ratio compares them under one state of the machine.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from lab import METHODS, experiments
from lab.experiment import TIMING
from lab.run.discovery import Interpreter


@dataclass(frozen=True)
class Task:
    """One cell to run."""

    interpreter: Interpreter
    method: str
    experiment: str
    kind: str


@dataclass(frozen=True)
class Round:
    """One round of one timing cell: ``index`` (from 0) of ``count`` rounds."""

    task: Task
    index: int
    count: int

    def driver_options(self) -> list[str]:
        return ["--round", str(self.index), "--rounds", str(self.count)]


def plan(interpreters: list[Interpreter], methods: list[str], names: list[str]) -> list[Task]:
    """Every cell of the matrix, in a stable order."""
    kinds = {name: experiments.load(name).EXPERIMENT.kind for name in names}
    ordered = [m for m in METHODS if m in methods]
    return [Task(i, m, n, kinds[n]) for i in interpreters for n in names for m in ordered]


def timing_groups(tasks: list[Task]) -> list[list[Task]]:
    """The timing tasks grouped by (interpreter, experiment), groups and methods in plan order."""
    groups: dict[tuple[Interpreter, str], list[Task]] = {}
    for task in tasks:
        if task.kind == TIMING:
            groups.setdefault((task.interpreter, task.experiment), []).append(task)
    return list(groups.values())


def round_count(experiment: str, quick: bool) -> int:
    """How many rounds the experiment declares at this quality."""
    return experiments.load(experiment).EXPERIMENT.rounds.count(quick)


def interleave(group: list[Task], available: Collection[str], count: int) -> list[Round]:
    """The rounds of one group in the order they run: see the module docstring."""
    if count < 1:
        raise ValueError("a timing cell runs at least one round")
    offered = sorted((t for t in group if t.method in available), key=lambda t: METHODS.index(t.method))
    schedule = []
    for index in range(count):
        order = offered if index % 2 == 0 else offered[::-1]
        schedule += [Round(task, index, count) for task in order]
    return schedule


def spread(counts: Sequence[int]) -> list[tuple[int, int]]:
    """(group, round) pairs in the order they run: round r of every group that has one, then r + 1."""
    return [(group, index) for index in range(max(counts, default=0)) for group, n in enumerate(counts) if index < n]
