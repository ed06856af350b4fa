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

from lab.facts.dsl import MISSING, get, same
from lab.report.markdown import anchor, code, link, prose, text
from lab.report.model import View
from lab.report.values import platform_name, where
from lab.results.identity import Identity
from lab.results.record import OK

TITLE = "Symptoms: messages and what they mean"
NO_CAUSE, COMPACT = 2, 3  # index levels (lab.report.build): from 2 the cause stays on the page, from 3 one line each


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
        value = get(cell.observations, key)  # a dotted path, into a count or an exception too
        if value is MISSING:
            continue
        target = found.shown if shows_it(value, shows) else found.absent
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


def where_text(view: View, found: Found, short: bool = False) -> str:
    """Where it happens, where it does not, and what was not measured, in one line.

    ``short`` (the index) names the methods it never happened with instead of every interpreter.
    """
    missing = ", ".join(platform_name(p) for p in view.results.missing_platforms())
    if not found.shown and not found.absent:
        shown = f"not measured yet: no cell records {code(found.declared.get('evidence', '?'))}"
    elif not found.shown:
        shown = "not seen in any measured cell"
    else:
        shown = text(grouped(found.shown, view))
    others = []
    if found.shown and found.absent:
        if short:
            never = [m for m in view.methods if found.absent.get(m) and not found.shown.get(m)]
            if never:
                others.append(f"never with {text(', '.join(never))}")
        else:
            others.append(f"not with {text(grouped(found.absent, view))}")
    if missing:
        others.append(f"{text(missing)} not measured")
    return shown + (f" ({'; '.join(others)})" if others else "")


def all_found(view: View) -> list[Found]:
    return [locate(view, experiment, declared) for experiment, declared in view.symptoms()]


def _messages(declared: dict[str, Any], limit: int | None = None) -> str:
    messages = [str(m) for m in declared.get("messages") or []]
    shown = messages if limit is None else messages[:limit]
    extra = len(messages) - len(shown)
    more = f" (+{extra} more wording{'s' if extra > 1 else ''})" if extra else ""
    return " · ".join(code(m) for m in shown) + more


def entry(view: View, found: Found, on_page: bool = False, level: int = 0) -> str:
    """One symptom: heading with its id as anchor, messages, where, cause, fix, evidence, docs.

    The index shows the first wording and links to the page's entry, which shows every wording
    and links to the evidence row.
    """
    declared = found.declared
    evidence_key = str(declared.get("evidence", ""))
    rows = view.rows(found.experiment)
    row = next((r for r in rows if r.key == evidence_key), None) or next(
        (r for r in rows if evidence_key.startswith(f"{r.key}.")), None
    )
    label = prose(row.label) if row is not None and row.label else code(evidence_key)
    if on_page:
        evidence = link(label, f"#{row.anchor}") if row is not None else label
    else:
        evidence = link(label, view.page(found.experiment, found.id))
    shows = ", ".join(code(s) for s in declared.get("shows") or [True])
    docs = f" · {link(text('docs'), str(declared['docs']))}" if declared.get("docs") else ""
    title = text(declared.get("title") or found.id)
    if level >= COMPACT:  # one line: the title linked to the page's entry, the first wording, where, the fix
        where = where_text(view, found, short=True)
        said = f": {_messages(declared, 1)}" if declared.get("messages") else ""
        fix = f" **Fix:** {prose(declared['fix'])}" if declared.get("fix") else ""
        return f"- {link(title, view.page(found.experiment, found.id))}{said} — {where}.{fix}"
    cause = f"**Cause:** {prose(declared.get('cause', ''))} " if level < NO_CAUSE else ""
    return "\n".join(
        [
            f"### {anchor(found.id)}{title}",
            "",
            *([f"{_messages(declared, None if on_page else 1)}  "] if declared.get("messages") else []),
            f"**Where:** {where_text(view, found, short=not on_page)}  ",
            f"{cause}**Fix:** {prose(declared.get('fix', ''))}  ",
            f"**Evidence:** {evidence} is {shows}{docs}",
        ]
    )


def render(view: View, level: int = 0) -> str:
    """The index's section; a higher ``level`` is more compact (the index keeps under its size limit)."""
    found = all_found(view)
    lines = [f"## {TITLE}", ""]
    if not found:
        lines.append(
            "No experiment declares a symptom yet (`Experiment.symptoms`). The experiment pages show every "
            "observed message."
        )
        return "\n".join(lines)
    lines.append(
        "The messages people search for. *Where* is derived from the cells whose evidence shows the symptom, "
        "never from its declaration; every wording and the evidence row are on the experiment's page."
    )
    if level >= NO_CAUSE:
        lines[-1] += " Shortened to keep the index small: the causes and every wording are on the pages."
    if level >= COMPACT:
        return "\n".join([*lines, "", *[entry(view, item, level=level) for item in found]])
    for item in found:
        lines += ["", entry(view, item, level=level)]
    return "\n".join(lines)


def page_section(view: View, experiment: str) -> str:
    """The symptoms one experiment declares, with the anchors the index and ``lab check`` link to."""
    found = [f for f in all_found(view) if f.experiment == experiment]
    if not found:
        return ""
    return "\n\n".join(["## Symptoms", *[entry(view, f, on_page=True) for f in found]])
