"""The load guard: timing rounds wait for a quiet machine, and say when they did not get one (host side).

Other work on the machine (a build, a test suite, a browser) takes CPUs away from the children
being timed, and it does so unevenly: a ratio whose numerator ran while a neighbour was busy
and whose denominator ran after it stopped measures the neighbour. Before each round of a
timing experiment the guard reads how busy the machine is; while it is busy the guard waits
(reading again every ``POLL_S``), for at most ``max_wait`` seconds per timing experiment on one
interpreter (``lab run --max-wait``, default 60; 0 never waits), then runs anyway and records it.

What is read, over a ``WINDOW_S`` window before each round
    * **others' CPU share** -- the share of all CPUs' time spent busy: on Linux from two
      ``/proc/stat`` readings (busy = every field but idle, iowait and steal), elsewhere from
      ``psutil.cpu_times()``, less the runner's own CPU time (``resource.getrusage``, POSIX).
      It is read *between* rounds, when none of the lab's processes runs (the previous round's
      process group is gone), and not during them: a round's forkserver and resource tracker
      are reparented away from the runner when their parent exits, so the runner never reaps
      them and cannot subtract their CPU time -- or that of every forkserver child -- from the
      machine's. A neighbour that starts in the middle of a round shows at the next reading;
    * **steal** -- CPU time the hypervisor gave to other virtual machines (Linux), added to the
      others' share: for the children being timed it is time lost just the same;
    * the **1-minute load average** (POSIX ``os.getloadavg``), recorded for readers but not used
      to decide: it is an average over the last minute that still counts the lab's own cells.

The rule
    The machine is busy when others use more than ``THRESHOLD`` = 25% of all CPUs (half a core
    on 2 CPUs, two cores on 8). An idle desktop -- an editor, a browser showing a page, system
    daemons -- uses a few percent; a compiler, a test run or a video call uses a core or more.
    A quarter lies well between the two, so ordinary idle background never makes a run wait,
    and one competing job on a small machine always does.

What is recorded, in each timing cell's ``provenance.extra["load"]`` (the same for every cell
of one experiment on one interpreter: their rounds ran together)::

    {"rule": "others use more than 25% of the CPUs", "threshold": 0.25, "cpus": 2,
     "source": "/proc/stat", "before": {"others": 0.31, "steal": 0.0, "load_1min": 2.4},
     "waited_s": 12.0, "gave_up": false, "rounds": [0.04, 0.02, 0.0, ...], "busy_rounds": 0,
     "measured_under_load": false}

``before`` is the first reading; ``rounds`` others' share (steal included) read just before each
round, after any wait; ``busy_rounds`` how many of those were above the threshold, and
``measured_under_load`` is true when any was (the guard gave up waiting, or had given up before).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

THRESHOLD = 0.25
POLL_S = 1.0
WINDOW_S = 0.1  # 20 clock ticks on 2 CPUs at 100 Hz: a share to within 5%
DEFAULT_MAX_WAIT_S = 60.0


@dataclass(frozen=True)
class Reading:
    """Others' share of all CPUs (0-1) over a window, steal, and the load average, as far as known."""

    others: float | None
    steal: float | None = None
    load_1min: float | None = None

    def busy(self, threshold: float = THRESHOLD) -> bool:
        return self.others is not None and self.others + (self.steal or 0.0) > threshold

    def to_json(self) -> dict[str, Any]:
        return {
            "others": None if self.others is None else round(self.others, 3),
            "steal": None if self.steal is None else round(self.steal, 3),
            "load_1min": None if self.load_1min is None else round(self.load_1min, 2),
        }


@dataclass(frozen=True)
class Mark:
    """Cumulative counters at one moment: CPU seconds busy and stolen, elapsed CPU seconds, ours."""

    busy: float
    steal: float
    total: float
    own: float | None


def _own_cpu_seconds() -> float | None:
    """CPU seconds of the runner and of its children it has reaped (POSIX)."""
    try:
        import resource
    except ImportError:
        return None
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage)


