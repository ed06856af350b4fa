"""What declared summaries refer to: timings of cells, ratios between methods, and scopes.

A *timing reference* is ``"NAME"`` (a timing of the declaring experiment), ``"EXPERIMENT/NAME"``,
or ``{"experiment": ..., "timing": ..., "method": ...}``. A ratio between two methods of one
interpreter comes from the same run: the runner's round-by-round ratio where the cell records
one (``CellRecord.ratios``), else the ratio of the two medians. A *scope* is the result files of
one machine, which a summary renders as one sentence or one table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lab import METHODS
from lab.report.markdown import text
from lab.report.values import version_ranges
from lab.results.identity import Identity
from lab.results.resultset import Loaded as Source


class SummaryError(ValueError):
    """A declaration the report cannot render; shown as a note beside the experiment."""


@dataclass
class Rendered:
    """What one summary contributes: sentences for the Headline, blocks for the Timings section."""

    headlines: list[str] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Ref:
    """A timing of some experiment under some method (None: the summary's default method)."""

    experiment: str
    timing: str
    method: str | None = None

    @property
    def name(self) -> str:
        return self.timing


def ref(value: Any, experiment: str, what: str) -> Ref:
    """``"NAME"``, ``"EXPERIMENT/NAME"`` or ``{"experiment": ..., "timing": ..., "method": ...}``."""
    if isinstance(value, str) and value:
        owner, _, name = value.rpartition("/")
        return Ref(owner or experiment, name)
    if isinstance(value, dict) and isinstance(value.get("timing"), str):
        method = value.get("method")
        if method is not None and not isinstance(method, str):
            raise SummaryError(f"{what}: method must be a string")
        return Ref(str(value.get("experiment") or experiment), value["timing"], method)
    raise SummaryError(f"{what}: expected a timing name or {{'experiment', 'timing'}}, found {value!r}")


def cell_of(source: Source, experiment: str, method: str) -> dict[str, Any] | None:
    cell = source.result.cell(experiment, method)
    return cell if cell is not None and cell.status == "ok" else None


def timing_of(source: Source, experiment: str, name: str, method: str) -> dict[str, Any] | None:
    """The timing summary of one ok cell, or None."""
    cell = cell_of(source, experiment, method)
    return None if cell is None else cell.timings.get(name)


def default_baseline(source: Source, experiment: str, name: str) -> str | None:
    """fork where this interpreter measured it, else spawn: the ratio to the method a reader compares with."""
    for method in ("fork", "spawn"):
        if timing_of(source, experiment, name, method) is not None:
            return method
    return None


def ratio_record(source: Source, experiment: str, name: str, method: str, baseline: str) -> dict[str, Any] | None:
    """The ratio the runner measured round by round (``CellRecord.ratios``), when it holds one
    for this baseline: ``{"ratio", "low", "high", "rounds", "unstable"}``."""
    cell = cell_of(source, experiment, method)
    found = cell.ratios.get(name) if cell is not None else None
    if not isinstance(found, dict) or not isinstance(found.get("ratio"), (int, float)):
        return None
    return found if found.get("baseline", "fork") == baseline else None


def ratio_of(source: Source, experiment: str, name: str, method: str, baseline: str) -> float | None:
    """The measured ratio where the runner recorded one, else the ratio of the two medians."""
    record = ratio_record(source, experiment, name, method, baseline)
    if record is not None:
        return float(record["ratio"])
    top = timing_of(source, experiment, name, method)
    bottom = timing_of(source, experiment, name, baseline)
    if top is None or bottom is None or not bottom["median"]:
        return None
    return top["median"] / bottom["median"]


def resolve(source: Source, target: Ref, method: str | None) -> dict[str, Any] | None:
    """A referenced timing: its own method, else the summary's, else the first method that measured it."""
    wanted = target.method or method
    if wanted:
        found = timing_of(source, target.experiment, target.timing, wanted)
        if found is not None or target.method:
            return found
    for candidate in METHODS:
        found = timing_of(source, target.experiment, target.timing, candidate)
        if found is not None:
            return found
    return None


@dataclass
class Scope:
    """The sources of one origin, and how to name that origin in a sentence."""

    origin: tuple[str, str]
    name: str
    sources: list[Source]
    several: bool

    @property
    def universe(self) -> list[Identity]:
        return [s.identity for s in self.sources]

    def sentence(self, body: str, interps: Sequence[Identity]) -> str:
        where = f"{text(self.name)}, " if self.several else ""
        return f"{body} ({where}{text(version_ranges(interps, self.universe))})"
