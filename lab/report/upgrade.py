"""What changes when you upgrade: consecutive measured versions compared cell by cell.

On each machine (platform and label) and for each kind of build (CPython, PyPy, free-threaded),
the measured versions are put in order and each neighbouring pair is compared under the same
start method: a *feature release* step (3.12 → 3.13: the newest measured patch release of one
series against the oldest of the next) or a *patch release* step (3.13.0 → 3.13.18). Only
behaviour rows count (``Row.counted``): observations that depend on the machine and a timing
experiment's judgements are left out. Statuses and ``not applicable`` values are not compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lab.report.markdown import anchor, code, link, prose, text
from lab.report.model import Row, View
from lab.report.values import label_in, origin_name, origins
from lab.results.identity import Identity

TITLE = "What changes when you upgrade"
INDEX_ITEMS = 8  # changes listed per step in the index; pages list them all
VALUE_LIMIT = 80
_NAMES = {"cpython": "CPython", "pypy": "PyPy"}


@dataclass
class Change:
    """One observation that changed between two builds, under the methods listed."""

    row: Row
    methods: list[str]
    old: str
    new: str


@dataclass
class Step:
    """Two neighbouring builds of one kind on one machine, and what changed between them."""

    machine: str
    old: Identity
    new: Identity
    old_label: str
    new_label: str
    compared: int = 0
    changes: list[Change] = field(default_factory=list)

    @property
    def patch(self) -> bool:
        return self.old.series == self.new.series

    @property
    def name(self) -> str:
        build = _NAMES.get(self.new.implementation, self.new.implementation)
        return f"{self.machine}: {build} {_bare(self.old_label)} → {_bare(self.new_label)}"


def _bare(label: str) -> str:
    return label.rsplit(" ", 1)[-1]


def pairs(view: View) -> list[Step]:
    """Every neighbouring pair of builds, in report order."""
    steps = []
    for origin in origins(view.universe):
        here = [i for i in view.universe if (i.platform, i.label) == origin]
        machine = origin_name(origin, view.universe)
        builds: dict[tuple[str, bool], list[Identity]] = {}
        for identity in here:
            builds.setdefault(identity.build, []).append(identity)
        for line in builds.values():
            ordered = sorted(line, key=lambda i: i.version)
            for old, new in zip(ordered, ordered[1:]):
                steps.append(Step(machine, old, new, label_in(old, here), label_in(new, here)))
    return steps


def compare(view: View, step: Step, experiment: str | None = None) -> Step:
    """Fill in what changed in ``step`` (for one experiment, or all)."""
    names = [experiment] if experiment else list(view.declarations)
    for name in names:
        for row in view.rows(name):
            if not row.counted:
                continue
            grouped: dict[tuple[str, str], Change] = {}
            for method in view.methods:
                old, new = row.values.get((step.old, method)), row.values.get((step.new, method))
                if old is None or new is None or not (old.comparable and new.comparable):
                    continue
                step.compared += 1
                if old.key != new.key:
                    key = (old.key, new.key)
                    if key not in grouped:
                        grouped[key] = Change(row, [], old.display, new.display)
                    grouped[key].methods.append(method)
            step.changes += grouped.values()
    return step


def steps(view: View, experiment: str | None = None) -> list[Step]:
    return [compare(view, step, experiment) for step in pairs(view)]


def _value(raw: str, limit: int | None) -> str:
    if limit is not None and len(raw) > limit:
        raw = raw[: limit - 1] + "…"
    return code(raw)


def _bullet(view: View, change: Change, from_page: bool, limit: int | None) -> str:
    row = change.row
    label = link(prose(row.label or row.key), view.page(row.experiment, row.anchor, from_page))
    where = "" if from_page else f" (*{prose(view.title(row.experiment))}*)"
    return (
        f"- {label}{where}: {text(', '.join(change.methods))}: "
        f"{_value(change.old, limit)} → {_value(change.new, limit)}"
    )


def _ranked(changes: list[Change]) -> list[Change]:
    """At-a-glance behaviours first, then labelled ones, then the rest, in experiment order."""
    return sorted(changes, key=lambda c: (not c.row.declared.glance, not c.row.label))


def _quiet(found: list[Step]) -> str:
    quiet = [s for s in found if not s.changes and s.compared]
    if not quiet:
        return ""
    listed = ", ".join(text(s.name) for s in quiet)
    return f"No behaviour change: {listed}."


def render(view: View, level: int = 0) -> str:
    """The index's section; from ``level`` 1 fewer changes are listed per step (all are on the pages)."""
    found = steps(view)
    items = INDEX_ITEMS if level == 0 else max(INDEX_ITEMS // (2 * level), 1)
    lines = [
        f"## {TITLE}",
        "",
        "Neighbouring measured versions on one machine, compared cell by cell under the same start method: from "
        "one feature release to the next (3.12 → 3.13) and between patch releases of one series (3.13.0 → "
        "3.13.18). Observations that depend on the machine, and judgements drawn from timings, are left out.",
    ]
    if not found:
        return "\n".join([*lines, "", "Only one version of each build was measured: nothing to compare."])
    for step in found:
        if not step.changes:
            continue
        kind = "patch release" if step.patch else "feature release"
        lines += ["", f"### {text(step.name)} ({kind})", ""]
        ranked = _ranked(step.changes)
        lines += [_bullet(view, c, False, VALUE_LIMIT) for c in ranked[:items]]
        rest = ranked[items:]
        if rest:
            per_experiment: dict[str, int] = {}
            for change in rest:
                per_experiment[change.row.experiment] = per_experiment.get(change.row.experiment, 0) + 1
            more = ", ".join(
                f"{link(prose(view.title(e)), view.page(e, 'upgrades'))} ({n})" for e, n in per_experiment.items()
            )
            lines.append(f"- and {len(rest)} more: {more}")
        lines.append(f"\n{step.compared} cells' observations compared.")
    quiet = _quiet(found)
    if quiet:
        lines += ["", quiet]
    return "\n".join(lines)


def page_section(view: View, experiment: str) -> str:
    """Every change of one experiment's behaviour between neighbouring measured versions."""
    found = steps(view, experiment)
    lines = [f"## {anchor('upgrades')}{TITLE}", ""]
    if not found:
        return "\n".join([*lines, "Only one version of each build was measured: nothing to compare."])
    changed = [s for s in found if s.changes]
    for step in changed:
        kind = "patch release" if step.patch else "feature release"
        lines += [f"**{text(step.name)}** ({kind}):", ""]
        lines += [_bullet(view, c, True, None) for c in step.changes]
        lines.append("")
    quiet = _quiet(found)
    if quiet:
        lines.append(quiet)
    elif not changed:
        lines.append("Nothing was compared: no behaviour observation was recorded on two neighbouring versions.")
    return "\n".join(lines).rstrip()
