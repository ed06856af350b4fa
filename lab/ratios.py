"""Ratios between start methods, with their spread over interleaved rounds (standard library only).

A timing experiment runs in rounds (``lab.experiment.Rounds``): within one round every method's
cell ran seconds after the others, so a ratio formed inside a round compares the methods under
the same machine state, and the spread of those ratios over rounds says how far to trust it.
For each ratio an experiment declares (a method's timing over the baseline's, see the
``ratio``/``headline`` summaries in ``lab/report``), ``ratio_record`` forms one *paired* ratio per
round -- the method's median in that round over the baseline's median in the same round -- and
summarises them:

* ``ratio`` -- the median of the per-round ratios: one round disturbed by a neighbour on the
  machine moves it little;
* ``low``/``high`` -- a 95% percentile-bootstrap interval of that median: the rounds resampled
  with replacement 2000 times, the median of each resample taken, and the 2.5th and 97.5th
  percentiles of those medians. The generator is ``random.Random(0)``: a fixed seed, so the same
  rounds give the same interval on every run and machine (the interval describes the data, the
  seed only which resamples were drawn);
* ``unstable`` -- the interval reaches more than 10% below or above the ratio
  (``low < 0.9 × ratio`` or ``high > 1.1 × ratio``), or there are fewer than 3 paired rounds,
  too few to resample (``low``/``high`` are then null). That is the rule ``lab stability`` holds
  ratios to between two runs.

A record, as stored in the non-baseline cell's ``CellRecord.ratios[timing]``::

    {"baseline": "fork", "ratio": 23.1, "low": 21.8, "high": 24.5, "rounds": 8,
     "per_round": [22.9, 23.4, ...], "interval": "bootstrap 95% (percentile, 2000 resamples, seed 0)",
     "unstable": false}
"""

from __future__ import annotations

import random
import re
import statistics
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from lab import METHODS
from lab.stats import percentile, significant

RESAMPLES = 2000
SEED = 0
CONFIDENCE = 0.95
MIN_ROUNDS = 3
UNSTABLE_SPREAD = 0.10  # an interval end more than 10% away from the ratio
RATIO_PLACEHOLDER = re.compile(r"\{ratio:(\w+)/(\w+):([\w.]+)\}")
INTERVAL = f"bootstrap {CONFIDENCE:.0%} (percentile, {RESAMPLES} resamples, seed {SEED})"


def paired_ratios(method: Sequence[Optional[float]], baseline: Sequence[Optional[float]]) -> List[float]:
    """Per-round ratios ``method[r] / baseline[r]`` for the rounds where both were measured."""
    if len(method) != len(baseline):
        raise ValueError("paired ratios need one median per round on both sides")
    return [m / b for m, b in zip(method, baseline) if m is not None and b is not None and b > 0]


def bootstrap_interval(
    values: Sequence[float],
    statistic: Callable[[Sequence[float]], float] = statistics.median,
    resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE,
    seed: int = SEED,
) -> Tuple[float, float]:
    """The percentile-bootstrap interval of ``statistic`` over ``values`` (see the module docstring)."""
    if not values:
        raise ValueError("a bootstrap needs at least one value")
    rng = random.Random(seed)
    estimates = sorted(statistic(rng.choices(values, k=len(values))) for _ in range(resamples))
    tail = (1 - confidence) / 2 * 100
    return percentile(estimates, tail), percentile(estimates, 100 - tail)


def is_unstable(ratio: float, low: Optional[float], high: Optional[float]) -> bool:
    """The instability rule of the module docstring."""
    if low is None or high is None:
        return True
    return low < (1 - UNSTABLE_SPREAD) * ratio or high > (1 + UNSTABLE_SPREAD) * ratio


def ratio_record(baseline: str, per_round: Sequence[float]) -> Dict[str, Any]:
    """The stored record of one declared ratio from its per-round paired ratios."""
    if not per_round:
        raise ValueError("a ratio needs at least one paired round")
    ratio = statistics.median(per_round)
    low: Optional[float] = None
    high: Optional[float] = None
    interval = f"none: fewer than {MIN_ROUNDS} rounds"
    if len(per_round) >= MIN_ROUNDS:
        low, high = bootstrap_interval(per_round)
        interval = INTERVAL
    return {
        "baseline": baseline,
        "ratio": significant(ratio),
        "low": None if low is None else significant(low),
        "high": None if high is None else significant(high),
        "rounds": len(per_round),
        "per_round": [significant(r) for r in per_round],
        "interval": interval,
        "unstable": is_unstable(ratio, low, high),
    }


@dataclass(frozen=True)
class Declared:
    """One ratio an experiment declares: ``timing`` under ``methods`` (None: every other method
    measured) over ``baseline`` (None: fork, else spawn); ``headline`` when a headline states it."""

    timing: str
    baseline: Optional[str] = None
    methods: Optional[Tuple[str, ...]] = None
    headline: bool = False


def declared_ratios(summaries: Sequence[Dict[str, Any]]) -> List[Declared]:
    """The ratios an experiment's summaries declare, in order.

    ``ratio`` summaries name their timing (and optionally baseline and methods); a ``headline``
    names its timing, whose methods are the template's ``{METHOD}`` placeholders, and may hold
    ``{ratio:METHOD/BASELINE:NAME}`` placeholders over this experiment's own timings.
    """
    declared: List[Declared] = []
    for summary in summaries:
        kind, timing = summary.get("kind"), summary.get("timing")
        if kind not in ("ratio", "headline"):
            continue
        text = str(summary.get("text", ""))
        headline = kind == "headline"
        if isinstance(timing, str):
            methods = summary.get("methods")
            if headline:
                methods = [m for m in METHODS if "{" + m + "}" in text] or None
            declared.append(Declared(timing, summary.get("baseline"), tuple(methods) if methods else None, headline))
        for method, baseline, name in RATIO_PLACEHOLDER.findall(text):
            if "/" not in name:
                declared.append(Declared(name, baseline, (method,), headline))
    return declared
