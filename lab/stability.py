"""``python -m lab stability OLD NEW``: do the declared ratios hold between two runs? (host side)

"Ratios are the claim" (README): a run is only worth publishing if running it again gives the
same ratios. This command compares every ratio the experiments declare (the ``ratio`` and
``headline`` summaries, see ``lab.ratios.declared_ratios``) between two sets of result files,
interpreter by interpreter, and puts the answer first:

* how many *headline* ratios moved by at most ±10%, and how many of *all* declared ratios
  moved by at most ±10% and ±15% (the goals: every headline within ±10%, 90% of all within ±15%);
* whether each pair of 95% intervals (``CellRecord.ratios``, ``lab.ratios``) overlaps -- a ratio
  that moved but whose intervals overlap moved within its own measured spread;
* the distribution of the changes, then every ratio that moved beyond ±10%.

A change is ``new / old - 1``. Files are paired by label, platform and interpreter, or compared
whatever their identity when each side is a single file. A file without ratio records (written
before rounds existed) is compared by the ratio of its medians, without an interval. Always
exits 0 on good input: timings are reported, not judged (``lab diff`` judges behaviour).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from lab import METHODS
from lab.ratios import declared_ratios
from lab.results.resultset import Loaded, ResultSet
from lab.stats import percentile

CLOSE, NEAR = 0.10, 0.15
BUCKETS = (0.05, 0.10, 0.15, 0.25)


@dataclass(frozen=True)
class Compared:
    """One declared ratio of one interpreter in both runs."""

    interpreter: str
    experiment: str
    timing: str
    method: str
    baseline: str
    headline: bool
    old: dict[str, Any]
    new: dict[str, Any]

    @property
    def change(self) -> float:
        return self.new["ratio"] / self.old["ratio"] - 1

    @property
    def overlap(self) -> bool | None:
        """Whether the two intervals overlap (None when either run has none)."""
        ends = [self.old.get("low"), self.old.get("high"), self.new.get("low"), self.new.get("high")]
        if any(end is None for end in ends):
            return None
        old_low, old_high, new_low, new_high = ends
        return old_low <= new_high and new_low <= old_high

    def line(self) -> str:
        tags = ["headline"] if self.headline else []
        if self.overlap is not None:
            tags.append("intervals overlap" if self.overlap else "intervals apart")
        return (
            f"{self.interpreter} · {self.experiment} · {self.timing} · {self.method}/{self.baseline}: "
            f"{_shown(self.old)} → {_shown(self.new)} ({self.change:+.0%})" + (f" [{', '.join(tags)}]" if tags else "")
        )


def _shown(record: dict[str, Any]) -> str:
    text = f"×{record['ratio']:.3g}"
    if record.get("low") is not None and record.get("high") is not None:
        text += f" ({record['low']:.3g}–{record['high']:.3g})"
    return text


def _ratio(source: Loaded, experiment: str, timing: str, method: str, baseline: str) -> dict[str, Any] | None:
    """The stored ratio record, or the ratio of the two medians for files without records."""
    cell = source.result.cell(experiment, method)
    if cell is None or not cell.ok:
        return None
    stored = cell.ratios.get(timing)
    if stored is not None and stored.get("baseline") == baseline and stored.get("ratio"):
        return stored
    bottom = source.result.cell(experiment, baseline)
    if bottom is None or not bottom.ok or timing not in cell.timings or timing not in bottom.timings:
        return None
    if not bottom.timings[timing]["median"]:
        return None
    return {"ratio": cell.timings[timing]["median"] / bottom.timings[timing]["median"]}


def _baseline(old: Loaded, new: Loaded, experiment: str, timing: str, declared: str | None) -> str | None:
    """The declared baseline, else fork, else spawn: the first both runs measured."""
    for method in ([declared] if declared else []) + ["fork", "spawn"]:
        cells = [source.result.cell(experiment, method) for source in (old, new)]
        if all(c is not None and c.ok and timing in c.timings for c in cells):
            return method
    return None


def _pairs(old: ResultSet, new: ResultSet) -> list[tuple[Loaded, Loaded]]:
    if len(old) == 1 and len(new) == 1:
        return [(old.loaded[0], new.loaded[0])]
    by_identity = {item.identity: item for item in new}
    return [(item, by_identity[item.identity]) for item in old if item.identity in by_identity]


def compare(old: ResultSet, new: ResultSet) -> list[Compared]:
    """Every declared ratio measured in both runs, interpreter by interpreter."""
    found: list[Compared] = []
    declarations = new.declarations()
    for before, after in _pairs(old, new):
        name = after.identity.short()
        experiments = sorted({c.experiment for c in after.result.cells} & {c.experiment for c in before.result.cells})
        for experiment in experiments:
            seen = set()
            for declared in declared_ratios(declarations.get(experiment, {}).get("summaries", [])):
                baseline = _baseline(before, after, experiment, declared.timing, declared.baseline)
                if baseline is None:
                    continue
                for method in declared.methods or [m for m in METHODS if m != baseline]:
                    key = (declared.timing, method, baseline)
                    if method == baseline or key in seen:
                        continue
                    seen.add(key)
                    old_ratio = _ratio(before, experiment, declared.timing, method, baseline)
                    new_ratio = _ratio(after, experiment, declared.timing, method, baseline)
                    if old_ratio and new_ratio:
                        found.append(
                            Compared(
                                name,
                                experiment,
                                declared.timing,
                                method,
                                baseline,
                                declared.headline,
                                old_ratio,
                                new_ratio,
                            )
                        )
    return found


def _within(items: Sequence[Compared], limit: float) -> int:
    return sum(1 for c in items if abs(c.change) <= limit)


def _share(count: int, total: int) -> str:
    return f"{count} of {total}" + (f" ({count / total:.0%})" if total else "")


def summary(compared: Sequence[Compared]) -> dict[str, Any]:
    """The headline figures as numbers (what ``--json`` prints beside every comparison)."""
    headline = [c for c in compared if c.headline]
    changes = sorted(abs(c.change) for c in compared)
    overlaps = [c.overlap for c in compared if c.overlap is not None]
    edges = (0.0, *BUCKETS)
    buckets = {
        f"{low:.0%}-{high:.0%}": sum(1 for x in changes if low < x <= high or (low == 0 and x == 0))
        for low, high in zip(edges, BUCKETS)
    }
    buckets[f">{BUCKETS[-1]:.0%}"] = sum(1 for x in changes if x > BUCKETS[-1])
    return {
        "ratios": len(compared),
        "headline": len(headline),
        "headline_within_10": _within(headline, CLOSE),
        "within_10": _within(compared, CLOSE),
        "within_15": _within(compared, NEAR),
        "with_intervals": len(overlaps),
        "intervals_overlap": sum(overlaps),
        "median_change": statistics.median(changes) if changes else None,
        "p90_change": percentile(changes, 90) if changes else None,
        "max_change": changes[-1] if changes else None,
        "buckets": buckets,
    }


def render(compared: Sequence[Compared], interpreters: int) -> str:
    figures = summary(compared)
    total = figures["ratios"]
    lines = [
        f"forklab stability: {interpreters} interpreter(s) in both runs, {total} declared ratio(s) compared",
        f"Headline ratios within ±10%: {_share(figures['headline_within_10'], figures['headline'])}",
        f"Declared ratios within ±10%: {_share(figures['within_10'], total)}; "
        f"within ±15%: {_share(figures['within_15'], total)}",
    ]
    if figures["with_intervals"]:
        lines.append(f"95% intervals overlap: {_share(figures['intervals_overlap'], figures['with_intervals'])}")
    if total:
        lines.append(
            f"Changes |new/old - 1|: median {figures['median_change']:.1%}, 90th percentile "
            f"{figures['p90_change']:.1%}, largest {figures['max_change']:.1%}; "
            + ", ".join(f"{name}: {count}" for name, count in figures["buckets"].items())
        )
    moved = sorted((c for c in compared if abs(c.change) > CLOSE), key=lambda c: -abs(c.change))
    if moved:
        lines += ["", f"Moved beyond ±10% ({len(moved)}):", *(f"  {c.line()}" for c in moved)]
    return "\n".join(lines) + "\n"


def cmd_stability(args: argparse.Namespace) -> int:
    old, new = ResultSet.load([args.old]), ResultSet.load([args.new])
    compared = compare(old, new)
    if args.json:
        entries = [dict(asdict(c), change=c.change, overlap=c.overlap) for c in compared]
        print(json.dumps({"summary": summary(compared), "ratios": entries}, indent=1))
    else:
        sys.stdout.write(render(compared, len(_pairs(old, new))))
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("stability", help="how far the declared timing ratios moved between two runs")
    parser.add_argument("old", type=Path, metavar="OLD", help="a result file or directory (the first run)")
    parser.add_argument("new", type=Path, metavar="NEW", help="a result file or directory (the second run)")
    parser.add_argument("--json", action="store_true", help="print the figures and every comparison as JSON")
    parser.set_defaults(handler=cmd_stability)
