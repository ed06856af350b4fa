"""The report's one view of a ``ResultSet``: declarations, observation rows, and what rows differ by.

Every section is a function of this view, and the view is a function of the result files and the
experiments' declarations (taken from the current code where the experiment still exists, see
``ResultSet.declarations``). It never names an experiment, an observation key or a symptom.

A *row* is one observation key of one experiment across every cell (identity × start method).
What a row *differs by* is found by comparing cells that differ in one axis only: two methods of
one interpreter (start method), neighbouring builds of one kind on one machine (patch release
within a series, Python version across series), CPython and PyPy of one series
(implementation), a free-threaded build and its GIL twin (free-threading), one build on two
platforms (platform). Statuses and ``not applicable`` values are not compared.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from lab.experiment import TIMING
from lab.report.markdown import slug
from lab.report.values import NOT_RECORDED, Leaf, flatten, leaf, origin_name, origins, status_leaf
from lab.results.identity import Identity
from lab.results.record import NOT_MEASURED, OK, UNAVAILABLE, CellRecord
from lab.results.resultset import ResultSet

METHOD, PATCH, VERSION, IMPLEMENTATION, FREE_THREADING, PLATFORM = (
    "start method",
    "patch release",
    "Python version",
    "implementation",
    "free-threading",
    "platform",
)
AXES = (METHOD, PATCH, VERSION, IMPLEMENTATION, FREE_THREADING, PLATFORM)
INDEX = "REPORT.md"
UNAVAILABLE_KEY = status_leaf(UNAVAILABLE).key
PAGES = "experiments"


@dataclass(frozen=True)
class Declared:
    """How an experiment declared one observation (``lab.experiment.Observation``); empty if it did not."""

    label: str = ""
    glance: bool = False
    depends_on: str = ""
    judgement: bool = False

    @classmethod
    def of(cls, meta: Any) -> Declared:
        if not isinstance(meta, dict):
            return cls()
        return cls(
            label=str(meta.get("label") or ""),
            glance=bool(meta.get("glance")),
            depends_on=str(meta.get("depends_on") or ""),
            judgement=bool(meta.get("judgement")),
        )


@dataclass
class Row:
    """One observation of one experiment in every cell, and the axes along which it changes."""

    experiment: str
    key: str
    declared: Declared
    kind: str
    values: dict[tuple[Identity, str], Leaf]
    axes: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.declared.label

    @property
    def anchor(self) -> str:
        return f"obs-{slug(self.key)}"

    @property
    def counted(self) -> bool:
        """A behaviour of Python: not a machine's, not a timing's noisy yes/no.

        An undeclared observation of a timing experiment is treated as a judgement: it comes
        from timing runs and is as noisy as they are.
        """
        if self.declared.depends_on or self.declared.judgement:
            return False
        return self.kind != TIMING or bool(self.declared.label)

    def column(self, method: str) -> dict[Identity, Leaf]:
        """One method's values; cells of a platform that lacks the method are left out (Coverage
        shows them) unless no platform has it."""
        found = {identity: item for (identity, m), item in self.values.items() if m == method}
        offered = {identity: item for identity, item in found.items() if item.key != UNAVAILABLE_KEY}
        return offered or found

    @property
    def method_independent(self) -> bool:
        """Every interpreter shows one value under every method (statuses aside): show it once."""
        per_identity: dict[Identity, set[str]] = {}
        for (identity, _), item in self.values.items():
            if not item.is_status:
                per_identity.setdefault(identity, set()).add(item.key)
        return bool(per_identity) and all(len(keys) == 1 for keys in per_identity.values())

    def merged(self) -> dict[Identity, Leaf]:
        """One value per interpreter (for a method-independent row): the first method's value."""
        found: dict[Identity, Leaf] = {}
        for (identity, _), item in self.values.items():
            if identity not in found or (found[identity].is_status and not item.is_status):
                found[identity] = item
        offered = {identity: item for identity, item in found.items() if item.key != UNAVAILABLE_KEY}
        return offered or found


