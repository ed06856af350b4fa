"""The result file: format, validation, migration, merging and atomic writing.

    {"schema": "forklab.results/2",
     "label": "local",
     "environment": {...},                      # lab.environment.collect() + git_commit, created_at
     "experiments": {"exit_codes": {...}},      # each experiment's declaration (title, question, ...)
     "cells": [CellRecord.to_json(), ...]}      # see lab.results.record

Loading validates and names the first thing wrong (file, JSON path, what was expected, what to
do). Schema 1 (files named by series, ``local-linux-cpython-3.13.json``) is read and migrated in
memory: its content is the same, only the file name changed (``lab migrate`` renames them).
Writing goes to a temporary name in the same directory and is renamed over the old file, under a
lock file, re-reading and merging what another run may have written meanwhile.
"""

from __future__ import annotations

import json
import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

from lab import METHODS
from lab.errors import BadInput
from lab.results.identity import Identity
from lab.results.record import QUALITIES, STATUSES, CellRecord

SCHEMA_PREFIX = "forklab.results/"
SCHEMA_VERSION = 2
SCHEMA = f"{SCHEMA_PREFIX}{SCHEMA_VERSION}"
READABLE_VERSIONS = (1, 2)
LABEL_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.]*(?:-[a-z0-9_.]+)*$")

REQUIRED_ENVIRONMENT = {
    "platform": str,
    "os_release": str,
    "machine": str,
    "implementation": str,
    "python_version": str,
    "series": str,
    "default_start_method": str,
    "available_start_methods": list,
    "lab_version": str,
    "created_at": str,
}
REQUIRED_CELL = {"experiment": str, "method": str, "status": str, "observations": dict, "timings": dict}
REQUIRED_TIMING = {
    "unit": str,
    "n": int,
    "median": (int, float),
    "p5": (int, float),
    "p95": (int, float),
    "min": (int, float),
    "max": (int, float),
    "unstable": bool,
    "samples": list,
}

#: A declared ratio with its spread over rounds, in the non-baseline cell (see ``lab.ratios``).
REQUIRED_RATIO = {
    "baseline": str,
    "ratio": (int, float),
    "rounds": int,
    "per_round": list,
    "interval": str,
    "unstable": bool,
}


class ResultFileError(BadInput):
    """A result file that cannot be used; the message names the file, where, and what to do."""


def _method_rank(method: str) -> Tuple[int, str]:
    return (METHODS.index(method) if method in METHODS else len(METHODS), method)


def sort_cells(cells: Iterable[CellRecord]) -> List[CellRecord]:
    """Cells in a stable order: by experiment, then fork, spawn, forkserver."""
    return sorted(cells, key=lambda c: (c.experiment, _method_rank(c.method)))


@dataclass
class ResultFile:
    """One interpreter build on one machine label: environment, experiment declarations, cells."""

    environment: Dict[str, Any]
    experiments: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    cells: List[CellRecord] = field(default_factory=list)
    label: str = "local"

    @property
    def identity(self) -> Identity:
        return Identity.of(self.environment, self.label)

    @property
    def file_name(self) -> str:
        return self.identity.file_name

    def cell(self, experiment: str, method: str) -> Optional[CellRecord]:
        for cell in self.cells:
            if cell.experiment == experiment and cell.method == method:
                return cell
        return None

    def methods(self) -> List[str]:
        return sorted({c.method for c in self.cells}, key=_method_rank)

    def merge(self, other: ResultFile) -> ResultFile:
        """``other``'s cells replace this file's cells of the same (experiment, method); the rest stay.

        The newer run's environment wins (it describes the interpreter as it is now); each cell
        keeps its own provenance, so nothing claims one run for all.
        """
        cells = {(c.experiment, c.method): c for c in self.cells}
        cells.update({(c.experiment, c.method): c for c in other.cells})
        experiments = dict(self.experiments)
        experiments.update(other.experiments)
        return ResultFile(other.environment, experiments, sort_cells(cells.values()), other.label)

    def to_json(self) -> Dict[str, Any]:
        return {
            "schema": SCHEMA,
            "label": self.label,
            "environment": self.environment,
            "experiments": {name: self.experiments[name] for name in sorted(self.experiments)},
            "cells": [c.to_json() for c in sort_cells(self.cells)],
        }


# -- validation ------------------------------------------------------------------------------
def _expect(condition: bool, where: str, what: str, found: Any) -> None:
    if not condition:
        shown = json.dumps(found)[:60] if not isinstance(found, type) else found.__name__
        raise ResultFileError(f"at {where}: expected {what}, found {shown}")


def _check_fields(data: Dict[str, Any], required: Dict[str, Any], where: str) -> None:
    for key, kind in required.items():
        _expect(key in data, f"{where}.{key}", "a value", None)
        value = data[key]
        matches = isinstance(value, bool) if kind is bool else isinstance(value, kind) and not isinstance(value, bool)
        _expect(matches, f"{where}.{key}", getattr(kind, "__name__", "a number"), value)


def _schema_version(data: Dict[str, Any]) -> int:
    schema = data.get("schema")
    if not isinstance(schema, str) or not schema.startswith(SCHEMA_PREFIX):
        raise ResultFileError(
            f'not a forklab result file (no "schema": "{SCHEMA}"); move it out of the results directory'
        )
    version = schema[len(SCHEMA_PREFIX) :]
    if not version.isdigit() or int(version) not in READABLE_VERSIONS:
        raise ResultFileError(
            f"schema {schema} is not one this lab reads ({', '.join(f'{SCHEMA_PREFIX}{v}' for v in READABLE_VERSIONS)}); "
            "use the forklab version that wrote it or re-run the experiments"
        )
    return int(version)


