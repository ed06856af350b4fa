"""Documented CPython behaviour, checked against what the experiments observed (host side).

``lab/facts/NAME.py`` holds the facts about experiment NAME as ``FACTS = [fact(...), ...]``,
written with the small language of ``lab.facts.dsl``; adding a module is all it takes (nothing
else names it). ``evaluate`` checks every fact against every cell it applies to: ``agrees``,
``DIFFERS`` or ``not measured``. The observation is never altered to agree: where a run
disagrees, the run is the news.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lab.facts.dsl import MISSING, Fact, get
from lab.results.record import NOT_MEASURED, OK, CellRecord

AGREES, DIFFERS = "agrees", "DIFFERS"


@lru_cache(maxsize=1)
def all_facts() -> tuple[Fact, ...]:
    """Every fact, from every module of this package, each tagged with its experiment."""
    found: list[Fact] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_") or info.name == "dsl":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found += [dataclasses.replace(f, experiment=info.name) for f in getattr(module, "FACTS", ())]
    return unique(found)


def unique(facts: Iterable[Fact]) -> tuple[Fact, ...]:
    """The facts, refused if two share an id: a report row and a link name one fact."""
    found = tuple(facts)
    ids = [f.id for f in found]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise ValueError(f"fact ids must be unique; repeated: {', '.join(duplicated)}")
    return found


def facts_about(experiment: str) -> tuple[Fact, ...]:
    """The facts written in ``lab/facts/EXPERIMENT.py``."""
    return tuple(f for f in all_facts() if f.experiment == experiment)


@dataclass(frozen=True)
class Verdict:
    """One fact against one cell: the outcome, what was observed, and why when not measured."""

    fact: Fact
    environment: dict[str, Any]
    label: str
    method: str
    outcome: str
    observed: dict[str, Any]
    note: str = ""


def check_cell(fact: Fact, env: dict[str, Any], label: str, method: str, cell: CellRecord | None) -> Verdict:
    """Evaluate one fact on one cell (None: the file holds no such cell)."""

    def verdict(outcome: str, observed: dict[str, Any] | None = None, note: str = "") -> Verdict:
        return Verdict(fact, env, label, method, outcome, observed or {}, note)

    if cell is None:
        return verdict(NOT_MEASURED, note="no cell")
    if cell.status != OK:
        return verdict(NOT_MEASURED, note=f"cell {cell.status}")
    observations = cell.observations
    observed = {p: v for p in fact.check.paths if (v := get(observations, p)) is not MISSING}
    result = fact.check(observations)
    if result is None:
        return verdict(NOT_MEASURED, observed, note="observation missing or not applicable")
    return verdict(AGREES if result else DIFFERS, observed)


def evaluate_cell(env: dict[str, Any], cell: CellRecord | dict[str, Any], label: str = "") -> list[Verdict]:
    """Every fact about this cell's experiment that applies to its environment and method
    (``cell`` a record, or its JSON form as the driver writes it)."""
    record = CellRecord.from_json(cell) if isinstance(cell, dict) else cell
    applicable = [f for f in facts_about(record.experiment) if f.when.applies(env, record.method)]
    return [check_cell(f, env, label, record.method, record) for f in applicable]


def evaluate(result_files: Iterable[Any], facts: Iterable[Fact] | None = None) -> list[Verdict]:
    """Every fact x every cell it applies to, over loaded result files.

    The methods considered for a file are those it holds cells for; a method the file has no
    cell of for the fact's experiment is ``not measured``.
    """
    chosen = all_facts() if facts is None else unique(facts)
    verdicts: list[Verdict] = []
    for result in result_files:
        env = result.environment
        methods = list(dict.fromkeys(cell.method for cell in result.cells))
        for fact in chosen:
            for method in methods:
                if fact.when.applies(env, method):
                    verdicts.append(check_cell(fact, env, result.label, method, result.cell(fact.experiment, method)))
    return verdicts