class View:
    """A result set as the report reads it."""

    def __init__(self, results: ResultSet) -> None:
        self.results = results
        self.universe: list[Identity] = sorted(results.identities, key=lambda i: i.sort_key)
        self.methods: list[str] = results.methods()
        self._cells: dict[tuple[Identity, str, str], CellRecord] = {
            (identity, cell.experiment, cell.method): cell for identity, cell in results.cells()
        }
        self._flat: dict[tuple[Identity, str, str], dict[str, Any]] = {}
        self._rows: dict[str, list[Row]] = {}
        self._rendered: dict[str, list[Any]] = {}

    # -- declarations ----------------------------------------------------------------------
    @cached_property
    def declarations(self) -> dict[str, dict[str, Any]]:
        """Each experiment's declaration: behaviour experiments first, then timing ones, by name."""
        found = self.results.declarations()
        return {n: found[n] for n in sorted(found, key=lambda n: (found[n].get("kind") == TIMING, n))}

    def title(self, experiment: str) -> str:
        return str(self.declarations.get(experiment, {}).get("title") or experiment)

    def kind(self, experiment: str) -> str:
        return str(self.declarations.get(experiment, {}).get("kind") or "behaviour")

    def symptoms(self) -> list[tuple[str, dict[str, Any]]]:
        """(experiment, symptom declaration) for every symptom, in experiment order."""
        return [
            (name, symptom)
            for name, meta in self.declarations.items()
            for symptom in meta.get("symptoms") or []
            if isinstance(symptom, dict) and symptom.get("id")
        ]

    def summaries(self, experiment: str) -> list[Any]:
        return list(self.declarations.get(experiment, {}).get("summaries") or [])

    # -- cells -----------------------------------------------------------------------------
    def cell(self, identity: Identity, experiment: str, method: str) -> CellRecord | None:
        return self._cells.get((identity, experiment, method))

    def experiment_cells(self, experiment: str) -> list[tuple[Identity, CellRecord]]:
        return [(i, c) for (i, e, _), c in self._cells.items() if e == experiment]

    def flat(self, identity: Identity, experiment: str, method: str) -> dict[str, Any]:
        key = (identity, experiment, method)
        if key not in self._flat:
            cell = self._cells.get(key)
            self._flat[key] = flatten(cell.observations) if cell is not None and cell.status == OK else {}
        return self._flat[key]

    def value(self, identity: Identity, experiment: str, method: str, key: str) -> Leaf:
        cell = self.cell(identity, experiment, method)
        if cell is None:
            return status_leaf(NOT_MEASURED)
        if cell.status != OK:
            return status_leaf(cell.status)
        flat = self.flat(identity, experiment, method)
        return leaf(flat[key]) if key in flat else status_leaf(NOT_RECORDED)

    def has_cells(self, experiment: str, method: str) -> bool:
        return any(self.cell(i, experiment, method) is not None for i in self.universe)

    # -- rows ------------------------------------------------------------------------------
    def _keys(self, experiment: str) -> list[tuple[str, Declared]]:
        """Declared observations first (in declared order), then the rest as recorded."""
        recorded: dict[str, None] = {}
        for identity in self.universe:
            for method in self.methods:
                recorded.update(dict.fromkeys(self.flat(identity, experiment, method)))
        declared = self.declarations.get(experiment, {}).get("observations") or {}
        keys: dict[str, Declared] = {}
        for key, meta in declared.items():
            inside = [k for k in recorded if k.startswith(f"{key}.")]
            if inside:  # a declared group: each key inside it carries the group's label
                base = Declared.of(meta)
                for k in inside:
                    keys[k] = Declared(
                        f"{base.label}: {k[len(key) + 1 :]}", base.glance, base.depends_on, base.judgement
                    )
            elif key not in recorded and key.rpartition(".")[0] in recorded:
                # a field of one value (``joined.class`` of a count): the declaration labels the value
                keys.setdefault(key.rpartition(".")[0], Declared.of(meta))
            else:
                keys[key] = Declared.of(meta)
        for key in recorded:
            keys.setdefault(key, Declared())
        return list(keys.items())

    def rows(self, experiment: str) -> list[Row]:
        if experiment not in self._rows:
            self._rows[experiment] = self._build_rows(experiment)
        return self._rows[experiment]

    def _build_rows(self, experiment: str) -> list[Row]:
        rows = []
        methods = [m for m in self.methods if self.has_cells(experiment, m)]
        for key, declared in self._keys(experiment):
            values = {
                (identity, method): self.value(identity, experiment, method, key)
                for identity in self.universe
                for method in methods
                if self.cell(identity, experiment, method) is not None
            }
            row = Row(experiment, key, declared, self.kind(experiment), values)
            row.axes = axes(values, self.universe, methods)
            rows.append(row)
        return rows

    def all_rows(self) -> Iterable[Row]:
        for experiment in self.declarations:
            yield from self.rows(experiment)

    def glance_rows(self) -> list[Row]:
        return [row for row in self.all_rows() if row.declared.glance]

    @cached_property
    def scopes(self) -> list[Any]:
        """The result files of each machine (platform and label), as declared summaries read them."""
        from lab.report.refs import Scope

        every = self.universe
        found = origins(every)
        return [
            Scope(
                origin,
                origin_name(origin, every),
                [item for item in self.results.loaded if (item.identity.platform, item.identity.label) == origin],
                len(found) > 1,
            )
            for origin in found
        ]

    def rendered(self, experiment: str) -> list[Any]:
        """Each declared summary of one experiment, rendered once (``summaries.Rendered``)."""
        if experiment not in self._rendered:
            from lab.report import summaries

            meta = self.declarations.get(experiment, {})
            self._rendered[experiment] = [
                summaries.render(declared, experiment, meta, self.scopes) for declared in self.summaries(experiment)
            ]
        return self._rendered[experiment]

    # -- facts -----------------------------------------------------------------------------
    @cached_property
    def verdicts(self) -> list[Any]:
        from lab.facts import evaluate

        # a method the platform lacks (fork on Windows) leaves nothing to check: not "not measured"
        return [v for v in evaluate(self.results.files) if v.note != f"cell {UNAVAILABLE}"]

    def verdicts_of(self, experiment: str) -> list[Any]:
        return [v for v in self.verdicts if v.fact.experiment == experiment]

    # -- links -----------------------------------------------------------------------------
    @staticmethod
    def page(experiment: str, anchor: str = "", from_page: bool = False) -> str:
        """The link to an experiment's page, from the index or from another page."""
        path = f"{experiment}.md" if from_page else f"{PAGES}/{experiment}.md"
        return path + (f"#{anchor}" if anchor else "")


