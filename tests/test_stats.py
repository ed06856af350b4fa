"""lab.stats on synthetic samples: percentiles, the instability rule, summaries, several parents.

Properties of our own code (lab/stats.py docstring): linear-interpolation percentiles (numpy's
default, statistics.quantiles(method="inclusive")), unstable when p95 > 2 x median or n < 3.
"""

from __future__ import annotations

import random
import statistics

import pytest

from lab.experiment import Cell
from lab.results.files import REQUIRED_TIMING
from lab.stats import MIN_SAMPLES, UNSTABLE_P95_OVER_MEDIAN, is_unstable, percentile, summarise


def test_percentile_interpolates_between_order_statistics():
    values = [10.0, 20.0, 30.0, 40.0, 50.0]
    assert percentile(values, 0) == 10.0
    assert percentile(values, 100) == 50.0
    assert percentile(values, 50) == 30.0
    assert percentile(values, 25) == 20.0
    assert percentile(values, 95) == pytest.approx(48.0)  # position 3.8: 40 + 0.8 x 10
    assert percentile(values, 5) == pytest.approx(12.0)


def test_percentile_of_one_value_is_that_value():
    assert percentile([7.5], 5) == percentile([7.5], 95) == 7.5


def test_percentile_agrees_with_statistics_quantiles_inclusive():
    rng = random.Random(4)
    values = sorted(rng.lognormvariate(3, 0.4) for _ in range(37))
    cuts = statistics.quantiles(values, n=20, method="inclusive")  # 5 %, 10 %, ..., 95 %
    assert percentile(values, 5) == pytest.approx(cuts[0])
    assert percentile(values, 50) == pytest.approx(statistics.median(values))
    assert percentile(values, 95) == pytest.approx(cuts[-1])


@pytest.mark.parametrize(
    ("values", "q", "message"), [([], 50, "no samples"), ([1.0], -1, "outside"), ([1.0], 101, "outside")]
)
def test_percentile_refuses_nonsense(values, q, message):
    with pytest.raises(ValueError, match=message):
        percentile(values, q)


def test_instability_threshold_is_p95_over_twice_the_median():
    assert UNSTABLE_P95_OVER_MEDIAN == 2.0
    assert not is_unstable(median=10.0, p95=20.0, n=40)  # exactly 2 x is still stable
    assert is_unstable(median=10.0, p95=20.01, n=40)
    assert is_unstable(median=10.0, p95=10.0, n=MIN_SAMPLES - 1)  # too few samples to judge
    assert not is_unstable(median=10.0, p95=10.0, n=MIN_SAMPLES)


def test_one_straggler_among_many_does_not_make_a_summary_unstable():
    # The reason for an order-statistics rule (lab/stats.py): one slow start among 40 moves the
    # mean and stdev (pyperf's check would warn) but not the median or p95.
    samples = [10.0 + 0.1 * i for i in range(39)] + [500.0]
    summary = summarise(samples)
    assert summary["unstable"] is False
    assert statistics.stdev(samples) / statistics.mean(samples) > 0.1  # pyperf's 10 % rule would fire


def test_a_slow_tail_makes_a_summary_unstable():
    samples = [10.0] * 18 + [50.0, 60.0]  # a tenth of the samples five times slower
    summary = summarise(samples)
    assert summary["p95"] > 2 * summary["median"]
    assert summary["unstable"] is True


def test_summary_has_the_result_file_fields_and_keeps_every_sample():
    samples = [3.0, 1.0, 2.0, 5.0, 4.0]
    summary = summarise(samples, unit="ms")
    for key in REQUIRED_TIMING:
        assert key in summary
    assert summary["n"] == 5
    assert summary["median"] == 3.0
    assert (summary["min"], summary["max"]) == (1.0, 5.0)
    assert summary["p5"] <= summary["median"] <= summary["p95"]
    assert summary["samples"] == samples  # in the order they were taken
    assert "parents" not in summary


def test_summary_rounds_to_four_significant_digits():
    summary = summarise([123.456789, 0.00123456, 98765.4321])
    assert summary["min"] == 0.001235
    assert summary["median"] == 123.5
    assert summary["max"] == 98770.0


def test_summary_of_nothing_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        summarise([])


def test_summary_keeps_other_units():
    assert summarise([100.0, 120.0, 110.0], unit="starts/s")["unit"] == "starts/s"


def test_samples_from_several_parents_are_pooled_and_the_parents_counted():
    # pyperf spreads samples over several fresh processes: one slow parent must show in the
    # spread, and the summary says how many parents the samples came from.
    cell = Cell(method="spawn")
    parents = {"parent-1": [10.0, 10.2, 10.1], "parent-2": [10.3, 9.9, 10.0], "parent-3": [30.0, 31.0, 29.0]}
    for values in parents.values():
        for value in values:
            cell.sample("steady_start_to_join", value)
    cell.parents["steady_start_to_join"] = len(parents)
    summary = summarise(cell.samples["steady_start_to_join"], "ms", cell.parents["steady_start_to_join"])
    assert summary["n"] == 9
    assert summary["parents"] == 3
    assert summary["median"] == 10.2
    assert summary["max"] == 31.0
    assert summary["unstable"] is True  # a third of the samples are three times the median


def test_one_slow_parent_out_of_six_does_not_move_the_median():
    pooled = [10.0 + 0.01 * i for i in range(5 * 8)] + [40.0] * 2  # 2 of 42 samples from a slow start
    summary = summarise(pooled, parents=6)
    assert summary["median"] == pytest.approx(10.2, abs=0.02)
    assert summary["unstable"] is False
