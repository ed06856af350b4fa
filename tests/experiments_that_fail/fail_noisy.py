"""A test experiment that prints megabytes: the runner must keep only a bounded tail."""

from __future__ import annotations

import sys

from lab.experiment import Cell, Experiment

EXPERIMENT = Experiment(name="fail_noisy", title="noisy", question="is output bounded?", concept="test only")


def run(cell: Cell) -> None:
    chunk = "x" * 1023 + "\n"
    for _ in range(4096):  # 4 MiB on each stream
        sys.stdout.write(chunk)
        sys.stderr.write(chunk)
    sys.stderr.write("last line of the noisy cell\n")
    raise SystemExit(3)
