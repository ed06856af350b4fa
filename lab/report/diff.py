"""``lab diff OLD NEW``: what changed between two sets of result files.

Files are paired by label, platform and interpreter; when each side is a single file they are
compared whatever their identity (that is how 3.14 is compared against 3.13). Reported, in order:

* interpreters, methods, experiments and cells added or removed (coverage, not failing);
* behaviour changes: a cell's status, or an observation's classification (a count over trials
  is compared by its class, ``none``/``some``/``all``; raw counts and messages are shown, not
  judged). These make ``lab diff`` exit 1;
* cells whose experiment version changed, with their differences, apart: the experiment
  changed, not Python (not failing);
* observations of timing experiments that changed (reported, not failing: they come from
  timing runs and are as noisy as timings);
* timing ratios (a method's median over fork's, or spawn's where fork is absent, same run) that
  moved by more than ``threshold`` (reported, not failing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lab.report.inputs import Source, load_sources, method_order
from lab.report.summaries import default_baseline, ratio_of
from lab.report.values import flatten, leaf, ratio_text
from lab.results.record import CellRecord

ABSENT = "—"


@dataclass(frozen=True)
class Change:
    """One observation (or status) of one cell, before and after."""

    where: str
    experiment: str
    method: str
    key: str
    old: str
    new: str

    def line(self) -> str:
        return f"{self.where} · {self.method} · {self.experiment} · {self.key}: {self.old} → {self.new}"


@dataclass
class DiffResult:
    """Everything that differs; ``exit_code`` is 1 when a behaviour changed."""

    old_count: int
    new_count: int
    threshold: float
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    behaviour: list[Change] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)
    timing_observations: list[Change] = field(default_factory=list)
    timings: list[str] = field(default_factory=list)
    medians: list[str] = field(default_factory=list)
    medians_compared: int = 0

    @property
    def behaviour_changed(self) -> bool:
        return bool(self.behaviour)

    @property
    def exit_code(self) -> int:
        return 1 if self.behaviour_changed else 0

    def render(self) -> str:
        lines = [f"forklab diff: {self.old_count} old file(s) → {self.new_count} new file(s)"]
        sections = (
            ("Added", self.added),
            ("Removed", self.removed),
            ("Behaviour changes", [c.line() for c in self.behaviour]),
            ("Experiment version changed (the experiment changed, not Python; not judged)", self.versions),
            (
                "Observations of timing experiments that changed (reported, not failing)",
                [c.line() for c in self.timing_observations],
            ),
            (f"Timing ratios that moved by more than {self.threshold:.0%} (reported, not failing)", self.timings),
            (
                f"Timing medians that moved by more than {self.threshold:.0%}, of {self.medians_compared} compared "
                "(reported, not failing)",
                self.medians,
            ),
        )
        for title, items in sections:
            if items:
                lines += ["", f"{title} ({len(items)}):", *(f"  {item}" for item in items)]
        count = len(self.behaviour)
        lines += ["", f"{count} behaviour change{'s' if count != 1 else ''}." if count else "No behaviour change."]
        return "\n".join(lines) + "\n"


def _pairs(old: list[Source], new: list[Source], result: DiffResult) -> list[tuple[Source, Source, str]]:
    if len(old) == 1 and len(new) == 1 and old[0].identity != new[0].identity:
        return [(old[0], new[0], f"{old[0].describe()} → {new[0].describe()}")]
    new_by_id = {s.identity: s for s in new}
    old_ids = {s.identity for s in old}
    pairs = []
    for source in old:
        if source.identity in new_by_id:
            other = new_by_id[source.identity]
            where = source.describe()
            if other.env.get("python_version") != source.env.get("python_version"):
                where += f" → {other.env.get('python_version')}"
            pairs.append((source, other, where))
        else:
            result.removed.append(f"interpreter {source.describe()} ({source.path.name})")
    result.added += [f"interpreter {s.describe()} ({s.path.name})" for s in new if s.identity not in old_ids]
    return pairs


def _version(source: Source, cell: CellRecord) -> Any:
    if cell.provenance is not None:
        return cell.provenance.experiment_version
    return source.result.experiments.get(cell.experiment, {}).get("version")


def _kind(old: Source, new: Source, experiment: str) -> str:
    meta = new.result.experiments.get(experiment) or old.result.experiments.get(experiment) or {}
    return str(meta.get("kind", "behaviour"))


def _observation_changes(where: str, old_cell: dict, new_cell: dict) -> list[Change]:
    experiment, method = new_cell.experiment, new_cell.method
    if old_cell.status != new_cell.status:
        old_text = old_cell.status + (f" ({old_cell.error})" if old_cell.error else "")
        new_text = new_cell.status + (f" ({new_cell.error})" if new_cell.error else "")
        return [Change(where, experiment, method, "(status)", old_text, new_text)]
    if new_cell.status != "ok":
        return []
    before, after = flatten(old_cell.observations), flatten(new_cell.observations)
    changes = []
    for key in dict.fromkeys([*before, *after]):
        old_leaf = leaf(before[key]) if key in before else None
        new_leaf = leaf(after[key]) if key in after else None
        if (old_leaf and old_leaf.key) != (new_leaf and new_leaf.key):
            changes.append(
                Change(
                    where,
                    experiment,
                    method,
                    key,
                    old_leaf.display if old_leaf else ABSENT,
                    new_leaf.display if new_leaf else ABSENT,
                )
            )
    return changes


def _timing_moves(where: str, old: Source, new: Source, experiment: str, threshold: float) -> list[str]:
    moves = []
    names = {
        name
        for source in (old, new)
        for cell in source.result.cells
        if cell.experiment == experiment and cell.status == "ok"
        for name in cell.timings
    }
    for name in sorted(names):
        baseline = default_baseline(old, experiment, name)
        if baseline is None or baseline != default_baseline(new, experiment, name):
            continue
        for method in method_order([*old.methods(), *new.methods()]):
            if method == baseline:
                continue
            before = ratio_of(old, experiment, name, method, baseline)
            after = ratio_of(new, experiment, name, method, baseline)
            if before and after is not None and abs(after / before - 1) > threshold:
                moves.append(
                    f"{where} · {experiment} · {name}: {method}/{baseline} ×{ratio_text(before)} → "
                    f"×{ratio_text(after)} ({after / before - 1:+.0%})"
                )
    return moves


def _median_moves(where: str, experiment: str, method: str, old_cell: dict, new_cell: dict, result: DiffResult) -> None:
    """Each timing's median, old against new, for the same cell (absolute times: machine noise shows here)."""
    if old_cell.status != "ok" or new_cell.status != "ok":
        return
    for name in sorted(set(old_cell.timings) & set(new_cell.timings)):
        before, after = old_cell.timings[name]["median"], new_cell.timings[name]["median"]
        result.medians_compared += 1
        if before and abs(after / before - 1) > result.threshold:
            unit = new_cell.timings[name]["unit"]
            result.medians.append(
                f"{where} · {method} · {experiment} · {name}: {before:g} → {after:g} {unit} ({after / before - 1:+.0%})"
            )


