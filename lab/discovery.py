"""Find the Python interpreters to run experiments on (host side).

Candidates come from PATH, from pyenv (asked through ``pyenv root``, because its shims answer
only for the selected version) and from the ``py`` launcher on Windows. Each candidate is asked
who it is by running it once; then one interpreter per implementation and ``X.Y[t]`` is kept,
the newest patch release winning. Interpreters older than 3.8 are skipped with a note.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

MINIMUM = (3, 8)
_IDENTIFY = (  # must also answer on old Pythons, so that they can be skipped with a note
    "import json, platform, sys, sysconfig;"
    "print(json.dumps({'implementation': platform.python_implementation().lower(),"
    " 'version': platform.python_version(),"
    " 'free_threaded': bool(sysconfig.get_config_var('Py_GIL_DISABLED')),"
    " 'executable': sys.executable}))"
)
_NAME = re.compile(r"^(python|pypy)(\d(\.\d+)?t?)?(\.exe)?$", re.IGNORECASE)


class DiscoveryError(ValueError):
    """A --python SPEC that cannot be satisfied; the message says what to do."""


@dataclass(frozen=True)
class Interpreter:
    """One target interpreter, identified by running it."""

    executable: str
    implementation: str
    version: str
    free_threaded: bool = False

    @property
    def version_tuple(self) -> tuple[int, ...]:
        return tuple(int(p) for p in re.findall(r"\d+", self.version)[:3])

    @property
    def series(self) -> str:
        """``X.Y`` plus ``t`` for a free-threaded build."""
        major, minor = self.version_tuple[:2]
        return f"{major}.{minor}" + ("t" if self.free_threaded else "")

    @property
    def key(self) -> tuple[str, str]:
        return (self.implementation, self.series)

    @property
    def label(self) -> str:
        """How the CLI names it: ``cpython-3.12.1``."""
        return f"{self.implementation}-{self.version}" + ("t" if self.free_threaded else "")


@dataclass
class Discovery:
    """What a search found, what it skipped and why, and which specs matched nothing."""

    found: list[Interpreter] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)


def identify(executable: str, timeout: float = 20.0) -> Interpreter | None:
    """Run a candidate once and ask who it is; None when it does not answer like a Python."""
    try:
        completed = subprocess.run(
            [executable, "-c", _IDENTIFY], capture_output=True, text=True, timeout=timeout, check=False
        )
        data = json.loads(completed.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None
    return Interpreter(executable, data["implementation"], data["version"], bool(data["free_threaded"]))


def _path_candidates() -> Iterable[str]:
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if "shims" in Path(directory).parts:  # pyenv shims answer for one version only
            continue
        try:
            entries = list(Path(directory).iterdir())
        except OSError:
            continue
        for entry in entries:
            if _NAME.match(entry.name) and os.access(entry, os.X_OK) and entry.is_file():
                yield str(entry)


def _pyenv_candidates() -> Iterable[str]:
    root = os.environ.get("PYENV_ROOT")
    if not root and shutil.which("pyenv"):
        try:
            root = subprocess.run(
                ["pyenv", "root"], check=False, capture_output=True, text=True, timeout=20
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            root = None
    versions = Path(root, "versions") if root else None
    if not versions or not versions.is_dir():
        return
    for version in sorted(versions.iterdir()):
        for name in ("python", "pypy3", "python.exe", "pypy3.exe"):
            for sub in ("bin", "Scripts", ""):
                candidate = version / sub / name
                if candidate.is_file():
                    yield str(candidate)
                    break
            else:
                continue
            break


def _py_launcher_candidates() -> Iterable[str]:
    """Windows' ``py -0p`` lists every registered interpreter with its path."""
    if os.name != "nt" or not shutil.which("py"):
        return
    try:
        listing = subprocess.run(["py", "-0p"], check=False, capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return
    for line in listing.splitlines():
        match = re.search(r"([A-Za-z]:\\.*\.exe)\s*$", line.strip())
        if match:
            yield match.group(1)


def candidates() -> list[str]:
    """Every candidate executable, once each (by resolved path)."""
    seen: dict[str, str] = {}
    for path in [*_path_candidates(), *_pyenv_candidates(), *_py_launcher_candidates(), sys.executable]:
        seen.setdefault(os.path.realpath(path), path)
    return list(seen.values())


def _newest_per_series(interpreters: Iterable[Interpreter]) -> list[Interpreter]:
    best: dict[tuple[str, str], Interpreter] = {}
    for interpreter in interpreters:
        current = best.get(interpreter.key)
        if current is None or interpreter.version_tuple > current.version_tuple:
            best[interpreter.key] = interpreter
    return sorted(best.values(), key=lambda i: (i.implementation != "cpython", i.implementation, i.version_tuple))


def _too_old(interpreter: Interpreter) -> bool:
    return interpreter.version_tuple[:2] < MINIMUM


def discover_all() -> Discovery:
    """Every supported interpreter on this machine, one per implementation and series."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        identified = [i for i in pool.map(identify, candidates()) if i is not None]
    result = Discovery()
    for interpreter in _newest_per_series(identified):
        if _too_old(interpreter):
            result.skipped.append(f"{interpreter.label} ({interpreter.executable}): older than 3.8, not supported")
        else:
            result.found.append(interpreter)
    return result


def _matches(spec: str, interpreter: Interpreter) -> bool:
    """A version spec: ``3.12``, ``3.12.1``, ``3.14t``, ``pypy3.9``, ``pypy``, ``cpython3.13``."""
    text = spec.lower()
    implementation = "cpython"
    for prefix, impl in (("cpython", "cpython"), ("pypy", "pypy")):
        if text.startswith(prefix):
            text, implementation = text[len(prefix) :].lstrip("-"), impl
    if interpreter.implementation != implementation:
        return False
    if not text or (text == "3" and implementation == "pypy"):
        return True
    wants_free_threaded = text.endswith("t")
    numbers = text.rstrip("t")
    if wants_free_threaded != interpreter.free_threaded:
        return False
    return interpreter.version == numbers or interpreter.series.rstrip("t") == numbers


def _is_version_spec(spec: str) -> bool:
    return bool(re.fullmatch(r"(cpython|pypy)?-?(\d+(\.\d+){0,2}t?)?", spec.lower())) and spec.lower() not in ("",)


def select(specs: list[str]) -> Discovery:
    """Resolve --python SPECs: versions against what is found, names and paths by running them."""
    specs = specs or ["all"]
    everything: Discovery | None = None
    chosen: list[Interpreter] = []
    result = Discovery()
    for spec in specs:
        if spec == "all" or _is_version_spec(spec):
            everything = everything or discover_all()
            if spec == "all":
                chosen.extend(everything.found)
                result.skipped.extend(everything.skipped)
                continue
            matched = [i for i in everything.found if _matches(spec, i)]
            old = [s for s in everything.skipped if spec in s]
            if not matched:
                result.unmatched.append(spec)
                if old:
                    result.skipped.extend(old)
            chosen.extend(matched)
            continue
        executable = shutil.which(spec) or (spec if Path(spec).is_file() else None)
        interpreter = identify(executable) if executable else None
        if interpreter is None:
            result.unmatched.append(spec)
        elif _too_old(interpreter):
            result.skipped.append(f"{interpreter.label} ({spec}): older than 3.8, not supported")
            result.unmatched.append(spec)
        else:
            chosen.append(interpreter)
    unique: dict[tuple[str, str], Interpreter] = {}
    for interpreter in chosen:
        unique.setdefault(interpreter.key, interpreter)
    result.found = list(unique.values())
    return result