def _differ(items: Iterable[Leaf]) -> bool:
    return len({item.key for item in items if item.comparable}) > 1


def axes(values: dict[tuple[Identity, str], Leaf], universe: list[Identity], methods: list[str]) -> tuple[str, ...]:
    """The axes along which comparable values of one row change (see the module docstring)."""
    found: set[str] = set()
    for identity in universe:
        if _differ(values[(identity, m)] for m in methods if (identity, m) in values):
            found.add(METHOD)
    for method in methods:
        column = {i: v for (i, m), v in values.items() if m == method and v.comparable}
        found.update(_axes_of_column(column, universe))
    return tuple(axis for axis in AXES if axis in found)


def _axes_of_column(column: dict[Identity, Leaf], universe: list[Identity]) -> set[str]:
    found: set[str] = set()
    lines: dict[tuple[Any, ...], list[Identity]] = {}
    for identity in universe:
        if identity in column:
            lines.setdefault((identity.platform, identity.label, identity.build), []).append(identity)
    for line in lines.values():
        ordered = sorted(line, key=lambda i: i.version)
        for old, new in zip(ordered, ordered[1:]):
            if column[old].key != column[new].key:
                found.add(PATCH if old.series == new.series else VERSION)
    members = list(column)
    for index, first in enumerate(members):
        for second in members[index + 1 :]:
            if column[first].key == column[second].key:
                continue
            axis = _one_axis_apart(first, second)
            if axis:
                found.add(axis)
    return found


def _one_axis_apart(first: Identity, second: Identity) -> str:
    """The axis two builds differ in when they differ in that one only (same series), else ``""``."""
    if first.series_version != second.series_version:
        return ""
    same_machine = (first.platform, first.label) == (second.platform, second.label)
    if same_machine and first.free_threaded == second.free_threaded and first.implementation != second.implementation:
        return IMPLEMENTATION
    if same_machine and first.implementation == second.implementation and first.free_threaded != second.free_threaded:
        return FREE_THREADING
    if first.platform != second.platform and first.build == second.build:
        return PLATFORM
    return ""
