"""Find the Python interpreters to run experiments on (host side).

Candidates come from PATH, from pyenv (asked through ``pyenv root``, because its shims answer
only for the selected version), from uv (``uv python list --only-installed``, and uv's install
directory, ``$UV_PYTHON_INSTALL_DIR`` or ``uv python dir``) and from the ``py`` launcher on
Windows. Each candidate is asked who it is by running it once; the same build found at several
paths counts once. Interpreters older than 3.8 are skipped with a note.

Which ones a run takes (``--python SPEC``, repeatable):

* ``all`` (the default): the newest patch release of each implementation and series (``3.13``,
  ``3.13t`` and ``pypy3.9`` are three series);
* ``3.13``: the newest 3.13.x found; ``3.13.0``: exactly that patch release, so a run can hold
  3.13.0 and 3.13.18 side by side (``--python all --python 3.13.0``);
* ``3.13t``, ``pypy3.11``, ``pypy``, ``cpython3.12``: the same, for a build or implementation;
* a name or a path (``pypy3``, ``/opt/python/bin/python3.14``): that interpreter.
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
        """One per series: ``all`` keeps the newest patch release of each key."""
        return (self.implementation, self.series)

    @property
    def build(self) -> tuple[str, str, bool]:
        """One per build: the identity of a result file (patch release included)."""
        return (self.implementation, self.version, self.free_threaded)

    @property
    def order(self) -> tuple:
        """CPython first, then by implementation, build and version."""
        return (self.implementation != "cpython", self.implementation, self.free_threaded, self.version_tuple)

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
    available: list[Interpreter] = field(default_factory=list)  # what version specs were matched against


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


def _uv_install_dirs() -> list[Path]:
    """Where uv keeps the interpreters it installed (``uv python install 3.14``)."""
    configured = os.environ.get("UV_PYTHON_INSTALL_DIR")
    if configured:
        return [Path(configured)]
    dirs = []
    if shutil.which("uv"):
        try:
            answer = subprocess.run(["uv", "python", "dir"], check=False, capture_output=True, text=True, timeout=20)
            if answer.returncode == 0 and answer.stdout.strip():
                dirs.append(Path(answer.stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass
    data = os.environ.get("XDG_DATA_HOME") or (
        os.environ.get("APPDATA", "") + "/uv/data" if os.name == "nt" else str(Path.home() / ".local" / "share")
    )
    dirs.append(Path(data) / "uv" / "python" if os.name != "nt" else Path(data) / "python")
    return list(dict.fromkeys(dirs))


def _uv_candidates() -> Iterable[str]:
    """uv-managed interpreters: what ``uv python list`` reports, and what its install directory holds."""
    if shutil.which("uv"):
        try:
            listing = subprocess.run(
                [
                    "uv",
                    "python",
                    "list",
                    "--only-installed",
                    "--python-preference",
                    "only-managed",
                    "--output-format",
                    "json",
                ],
                check=False,
                capture_output=True,
                text=True,
                timeout=30,
            ).stdout
            for entry in json.loads(listing or "[]"):
                if isinstance(entry, dict) and entry.get("path"):
                    yield str(entry["path"])
        except (OSError, subprocess.SubprocessError, ValueError):
            pass
    for root in _uv_install_dirs():
        try:
            installs = sorted(p for p in root.iterdir() if p.is_dir())
        except OSError:
            continue
        for install in installs:  # cpython-3.14.0-linux-x86_64-gnu, cpython-3.14.0+freethreaded-...
            for sub in ("bin", ""):
                found = [p for p in sorted((install / sub).glob("p*")) if _NAME.match(p.name) and p.is_file()]
                if found:
                    yield str(min(found, key=lambda p: len(p.name)))
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
    sources = (_path_candidates(), _pyenv_candidates(), _uv_candidates(), _py_launcher_candidates())
    for path in [*(p for source in sources for p in source), sys.executable]:
        seen.setdefault(os.path.realpath(path), path)
    return list(seen.values())


def _one_per_build(interpreters: Iterable[Interpreter]) -> list[Interpreter]:
    """The same build found at several paths (a symlink, a copy) counts once: the first path wins."""
    builds: dict[tuple[str, str, bool], Interpreter] = {}
    for interpreter in interpreters:
        builds.setdefault(interpreter.build, interpreter)
    return sorted(builds.values(), key=lambda i: i.order)


def _newest_per_series(interpreters: Iterable[Interpreter]) -> list[Interpreter]:
    best: dict[tuple[str, str], Interpreter] = {}
    for interpreter in interpreters:
        current = best.get(interpreter.key)
        if current is None or interpreter.version_tuple > current.version_tuple:
            best[interpreter.key] = interpreter
    return sorted(best.values(), key=lambda i: i.order)


def _too_old(interpreter: Interpreter) -> bool:
    return interpreter.version_tuple[:2] < MINIMUM


def discover_all() -> Discovery:
    """Every supported interpreter build on this machine (each patch release once)."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        identified = [i for i in pool.map(identify, candidates()) if i is not None]
    result = Discovery()
    for interpreter in _one_per_build(identified):
        if _too_old(interpreter):
            result.skipped.append(f"{interpreter.label} ({interpreter.executable}): older than 3.8, not supported")
        else:
            result.found.append(interpreter)
    return result


def _parse_spec(spec: str) -> tuple[str, str, bool]:
    """``pypy3.11`` -> ("pypy", "3.11", False); ``3.14t`` -> ("cpython", "3.14", True)."""
    text, implementation = spec.lower(), "cpython"
    for prefix in ("cpython", "pypy"):
        if text.startswith(prefix):
            text, implementation = text[len(prefix) :].lstrip("-"), prefix
    free_threaded = text.endswith("t")
    return implementation, text.rstrip("t"), free_threaded


def _matches(spec: str, interpreter: Interpreter) -> bool:
    """A version spec: ``3.12``, ``3.12.1``, ``3.14t``, ``pypy3.9``, ``pypy``, ``cpython3.13``."""
    implementation, numbers, free_threaded = _parse_spec(spec)
    if interpreter.implementation != implementation:
        return False
    if not numbers or (numbers == "3" and implementation == "pypy"):
        return True
    if free_threaded != interpreter.free_threaded:
        return False
    return interpreter.version == numbers or interpreter.series.rstrip("t") == numbers


def _names_patch_release(spec: str) -> bool:
    return _parse_spec(spec)[1].count(".") >= 2


def _is_version_spec(spec: str) -> bool:
    return bool(re.fullmatch(r"(cpython|pypy)?-?(\d+(\.\d+){0,2}t?)?", spec.lower())) and spec.lower() not in ("",)


def select(specs: list[str]) -> Discovery:
    """Resolve --python SPECs (see the module docstring); the result holds each build once."""
    specs = specs or ["all"]
    everything: Discovery | None = None
    chosen: list[Interpreter] = []
    result = Discovery()
    for spec in specs:
        if spec == "all" or _is_version_spec(spec):
            everything = everything or discover_all()
            if spec == "all":
                chosen.extend(_newest_per_series(everything.found))
                result.skipped.extend(everything.skipped)
                continue
            matched = [i for i in everything.found if _matches(spec, i)]
            if not _names_patch_release(spec):
                matched = _newest_per_series(matched)
            if not matched:
                result.unmatched.append(spec)
                result.skipped.extend(s for s in everything.skipped if spec in s)
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
    result.found = _one_per_build(chosen)
    result.available = everything.found if everything else []
    return result
