"""Reading the result files a report or a diff is built from, and naming what they describe.

Bad input stops everything before a line is written: a path that is not there, a directory
with no result files, a corrupt or foreign file, two files for the same label, platform and
interpreter. Each gives one line naming the file and the problem (``ReportInputError``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lab import METHODS
from lab.errors import BadInput
from lab.results.files import ResultFile, ResultFileError, load, result_paths
from lab.versions import parse_version

#: The platforms a reader expects to see; one with no result file is shown as ``not measured``.
EXPECTED_PLATFORMS = ("linux", "macos", "windows")
_IMPLEMENTATION_NAMES = {"cpython": "CPython", "pypy": "PyPy"}


class ReportInputError(BadInput):
    """Input a report or diff cannot use: one line naming the file and the problem (CLI exit 2)."""


@dataclass(frozen=True, order=True)
class Interp:
    """An interpreter build, as a row of a table: ordered CPython first, by version, then others."""

    rank: int
    implementation: str
    version: tuple[int, ...]
    free_threaded: bool

    @classmethod
    def of(cls, env: dict[str, Any]) -> Interp:
        implementation = str(env.get("implementation", "?"))
        return cls(
            rank=0 if implementation == "cpython" else 1,
            implementation=implementation,
            version=parse_version(str(env.get("python_version", ""))),
            free_threaded=bool(env.get("free_threaded")),
        )

    @property
    def family(self) -> tuple[str, bool]:
        """Interpreters of one family can be written as a version range (``3.8–3.13``)."""
        return (self.implementation, self.free_threaded)

    @property
    def series(self) -> str:
        return ".".join(str(part) for part in self.version[:2]) + ("t" if self.free_threaded else "")

    @property
    def short(self) -> str:
        """``3.12`` for CPython (the reader's default), ``PyPy 3.9`` for any other implementation."""
        if self.implementation == "cpython":
            return self.series
        return f"{_IMPLEMENTATION_NAMES.get(self.implementation, self.implementation)} {self.series}"


@dataclass(frozen=True, order=True)
class Origin:
    """Where results came from: a machine label and a platform (``local`` on ``linux``)."""

    platform: str
    label: str


@dataclass(frozen=True)
class Source:
    """One loaded result file with the identity a report sorts and groups by."""

    path: Path
    result: ResultFile

    @property
    def env(self) -> dict[str, Any]:
        return self.result.environment

    @property
    def origin(self) -> Origin:
        return Origin(platform=str(self.env.get("platform", "?")), label=self.result.label)

    @property
    def interp(self) -> Interp:
        return Interp.of(self.env)

    @property
    def identity(self) -> tuple[Origin, Interp]:
        return (self.origin, self.interp)

    def describe(self) -> str:
        """``local linux CPython 3.12``: the identity in words."""
        return f"{self.result.label} {self.origin.platform} {full_interpreter(self.env).split(' (')[0]}"

    def methods(self) -> list[str]:
        return method_order({cell.method for cell in self.result.cells})


def full_interpreter(env: dict[str, Any]) -> str:
    """``CPython 3.12.1``, ``PyPy 3.9.18 (7.3.15)``: the interpreter with its patch version."""
    implementation = str(env.get("implementation", "?"))
    name = _IMPLEMENTATION_NAMES.get(implementation, implementation)
    text = f"{name} {env.get('python_version', '?')}"
    if env.get("free_threaded"):
        text += " free-threaded"
    own = env.get("implementation_version")
    if implementation != "cpython" and own:
        text += f" ({own})"
    return text


def method_order(methods: Iterable[str]) -> list[str]:
    """The lab's order (fork, spawn, forkserver), then any other method by name."""
    return sorted(set(methods), key=lambda m: (METHODS.index(m) if m in METHODS else len(METHODS), m))


def _expand(paths: Sequence[Path]) -> list[Path]:
    if not paths:
        raise ReportInputError("no input given: name result files or a results directory")
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = result_paths(path)
            if not found:
                raise ReportInputError(f"{path}: no result files (*.json) here; run `python -m lab run` first")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise ReportInputError(f"{path}: no such file or directory")
    return files


def load_sources(paths: Sequence[Path]) -> list[Source]:
    """Load every result file named or found in the given directories, sorted by origin and interpreter."""
    sources: dict[tuple[Origin, Interp], Source] = {}
    for path in _expand(paths):
        try:
            source = Source(path=path, result=load(path))
        except ResultFileError as exc:
            raise ReportInputError(str(exc)) from None
        other = sources.get(source.identity)
        if other is not None:
            if other.path.resolve() == path.resolve():
                continue  # the same file named twice (a file and its directory)
            raise ReportInputError(
                f"{path}: describes the same label, platform and interpreter ({source.describe()}) as {other.path}; "
                "keep one of them"
            )
        sources[source.identity] = source
    return [sources[key] for key in sorted(sources)]


def origin_names(sources: Sequence[Source]) -> dict[Origin, str]:
    """The platform alone where one machine label measured it, else ``linux (gha-ubuntu-latest)``."""
    origins = sorted({s.origin for s in sources})
    labels_per_platform: dict[str, set[str]] = {}
    for origin in origins:
        labels_per_platform.setdefault(origin.platform, set()).add(origin.label)
    return {
        o: o.platform if len(labels_per_platform[o.platform]) == 1 else f"{o.platform} ({o.label})" for o in origins
    }
