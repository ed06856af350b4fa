"""A second test timing experiment (two rounds), so that a run with both shows the rounds of
the two spread over the timing phase: round 0 of each, then round 1 of each, then timing_pairs'
round 2. It samples and logs like timing_pairs."""

from __future__ import annotations

from lab.experiments.timing_pairs import run as pairs_run

from lab.experiment import TIMING, Cell, Experiment, Rounds

EXPERIMENT = Experiment(
    name="timing_more",
    title="known ratios, two rounds",
    question="are the rounds of two experiments spread?",
    concept="test only",
    kind=TIMING,
    rounds=Rounds(full=2, quick=2),
    summaries=({"kind": "ratio", "timing": "t", "baseline": "fork"},),
)


def run(cell: Cell) -> None:
    pairs_run(cell, "timing_more")
