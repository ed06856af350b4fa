"""The load guard with simulated load (never real load).

lab/run/load.py promises: before each round the guard reads others' CPU share and waits while it
is above the threshold, for at most max_wait seconds per timing experiment, then runs anyway; it
records what it saw in each cell's provenance.load, with "measured_under_load": true when a round
started while the machine was busy; the CLI says so at the end, with advice.
"""

from __future__ import annotations

import sys

import pytest

from lab.cli import _load_advice
from lab.run import load as load_module
from lab.run.load import THRESHOLD, LoadGuard, Mark, Meter, Reading


class SimulatedMeter:
    """Others' share before rounds from a script (the last value repeats)."""

    cpus, source = 2, "simulated"

    def __init__(self, shares: list[float]) -> None:
        self.shares, self.samples = list(shares), 0

    def sample(self) -> Reading:
        self.samples += 1
        share = self.shares.pop(0) if len(self.shares) > 1 else self.shares[0]
        return Reading(share, 0.0, 3.5)


class Clock:
    """A clock that only moves when the guard sleeps."""

    def __init__(self) -> None:
        self.now, self.slept = 0.0, []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def guard(meter: SimulatedMeter, max_wait: float = 60.0) -> tuple[LoadGuard, Clock]:
    clock = Clock()
    return LoadGuard(max_wait, meter=meter, sleep=clock.sleep, clock=clock, poll=2.0), clock


def test_a_quiet_machine_is_not_waited_for():
    g, clock = guard(SimulatedMeter([0.05]))
    g.before_round()
    seen = g.record.to_json()
    assert clock.slept == []
    assert seen["waited_s"] == 0
    assert seen["gave_up"] is False
    assert seen["measured_under_load"] is False
    assert seen["before"] == {"others": 0.05, "steal": 0.0, "load_1min": 3.5}
    assert seen["rounds"] == [0.05]
    assert seen["threshold"] == THRESHOLD == 0.25
    assert seen["rule"] == "others use more than 25% of the CPUs"


def test_the_guard_waits_while_busy_and_goes_on_when_quiet():
    g, clock = guard(SimulatedMeter([0.9, 0.6, 0.1]))
    g.before_round()
    assert clock.slept == [2.0, 2.0]
    seen = g.record.to_json()
    assert seen["waited_s"] == 4.0
    assert seen["gave_up"] is False
    assert seen["before"]["others"] == 0.9  # the first reading is what it saw
    assert seen["rounds"] == [0.1]  # the round ran after the machine had become quiet
    assert seen["measured_under_load"] is False


def test_the_guard_gives_up_after_max_wait_and_records_it():
    meter = SimulatedMeter([0.8])
    g, clock = guard(meter, max_wait=5.0)
    g.before_round()
    assert clock.slept == [2.0, 2.0, 1.0]
    seen = g.record.to_json()
    assert seen["gave_up"] is True
    assert seen["measured_under_load"] is True
    assert seen["waited_s"] == 5.0
    g.before_round()  # once given up it still reads, for the record, but waits no more
    assert sum(clock.slept) == 5.0
    assert g.record.to_json()["busy_rounds"] == 2


def test_the_budget_is_for_the_whole_experiment_not_per_round():
    g, clock = guard(SimulatedMeter([0.9, 0.1, 0.9]), max_wait=3.0)
    g.before_round()  # waits 2 s, then quiet
    g.before_round()  # busy again: 1 s left, then gives up
    assert clock.slept == [2.0, 1.0]
    assert g.record.gave_up
    assert g.record.to_json()["rounds"] == [0.1, 0.9]


def test_every_round_is_read_and_a_busy_one_is_counted():
    meter = SimulatedMeter([0.1, 0.6, 0.1, 0.0])
    g, _ = guard(meter, max_wait=0)
    for _ in range(4):
        g.before_round()
    seen = g.record.to_json()
    assert meter.samples == 4
    assert seen["rounds"] == [0.1, 0.6, 0.1, 0.0]
    assert seen["busy_rounds"] == 1
    assert seen["measured_under_load"] is True


def test_max_wait_zero_never_waits():
    g, clock = guard(SimulatedMeter([0.99]), max_wait=0)
    g.before_round()
    assert clock.slept == []
    assert g.record.gave_up


def test_busy_counts_steal_and_nothing_known_is_not_busy():
    assert Reading(0.2, 0.1).busy()
    assert not Reading(0.2, 0.0).busy()
    assert not Reading(None, None, 40.0).busy()  # the load average alone does not decide


def test_the_meter_subtracts_our_own_cpu_time(monkeypatch):
    meter = Meter()
    counters = iter([(10.0, 0.0, 100.0), (11.0, 0.2, 102.0)])  # 1 s busy, 0.2 s stolen of 2 CPU-seconds
    own = iter([5.0, 5.5])
    monkeypatch.setattr(meter, "_read", lambda: next(counters))
    monkeypatch.setattr(load_module, "_own_cpu_seconds", lambda: next(own))
    reading = meter.since(meter.mark())
    assert reading.others == pytest.approx(0.25)
    assert reading.steal == pytest.approx(0.1)


def test_without_getrusage_nothing_is_subtracted_and_without_counters_nothing_is_known(monkeypatch):
    meter = Meter()
    counters = iter([(10.0, 0.0, 100.0), (11.0, 0.0, 102.0)])
    monkeypatch.setattr(meter, "_read", lambda: next(counters))
    monkeypatch.setattr(load_module, "_own_cpu_seconds", lambda: None)  # Windows: no resource module
    assert meter.since(meter.mark()).others == pytest.approx(0.5)
    monkeypatch.setattr(meter, "_read", lambda: None)
    assert meter.since(meter.mark()) == Reading(None, None, meter.since(None).load_1min)
    assert not Mark(1.0, 0.0, 2.0, None).own


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/stat is Linux")
def test_proc_stat_is_read_on_linux():
    busy, steal, total = load_module._proc_stat()
    assert 0 <= busy <= total
    assert 0 <= steal <= total
    assert Meter().source == "/proc/stat"


def test_the_cli_says_when_cells_ran_under_load_and_what_to_do():
    class Out:
        def __init__(self, busy: bool):
            self.task = type("T", (), {"experiment": "start_latency"})()
            extra = {"load": {"measured_under_load": busy, "rule": "others use more than 25% of the CPUs"}}
            self.record = type("R", (), {"provenance": type("P", (), {"extra": extra})()})()

    assert _load_advice([Out(False)]) == ""
    advice = _load_advice([Out(True), Out(False)])
    assert advice.startswith("warning: 1 timing cell(s) ran while others use more than 25% of the CPUs")
    for words in ("pyperf system tune", "isolcpus", "frequency", "--max-wait"):
        assert words in advice