def _check_cell(cell: Any, where: str) -> None:
    _expect(isinstance(cell, dict), where, "a JSON object", cell)
    _check_fields(cell, REQUIRED_CELL, where)
    _expect(cell["status"] in STATUSES, f"{where}.status", " or ".join(STATUSES), cell["status"])
    for name, timing in cell["timings"].items():
        _expect(isinstance(timing, dict), f"{where}.timings.{name}", "a JSON object", timing)
        _check_fields(timing, REQUIRED_TIMING, f"{where}.timings.{name}")
    provenance = cell.get("provenance")
    _expect(isinstance(provenance, dict), f"{where}.provenance", "a JSON object", provenance)
    quality = provenance.get("quality")
    _expect(quality in QUALITIES, f"{where}.provenance.quality", "quick or full", quality)
    ratios = cell.get("ratios", {})
    _expect(isinstance(ratios, dict), f"{where}.ratios", "a JSON object", ratios)
    for name, ratio in ratios.items():
        _expect(isinstance(ratio, dict), f"{where}.ratios.{name}", "a JSON object", ratio)
        _check_fields(ratio, REQUIRED_RATIO, f"{where}.ratios.{name}")
        for end in ("low", "high"):
            value = ratio.get(end)
            number = value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))
            _expect(number, f"{where}.ratios.{name}.{end}", "a number or null", value)


def validate(data: Any) -> ResultFile:
    """Check a parsed result file (schema 1 or 2) and return it; ResultFileError names the first problem."""
    _expect(isinstance(data, dict), "$", "a JSON object", data)
    _schema_version(data)
    for key, kind in (("environment", dict), ("experiments", dict), ("cells", list)):
        name = "a JSON object" if kind is dict else "a JSON array"
        _expect(isinstance(data.get(key), kind), f"$.{key}", name, data.get(key))
    label = data.get("label", "local")
    _expect(
        isinstance(label, str) and bool(LABEL_PATTERN.match(label)),
        "$.label",
        "a machine label like local or gha-ubuntu-latest",
        label,
    )
    _check_fields(data["environment"], REQUIRED_ENVIRONMENT, "$.environment")
    seen = set()
    for index, cell in enumerate(data["cells"]):
        where = f"$.cells[{index}]"
        _check_cell(cell, where)
        key = (cell["experiment"], cell["method"])
        _expect(key not in seen, where, "one cell per experiment and method", list(key))
        seen.add(key)
    cells = [CellRecord.from_json(c) for c in data["cells"]]
    return ResultFile(data["environment"], dict(data["experiments"]), cells, label)


# -- reading and writing ---------------------------------------------------------------------
def load(path: Path) -> ResultFile:
    """Read and validate one result file; ResultFileError starts with the file's name."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ResultFileError(f"{path}: cannot be read ({exc.strerror})") from None
    except ValueError as exc:
        raise ResultFileError(
            f"{path}: is not valid JSON ({exc}); restore it from git or delete it and re-run"
        ) from None
    try:
        return validate(data)
    except ResultFileError as exc:
        raise ResultFileError(f"{path}: {exc}") from None


def result_paths(directory: Path) -> List[Path]:
    """The JSON files in a results directory (every one must be a result file)."""
    return sorted(p for p in Path(directory).glob("*.json") if p.is_file())


def dump(result: ResultFile) -> str:
    return json.dumps(result.to_json(), indent=1, ensure_ascii=False) + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary name beside ``path``, flush to disk, then rename over it."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with open(partial, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    finally:
        if partial.exists():
            partial.unlink()


@contextmanager
def locked(directory: Path, timeout: float = 60.0) -> Iterator[None]:
    """Hold ``directory/.forklab.lock`` (created exclusively) so two runs never interleave writes."""
    lock = Path(directory) / ".forklab.lock"
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(str(lock), os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            break
        except FileExistsError:
            if _stale(lock):
                try:
                    lock.unlink()
                except FileNotFoundError:
                    pass
                continue
            if time.monotonic() > deadline:
                raise ResultFileError(
                    f"{lock}: another forklab run holds the lock; wait for it or delete the file"
                ) from None
            time.sleep(0.05)
    try:
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        yield
    finally:
        try:
            lock.unlink()
        except FileNotFoundError:
            pass


def _stale(lock: Path) -> bool:
    """A lock whose owner is gone (killed with SIGKILL, say) may be taken over."""
    try:
        text = lock.read_text()
        age = time.time() - lock.stat().st_mtime
    except OSError:
        return False
    if not text.strip().isdigit():
        return age > 5  # the owner died between creating the lock and writing its pid
    if os.name == "nt":  # os.kill(pid, 0) would terminate the process on Windows
        return age > 600
    try:
        os.kill(int(text), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def save(directory: Path, result: ResultFile) -> Path:
    """Merge ``result`` into its file in ``directory`` (under the lock) and write it atomically."""
    path = Path(directory) / result.file_name
    with locked(Path(directory)):
        merged = load(path).merge(result) if path.exists() else result
        write_atomic(path, dump(merged))
    return path


def migrate(directory: Path) -> List[Tuple[Path, Path]]:
    """Rewrite every file of ``directory`` at the current schema under its current name.

    Cells are kept as they are. Two files that describe the same build are refused (one line
    naming both), before anything is written. Returns the (old, new) pairs.
    """
    moved = []
    with locked(Path(directory)):
        plan = [(path, load(path)) for path in result_paths(directory)]
        targets: Dict[str, Path] = {}
        for path, result in plan:
            other = targets.setdefault(result.file_name, path)
            if other != path:
                raise ResultFileError(f"{path} and {other} describe the same interpreter build; keep one of them")
        for path, result in plan:
            target = Path(directory) / result.file_name
            write_atomic(target, dump(result))
            if target != path:
                path.unlink()
            moved.append((path, target))
    return moved
