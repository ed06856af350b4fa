"""Result files: the format, validation, merging and atomic writing (standard library only).

A result file holds one interpreter build on one machine label::

    <label>-<platform>-<implementation>-<X.Y>[t].json

    {"schema": "forklab.results/1",
     "environment": {...},                      # lab.environment.collect() + git_commit, created_at
     "experiments": {"exit_codes": {...}},      # each experiment's own declaration (title, question, ...)
     "cells": [{"experiment", "method", "status", "wall_s", "observations", "timings",
                "error", "stderr_tail", "provenance": {"run_id", "created_at", "lab_commit",
                                                       "quality", "experiment_version"}}]}

Loading validates and names the first thing wrong (file, JSON path, what was expected).
Writing goes to a temporary name in the same directory and is renamed over the old file, under
a lock file, re-reading and merging what another run may have written meanwhile.
"""

from __future__ import annotations

import json
import os
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

from lab import METHODS

SCHEMA = "forklab.results/1"
SCHEMA_PREFIX = "forklab.results/"
SCHEMA_VERSION = 1
STATUSES = ("ok", "unavailable", "error", "timeout")
QUALITIES = ("quick", "full")
LABEL_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.]*(?:-[a-z0-9_.]+)*$")
FILE_PATTERN = re.compile(r"^(?P<label>.+)-(?P<platform>[a-z0-9]+)-(?P<impl>[a-z]+)-(?P<series>\d+\.\d+t?)\.json$")

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


class ResultFileError(ValueError):
    """A result file that cannot be used; the message names the file, where, and what to do."""


def file_name(label: str, environment: Dict[str, Any]) -> str:
    """The file name of one interpreter's results on one machine label (DESIGN.md, "Identity")."""
    return f"{label}-{environment['platform']}-{environment['implementation']}-{environment['series']}.json"


@dataclass
class ResultFile:
    """One interpreter on one machine label: environment, experiment declarations, cells."""

    environment: Dict[str, Any]
    experiments: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    cells: List[Dict[str, Any]] = field(default_factory=list)
    label: str = "local"

    def cell(self, experiment: str, method: str) -> Optional[Dict[str, Any]]:
        for cell in self.cells:
            if cell["experiment"] == experiment and cell["method"] == method:
                return cell
        return None

    def merge(self, other: ResultFile) -> ResultFile:
        """``other``'s cells replace this file's cells of the same (experiment, method); the rest stay.

        The newer run's environment wins (it describes the interpreter as it is now); each cell
        keeps its own provenance, so nothing claims one run for all.
        """
        cells = {(c["experiment"], c["method"]): c for c in self.cells}
        cells.update({(c["experiment"], c["method"]): c for c in other.cells})
        experiments = dict(self.experiments)
        experiments.update(other.experiments)
        return ResultFile(
            environment=other.environment, experiments=experiments, cells=sort_cells(cells.values()), label=other.label
        )

    def to_json(self) -> Dict[str, Any]:
        return {
            "schema": SCHEMA,
            "label": self.label,
            "environment": self.environment,
            "experiments": {name: self.experiments[name] for name in sorted(self.experiments)},
            "cells": sort_cells(self.cells),
        }


def _method_rank(method: str) -> Tuple[int, str]:
    return (METHODS.index(method) if method in METHODS else len(METHODS), method)


def sort_cells(cells: Any) -> List[Dict[str, Any]]:
    """Cells in a stable order: by experiment, then fork, spawn, forkserver."""
    return sorted(cells, key=lambda c: (c["experiment"], _method_rank(c["method"])))


def _expect(condition: bool, where: str, what: str, found: Any) -> None:
    if not condition:
        shown = json.dumps(found)[:60] if not isinstance(found, type) else found.__name__
        raise ResultFileError(f"at {where}: expected {what}, found {shown}")


def _check_fields(data: Dict[str, Any], required: Dict[str, Any], where: str) -> None:
    for key, kind in required.items():
        _expect(key in data, f"{where}.{key}", "a value", None)
        _expect(
            (isinstance(data[key], kind) and not isinstance(data[key], bool)) or kind is bool,
            f"{where}.{key}",
            f"{getattr(kind, '__name__', 'a number')}",
            data[key],
        )


def validate(data: Any) -> ResultFile:
    """Check a parsed result file and return it; ResultFileError names the first problem."""
    _expect(isinstance(data, dict), "$", "a JSON object", data)
    schema = data.get("schema")
    if not isinstance(schema, str) or not schema.startswith(SCHEMA_PREFIX):
        raise ResultFileError(
            f'not a forklab result file (no "schema": "{SCHEMA}"); move it out of the results directory'
        )
    version = schema[len(SCHEMA_PREFIX) :]
    if not version.isdigit() or int(version) != SCHEMA_VERSION:
        raise ResultFileError(
            f"schema {schema} is not {SCHEMA}, the only version this lab reads; "
            "use the forklab version that wrote it or re-run the experiments"
        )
    for key, kind in (("environment", dict), ("experiments", dict), ("cells", list)):
        _expect(
            isinstance(data.get(key), kind),
            f"$.{key}",
            f"a JSON {kind.__name__.replace('dict', 'object').replace('list', 'array')}",
            data.get(key),
        )
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
        _expect(isinstance(cell, dict), where, "a JSON object", cell)
        _check_fields(cell, REQUIRED_CELL, where)
        _expect(cell["status"] in STATUSES, f"{where}.status", " or ".join(STATUSES), cell["status"])
        key = (cell["experiment"], cell["method"])
        _expect(key not in seen, where, "one cell per experiment and method", list(key))
        seen.add(key)
        for name, timing in cell["timings"].items():
            _expect(isinstance(timing, dict), f"{where}.timings.{name}", "a JSON object", timing)
            _check_fields(timing, REQUIRED_TIMING, f"{where}.timings.{name}")
        provenance = cell.get("provenance")
        _expect(isinstance(provenance, dict), f"{where}.provenance", "a JSON object", provenance)
        _expect(
            provenance.get("quality") in QUALITIES,
            f"{where}.provenance.quality",
            "quick or full",
            provenance.get("quality"),
        )
    return ResultFile(
        environment=data["environment"], experiments=data["experiments"], cells=data["cells"], label=label
    )


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
    path = Path(directory) / file_name(result.label, result.environment)
    with locked(Path(directory)):
        merged = load(path).merge(result) if path.exists() else result
        write_atomic(path, dump(merged))
    return path
