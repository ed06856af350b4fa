"""One cell from its rounds, and the declared ratios with their spread (host side).

A timing cell runs in rounds (``lab.run.plan``); a result file still holds one cell per
(experiment, method). ``merge_rounds`` makes it:

* status: ``ok`` when every round was; otherwise the first failed round's record, its error
  prefixed with which round it was (the runner runs no further round of that method);
* timings: the union of the rounds' samples, summarised again (``lab.stats.summarise``), with
  ``parents`` added up and ``round_medians`` -- each round's median, ``null`` for a round that
  did not measure it -- kept beside them;
* observations, key by key: a count over trials (``{"count", "trials", "class", ...}``, see
  ``classify_count``) adds up, equal or not, its class recomputed
  from the sum (``none``/``some``/``all``; ``yes``/``no`` -- a yes/no by the median trial --
  by whether more or fewer than half of all trials counted, ``mixed`` at exactly half) or from
  the classes (``seen`` when any round saw it; another class vocabulary stays when all rounds
  agree and is ``mixed`` otherwise); nested
  dictionaries merge the same way; any other value every round observed stays, and one that
  differs between rounds becomes
  ``{"varies": [...]}``, the lab's word for parents that disagreed (``_parents.agreed``);
* ``wall_s``: the rounds' wall times added up.

``GroupRounds`` runs one group's rounds (``lab.run.plan.interleave``) one at a time, with the
load guard, so that the runner can spread them among other groups' (``lab.run.plan.spread``).
``add_ratios`` then stores every declared ratio in the
non-baseline cell's ``ratios`` (the record is described in ``lab.ratios``), from the round
medians paired round by round.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lab import METHODS
from lab.ratios import declared_ratios, paired_ratios, ratio_record
from lab.results.record import OK, CellRecord
from lab.run.load import LoadGuard
from lab.run.plan import Round, Task
from lab.stats import summarise

RoundRecords = dict[str, list[CellRecord | None]]  # per method, one record per round (None: not run)

COUNT_KEYS = {"count", "trials", "class"}
SUM_CLASSES = {"none", "some", "all"}
PRESENCE_CLASSES = {"none", "seen"}
MAJORITY_CLASSES = {"yes", "no"}


class GroupRounds:
    """The rounds of one timing group (one interpreter × experiment) and what they gave so far.

    The runner may run other groups' rounds between two of this group's (``lab.run.plan.spread``);
    ``run_round`` runs one round's cells in their order, the guard reading the machine (and waiting)
    first. A method whose round failed runs no further round (it would fail or hang alike).
    """

    def __init__(self, schedule: Sequence[Round], guard: LoadGuard, shared: Path) -> None:
        self.schedule = list(schedule)
        self.guard = guard
        self.shared = shared
        self.count = max((r.count for r in self.schedule), default=0)
        self.rounds: RoundRecords = {r.task.method: [None] * self.count for r in self.schedule}
        self.seconds = dict.fromkeys(self.rounds, 0.0)

    def _failed(self, method: str) -> bool:
        return any(r is not None and not r.ok for r in self.rounds[method])

    def run_round(
        self, index: int, execute: Callable[[Task, list[str]], CellRecord], stopped: Callable[[], bool]
    ) -> bool:
        """Run round ``index``; False once ``stopped()`` (the rest of the round is not run)."""
        planned = [r for r in self.schedule if r.index == index and not self._failed(r.task.method)]
        for position, entry in enumerate(planned):
            if stopped():
                return False
            if position == 0:
                self.guard.before_round()
            started = time.monotonic()
            options = [*entry.driver_options(), "--shared", str(self.shared)]
            self.rounds[entry.task.method][index] = execute(entry.task, options)
            self.seconds[entry.task.method] += time.monotonic() - started
        return True


def _is_count(value: Any) -> bool:
    return isinstance(value, dict) and set(value) >= COUNT_KEYS and isinstance(value.get("count"), int)


def _merge_count(values: list[dict[str, Any]]) -> dict[str, Any]:
    count, trials = sum(v["count"] for v in values), sum(v["trials"] for v in values)
    classes = {v["class"] for v in values}
    if classes <= SUM_CLASSES:
        kind = "none" if count == 0 else "all" if count == trials else "some"
    elif classes <= PRESENCE_CLASSES:
        kind = "none" if count == 0 else "seen"
    elif classes <= MAJORITY_CLASSES:  # each round's class is its median trial's: the median of all trials
        kind = "yes" if 2 * count > trials else "no" if 2 * count < trials else "mixed"
    else:
        kind = classes.pop() if len(classes) == 1 else "mixed"
    merged = dict(values[0])
    merged.update(count=count, trials=trials, fraction=round(count / trials, 4) if trials else 0.0, **{"class": kind})
    return merged


def merge_observation(values: list[Any]) -> Any:
    """One observation from the rounds' values (the rules in the module docstring)."""
    if all(_is_count(v) for v in values):  # before equality: two rounds of 0 in 5 are 0 in 10
        return _merge_count(values)
    if all(v == values[0] for v in values):
        return values[0]
    if all(isinstance(v, dict) for v in values) and all(set(v) == set(values[0]) for v in values):
        return {key: merge_observation([v[key] for v in values]) for key in values[0]}
    distinct: list[Any] = []
    for value in values:
        for item in value["varies"] if isinstance(value, dict) and set(value) == {"varies"} else [value]:
            if item not in distinct:
                distinct.append(item)
    return {"varies": distinct}


