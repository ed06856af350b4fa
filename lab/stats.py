"""Summaries of timing samples, pyperf style (target side: standard library only).

A summary keeps every sample (so a reader can recompute anything) beside n, median, p5, p95,
min and max. Percentiles interpolate linearly between order statistics, which is numpy's
default and ``statistics.quantiles(method="inclusive")``.

Instability rule (documented in README, "How to read the timings"): a summary is ``unstable``
when p95 > 2 × median -- the slowest twentieth of the samples took more than twice the typical
time, so the median alone would mislead -- or when it holds fewer than 3 samples.

Why not pyperf's own check: ``pyperf check`` (``format_checks`` in pyperf/_cli.py) warns when the
standard deviation is at least 10 % of the mean, or the minimum or maximum is 50 % or more away
from the mean. That suits calibrated micro-benchmarks whose values are averages over many loops.
A process start is one unaveraged event with a long right tail (the scheduler, a neighbour on a
shared CPU): a single straggler among 40 samples moves the mean and stdev, so pyperf's check would
flag nearly every start-up figure on a busy machine while the median stays put. The rule here
uses order statistics only, so it is as robust as the median it judges: it flags a figure only
when about a twentieth of the samples or more are slow, not when one is.
"""

from __future__ import annotations

import math
from typing import Dict, Iterable, List, Optional

UNSTABLE_P95_OVER_MEDIAN = 2.0
MIN_SAMPLES = 3


def percentile(sorted_values: List[float], q: float) -> float:
    """The q-th percentile (0..100) of already sorted values, linear interpolation."""
    if not sorted_values:
        raise ValueError("percentile of no samples")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0..100")
    position = (len(sorted_values) - 1) * q / 100
    low = math.floor(position)
    high = math.ceil(position)
    fraction = position - low
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * fraction


def is_unstable(median: float, p95: float, n: int) -> bool:
    """Apply the instability rule above."""
    return n < MIN_SAMPLES or p95 > UNSTABLE_P95_OVER_MEDIAN * median


def significant(value: float) -> float:
    """Four significant digits: finer than any clock here resolves a process start."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, 3 - math.floor(math.log10(abs(value))))


_round = significant


def summarise(samples: Iterable[float], unit: str = "ms", parents: Optional[int] = None) -> Dict[str, object]:
    """Summarise samples into the result-file timing record.

    ``parents`` is how many fresh parent processes the samples came from (pyperf spreads
    samples over several processes so that one unlucky process cannot skew them all).
    """
    values = [float(v) for v in samples]
    if not values:
        raise ValueError("cannot summarise an empty list of samples")
    ordered = sorted(values)
    median = percentile(ordered, 50)
    p95 = percentile(ordered, 95)
    summary: Dict[str, object] = {
        "unit": unit,
        "n": len(values),
        "median": _round(median),
        "p5": _round(percentile(ordered, 5)),
        "p95": _round(p95),
        "min": _round(ordered[0]),
        "max": _round(ordered[-1]),
        "unstable": is_unstable(median, p95, len(values)),
        "samples": [_round(v) for v in values],
    }
    if parents is not None:
        summary["parents"] = parents
    return summary