def _compare(old: Source, new: Source, where: str, result: DiffResult) -> None:
    old_methods, new_methods = set(old.methods()), set(new.methods())
    result.removed += [f"method {m} on {where}" for m in method_order(old_methods - new_methods)]
    result.added += [f"method {m} on {where}" for m in method_order(new_methods - old_methods)]
    old_exps = {c.experiment for c in old.result.cells}
    new_exps = {c.experiment for c in new.result.cells}
    result.removed += [f"experiment {e} on {where}" for e in sorted(old_exps - new_exps)]
    result.added += [f"experiment {e} on {where}" for e in sorted(new_exps - old_exps)]
    for experiment in sorted(old_exps & new_exps):
        for method in method_order(old_methods & new_methods):
            old_cell = old.result.cell(experiment, method)
            new_cell = new.result.cell(experiment, method)
            if old_cell is None or new_cell is None:
                if old_cell is not new_cell:
                    target = result.removed if new_cell is None else result.added
                    target.append(f"cell {experiment} {method} on {where}")
                continue
            changes = _observation_changes(where, old_cell, new_cell)
            _median_moves(where, experiment, method, old_cell, new_cell, result)
            old_version, new_version = _version(old, old_cell), _version(new, new_cell)
            if old_version != new_version:
                result.versions.append(
                    f"{where} · {method} · {experiment}: version {old_version} → {new_version}"
                    + "".join(f"\n    {c.key}: {c.old} → {c.new}" for c in changes)
                )
            elif _kind(old, new, experiment) == "timing" and all(c.key != "(status)" for c in changes):
                result.timing_observations += changes
            else:
                result.behaviour += changes
        result.timings += _timing_moves(where, old, new, experiment, result.threshold)


def diff(old_paths: Sequence[Path], new_paths: Sequence[Path], threshold: float = 0.15) -> DiffResult:
    """Compare two sets of result files or directories (ReportInputError on bad input)."""
    old, new = load_sources(old_paths), load_sources(new_paths)
    result = DiffResult(old_count=len(old), new_count=len(new), threshold=threshold)
    for before, after, where in _pairs(old, new, result):
        _compare(before, after, where, result)
    return result