def merge_observations(rounds: Sequence[dict[str, Any]]) -> dict[str, Any]:
    keys = list(dict.fromkeys(key for observations in rounds for key in observations))
    merged = {}
    for key in keys:
        values = [observations[key] for observations in rounds if key in observations]
        merged[key] = merge_observation(values)
    return merged


def round_medians(rounds: Sequence[CellRecord | None], name: str) -> list[float | None]:
    """Each round's median of timing ``name`` (None where the round failed or did not measure it)."""
    return [r.timings[name]["median"] if r is not None and r.ok and name in r.timings else None for r in rounds]


def merge_timings(rounds: Sequence[CellRecord]) -> dict[str, dict[str, Any]]:
    names = list(dict.fromkeys(name for r in rounds for name in r.timings))
    timings = {}
    for name in names:
        present = [r.timings[name] for r in rounds if name in r.timings]
        samples = [value for timing in present for value in timing["samples"]]
        parents = [timing["parents"] for timing in present if "parents" in timing]
        summary = summarise(samples, present[0]["unit"], sum(parents) if parents else None)
        summary["round_medians"] = round_medians(rounds, name)
        timings[name] = summary
    return timings


def merge_rounds(rounds: Sequence[CellRecord], count: int) -> CellRecord:
    """One cell record from the records of its rounds, in round order (see the module docstring)."""
    if not rounds:
        raise ValueError("a cell needs at least one round")
    for index, record in enumerate(rounds):
        if not record.ok:
            failed = CellRecord.from_json(record.to_json())
            failed.error = f"round {index + 1} of {count}: {record.error}" if count > 1 else record.error
            failed.wall_s = round(sum(r.wall_s for r in rounds), 3)
            return failed
    first = rounds[0]
    return CellRecord(
        first.experiment,
        first.method,
        OK,
        wall_s=round(sum(r.wall_s for r in rounds), 3),
        observations=merge_observations([r.observations for r in rounds]),
        timings=merge_timings(rounds),
    )


# -- declared ratios ---------------------------------------------------------------------------
def _baseline(declared: str | None, cells: dict[str, CellRecord], timing: str) -> str | None:
    """The declared baseline where it measured the timing, else fork, else spawn."""
    for method in ([declared] if declared else []) + ["fork", "spawn"]:
        cell = cells.get(method)
        if cell is not None and cell.ok and timing in cell.timings:
            return method
    return None


def add_ratios(cells: dict[str, CellRecord], rounds: RoundRecords, summaries: Sequence[dict[str, Any]]) -> None:
    """Store each declared ratio, paired round by round, in the non-baseline cells' ``ratios``."""
    for declared in declared_ratios(summaries):
        timing = declared.timing
        baseline = _baseline(declared.baseline, cells, timing)
        if baseline is None:
            continue
        bottom = round_medians(rounds[baseline], timing)
        for method in declared.methods or [m for m in METHODS if m != baseline]:
            cell = cells.get(method)
            if method == baseline or cell is None or not cell.ok or timing in cell.ratios:
                continue
            top = round_medians(rounds.get(method, []), timing)
            if len(top) != len(bottom):
                continue
            pairs = paired_ratios(top, bottom)
            if pairs:
                cell.ratios[timing] = ratio_record(baseline, pairs)
