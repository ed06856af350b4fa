"""Which column is yours: the start method a program gets when it chooses none.

An experiment declares ``{"kind": "default_method", "observation": KEY}``: KEY is the observation
that holds, in every cell, the method a plain ``Process()`` used. This module says what each
measured interpreter used, and what the documented facts about that observation say for every
platform and version (``lab/facts/NAME.py`` of the declaring experiment, each at a CPython tag),
so that "macOS" or "Linux on 3.14" leads a reader to a column even where nothing was measured.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lab.facts.dsl import Fact
from lab.report.markdown import link, slug, text
from lab.report.model import View
from lab.report.values import platform_name, where
from lab.results.identity import Identity

KIND = "default_method"
DOCS = "https://docs.python.org/3/library/multiprocessing.html#contexts-and-start-methods"


@dataclass
class Defaults:
    """What one declaration says: measured values per interpreter, documented values per condition."""

    experiment: str
    key: str
    docs: str
    measured: dict[str, list[Identity]] = field(default_factory=dict)
    documented: list[tuple[str, str, Fact]] = field(default_factory=list)  # (method, condition, fact)


def _declarations(view: View) -> list[tuple[str, str, str]]:
    found = []
    for experiment, meta in view.declarations.items():
        for declared in view.summaries(experiment):
            if isinstance(declared, dict) and declared.get("kind") == KIND and declared.get("observation"):
                docs = str(declared.get("docs") or meta.get("docs") or DOCS)
                found.append((experiment, str(declared["observation"]), docs))
    return found


def _condition(fact: Fact) -> str:
    """``Linux, CPython 3.14+``: where a documented default holds, in words."""
    places = ", ".join(platform_name(p) for p in fact.when.platforms) if fact.when.platforms else "every platform"
    versions = fact.when.describe().split("; ")[0]
    return f"{places}, {versions}"


def collect(view: View) -> list[Defaults]:
    """Every ``default_method`` declaration with what the cells and the facts say."""
    from lab.facts import all_facts

    found = []
    for experiment, key, docs in _declarations(view):
        defaults = Defaults(experiment, key, docs)
        for identity in view.universe:
            seen = {view.value(identity, experiment, m, key) for m in view.methods}
            values = sorted(item.text for item in seen if item.comparable)
            if len(values) == 1:
                defaults.measured.setdefault(values[0], []).append(identity)
        for fact in all_facts():
            if fact.experiment != experiment:
                continue
            for path, operator, operand in fact.check.tests:
                if path == key and operator == "==" and isinstance(operand, str):
                    defaults.documented.append((operand, _condition(fact), fact))
        found.append(defaults)
    return found


def _fact_link(fact: Fact) -> str:
    source = fact.sources[0]
    return link(text("source"), source.url)


def line(view: View) -> str:
    """The at-a-glance lines (empty when no experiment declares the kind)."""
    parts = []
    missing = [platform_name(p) for p in view.results.missing_platforms()]
    for defaults in collect(view):
        evidence = link(
            text(view.title(defaults.experiment)), view.page(defaults.experiment, f"obs-{slug(defaults.key)}")
        )
        lines = [
            "**Which column is yours?** A program that chooses no start method gets its platform's default "
            f"({link(text('the docs'), defaults.docs)}; evidence: {evidence}):",
            "",
        ]
        for method, condition, fact in defaults.documented:
            lines.append(f"- **{text(method)}** on {text(condition)} (documented, {_fact_link(fact)})")
        for method, identities in defaults.measured.items():
            lines.append(
                f"- **{text(method)}** measured on {text(where(identities, view.universe, always_platform=True))}"
            )
        if missing:
            lines.append(f"- not measured here: {text(', '.join(missing))}")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)
