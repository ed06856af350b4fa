"""One page per experiment (``results/experiments/NAME.md``): everything the experiment showed.

In order: the question, the lesson, the tutorial concept; the headline sentences its summaries
declare; its observations under plain labels (values that do not depend on the start method shown
once, with what each row differs by); its symptoms (anchored by id); timings with ratios and the
declared tables and plots; what changes between neighbouring versions; its checks against
CPython's docs and source; and the cells themselves (versions, quality, failures).
"""

from __future__ import annotations

from lab.normalise import normalise
from lab.report import checks, symptoms, timings, upgrade
from lab.report.markdown import Notes, anchor, cell_limit, code, link, prose, small, table, text
from lab.report.model import INDEX, Row, View
from lab.report.values import collapse, origin_name, origins, where
from lab.results.record import OK

BACK = f"../{INDEX}"


def _label(row: Row) -> str:
    shown = anchor(row.anchor)
    shown += f"{prose(row.label)} {small(code(row.key))}" if row.label else code(row.key)
    if row.declared.depends_on:
        shown += f"<br>*depends on {text(row.declared.depends_on)}*"
    if row.declared.judgement:
        shown += "<br>*a judgement from timings: not counted as behaviour*"
    return shown


def _differs(row: Row) -> str:
    return text(", ".join(row.axes)) if row.axes else "—"


def header(view: View, name: str) -> str:
    meta = view.declarations.get(name, {})
    facts = [f"experiment {code(name)}", text(meta.get("kind", "?")), f"version {text(meta.get('version', '?'))}"]
    if meta.get("docs"):
        facts.append(link(text("CPython docs"), str(meta["docs"])))
    lines = [f"# {prose(view.title(name))}", "", f"{link(text('forklab report'), BACK)} › " + " · ".join(facts), ""]
    for title, key in (("Question", "question"), ("Lesson", "lesson"), ("Tutorial concept", "concept")):
        if meta.get(key):
            lines.append(f"**{title}.** {prose(meta[key])}  ")
        elif key == "lesson":
            lines.append("**Lesson.** Not written yet: the observations below are the evidence.  ")
    headlines = [s for rendered in view.rendered(name) for s in rendered.headlines]
    if headlines:
        lines += ["", "In short:", "", *[f"- {s}" for s in headlines]]
    return "\n".join(lines).rstrip()


def observations(view: View, name: str) -> str:
    rows = view.rows(name)
    lines = [f"## {anchor('observations')}Observations", ""]
    if not rows:
        completed = any(cell.status == OK for _, cell in view.experiment_cells(name))
        lines.append(
            "No observations recorded: this experiment's results are its timings."
            if completed
            else "No observations: no cell of this experiment completed (see Cells)."
        )
        return "\n".join(lines)
    methods = [m for m in view.methods if view.has_cells(name, m)]
    once = [r for r in rows if r.method_independent]
    per_method = [r for r in rows if not r.method_independent]
    lines.append(
        "Each value names the versions it was seen on where interpreters disagree; *Differs by* says which axis "
        "it changes along (start method, patch release, Python version, implementation, free-threading, platform)."
    )
    if once:
        notes = Notes()
        body = [[_label(r), notes.fit(collapse(r.merged(), view.universe)), _differs(r)] for r in once]
        lines += ["", "### The same under every start method", "", table(["Observation", "Value", "Differs by"], body)]
        lines += ["", notes.render()] if notes.items else []
    if per_method:
        notes = Notes()
        body = []
        for r in per_method:
            fixed = [_label(r), _differs(r)]
            limit = cell_limit(fixed, len(methods))
            values = [notes.fit(collapse(r.column(m), view.universe), limit) if r.column(m) else "—" for m in methods]
            body.append([*fixed, *values])
        headers = ["Observation", "Differs by", *[text(m) for m in methods]]
        lines += ["", "### Depending on the start method", "", table(headers, body)]
        lines += ["", notes.render()] if notes.items else []
    if any(r.declared.depends_on for r in rows):
        lines += ["", machine_line(view)]
    return "\n".join(lines)


def machine_line(view: View) -> str:
    """What the machine-dependent rows depended on, from each machine's environment."""
    parts = []
    for origin in origins(view.universe):
        env = next(i.environment for i in view.results.loaded if (i.identity.platform, i.identity.label) == origin)
        facts = [f"PID 1 is {code(env['pid1'])}" if env.get("pid1") else "PID 1 not recorded"]
        facts.append(f"{env.get('cpu_count', '?')} CPUs")
        facts.append(f"kernel or OS release {text(env.get('os_release', '?'))}")
        parts.append(f"{text(origin_name(origin, view.universe))}: " + ", ".join(facts))
    return (
        "Rows marked *depends on* describe the machine, not Python. On the machines measured: " + "; ".join(parts) + "."
    )


def cells(view: View, name: str) -> str:
    """Which experiment version and quality each interpreter's cells come from, and what failed."""
    lines = [f"## {anchor('cells')}Cells", ""]
    versions: dict[tuple[object, str], list] = {}
    failures = []
    for identity, cell in view.experiment_cells(name):
        provenance = cell.provenance
        key = (provenance.experiment_version if provenance else "?", provenance.quality if provenance else "?")
        versions.setdefault(key, []).append(identity)
        if cell.status not in (OK, "unavailable"):
            reason = f" — {text(normalise(str(cell.error)).rstrip(': '))}" if cell.error else ""
            failures.append(
                f"- {text(cell.method)} on {text(where([identity], view.universe))}: {text(cell.status)}{reason}"
            )
    for (version, quality), identities in versions.items():
        unique = sorted(set(identities), key=lambda i: i.sort_key)
        lines.append(
            f"- experiment version {text(version)}, {text(quality)} quality: {text(where(unique, view.universe))}"
        )
    if failures:
        lines += ["", "Cells that did not complete:", "", *failures]
    return "\n".join(lines)


def render(view: View, name: str) -> str:
    parts = [
        header(view, name),
        observations(view, name),
        symptoms.page_section(view, name),
        timings.section(view, name),
        upgrade.page_section(view, name),
        checks.page_section(view, name),
        cells(view, name),
    ]
    return "\n\n".join(p.strip("\n") for p in parts if p) + "\n"
