"""Symptoms: the messages users meet, where they happen, why, and what to do.

Each symptom is declared by an experiment (``Experiment.symptoms``). *Where it happens* is never
taken from the declaration: it is every cell whose evidence observation holds one of the
declared ``shows`` values (a count over trials matches by its class, an exception by its type),
grouped by start method and named by version and platform. Platforms with no result file are
"not measured"; cells that recorded the evidence without the symptom are where it does not happen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lab.facts.dsl import same
from lab.report.markdown import anchor, code, link, prose, text
from lab.report.model import View
from lab.report.values import flatten, platform_name, where
from lab.results.identity import Identity
from lab.results.record import OK

TITLE = "Symptoms: messages and what they mean"


def shows_it(value: Any, shows: list[Any]) -> bool:
    """Whether an observed value is one the symptom declares as "it happens here"."""
    for wanted in shows:
        if same(value, wanted):
            return True
        if isinstance(value, dict) and (value.get("class") == wanted or value.get("type") == wanted):
            return True
    return False


@dataclass
class Found:
    """Where one symptom's evidence shows it, and where the evidence was recorded without it."""

    experiment: str
    declared: dict[str, Any]
    shown: dict[str, list[Identity]] = field(default_factory=dict)  # method -> identities
    absent: dict[str, list[Identity]] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return str(self.declared["id"])


def locate(view: View, experiment: str, declared: dict[str, Any]) -> Found:
    found = Found(experiment, declared)
    key = str(declared.get("evidence", ""))
    shows = list(declared.get("shows") or [True])
    for identity, cell in view.experiment_cells(experiment):
        if cell.status != OK:
            continue
        flat = flatten(cell.observations)
        if key not in flat:
            continue
        target = found.shown if shows_it(flat[key], shows) else found.absent
        target.setdefault(cell.method, []).append(identity)
    return found


def grouped(per_method: dict[str, list[Identity]], view: View) -> str:
    """``spawn, forkserver on Linux 3.8–3.13 · spawn on Windows 3.12``: interpreters sharing a set of
    methods grouped, so each group reads as one statement."""
    methods_of: dict[Identity, list[str]] = {}
    for method in view.methods:
        for identity in per_method.get(method, []):
            methods_of.setdefault(identity, []).append(method)
    groups: dict[tuple[str, ...], list[Identity]] = {}
    for identity in view.universe:
        if identity in methods_of:
            groups.setdefault(tuple(methods_of[identity]), []).append(identity)
    return " · ".join(
        f"{', '.join(methods)} on {where(identities, view.universe, always_platform=True)}"
        for methods, identities in groups.items()
    )


def where_text(view: View, found: Found) -> str:
    """Where it happens, where it does not, and what was not measured, in one line."""
    missing = ", ".join(platform_name(p) for p in view.results.missing_platforms())
    if not found.shown and not found.absent:
        shown = f"not measured yet (no cell records {code(found.declared.get('evidence', '?'))})"
    elif not found.shown:
        shown = "not seen in any measured cell"
    else:
        shown = text(grouped(found.shown, view))
    parts = [shown]
    if found.shown and found.absent:
        parts.append(f"not with {text(grouped(found.absent, view))}")
    if missing:
        parts.append(f"{text(missing)}: not measured")
    return "; ".join(parts)


def all_found(view: View) -> list[Found]:
    return [locate(view, experiment, declared) for experiment, declared in view.symptoms()]


def _messages(declared: dict[str, Any], limit: int | None = None) -> str:
    messages = [str(m) for m in declared.get("messages") or []]
    shown = messages if limit is None else messages[:limit]
    more = f" (and {len(messages) - len(shown)} more wordings)" if len(messages) > len(shown) else ""
    return " · ".join(code(m) for m in shown) + more


def entry(view: View, found: Found, on_page: bool = False) -> str:
    """One symptom: heading with its id as anchor, messages, where, cause, fix, evidence, docs."""
    declared = found.declared
    evidence_key = str(declared.get("evidence", ""))
    rows = {row.key: row for row in view.rows(found.experiment)}
    row = rows.get(evidence_key)
    evidence_label = prose(row.label) if row is not None and row.label else code(evidence_key)
    row_anchor = row.anchor if row is not None else found.id
    evidence = link(evidence_label, f"#{row_anchor}")
    if not on_page:
        page = link(prose(view.title(found.experiment)), view.page(found.experiment, found.id))
        evidence = f"{page} › {link(evidence_label, view.page(found.experiment, row_anchor))}"
    shows = ", ".join(code(s) for s in declared.get("shows") or [True])
    lines = [
        f"### {anchor(found.id)}{text(declared.get('title') or found.id)}",
        "",
        f"- **You see:** {_messages(declared, None if on_page else 2)}",
        f"- **Where:** {where_text(view, found)}",
        f"- **Cause:** {prose(declared.get('cause', ''))}",
        f"- **Fix:** {prose(declared.get('fix', ''))}",
        f"- **Evidence:** {evidence} is {shows}",
    ]
    if declared.get("docs"):
        lines[-1] += f" · {link(text('CPython docs'), str(declared['docs']))}"
    return "\n".join(lines)


def render(view: View) -> str:
    found = all_found(view)
    lines = [f"## {TITLE}", ""]
    if not found:
        lines.append(
            "No experiment declares a symptom yet (`Experiment.symptoms`). The experiment pages show every "
            "observed message."
        )
        return "\n".join(lines)
    lines.append(
        "The messages people search for, each with where it happens — derived from the cells whose evidence shows "
        "it, never from the declaration — its cause, the fix, and links to the evidence and the docs."
    )
    index = " · ".join(link(text(f.declared.get("title") or f.id), f"#{f.id}") for f in found)
    lines += ["", index]
    for item in found:
        lines += ["", entry(view, item)]
    return "\n".join(lines)


def page_section(view: View, experiment: str) -> str:
    """The symptoms one experiment declares, with the anchors the index and ``lab check`` link to."""
    found = [f for f in all_found(view) if f.experiment == experiment]
    if not found:
        return ""
    return "\n\n".join(["## Symptoms", *[entry(view, f, on_page=True) for f in found]])
