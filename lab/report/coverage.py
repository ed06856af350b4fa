"""Coverage (platform × interpreter × method → status), the machines, and the list of pages.

A platform with no result file is a row of ``not measured``; the report never fills it in. The
page list carries each experiment's question and the count of its checks against CPython's docs
and source.
"""

from __future__ import annotations

from lab import METHODS
from lab.normalise import normalise
from lab.report import checks
from lab.report.markdown import code, link, prose, table, text
from lab.report.model import View
from lab.report.values import origin_name, origins, platform_name
from lab.results.identity import Identity
from lab.results.record import ERROR, NOT_MEASURED, OK, TIMEOUT
from lab.results.resultset import method_order

TITLE = "Coverage"
PAGES_TITLE = "Experiments"


def _status(view: View, identity: Identity, method: str) -> str:
    statuses: dict[str, list[str]] = {}
    for name in view.declarations:
        cell = view.cell(identity, name, method)
        statuses.setdefault(cell.status if cell else NOT_MEASURED, []).append(name)
    if len(statuses) == 1:
        return text(next(iter(statuses)))
    pieces = []
    for status, names in sorted(statuses.items(), key=lambda item: item[0] != OK):
        pieces.append(f"{status} ×{len(names)}")
    return text(" · ".join(pieces))


def _quality(view: View, identity: Identity) -> str:
    qualities = {
        cell.provenance.quality if cell.provenance else "?" for i, cell in view.results.cells() if i == identity
    }
    return ", ".join(sorted(qualities)) or "—"


def render(view: View) -> str:
    methods = method_order([*METHODS, *view.methods])
    rows = []
    for identity in view.universe:
        row = [text(platform_name(identity.platform)), code(identity.label), text(identity.interpreter)]
        row += [text(_quality(view, identity)), *[_status(view, identity, m) for m in methods]]
        rows.append(row)
    for platform in view.results.missing_platforms():
        rows.append([text(platform_name(platform)), "—", "—", "—", *[NOT_MEASURED] * len(methods)])
    lines = [
        f"## {TITLE}",
        "",
        "Every cell (interpreter × start method × experiment) by status: `ok`, `unavailable` (the platform "
        "lacks the method), `error`, `timeout`; `not measured` where no result file exists.",
        "",
        table(["Platform", "Label", "Interpreter", "Quality", *[text(m) for m in methods]], rows),
    ]
    failed = [
        f"- {link(prose(view.title(cell.experiment)), view.page(cell.experiment, 'cells'))} "
        f"{text(cell.method)} on {text(identity.interpreter)}: {text(cell.status)}"
        + (f" — {text(normalise(str(cell.error)).rstrip(': '))}" if cell.error else "")
        for identity, cell in view.results.cells()
        if cell.status in (ERROR, TIMEOUT)
    ]
    if failed:
        lines += ["", "Cells that did not complete:", "", *failed]
    lines += ["", machines(view)]
    return "\n".join(lines)


def machines(view: View) -> str:
    """Where the result files came from, one line per machine (platform and label)."""
    lines = ["**Machines.**"]
    for origin in origins(view.universe):
        envs = [i.environment for i in view.results.loaded if (i.identity.platform, i.identity.label) == origin]

        def values(key: str, envs=envs) -> str:
            return ", ".join(dict.fromkeys(str(e.get(key)) for e in envs if e.get(key) not in (None, "")))

        facts = [f"{values('os_release')} {values('machine')}", f"{values('cpu_count')} CPUs"]
        if values("cgroup_cpu_limit"):
            facts.append(f"cgroup limit {values('cgroup_cpu_limit')} CPUs")
        if values("pid1"):
            facts.append(f"PID 1 is {code(values('pid1'))}")
        commits = ", ".join(dict.fromkeys(str(e.get("git_commit"))[:12] for e in envs if e.get("git_commit")))
        if commits:
            facts.append(f"lab commit {commits}")
        dates = sorted(str(e.get("created_at", ""))[:10] for e in envs if e.get("created_at"))
        if dates:
            facts.append(f"measured {dates[0]}" + (f" to {dates[-1]}" if dates[-1] != dates[0] else ""))
        name = f"{origin_name(origin, view.universe)} ({origin[1]})"
        lines.append(f"{text(name)}: " + "; ".join(text(f) if "`" not in f else f for f in facts) + ".")
    return "  \n".join(lines)


def pages(view: View) -> str:
    rows = []
    for name, meta in view.declarations.items():
        found = checks.counts(view.verdicts_of(name))
        total = sum(found.values())
        shown = checks.count_text(found) if total else "—"
        page = link(prose(view.title(name)), view.page(name))
        rows.append([page, prose(meta.get("question", "")), shown])
    every = checks.counts(view.verdicts)
    lines = [
        f"## {PAGES_TITLE}",
        "",
        "One page per experiment: its question and lesson, every observation under a plain label, timings, "
        "declared summaries, plots, and its checks against CPython's documentation and source (linked at a tag). "
        f"All checks: {checks.count_text(every)}.",
        "",
        table(["Experiment", "Question", "Checks against the docs"], rows),
    ]
    return "\n".join(lines)
