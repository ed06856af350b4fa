"""``lab diff OLD NEW``: what changed between two sets of result files, and along which axis.

Files are paired by identity (label, platform, implementation, version, free-threading); an old
build with no exact twin is paired with the new build of the same series on the same machine
(3.13.0 → 3.13.18: the patch release where a behaviour changes); two single files are compared
whatever their identity (that is how 3.14 is compared against 3.13). Each pair names the axis it
follows: a re-run of the same build, patch release, Python version, implementation,
free-threading or platform. Reported, in order:

* interpreters, methods, experiments and cells added or removed (coverage, not failing);
* behaviour changes: a cell's status, or a behaviour observation's classification (a count over
  trials is compared by its class; raw counts and messages are shown, not judged). Only these
  make ``lab diff`` exit 1;
* observations that depend on the machine and judgements drawn from timings (declared with
  ``Observation(depends_on=...)``/``judgement=True``, and undeclared observations of timing
  experiments), reported apart, not failing;
* cells whose experiment version changed, with their differences: the experiment changed, not
  Python (not failing);
* timing ratios and medians that moved by more than ``threshold`` (reported, not failing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lab.report.model import Declared
from lab.report.refs import default_baseline, ratio_of
from lab.report.values import flatten, leaf, ratio_text
from lab.results.identity import Identity
from lab.results.record import OK, CellRecord
from lab.results.resultset import Loaded, ResultSet, method_order

ABSENT = "—"
SAME_BUILD = "same build"


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
    compared: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    behaviour: list[Change] = field(default_factory=list)
    not_behaviour: list[Change] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)
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
            ("Compared (the axis each pair follows)", self.compared),
            ("Added", self.added),
            ("Removed", self.removed),
            ("Behaviour changes", [c.line() for c in self.behaviour]),
            (
                "Machine-dependent observations and judgements from timings that changed (reported, not failing)",
                [c.line() for c in self.not_behaviour],
            ),
            ("Experiment version changed (the experiment changed, not Python; not judged)", self.versions),
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


def describe(identity: Identity) -> str:
    """``local linux CPython 3.13.0``: an identity in words."""
    return f"{identity.label} {identity.platform} {identity.interpreter.split(' (')[0]}"


def axis(old: Identity, new: Identity) -> str:
    """The axis a pair of builds differs along (several joined when they differ in more)."""
    found = []
    if old.platform != new.platform:
        found.append("platform")
    if old.implementation != new.implementation:
        found.append("implementation")
    if old.free_threaded != new.free_threaded:
        found.append("free-threading")
    if old.series_version != new.series_version:
        found.append("Python version")
    elif old.python_version != new.python_version and old.implementation == new.implementation:
        found.append("patch release")
    if not found and old.label != new.label:
        found.append("machine label")
    return ", ".join(found) or SAME_BUILD


def _where(old: Identity, new: Identity) -> str:
    if old == new:
        return describe(old)
    head = describe(old)
    if (old.label, old.platform, old.implementation, old.free_threaded) == (
        new.label,
        new.platform,
        new.implementation,
        new.free_threaded,
    ):
        return f"{head} → {new.python_version}{'t' if new.free_threaded else ''} [{axis(old, new)}]"
    return f"{head} → {describe(new)} [{axis(old, new)}]"


def _series_key(identity: Identity) -> tuple[Any, ...]:
    return (identity.label, identity.platform, identity.implementation, identity.free_threaded, identity.series)


def pairs(old: ResultSet, new: ResultSet, result: DiffResult) -> list[tuple[Loaded, Loaded]]:
    if len(old) == 1 and len(new) == 1:
        return [(old.loaded[0], new.loaded[0])]
    new_by_id = {item.identity: item for item in new}
    matched: list[tuple[Loaded, Loaded]] = []
    left_old = [item for item in old if item.identity not in new_by_id]
    taken = {item.identity for item in old if item.identity in new_by_id}
    matched += [(item, new_by_id[item.identity]) for item in old if item.identity in new_by_id]
    left_new = [item for item in new if item.identity not in taken]
    for item in left_old:
        twins = [n for n in left_new if _series_key(n.identity) == _series_key(item.identity)]
        if len(twins) == 1:
            matched.append((item, twins[0]))
            left_new.remove(twins[0])
        else:
            result.removed.append(f"interpreter {describe(item.identity)} ({item.path.name})")
    result.added += [f"interpreter {describe(n.identity)} ({n.path.name})" for n in left_new]
    return sorted(matched, key=lambda pair: pair[0].identity.sort_key)


def _version(item: Loaded, cell: CellRecord) -> Any:
    if cell.provenance is not None:
        return cell.provenance.experiment_version
    return item.result.experiments.get(cell.experiment, {}).get("version")


class Meta:
    """Observation declarations and experiment kinds, from both sides (the new side wins)."""

    def __init__(self, old: ResultSet, new: ResultSet) -> None:
        self.declarations = {**old.declarations(), **new.declarations()}

    def behaviour(self, experiment: str, key: str) -> bool:
        meta = self.declarations.get(experiment, {})
        observations = meta.get("observations") or {}
        found = observations.get(key)
        for name, declared_meta in observations.items():  # a group holding the key, or a field of its value
            if found is None and (key.startswith(f"{name}.") or name.rpartition(".")[0] == key):
                found = declared_meta
        declared = Declared.of(found)
        if declared.depends_on or declared.judgement:
            return False
        return meta.get("kind", "behaviour") != "timing" or bool(declared.label)


def _observation_changes(where: str, old_cell: CellRecord, new_cell: CellRecord) -> list[Change]:
    experiment, method = new_cell.experiment, new_cell.method
    if old_cell.status != new_cell.status:
        old_text = old_cell.status + (f" ({old_cell.error})" if old_cell.error else "")
        new_text = new_cell.status + (f" ({new_cell.error})" if new_cell.error else "")
        return [Change(where, experiment, method, "(status)", old_text, new_text)]
    if new_cell.status != OK:
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


def _timing_moves(where: str, old: Loaded, new: Loaded, experiment: str, threshold: float) -> list[str]:
    moves = []
    names = {
        name
        for item in (old, new)
        for cell in item.result.cells
        if cell.experiment == experiment and cell.status == OK
        for name in cell.timings
    }
    for name in sorted(names):
        baseline = default_baseline(old, experiment, name)
        if baseline is None or baseline != default_baseline(new, experiment, name):
            continue
        for method in method_order([*old.result.methods(), *new.result.methods()]):
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


def _median_moves(where: str, old_cell: CellRecord, new_cell: CellRecord, result: DiffResult) -> None:
    """Each timing's median, old against new, for the same cell (absolute times: machine noise shows here)."""
    if old_cell.status != OK or new_cell.status != OK:
        return
    for name in sorted(set(old_cell.timings) & set(new_cell.timings)):
        before, after = old_cell.timings[name]["median"], new_cell.timings[name]["median"]
        result.medians_compared += 1
        if before and abs(after / before - 1) > result.threshold:
            unit = new_cell.timings[name]["unit"]
            result.medians.append(
                f"{where} · {new_cell.method} · {new_cell.experiment} · {name}: {before:g} → {after:g} {unit} "
                f"({after / before - 1:+.0%})"
            )


