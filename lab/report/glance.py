"""The index's "At a glance" section: the behaviours experiments declare as the ones that matter.

One row per ``Observation(..., glance=True)``, in plain words, linked to the row on its
experiment's page; one column per start method, each cell the value with the versions where it
changes. A value that does not depend on the method is shown once. Then the default start method
per platform (``lab.report.defaults``), the headline sentences timing experiments declare, and
their pictures.
"""

from __future__ import annotations

from lab.report import defaults
from lab.report.markdown import Notes, link, prose, table, text
from lab.report.model import Row, View
from lab.report.summaries import plot_path
from lab.report.values import collapse

TITLE = "At a glance"


def _label(view: View, row: Row, from_page: bool = False) -> str:
    shown = link(prose(row.label or row.key), view.page(row.experiment, row.anchor, from_page))
    if row.declared.depends_on:
        shown += f" *(depends on {text(row.declared.depends_on)})*"
    if row.declared.judgement:
        shown += " *(a judgement from timings)*"
    return shown


def behaviour_table(view: View, rows: list[Row]) -> str:
    """The glance matrix: rows of plain words, one column per start method."""
    notes = Notes()
    methods = view.methods
    body = []
    for row in rows:
        cells = [_label(view, row)]
        if row.method_independent:
            shown = notes.fit(collapse(row.merged(), view.universe))
            cells += [shown] + [text(f"same as {methods[0]}")] * (len(methods) - 1)
        else:
            cells += [notes.fit(collapse(row.column(m), view.universe)) if row.column(m) else "—" for m in methods]
        body.append(cells)
    rendered = table(["Behaviour", *[text(m) for m in methods]], body)
    return rendered + (f"\n\nNotes:\n\n{notes.render()}" if notes.items else "")


def costs(view: View) -> list[str]:
    """Headline sentences declared by experiments (not the plain ratio lists, which stay on pages)."""
    lines = []
    for experiment in view.declarations:
        declared = view.summaries(experiment)
        for summary, rendered in zip(declared, view.rendered(experiment)):
            if isinstance(summary, dict) and summary.get("kind") != "ratio":
                page = link(text("details"), view.page(experiment))
                lines += [f"- {sentence} ({page})" for sentence in rendered.headlines]
    return lines


def pictures(view: View) -> list[str]:
    """Plots declared ``"glance": true`` are shown; every other declared plot is linked."""
    shown, linked = [], []
    for experiment in view.declarations:
        for summary in view.summaries(experiment):
            if not (isinstance(summary, dict) and summary.get("plot")):
                continue
            title = text(summary.get("title") or view.title(experiment))
            path = plot_path(summary, "plots")
            if summary.get("glance"):
                shown.append(f"![{title}]({path})")
            else:
                linked.append(link(title, path))
    lines = shown[:]
    if linked:
        lines.append("More pictures: " + " · ".join(linked) + ".")
    return lines


def render(view: View, level: int = 0) -> str:
    """The index's section; from ``level`` 1 the declared sentences stay on the pages."""
    rows = view.glance_rows()
    lines = [f"## {TITLE}", ""]
    default = defaults.line(view)
    if default:
        lines += [default, ""]
    if rows:
        lines += [
            "The behaviours that matter most, in plain words (each links to its evidence). A cell names the "
            "versions where its value changes; a behaviour that does not depend on the start method is shown once.",
            "",
            behaviour_table(view, rows),
        ]
    else:
        lines.append(
            "No experiment declares an at-a-glance behaviour yet (`Observation(..., glance=True)`); every "
            f"observation is on the experiment pages ({link(text('list'), '#experiments')})."
        )
    spent = costs(view) if level == 0 else []
    if spent:
        lines += [
            "",
            "**In short**, as the experiments sum themselves up (timings are ratios measured in the same run):",
            "",
        ]
        lines += spent
    drawn = pictures(view)
    if drawn:
        lines += ["", *drawn]
    return "\n".join(lines)
