"""Which interpreter build, on which machine label, a result file describes.

A file is one build: implementation, full version (patch release included), free-threaded or
not, on one machine label (``local``, ``gha-ubuntu-latest``) and platform. So CPython 3.13.0 and
3.13.18 are two identities and two files that sit side by side, and a free-threaded 3.13.15t
never collides with 3.13.15::

    results/<label>-<platform>-<implementation>-<python_version>[t].json
    results/local-linux-cpython-3.13.18.json
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Tuple

from lab.versions import Version, parse_version, series_of, version_text

_NAMES = {"cpython": "CPython", "pypy": "PyPy"}


@dataclass(frozen=True)
class Identity:
    """One interpreter build on one machine label; orders CPython first, then by version."""

    label: str
    platform: str
    implementation: str
    python_version: str
    free_threaded: bool = False
    implementation_version: str = ""

    @classmethod
    def of(cls, environment: Dict[str, Any], label: str = "local") -> Identity:
        return cls(
            label=label,
            platform=str(environment.get("platform", "?")),
            implementation=str(environment.get("implementation", "?")),
            python_version=str(environment.get("python_version", "?")),
            free_threaded=bool(environment.get("free_threaded")),
            implementation_version=str(environment.get("implementation_version") or ""),
        )

    @property
    def version(self) -> Version:
        return parse_version(self.python_version)

    @property
    def series_version(self) -> Version:
        return series_of(self.version)

    @property
    def series(self) -> str:
        """``3.13``, ``3.13t``: the feature release (free-threaded builds are their own series)."""
        return version_text(self.series_version) + ("t" if self.free_threaded else "")

    @property
    def build(self) -> Tuple[str, bool]:
        """Builds of one kind, whose versions can be written as a range (``3.8–3.13``)."""
        return (self.implementation, self.free_threaded)

    @property
    def file_name(self) -> str:
        suffix = "t" if self.free_threaded else ""
        return f"{self.label}-{self.platform}-{self.implementation}-{self.python_version}{suffix}.json"

    @property
    def interpreter(self) -> str:
        """``CPython 3.13.18``, ``CPython 3.13.15 free-threaded``, ``PyPy 3.9.16 (7.3.11)``."""
        text = f"{_NAMES.get(self.implementation, self.implementation)} {self.python_version}"
        if self.free_threaded:
            text += " free-threaded"
        if self.implementation != "cpython" and self.implementation_version:
            text += f" ({self.implementation_version})"
        return text

    def short(self, patch: bool = True) -> str:
        """How a table names it: ``3.13.18`` (or ``3.13``), ``3.13.15t``, ``PyPy 3.9``."""
        version = self.python_version if patch else version_text(self.series_version)
        version += "t" if self.free_threaded else ""
        if self.implementation == "cpython":
            return version
        return f"{_NAMES.get(self.implementation, self.implementation)} {version}"

    @property
    def sort_key(self) -> Tuple[Any, ...]:
        return (self.platform, self.label, self.implementation != "cpython", self.implementation, self.free_threaded,
                self.version)

    def __lt__(self, other: Identity) -> bool:
        return self.sort_key < other.sort_key