def _compare(old: Loaded, new: Loaded, meta: Meta, result: DiffResult) -> None:
    where = _where(old.identity, new.identity)
    result.compared.append(f"{where}" if "[" in where else f"{where} [{SAME_BUILD}]")
    old_methods, new_methods = set(old.result.methods()), set(new.result.methods())
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
            _median_moves(where, old_cell, new_cell, result)
            old_version, new_version = _version(old, old_cell), _version(new, new_cell)
            if old_version != new_version:
                result.versions.append(
                    f"{where} · {method} · {experiment}: version {old_version} → {new_version}"
                    + "".join(f"\n    {c.key}: {c.old} → {c.new}" for c in changes)
                )
                continue
            for change in changes:
                counted = change.key == "(status)" or meta.behaviour(experiment, change.key)
                (result.behaviour if counted else result.not_behaviour).append(change)
        result.timings += _timing_moves(where, old, new, experiment, result.threshold)


def diff(old_paths: Sequence[Path], new_paths: Sequence[Path], threshold: float = 0.15) -> DiffResult:
    """Compare two sets of result files or directories (``ResultFileError`` on bad input)."""
    old, new = ResultSet.load(list(old_paths)), ResultSet.load(list(new_paths))
    result = DiffResult(old_count=len(old), new_count=len(new), threshold=threshold)
    meta = Meta(old, new)
    for before, after in pairs(old, new, result):
        _compare(before, after, meta, result)
    return result