def _proc_stat() -> tuple[float, float, float] | None:
    """(busy, steal, total) seconds of all CPUs from the first line of /proc/stat (Linux)."""
    try:
        with open("/proc/stat", encoding="ascii") as handle:
            fields = [int(v) for v in handle.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    user, nice, system, idle, iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    busy = user + nice + system + irq + softirq
    return busy / hz, steal / hz, (busy + idle + iowait + steal) / hz


def _psutil_times() -> tuple[float, float, float] | None:
    try:
        import psutil
    except ImportError:
        return None
    times = psutil.cpu_times()
    idle = times.idle + getattr(times, "iowait", 0.0)
    steal = getattr(times, "steal", 0.0)
    total = sum(times)
    for name in ("guest", "guest_nice"):  # already counted in user and nice (Linux)
        total -= getattr(times, name, 0.0)
    return total - idle - steal, steal, total


class Meter:
    """Reads the machine's CPU counters; ``source`` says from where ("not measured" when nowhere)."""

    def __init__(self) -> None:
        self.cpus = os.cpu_count() or 1
        if sys.platform.startswith("linux") and _proc_stat() is not None:
            self.source, self._read = "/proc/stat", _proc_stat
        elif _psutil_times() is not None:
            self.source, self._read = "psutil", _psutil_times
        else:
            self.source, self._read = "not measured", lambda: None

    def mark(self) -> Mark | None:
        counters = self._read()
        if counters is None:
            return None
        return Mark(*counters, own=_own_cpu_seconds())

    def since(self, mark: Mark | None) -> Reading:
        """Others' share of the CPUs since ``mark`` (the runner's own CPU time subtracted)."""
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        now = self.mark()
        if mark is None or now is None or now.total <= mark.total:
            return Reading(None, None, load)
        elapsed = now.total - mark.total
        ours = now.own - mark.own if now.own is not None and mark.own is not None else 0.0
        others = max(0.0, (now.busy - mark.busy - ours) / elapsed)
        return Reading(min(1.0, others), (now.steal - mark.steal) / elapsed, load)

    def sample(self, seconds: float = WINDOW_S) -> Reading:
        mark = self.mark()
        time.sleep(seconds)
        return self.since(mark)


@dataclass
class GuardRecord:
    """What the guard saw before the rounds of one timing experiment on one interpreter."""

    threshold: float
    cpus: int
    source: str
    before: Reading | None = None
    waited_s: float = 0.0
    gave_up: bool = False
    rounds: list[float | None] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        busy_rounds = sum(1 for share in self.rounds if share is not None and share > self.threshold)
        return {
            "rule": f"others use more than {self.threshold:.0%} of the CPUs",
            "threshold": self.threshold,
            "cpus": self.cpus,
            "source": self.source,
            "before": self.before.to_json() if self.before else None,
            "waited_s": round(self.waited_s, 1),
            "gave_up": self.gave_up,
            "rounds": [None if s is None else round(s, 3) for s in self.rounds],
            "busy_rounds": busy_rounds,
            "measured_under_load": busy_rounds > 0,
        }


class LoadGuard:
    """Waits for a quiet machine before each round of one timing experiment (see the module docstring).

    ``meter`` reads the machine (tests pass a simulated one), ``sleep``/``clock`` pace the
    waiting. One guard serves one (interpreter, experiment): it may wait ``max_wait`` seconds in
    all; once it has given up it still reads before each round, for the record, but waits no more.
    """

    def __init__(
        self,
        max_wait: float = DEFAULT_MAX_WAIT_S,
        threshold: float = THRESHOLD,
        meter: Meter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        poll: float = POLL_S,
    ) -> None:
        self.meter = meter or Meter()
        self.sleep, self.clock, self.poll = sleep, clock, poll
        self.max_wait = max_wait
        self.record = GuardRecord(threshold, self.meter.cpus, self.meter.source)

    def _busy(self, reading: Reading) -> bool:
        return reading.busy(self.record.threshold)

    def before_round(self) -> None:
        """Read the machine; while it is busy, wait (within the budget); record the last reading."""
        reading = self.meter.sample()
        if self.record.before is None:
            self.record.before = reading
        started = self.clock()
        while self._busy(reading) and not self.record.gave_up:
            left = self.max_wait - self.record.waited_s - (self.clock() - started)
            if left <= 0:
                self.record.gave_up = True
                break
            self.sleep(min(self.poll, left))
            reading = self.meter.sample()
        self.record.waited_s += self.clock() - started
        share = None if reading.others is None else reading.others + (reading.steal or 0.0)
        self.record.rounds.append(share)
