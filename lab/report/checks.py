"""Checks against CPython's documentation and source (``lab.facts``), per experiment page.

Each fact is shown with its claim, where it applies (``When.describe``), the outcome in every cell
it applies to (``agrees``, ``DIFFERS``, ``not measured``, grouped by method and version) and its
sources as links at a tag. The index shows only the counts and links here.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from lab.facts import AGREES, DIFFERS
from lab.report.markdown import anchor, code, link, slug, text
from lab.report.model import View
from lab.report.symptoms import grouped
from lab.report.values import leaf
from lab.results.identity import Identity
from lab.results.record import NOT_MEASURED

TITLE = "Checks against CPython's docs and source"
ORDER = (DIFFERS, AGREES, NOT_MEASURED)
_TAG = re.compile(r"/blob/([^/]+)/|docs\.python\.org/([0-9.]+)/")


def counts(verdicts: list[Any]) -> Counter:
    return Counter(v.outcome for v in verdicts)


def count_text(found: Counter) -> str:
    differ = f"**{found[DIFFERS]} differ**" if found[DIFFERS] else "0 differ"
    return f"{found[AGREES]} agree, {differ}, {found[NOT_MEASURED]} not measured"


def source_link(source: Any) -> str:
    """``[BaseProcess._bootstrap (v3.14.0)](https://github.com/...)``: what to read, at which tag."""
    match = _TAG.search(source.url)
    tag = next((g for g in match.groups() if g), "") if match else ""
    label = source.text() + (f" ({tag})" if tag and tag not in source.text() else "")
    return link(text(label), source.url)


def _identity(verdict: Any) -> Identity:
    return Identity.of(verdict.environment, verdict.label)


def _outcomes(view: View, verdicts: list[Any]) -> list[str]:
    """One line per outcome: ``**DIFFERS**: spawn on Linux 3.12 (`x` = 4)``, ``agrees: fork, ...``."""
    groups: dict[tuple[str, str], dict[str, list[Identity]]] = {}
    for verdict in verdicts:
        if verdict.outcome == DIFFERS:
            detail = "; ".join(f"{code(p)} = {text(leaf(v).display)}" for p, v in verdict.observed.items())
        elif verdict.outcome == NOT_MEASURED:
            detail = text(verdict.note)
        else:
            detail = ""
        groups.setdefault((verdict.outcome, detail), {}).setdefault(verdict.method, []).append(_identity(verdict))
    lines = []
    for (outcome, detail), per_method in sorted(groups.items(), key=lambda item: ORDER.index(item[0][0])):
        shown = f"**{outcome}**" if outcome == DIFFERS else outcome
        lines.append(f"{shown}: {text(grouped(per_method, view))}" + (f" ({detail})" if detail else ""))
    return lines


def page_section(view: View, experiment: str) -> str:
    from lab.facts import all_facts

    facts = [f for f in all_facts() if f.experiment == experiment]
    verdicts = view.verdicts_of(experiment)
    lines = [f"## {anchor('checks')}{TITLE}", ""]
    if not facts:
        lines.append(f"No documented fact is written for this experiment yet (`lab/facts/{experiment}.py`).")
        return "\n".join(lines)
    lines += [
        f"Each claim from CPython's documentation or source, checked against every cell it applies to: "
        f"{count_text(counts(verdicts))}. A fact is a claim to test: observations are never altered to agree.",
        "",
    ]
    for fact in facts:
        mine = [v for v in verdicts if v.fact.id == fact.id]
        sources = " · ".join(source_link(s) for s in fact.sources)
        lines.append(
            f"- {anchor('fact-' + slug(fact.id))}{text(fact.claim)}. *Applies to:* {text(fact.when.describe())}. "
            f"*Sources:* {sources} {code(fact.id)}"
        )
        outcomes = _outcomes(view, mine) if mine else ["not measured: no measured cell is one it applies to"]
        lines += [f"  - {line}" for line in outcomes]
    return "\n".join(lines)
