"""lab.ratios on synthetic per-round ratios with known answers (properties of our own code).

The module docstring promises: the ratio is the median of the per-round paired ratios; its
interval is a 95% percentile bootstrap over rounds (2000 resamples, seed 0, so reproducible);
unstable when an interval end lies more than 10% from the ratio, or with fewer than 3 rounds.
"""

from __future__ import annotations

import math
import random
import statistics

import pytest

from lab.ratios import (
    INTERVAL,
    MIN_ROUNDS,
    Declared,
    bootstrap_interval,
    declared_ratios,
    is_unstable,
    paired_ratios,
    ratio_record,
)


def test_paired_ratios_divide_round_by_round_and_skip_rounds_missing_a_side():
    method = [20.0, 33.0, None, 40.0]
    baseline = [2.0, 3.0, 5.0, None]
    assert paired_ratios(method, baseline) == [10.0, 11.0]


def test_paired_ratios_need_the_same_rounds_on_both_sides():
    with pytest.raises(ValueError, match="one median per round"):
        paired_ratios([1.0, 2.0], [1.0])


def test_constant_ratios_give_a_zero_width_interval():
    record = ratio_record("fork", [23.1] * 8)
    assert record["ratio"] == record["low"] == record["high"] == 23.1
    assert record["unstable"] is False
    assert record["rounds"] == 8
    assert record["interval"] == INTERVAL == "bootstrap 95% (percentile, 2000 resamples, seed 0)"


def test_the_ratio_is_the_median_of_the_rounds_and_one_wild_round_barely_moves_it():
    record = ratio_record("fork", [10.0, 10.2, 9.8, 10.1, 9.9, 10.0, 10.1, 60.0])
    assert record["ratio"] == pytest.approx(10.05)
    assert record["per_round"][-1] == 60.0  # kept, not hidden


def test_the_interval_lies_within_the_rounds_and_around_the_ratio():
    rounds = [9.0, 9.5, 10.0, 10.5, 11.0, 10.2, 9.8]
    low, high = bootstrap_interval(rounds)
    assert min(rounds) <= low <= statistics.median(rounds) <= high <= max(rounds)


def test_the_interval_is_reproducible_with_the_fixed_seed():
    rng = random.Random(7)
    rounds = [rng.lognormvariate(3, 0.2) for _ in range(8)]
    first = ratio_record("fork", rounds)
    assert all(ratio_record("fork", list(rounds)) == first for _ in range(3))


def test_a_known_lognormal_spread_gives_intervals_that_cover_the_true_ratio():
    """Per-round ratios = 23 × exp(N(0, 0.08)): the true median ratio is 23. A 95% interval should
    cover it in most of many independent runs (the percentile bootstrap of a median over 10 rounds
    covers a little less than nominal; 85% is a bound it meets with room)."""
    rng = random.Random(2024)
    true_ratio, runs, covered = 23.0, 150, 0
    for _ in range(runs):
        rounds = [true_ratio * math.exp(rng.gauss(0, 0.08)) for _ in range(10)]
        low, high = bootstrap_interval(rounds, resamples=400)
        covered += low <= true_ratio <= high
    assert covered / runs >= 0.85


def test_the_interval_narrows_as_the_spread_shrinks():
    rng = random.Random(3)
    noise = [rng.gauss(0, 1) for _ in range(10)]
    wide = bootstrap_interval([20 * math.exp(0.2 * z) for z in noise])
    narrow = bootstrap_interval([20 * math.exp(0.02 * z) for z in noise])
    assert narrow[1] - narrow[0] < (wide[1] - wide[0]) / 5


def test_unstable_when_an_end_is_more_than_ten_percent_away():
    assert not is_unstable(10.0, 9.0, 11.0)
    assert is_unstable(10.0, 8.9, 10.5)
    assert is_unstable(10.0, 9.5, 11.1)
    assert is_unstable(10.0, None, None)


def test_a_wide_spread_is_marked_unstable_by_its_interval():
    record = ratio_record("fork", [5.0, 15.0, 8.0, 12.0, 20.0, 6.0])
    assert record["high"] - record["low"] > 0.2 * record["ratio"]
    assert record["unstable"] is True


def test_fewer_than_three_rounds_give_no_interval_and_count_as_unstable():
    assert MIN_ROUNDS == 3
    record = ratio_record("spawn", [4.0, 4.2])
    assert record["low"] is None
    assert record["high"] is None
    assert record["unstable"] is True
    assert record["interval"].startswith("none")
    assert record["baseline"] == "spawn"


def test_no_rounds_is_an_error():
    with pytest.raises(ValueError, match="at least one paired round"):
        ratio_record("fork", [])


def test_declared_ratios_read_ratio_and_headline_summaries():
    summaries = [
        {"kind": "ratio", "timing": "cold", "baseline": "fork"},
        {"kind": "distribution", "timing": "steady", "plot": "x"},
        {"kind": "headline", "timing": "steady", "baseline": "fork", "text": "{spawn} and {forkserver}"},
        {"kind": "headline", "text": "map costs {ratio:spawn/fork:pool_map} and {ratio:spawn/fork:other/t}"},
        {"kind": "ratio", "timing": "one", "methods": ["spawn"]},
    ]
    assert declared_ratios(summaries) == [
        Declared("cold", "fork", None, False),
        Declared("steady", "fork", ("spawn", "forkserver"), True),
        Declared("pool_map", "fork", ("spawn",), True),  # another experiment's timing ("other/t") is not ours
        Declared("one", None, ("spawn",), False),
    ]
