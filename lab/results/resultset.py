"""Many result files read together: what reports, ``lab diff``, plots and the step summary share.

A ``ResultSet`` is built from files and directories. Bad input stops it before anything is
written: a path that is not there, a directory with no result files, a corrupt or foreign
file, two files for the same interpreter build on the same label and platform -- each one line
naming the file and the problem (``ResultFileError``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence

from lab import METHODS
from lab.results.files import ResultFile, ResultFileError, load, result_paths
from lab.results.identity import Identity
from lab.results.record import CellRecord

#: The platforms a reader expects to see; one with no result file is ``not measured``.
EXPECTED_PLATFORMS = ("linux", "macos", "windows")


@dataclass(frozen=True)
class Loaded:
    """One result file and where it was read from."""

    path: Path
    result: ResultFile

    @property
    def identity(self) -> Identity:
        return self.result.identity

    @property
    def environment(self) -> Dict[str, Any]:
        return self.result.environment


def _expand(paths: Sequence[Path]) -> List[Path]:
    if not paths:
        raise ResultFileError("no input given: name result files or a results directory")
    files: List[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = result_paths(path)
            if not found:
                raise ResultFileError(f"{path}: no result files (*.json) here; run `python -m lab run` first")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise ResultFileError(f"{path}: no such file or directory")
    return files


def method_order(methods: Iterable[str]) -> List[str]:
    """The lab's order (fork, spawn, forkserver), then any other method by name."""
    return sorted(set(methods), key=lambda m: (METHODS.index(m) if m in METHODS else len(METHODS), m))


class ResultSet:
    """Loaded result files, ordered by platform, label and interpreter."""

    def __init__(self, loaded: Iterable[Loaded]) -> None:
        self.loaded: List[Loaded] = sorted(loaded, key=lambda item: item.identity.sort_key)

    @classmethod
    def load(cls, paths: Sequence[Path]) -> ResultSet:
        """Every result file named or found in the given directories."""
        seen: Dict[Identity, Loaded] = {}
        for path in _expand(paths):
            item = Loaded(path, load(path))
            other = seen.get(item.identity)
            if other is not None:
                if other.path.resolve() == path.resolve():
                    continue  # the same file named twice (a file and its directory)
                raise ResultFileError(
                    f"{path}: describes the same label, platform and interpreter "
                    f"({item.identity.label} {item.identity.platform} {item.identity.interpreter}) as {other.path}; "
                    "keep one of them"
                )
            seen[item.identity] = item
        return cls(seen.values())

    def __iter__(self):
        return iter(self.loaded)

    def __len__(self) -> int:
        return len(self.loaded)

    @property
    def files(self) -> List[ResultFile]:
        return [item.result for item in self.loaded]

    @property
    def identities(self) -> List[Identity]:
        return [item.identity for item in self.loaded]

    @property
    def platforms(self) -> List[str]:
        return sorted({i.platform for i in self.identities})

    def missing_platforms(self) -> List[str]:
        return [p for p in EXPECTED_PLATFORMS if p not in self.platforms]

    def methods(self) -> List[str]:
        return method_order(c.method for f in self.files for c in f.cells)

    def cell(self, identity: Identity, experiment: str, method: str) -> Optional[CellRecord]:
        for item in self.loaded:
            if item.identity == identity:
                return item.result.cell(experiment, method)
        return None

    def cells(self, experiment: Optional[str] = None) -> Iterable[tuple]:
        """(identity, cell) for every cell, optionally of one experiment."""
        for item in self.loaded:
            for cell in item.result.cells:
                if experiment is None or cell.experiment == experiment:
                    yield item.identity, cell

    def declarations(self, current: bool = True) -> Dict[str, Dict[str, Any]]:
        """Each experiment's declaration: from the lab's own code where the experiment still
        exists (so wording fixes need no re-run), else the highest version a file stored."""
        found: Dict[str, Dict[str, Any]] = {}
        for result in self.files:
            for name, meta in result.experiments.items():
                if name not in found or meta.get("version", 0) > found[name].get("version", 0):
                    found[name] = dict(meta)
            for cell in result.cells:
                found.setdefault(cell.experiment, {})
        if current:
            from lab import experiments

            known = experiments.names()
            for name in found:
                if name in known:
                    found[name] = experiments.load(name).EXPERIMENT.metadata()
        return found
