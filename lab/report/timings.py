"""Timing tables for an experiment page: medians, p5–p95 and n, and ratios to fork.

A ratio comes from ``CellRecord.ratios[timing]`` when the runner recorded one (each round's
ratio in the same run, shown as ``×23.1 (21.8–24.5)``); otherwise it is the ratio of the two
medians and says so. The baseline is fork where the interpreter measured it, else spawn.
"""

from __future__ import annotations

from lab.report import refs
from lab.report.markdown import code, table, text
from lab.report.model import View
from lab.report.values import NOT_RECORDED, number, ratio_text, where
from lab.results.identity import Identity
from lab.results.record import NOT_MEASURED, OK

LEGEND = (
    "Each cell: median (p5–p95, n samples), then the ratio to the baseline measured in the same run "
    "(fork, or spawn where fork is absent): ×ratio (range over rounds) where the runner measured it round by "
    "round, else the ratio of the two medians, marked *of medians*. **unstable**: p95 > 2 × median or fewer "
    "than 3 samples. Ratios are the claim; absolute times belong to the machine."
)


def names(view: View, experiment: str) -> list[str]:
    found: dict[str, None] = {}
    for _, cell in view.experiment_cells(experiment):
        if cell.status == OK:
            found.update(dict.fromkeys(cell.timings))
    return list(found)


def _loaded(view: View, identity: Identity):
    return next(item for item in view.results.loaded if item.identity == identity)


def ratio_cell(source, experiment: str, timing: str, method: str, baseline: str) -> str:
    record = refs.ratio_record(source, experiment, timing, method, baseline)
    if record is not None:
        shown = f"×{ratio_text(record['ratio'])}"
        if isinstance(record.get("low"), (int, float)) and isinstance(record.get("high"), (int, float)):
            shown += f" ({ratio_text(record['low'])}–{ratio_text(record['high'])})"
        return shown + (" **unstable**" if record.get("unstable") else "")
    value = refs.ratio_of(source, experiment, timing, method, baseline)
    return "" if value is None else f"×{ratio_text(value)} *of medians*"


def cell_text(view: View, identity: Identity, experiment: str, timing: str, method: str) -> str:
    cell = view.cell(identity, experiment, method)
    if cell is None:
        return NOT_MEASURED
    if cell.status != OK:
        return text(cell.status)
    found = cell.timings.get(timing)
    if found is None:
        return NOT_RECORDED
    spread = f"{number(found['p5'])}–{number(found['p95'])}, n={found['n']}"
    shown = f"{number(found['median'])} {text(found['unit'])} ({spread})"
    source = _loaded(view, identity)
    baseline = refs.default_baseline(source, experiment, timing)
    if baseline == method:
        shown += " · baseline"
    elif baseline is not None:
        ratio = ratio_cell(source, experiment, timing, method, baseline)
        if ratio:
            shown += f" · {ratio}"
    if found["unstable"]:
        shown += " · **unstable**"
    return shown


def table_for(view: View, experiment: str, timing: str) -> str:
    methods = [m for m in view.methods if view.has_cells(experiment, m)]
    rows = []
    for identity in view.universe:
        if not any(view.cell(identity, experiment, m) is not None for m in methods):
            continue
        rows.append(
            [
                text(where([identity], view.universe)),
                *[cell_text(view, identity, experiment, timing, m) for m in methods],
            ]
        )
    return table(["Interpreter", *[text(m) for m in methods]], rows)


def _unit(view: View, experiment: str, timing: str) -> str:
    units = {cell.timings[timing]["unit"] for _, cell in view.experiment_cells(experiment) if timing in cell.timings}
    return " or ".join(sorted(units)) or "—"


def section(view: View, experiment: str) -> str:
    """Timings, then the blocks of the experiment's declared summaries (tables, pictures, notes)."""
    found = names(view, experiment)
    blocks = [block for rendered in view.rendered(experiment) for block in rendered.blocks]
    notes = [note for rendered in view.rendered(experiment) for note in rendered.notes]
    if not found and not blocks and not notes:
        return ""
    lines = ["## Timings", ""]
    if found:
        lines += [LEGEND]
        for timing in found:
            lines += ["", f"### {code(timing)} ({text(_unit(view, experiment, timing))})", ""]
            lines.append(table_for(view, experiment, timing))
    for block in blocks:
        lines += ["", block]
    for note in notes:
        lines += ["", f"_Summary not rendered: {text(note)}_"]
    return "\n".join(lines)
