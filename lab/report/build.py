"""The Markdown report: Headline, Coverage, one section per experiment, Timings,
Documented vs observed, Environments (in that order; see ``lab.report``).

Everything shown comes from the result files: titles, questions and concepts from each file's
``experiments`` block, values from cells. The same files give the same bytes (no clock, no
absolute path), so a committed REPORT.md can be checked for staleness.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from lab import METHODS
from lab.facts import AGREES, DIFFERS, NOT_MEASURED, Verdict, all_facts, evaluate
from lab.facts.dsl import Source as FactSource
from lab.normalise import normalise
from lab.report import summaries
from lab.report.inputs import EXPECTED_PLATFORMS, Interp, Origin, Source, full_interpreter, load_sources, method_order
from lab.report.inputs import origin_names as name_origins
from lab.report.markdown import code, prose, table, text
from lab.report.values import (
    NOT_RECORDED,
    Leaf,
    collapse,
    distinct,
    flatten,
    is_status,
    leaf,
    number,
    ratio_text,
    status_leaf,
    version_ranges,
)
from lab.results.files import write_atomic

HEADLINE_ITEMS = 6  # examples per headline bullet; the sections hold the rest
OUTCOME_ORDER = {DIFFERS: 0, AGREES: 1, NOT_MEASURED: 2}


@dataclass
class Row:
    """One observation of one experiment across every column (origin × method)."""

    key: str
    cells: dict[tuple[Origin, str], dict[Interp, Leaf]]
    differs: list[str] = field(default_factory=list)


class Report:
    """A report over loaded sources; each section is a method returning Markdown."""

    def __init__(self, sources: Sequence[Source]) -> None:
        self.sources = list(sources)
        self.names = name_origins(self.sources)
        self.origins = sorted(self.names)
        self.by_origin = {o: [s for s in self.sources if s.origin == o] for o in self.origins}
        self._flat: dict[int, dict[str, Any]] = {}  # flattened observations per cell (cells live as long as self)

    # -- shared views --------------------------------------------------------------------------
    @cached_property
    def experiments(self) -> dict[str, dict[str, Any]]:
        """Each experiment's declaration (the highest version seen), behaviour experiments first."""
        found: dict[str, dict[str, Any]] = {}
        for source in self.sources:
            for name, meta in source.result.experiments.items():
                if name not in found or meta.get("version", 0) > found[name].get("version", 0):
                    found[name] = meta
            for cell in source.result.cells:
                found.setdefault(cell.experiment, {})
        return {n: found[n] for n in sorted(found, key=lambda n: (found[n].get("kind") == "timing", n))}

    def methods(self, origin: Origin) -> list[str]:
        return method_order(m for s in self.by_origin[origin] for m in s.methods())

    def offered(self, origin: Origin) -> list[str]:
        """Methods with at least one cell that is not ``unavailable``."""
        return method_order(
            c.method for s in self.by_origin[origin] for c in s.result.cells if c.status != "unavailable"
        )

    def universe(self, origin: Origin) -> list[Interp]:
        return [s.interp for s in self.by_origin[origin]]

    @cached_property
    def scopes(self) -> list[summaries.Scope]:
        several = len(self.origins) > 1
        return [summaries.Scope(o, self.names[o], self.by_origin[o], several) for o in self.origins]

    def value(self, source: Source, experiment: str, method: str, key: str) -> Leaf:
        cell = source.result.cell(experiment, method)
        if cell is None:
            return status_leaf(NOT_MEASURED)
        if cell.status != "ok":
            return status_leaf(cell.status)
        flat = self._flat.get(id(cell))
        if flat is None:
            flat = self._flat[id(cell)] = flatten(cell.observations)
        return leaf(flat[key]) if key in flat else status_leaf(NOT_RECORDED)

    def rows(self, experiment: str) -> list[Row]:
        keys: dict[str, None] = {}
        for source in self.sources:
            for cell in source.result.cells:
                if cell.experiment == experiment and cell.status == "ok":
                    keys.update(dict.fromkeys(flatten(cell.observations)))
        rows = []
        for key in keys:
            cells = {
                (o, m): {s.interp: self.value(s, experiment, m, key) for s in self.by_origin[o]}
                for o in self.origins
                for m in self.methods(o)
            }
            rows.append(Row(key, cells, self._differs(cells)))
        return rows

    def _differs(self, cells: dict[tuple[Origin, str], dict[Interp, Leaf]]) -> list[str]:
        by_method = any(
            distinct([cells[(o, m)][i] for m in self.methods(o) if i in cells[(o, m)]])
            for o in self.origins
            for i in self.universe(o)
        )
        by_interpreter = any(distinct(list(values.values())) for values in cells.values())
        across: dict[tuple[Interp, str], list[Leaf]] = {}
        for (_, method), values in cells.items():
            for interp, item in values.items():
                across.setdefault((interp, method), []).append(item)
        by_platform = any(distinct(items) for items in across.values())
        return [
            name
            for name, flag in (("method", by_method), ("interpreter", by_interpreter), ("platform", by_platform))
            if flag
        ]

    @cached_property
    def all_rows(self) -> dict[str, list[Row]]:
        return {name: self.rows(name) for name in self.experiments}

    @cached_property
    def rendered_summaries(self) -> dict[str, list[summaries.Rendered]]:
        return {
            name: [summaries.render(declared, name, meta, self.scopes) for declared in meta.get("summaries", [])]
            for name, meta in self.experiments.items()
        }

    @cached_property
    def checks(self) -> list[Verdict]:
        return evaluate([s.result for s in self.sources])

    def title(self, experiment: str) -> str:
        return str(self.experiments[experiment].get("title") or experiment)

    # -- sections ------------------------------------------------------------------------------
    def render(self) -> str:
        parts = [
            "# forklab report",
            f"Generated by `python -m lab report` from {len(self.sources)} result "
            f"file{'s' if len(self.sources) != 1 else ''}; regenerate it, do not edit it.",
            self.headline(),
            self.coverage(),
            *[self.experiment_section(name) for name in self.experiments],
            self.timings(),
            self.documented(),
            self.environments(),
        ]
        return "\n\n".join(p.strip("\n") for p in parts if p) + "\n"

    def headline(self) -> str:
        lines = ["## Headline", ""]
        lines.append(f"- {self._coverage_sentence()}")
        if any(
            (c.provenance.quality if c.provenance else None) == "quick" for s in self.sources for c in s.result.cells
        ):
            lines.append("- Some cells are **quick** runs (fewer trials): their timings are indicative only.")
        failed = Counter(c.status for s in self.sources for c in s.result.cells if c.status in ("error", "timeout"))
        if failed:
            counts = ", ".join(f"{n} {status}" for status, n in sorted(failed.items()))
            lines.append(f"- **Cells that did not complete:** {counts} (see Coverage).")
        for label, name in (("method", "start method"), ("interpreter", "interpreter"), ("platform", "platform")):
            lines.append(f"- {self._differences_sentence(label, name)}")
        lines.append(f"- {self._documented_sentence()}")
        declared = [
            sentence
            for name in self.experiments
            for rendered in self.rendered_summaries[name]
            for sentence in rendered.headlines
        ]
        if declared:
            lines.append("- **What the experiments declare as their headline** (ratios of medians in the same run):")
            lines.extend(f"  - {sentence}" for sentence in declared)
        return "\n".join(lines)

    def _coverage_sentence(self) -> str:
        measured = []
        for origin in self.origins:
            interps = text(version_ranges(self.universe(origin), self.universe(origin)))
            measured.append(f"{text(self.names[origin])} ({interps}; {text(', '.join(self.offered(origin)))})")
        missing = [p for p in EXPECTED_PLATFORMS if p not in {o.platform for o in self.origins}]
        sentence = f"Measured {len(self.experiments)} experiments on " + "; ".join(measured) + "."
        if missing:
            sentence += f" Not measured: {text(', '.join(missing))}."
        return sentence

    def _differences_sentence(self, kind: str, name: str) -> str:
        found = [(exp, row) for exp, rows in self.all_rows.items() for row in rows if kind in row.differs]
        if not found:
            return f"No observation differs by {name}."
        experiments = len({exp for exp, _ in found})
        head = (
            f"**{len(found)} observation{'s' if len(found) != 1 else ''} in {experiments} "
            f"experiment{'s' if experiments != 1 else ''} differ by {name}**"
        )
        examples = [self._example(kind, exp, row) for exp, row in _round_robin(found)[:HEADLINE_ITEMS]]
        more = f"; and {len(found) - HEADLINE_ITEMS} more in the sections below" if len(found) > HEADLINE_ITEMS else ""
        return f"{head}: " + "; ".join(examples) + more + "."

    def _example(self, kind: str, experiment: str, row: Row) -> str:
        """One differing row in words; columns that hold only statuses (unavailable, ...) are left out."""
        where = f"*{prose(self.title(experiment))}* {code(row.key)}"
        several = len(self.origins) > 1
        pieces = []
        if kind == "method":
            for origin in self.origins:
                columns = {m: row.cells[(origin, m)] for m in self.methods(origin)}
                columns = {m: v for m, v in columns.items() if not all(is_status(x) for x in v.values())}
                if not any(distinct([v[i] for v in columns.values() if i in v]) for i in self.universe(origin)):
                    continue
                grouped: dict[str, list[str]] = {}
                for method, values in columns.items():
                    grouped.setdefault(collapse(values, self.universe(origin)), []).append(method)
                body = "; ".join(f"{', '.join(methods)} → {value}" for value, methods in grouped.items())
                pieces.append((f"{self.names[origin]}: " if several else "") + body)
        elif kind == "interpreter":
            for (origin, method), values in row.cells.items():
                if distinct(list(values.values())):
                    prefix = f"{self.names[origin]} " if several else ""
                    pieces.append(f"{prefix}{method}: {collapse(values, self.universe(origin))}")
        else:
            for method in method_order(m for _, m in row.cells):
                values = {o: row.cells[(o, method)] for o in self.origins if (o, method) in row.cells}
                values = {o: v for o, v in values.items() if not all(is_status(x) for x in v.values())}
                shown = {self.names[o]: collapse(v, self.universe(o)) for o, v in values.items()}
                if len(set(shown.values())) > 1:
                    pieces.append(f"{method}: " + "; ".join(f"{o} → {v}" for o, v in shown.items()))
        return f"{where} ({text(' | '.join(pieces))})"

    def _documented_sentence(self) -> str:
        counts = Counter(c.outcome for c in self.checks)
        sentence = (
            f"Documented vs observed: {counts[AGREES]} checks agree, **{counts[DIFFERS]} differ**, "
            f"{counts[NOT_MEASURED]} not measured"
        )
        differing = list(dict.fromkeys(c.fact.id for c in self.checks if c.outcome == DIFFERS))
        if differing:
            sentence += " (differences: " + ", ".join(code(i) for i in differing[:HEADLINE_ITEMS]) + ")"
        return sentence + "."

    def coverage(self) -> str:
        all_methods = method_order([*METHODS, *(m for o in self.origins for m in self.methods(o))])
        experiments = list(self.experiments)
        rows = []
        for source in self.sources:
            qualities = sorted({(c.provenance.quality if c.provenance else "?") for c in source.result.cells})
            row = [
                text(source.result.label),
                text(source.origin.platform),
                text(full_interpreter(source.env)),
                text(", ".join(qualities) or "—"),
            ]
            row += [self._status_cell(source, m, experiments) for m in all_methods]
            rows.append(row)
        measured = {o.platform for o in self.origins}
        for platform in EXPECTED_PLATFORMS:
            if platform not in measured:
                rows.append(["—", text(platform), "—", "—", *[NOT_MEASURED] * len(all_methods)])
        headers = ["Label", "Platform", "Interpreter", "Quality", *all_methods]
        intro = (
            "Status of every cell (interpreter × start method × experiment). A platform with no result "
            "file is `not measured`; the report never fills it in."
        )
        failures = [
            f"- {code(cell.experiment)} {text(cell.method)} on {text(source.describe())}: {text(cell.status)}"
            + (f" — {text(normalise(str(cell.error)).rstrip(': '))}" if cell.error else "")
            for source in self.sources
            for cell in source.result.cells
            if cell.status in ("error", "timeout")
        ]
        listed = "\n\nCells that did not complete:\n\n" + "\n".join(failures) if failures else ""
        return f"## Coverage\n\n{intro}\n\n{table(headers, rows)}{listed}"

    def _status_cell(self, source: Source, method: str, experiments: list[str]) -> str:
        statuses: dict[str, list[str]] = {}
        for name in experiments:
            cell = source.result.cell(name, method)
            statuses.setdefault(cell.status if cell else NOT_MEASURED, []).append(name)
        if len(statuses) == 1:
            return text(next(iter(statuses)))
        pieces = []
        for status, names in sorted(statuses.items(), key=lambda item: item[0] != "ok"):
            pieces.append(f"ok ×{len(names)}" if status == "ok" else f"{status}: {', '.join(names)}")
        return text(" · ".join(pieces))

    def experiment_section(self, name: str) -> str:
        meta = self.experiments[name]
        lines = [f"## {prose(self.title(name))}", ""]
        if meta.get("question"):
            lines.append(f"**Question:** {prose(meta['question'])}  ")
        if meta.get("concept"):
            lines.append(f"**Tutorial concept:** {prose(meta['concept'])}  ")
        lines.append(f"Experiment {code(name)}, {text(meta.get('kind', '?'))}, {self._versions(name)}.")
        rows = self.all_rows[name]
        if rows:
            several = len(self.origins) > 1
            columns, dropped = [], []
            for column in [(o, m) for o in self.origins for m in self.methods(o)]:
                statuses = {item.key for row in rows for item in row.cells[column].values()}
                (dropped if statuses == {"status:unavailable"} else columns).append(column)
            headers = ["Observation", "Differs by"] + [
                text(f"{self.names[o]} {m}" if several else m) for o, m in columns
            ]
            body = [
                [code(row.key), text(", ".join(row.differs))]
                + [text(collapse(row.cells[c], self.universe(c[0]))) for c in columns]
                for row in rows
            ]
            lines += ["", table(headers, body)]
            if dropped:
                shown = ", ".join(f"{self.names[o]} {m}" if several else m for o, m in dropped)
                lines += ["", f"Not offered on this platform: {text(shown)} (see Coverage)."]
        elif any(c.experiment == name and c.status == "ok" for s in self.sources for c in s.result.cells):
            lines += ["", "No observations recorded: this experiment's results are its timings (see Timings)."]
        else:
            lines += ["", "No observations: no cell of this experiment completed (see Coverage)."]
        if not self._timing_names(name):
            for rendered in self.rendered_summaries[name]:
                lines += ["", *rendered.blocks] + [f"\n_Summary not rendered: {text(n)}_" for n in rendered.notes]
        return "\n".join(lines)

    def _versions(self, name: str) -> str:
        versions: dict[Any, list[Interp]] = {}
        for source in self.sources:
            for cell in source.result.cells:
                if cell.experiment == name:
                    versions.setdefault((cell.provenance.experiment_version if cell.provenance else None), []).append(
                        source.interp
                    )
        declared = self.experiments[name].get("version", "?")
        if len(versions) <= 1:
            return f"version {next(iter(versions), declared)}"
        every = [s.interp for s in self.sources]
        return "cells from experiment versions " + "; ".join(
            f"{v} on {version_ranges(sorted(set(i)), every)}" for v, i in versions.items()
        )

    def _timing_names(self, name: str) -> list[str]:
        names: dict[str, None] = {}
        for source in self.sources:
            for cell in source.result.cells:
                if cell.experiment == name and cell.status == "ok":
                    names.update(dict.fromkeys(cell.timings))
        return list(names)

    def timings(self) -> str:
        lines = [
            "## Timings",
            "",
            "Each cell: median (p5–p95, n samples), then the ratio to `fork` measured in the same run (to "
            "`spawn` where fork is absent). **unstable**: p95 > 2 × median or fewer than 3 samples (lab/stats.py). "
            "Ratios are the claim; absolute times belong to the machine in Environments.",
        ]
        any_timing = False
        for name in self.experiments:
            names = self._timing_names(name)
            if not names:
                continue
            any_timing = True
            lines += ["", f"### {prose(self.title(name))}", "", self.timing_table(name, names)]
            for rendered in self.rendered_summaries[name]:
                lines += [f"\n{block}" for block in rendered.blocks]
                lines += [f"\n_Summary not rendered: {text(note)}_" for note in rendered.notes]
        if not any_timing:
            lines += ["", "No timings recorded."]
        return "\n".join(lines)

    def timing_table(self, experiment: str, names: list[str]) -> str:
        """One table per experiment: a group of rows (one per interpreter) for each timing."""
        several = len(self.origins) > 1
        methods = method_order(m for o in self.origins for m in self.methods(o))
        rows = []
        for timing in names:
            units: set[str] = set()
            group = []
            for source in self.sources:
                baseline = summaries.default_baseline(source, experiment, timing)
                interp = f"{self.names[source.origin]} {source.interp.short}" if several else source.interp.short
                row = [text(interp)]
                row += [self._timing_cell(source, experiment, timing, m, baseline, units) for m in methods]
                group.append(row)
            label = f"{code(timing)} ({text(' or '.join(sorted(units)) or '—')})"
            rows += [[label if index == 0 else "", *row] for index, row in enumerate(group)]
        return table(["Timing", "Interpreter", *methods], rows)

    def _timing_cell(
        self, source: Source, experiment: str, timing: str, method: str, baseline: str | None, units: set[str]
    ) -> str:
        cell = source.result.cell(experiment, method)
        if cell is None:
            return NOT_MEASURED
        if cell.status != "ok":
            return text(cell.status)
        found = cell.timings.get(timing)
        if found is None:
            return NOT_RECORDED
        units.add(found["unit"])
        shown = f"{number(found['median'])} ({number(found['p5'])}–{number(found['p95'])}, n={found['n']})"
        if baseline == method:
            shown += " · baseline"
        elif baseline is not None:
            ratio = summaries.ratio_of(source, experiment, timing, method, baseline)
            if ratio is not None:
                shown += f" · ×{ratio_text(ratio)}"
        if found["unstable"]:
            shown += " · **unstable**"
        return shown

    def documented(self) -> str:
        order = {f.id: index for index, f in enumerate(all_facts())}
        groups: dict[tuple, list[Verdict]] = {}
        for check in self.checks:
            origin = Origin(str(check.environment.get("platform", "?")), check.label)
            observed = "; ".join(f"{code(path)} = {text(leaf(v).display)}" for path, v in check.observed.items())
            shown = (
                observed if check.outcome != NOT_MEASURED else text(check.note) + (f" ({observed})" if observed else "")
            )
            key = (OUTCOME_ORDER[check.outcome], order.get(check.fact.id, len(order)), origin, shown)
            groups.setdefault(key, []).append(check)
        rows = []
        for key in sorted(groups):
            checks = groups[key]
            first, origin = checks[0], key[2]
            outcome = f"**{first.outcome}**" if first.outcome == DIFFERS else first.outcome
            rows.append(
                [
                    outcome,
                    f"{code(first.fact.id)}: {text(first.fact.claim)} ({text(first.fact.when.describe())})",
                    text(self._where(origin, checks)),
                    key[3],
                    "; ".join(_link(source) for source in first.fact.sources),
                ]
            )
        counts = Counter(c.outcome for c in self.checks)
        intro = (
            "Each documented fact (lab/facts/, from CPython's docs and source at a tag) checked against every "
            f"cell it applies to: {counts[AGREES]} agree, {counts[DIFFERS]} differ, {counts[NOT_MEASURED]} not "
            "measured. Differences first. A fact is a claim to test: observations are never altered to agree."
        )
        if not rows:
            return f"## Documented vs observed\n\n{intro}\n\nNo fact applies to these cells."
        headers = ["Result", "Claim", "Where", "Observed", "Source"]
        return f"## Documented vs observed\n\n{intro}\n\n{table(headers, rows)}"

    def _where(self, origin: Origin, checks: list[Verdict]) -> str:
        """``linux: fork, spawn on 3.8–3.13; forkserver on 3.8–3.12`` (methods sharing interpreters grouped)."""
        universe = self.universe(origin) if origin in self.by_origin else []
        per_method: dict[str, set[Interp]] = {}
        for check in checks:
            per_method.setdefault(check.method, set()).add(Interp.of(check.environment))
        grouped: dict[str, list[str]] = {}
        for method in method_order(per_method):
            interps = sorted(per_method[method])
            grouped.setdefault(version_ranges(interps, universe or interps), []).append(method)
        name = self.names.get(origin, origin.platform)
        return f"{name}: " + "; ".join(f"{', '.join(methods)} on {ranges}" for ranges, methods in grouped.items())

    def environments(self) -> str:
        rows = []
        for source in self.sources:
            env = source.env
            commit = env.get("git_commit") or next(
                ((c.provenance.lab_commit if c.provenance else None) for c in source.result.cells), None
            )
            cpus = str(env.get("cpu_count", "?"))
            if env.get("cpu_affinity") not in (None, env.get("cpu_count")):
                cpus += f", affinity {env['cpu_affinity']}"
            if env.get("cgroup_cpu_limit"):
                cpus += f", cgroup {env['cgroup_cpu_limit']}"
            rows.append(
                [
                    code(source.path.name),
                    text(env.get("platform", "?")),
                    text(env.get("os_release", "?")),
                    text(env.get("machine", "?")),
                    text(cpus),
                    text(full_interpreter(env)),
                    text(env.get("default_start_method", "?")),
                    text(", ".join(env.get("available_start_methods", []))),
                    text(env.get("lab_version", "?")),
                    text(str(commit)[:12] if commit else "—"),
                    text(env.get("created_at", "?")),
                ]
            )
        headers = [
            "File",
            "Platform",
            "OS release",
            "Machine",
            "CPUs",
            "Interpreter",
            "Default method",
            "Available methods",
            "Lab",
            "Commit",
            "Created (UTC)",
        ]
        return f"## Environments\n\n{table(headers, rows)}"


def _link(source: FactSource) -> str:
    """A source as a Markdown link: its words, pointing at the tag it was read at."""
    return f"[{text(source.text())}]({source.url})"


def _round_robin(found: list[tuple[str, Row]]) -> list[tuple[str, Row]]:
    """Examples from as many experiments as possible: each experiment's first row, then its second..."""
    per_experiment: dict[str, list[tuple[str, Row]]] = {}
    for item in found:
        per_experiment.setdefault(item[0], []).append(item)
    ordered = []
    for depth in range(max((len(rows) for rows in per_experiment.values()), default=0)):
        ordered += [rows[depth] for rows in per_experiment.values() if depth < len(rows)]
    return ordered


def build_report(paths: list[Path]) -> str:
    """The Markdown report over result files and directories (ReportInputError on bad input)."""
    return Report(load_sources(paths)).render()


def write_report(paths: list[Path], out: Path) -> Path:
    """Build the report, then write it atomically; on bad input nothing is written."""
    text_ = build_report(paths)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, text_)
    return out
