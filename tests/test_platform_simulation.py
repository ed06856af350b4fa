"""Windows and macOS code paths, checked from Linux.

1. A simulated platform with only ``spawn`` -- no fork, no forkserver, no ``signal.SIGKILL``, no
   ``/proc``, no ``fcntl``/``resource`` (tests/spawn_only_platform/sitecustomize.py, loaded into
   every target interpreter the lab starts) -- must make the runner record fork and forkserver as
   ``unavailable``, and every experiment run its spawn cell to ``ok``, recording anything it
   cannot observe there as ``not applicable`` with a reason.

2. A static check: no target-side module (lab/experiments/** including scenarios and helpers,
   lab/driver.py, lab/experiment.py, lab/environment.py, lab/stats.py, lab/normalise.py,
   lab/results/ -- globbed when the test runs, so new experiments are covered) uses anything
   POSIX-only without a platform guard. POSIX-only means: ``os.fork``, ``os.forkpty``,
   ``os.killpg``, ``os.getpgid``, ``os.setpgid``, ``os.setsid``, ``os.getppid`` (Windows never
   re-parents, so what it means differs), ``os.WNOHANG``, ``os.sched_getaffinity``,
   ``os.getloadavg``; ``os.kill(pid, 0)`` (on Windows it *terminates* the process); any
   ``signal.SIG*`` that Windows lacks (``SIGKILL``, ``SIGUSR1``, ``SIGCHLD``...); a string literal
   that is a path under ``/proc`` (no spaces); importing ``fcntl`` or ``resource``.

   A use is *guarded* when any of these holds (checked on the syntax tree, nothing is run):
   a. it sits in an ``if``/``while``/conditional expression/``and``-``or`` chain whose test is a
      platform test (either branch counts: the ``else`` of ``if WINDOWS:`` is the POSIX branch),
      or inside such a test itself (a probe such as ``Path("/proc/self/stat").exists()``);
   b. an earlier statement of an enclosing block is ``if <platform test>: ... return`` (or
      raise/continue/break) -- the early-exit guard;
   c. it sits in the body of a ``try`` whose handlers catch what the missing feature raises
      (AttributeError, ImportError, OSError and their subclasses, Exception, or a bare except);
   d. it sits in a function whose name says it is POSIX-only (contains ``posix``, ``unix`` or
      ``linux``) or has such a decorator;
   e. it sits in a function of the same module that is only referred to from guarded places;
   f. its line, or the first line of its statement, carries ``# platform-ok: <reason>``.
   A *platform test* is an expression that reads ``sys.platform``, ``os.name`` or
   ``platform.system()``, calls ``hasattr``, three-argument ``getattr``, an existence probe
   (``.exists()``, ``.is_dir()``, ``.is_file()``, ``os.path.exists/isdir/isfile``,
   ``shutil.which``) or ``get_all_start_methods``/``available_methods``, or names a variable
   assigned from such an expression (in the module, or imported from another lab module).
   Whether the guard's polarity is right is not checked: that is what part 1 is for.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from lab import METHODS, experiments
from lab.check.imports import dotted
from lab.results.files import load
from lab.run.discovery import identify
from lab.run.plan import plan
from lab.run.runner import RunConfig, Runner

ROOT = Path(__file__).resolve().parent.parent
SIMULATION = ROOT / "tests" / "spawn_only_platform"
SIMULATE = {"FORKLAB_SIMULATE_SPAWN_ONLY": "1"}


def simulated_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = os.pathsep.join([str(SIMULATION), str(ROOT)])
    env.update(SIMULATE)
    return env


# -- 1. the simulated spawn-only platform -----------------------------------------------------------
PROBE = """
import json, multiprocessing, os, pathlib, signal
multiprocessing.set_start_method("spawn")  # a user's script may still choose its method
out = {"methods": multiprocessing.get_all_start_methods(), "default": multiprocessing.get_start_method(),
       "fork": hasattr(os, "fork"), "killpg": hasattr(os, "killpg"), "sigkill": hasattr(signal, "SIGKILL"),
       "proc": pathlib.Path("/proc/self/status").exists()}
for name in ("fcntl", "resource"):
    try:
        __import__(name)
        out[name] = True
    except ImportError:
        out[name] = False
try:
    multiprocessing.get_context("fork")
    out["fork_context"] = True
except ValueError:
    out["fork_context"] = False
out["default_unset"] = multiprocessing.context._default_context._default_context._name
print(json.dumps(out))
"""


def test_the_simulation_takes_away_what_windows_lacks(tmp_path):
    """Python docs, multiprocessing, "Contexts and start methods": on Windows only spawn is
    available; signal docs: on Windows signal() accepts only the SIGABRT..SIGBREAK set."""
    completed = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=simulated_env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    seen = json.loads(completed.stdout)
    assert seen == {
        "methods": ["spawn"],
        "default": "spawn",
        "fork": False,
        "killpg": False,
        "sigkill": False,
        "proc": False,
        "fcntl": False,
        "resource": False,
        "fork_context": False,
        "default_unset": "spawn",
    }


def test_runner_records_fork_and_forkserver_as_unavailable(tmp_path, monkeypatch):
    for name, value in SIMULATE.items():
        monkeypatch.setenv(name, value)
    interpreter = identify(sys.executable)
    assert interpreter is not None
    config = RunConfig(out_dir=tmp_path, quick=True, jobs=1, timeout=120, label="sim", extra_path=(str(SIMULATION),))
    outcomes = Runner(config).run(plan([interpreter], list(METHODS), ["global_isolation"]))
    statuses = {o.task.method: o.record.status for o in outcomes}
    assert statuses == {"fork": "unavailable", "spawn": "ok", "forkserver": "unavailable"}
    for outcome in outcomes:
        if outcome.record.status == "unavailable":
            assert outcome.task.method in outcome.record.error
    (path,) = tmp_path.glob("sim-*.json")
    environment = load(path).environment
    assert environment["available_start_methods"] == ["spawn"]
    assert environment["default_start_method"] == "spawn"
    assert environment["pid1"] is None  # no /proc: not made up


def test_driver_itself_records_a_missing_method_as_unavailable(tmp_path):
    out = tmp_path / "cell.json"
    argv = [sys.executable, "-m", "lab.driver", "cell", "exit_codes", "fork", str(out), "--quick"]
    subprocess.run(argv, cwd=tmp_path, env=simulated_env(), capture_output=True, timeout=60, check=False)
    record = json.loads(out.read_text())
    assert record["status"] == "unavailable"
    assert record["observations"] == {}


def _not_applicable(value: object, where: str = "") -> list[tuple[str, object]]:
    """Every ``not applicable`` observation, with its dotted key, however deeply nested."""
    found = []
    if isinstance(value, dict):
        if value.get("status") == "not applicable":
            return [(where, value.get("reason"))]
        for key, item in value.items():
            found += _not_applicable(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _not_applicable(item, f"{where}[{index}]")
    return found


@pytest.mark.slow
@pytest.mark.parametrize("experiment", experiments.names())
def test_every_experiment_runs_its_spawn_cell_on_a_spawn_only_platform(experiment, tmp_path):
    out = tmp_path / "cell.json"
    argv = [sys.executable, "-m", "lab.driver", "cell", experiment, "spawn", str(out), "--quick"]
    completed = subprocess.run(
        argv, cwd=tmp_path, env=simulated_env(), capture_output=True, text=True, timeout=180, check=False
    )
    assert out.exists(), f"no record; stderr: {completed.stderr[-2000:]}"
    record = json.loads(out.read_text())
    assert record["status"] == "ok", f"{record.get('error')}\n{record.get('traceback', '')[-2000:]}"
    for key, reason in _not_applicable(record["observations"]):
        assert isinstance(reason, str), f"{experiment}: {key} is not applicable without a reason"
        assert reason.strip(), f"{experiment}: {key} is not applicable without a reason"


# -- 2. the static check ----------------------------------------------------------------------------
TARGET_FILES = (
    "driver.py",
    "experiment.py",
    "environment.py",
    "stats.py",
    "normalise.py",
    "versions.py",
    "symptoms.py",
    "errors.py",
    "results/record.py",
    "results/files.py",
    "results/identity.py",
)
POSIX_OS = {
    "fork",
    "forkpty",
    "killpg",
    "getpgid",
    "setpgid",
    "setsid",
    "getppid",
    "WNOHANG",
    "sched_getaffinity",
    "getloadavg",
}
#: signal.* names Windows has (Python docs, signal: "On Windows, signal() can only be called with
#: SIGABRT, SIGFPE, SIGILL, SIGINT, SIGSEGV, SIGTERM, or SIGBREAK"; plus the handler constants).
WINDOWS_SIGNALS = {"SIGABRT", "SIGFPE", "SIGILL", "SIGINT", "SIGSEGV", "SIGTERM", "SIGBREAK", "SIG_DFL", "SIG_IGN"}
POSIX_MODULES = {"fcntl", "resource"}
PROBES = {"exists", "is_dir", "is_file", "isdir", "isfile", "which", "get_all_start_methods", "available_methods"}
CAUGHT = {
    "AttributeError",
    "ImportError",
    "ModuleNotFoundError",
    "OSError",
    "FileNotFoundError",
    "PermissionError",
    "NotImplementedError",
    "Exception",
    "BaseException",
}
#: A path under /proc (no spaces: "/proc/PID/status is missing" is a message, not a path).
PROC_PATH = re.compile(r"^/proc(/\S*)?$")
PRAGMA = re.compile(r"#\s*platform-ok:\s*\S")
POSIX_NAME = re.compile(r"posix|unix|linux", re.IGNORECASE)
EXITS = (ast.Return, ast.Raise, ast.Continue, ast.Break)

#: Known unguarded uses in other people's modules, reported to the lead (issue 7). Each entry is
#: (file, line text stripped) -> why it is left for now. A new unguarded use fails the test; so
#: does an entry here that no longer matches (delete it once the code is guarded or marked).
KNOWN: dict[tuple[str, str], str] = {}


def target_modules() -> list[Path]:
    lab = ROOT / "lab"
    return sorted({*lab.joinpath("experiments").rglob("*.py"), *(lab / name for name in TARGET_FILES)})


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    what: str
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what} without a platform guard: {self.text}"


class Module:
    """One parsed module and what the check needs to know about it."""

    def __init__(self, path: Path, imported_flags: dict[str, set[str]]) -> None:
        self.path = path
        self.source = path.read_text(encoding="utf-8")
        self.lines = self.source.splitlines()
        self.tree = ast.parse(self.source, filename=str(path))
        self.parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
        self.flags: set[str] = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    if alias.name in imported_flags.get(node.module, set()):
                        self.flags.add(alias.asname or alias.name)
        changed = True
        while changed:  # a flag may be computed from another flag
            changed = False
            for node in ast.walk(self.tree):
                if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    names = [t.id for t in targets if isinstance(t, ast.Name)]
                    if names and self.is_platform_test(node.value) and not set(names) <= self.flags:
                        self.flags.update(names)
                        changed = True

    # -- platform tests ------------------------------------------------------------------------------
    def is_platform_test(self, expression: ast.AST) -> bool:
        for node in ast.walk(expression):
            name = dotted(node)
            if name in ("sys.platform", "os.name", "platform.system") or (name and name in self.flags):
                return True
            if isinstance(node, ast.Call):
                function = dotted(node.func)
                last = function.rsplit(".", 1)[-1] if function else getattr(node.func, "attr", "")
                if function == "hasattr" or (function == "getattr" and len(node.args) == 3):
                    return True
                if last in PROBES:
                    return True
        return False

    # -- guards --------------------------------------------------------------------------------------
    def guarded(self, node: ast.AST, seen: frozenset = frozenset()) -> bool:
        if self._pragma(node):
            return True
        child, parent = node, self.parents.get(node)
        while parent is not None:
            if self._guards(parent, child):
                return True
            if self._early_exit(parent, child):
                return True
            if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if POSIX_NAME.search(parent.name) or any(
                    POSIX_NAME.search(dotted(d) or "") for d in parent.decorator_list
                ):
                    return True
                if self._only_used_guarded(parent, seen):
                    return True
            child, parent = parent, self.parents.get(parent)
        return False

    def _guards(self, parent: ast.AST, child: ast.AST) -> bool:
        if isinstance(parent, (ast.If, ast.While, ast.IfExp)):
            return self.is_platform_test(parent.test)  # the test itself, its body or its else branch
        if isinstance(parent, ast.BoolOp):
            index = parent.values.index(child) if child in parent.values else 0
            return any(self.is_platform_test(v) for v in parent.values[: index + 1])
        if isinstance(parent, ast.Try) and child in parent.body:
            return any(self._catches(h) for h in parent.handlers)
        # Path("/proc/self/stat").exists() asks; it does not rely on the answer.
        return isinstance(parent, ast.Call) and self._probe(parent)

    @staticmethod
    def _probe(call: ast.Call) -> bool:
        function = dotted(call.func) or getattr(call.func, "attr", "")
        return function.rsplit(".", 1)[-1] in PROBES

    @staticmethod
    def _catches(handler: ast.ExceptHandler) -> bool:
        if handler.type is None:
            return True
        kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        return any(dotted(k).rsplit(".", 1)[-1] in CAUGHT for k in kinds)

    def _early_exit(self, parent: ast.AST, child: ast.AST) -> bool:
        for field in ("body", "orelse", "finalbody"):
            block = getattr(parent, field, None)
            if isinstance(block, list) and child in block:
                for statement in block[: block.index(child)]:
                    if (
                        isinstance(statement, ast.If)
                        and self.is_platform_test(statement.test)
                        and any(isinstance(s, EXITS) for s in statement.body)
                    ):
                        return True
        return False

    def _only_used_guarded(self, function: ast.AST, seen: frozenset) -> bool:
        name = function.name  # type: ignore[attr-defined]
        if name in seen:
            return False
        uses = [
            n
            for n in ast.walk(self.tree)
            if (isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load))
            or (isinstance(n, ast.Attribute) and n.attr == name)
        ]
        return bool(uses) and all(self.guarded(u, seen | {name}) for u in uses)

    def _pragma(self, node: ast.AST) -> bool:
        lines = {getattr(node, "lineno", 0)}
        statement = node
        while statement is not None and not isinstance(statement, ast.stmt):
            statement = self.parents.get(statement)
        if statement is not None:
            lines.add(statement.lineno)
        return any(0 < n <= len(self.lines) and PRAGMA.search(self.lines[n - 1]) for n in lines)

    # -- what is POSIX-only ---------------------------------------------------------------------------
    def uses(self) -> list[tuple[ast.AST, str]]:
        found = []
        for node in ast.walk(self.tree):
            name = dotted(node) if isinstance(node, ast.Attribute) else ""
            if (name.startswith("os.") and name[3:] in POSIX_OS) or (
                name.startswith("signal.SIG") and name[7:] not in WINDOWS_SIGNALS
            ):
                found.append((node, name))
            elif isinstance(node, ast.Call) and dotted(node.func) == "os.kill" and len(node.args) == 2:
                signal_arg = node.args[1]
                if isinstance(signal_arg, ast.Constant) and signal_arg.value == 0:
                    found.append((node, "os.kill(pid, 0)"))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and PROC_PATH.match(node.value):
                found.append((node, "a /proc path"))
            elif isinstance(node, ast.JoinedStr) and node.values:
                text = "".join(str(v.value) if isinstance(v, ast.Constant) else "x" for v in node.values)
                if PROC_PATH.match(text):
                    found.append((node, "a /proc path"))
            elif isinstance(node, ast.Import):
                found += [(node, f"import {a.name}") for a in node.names if a.name in POSIX_MODULES]
            elif isinstance(node, ast.ImportFrom) and node.module in POSIX_MODULES:
                found.append((node, f"from {node.module} import ..."))
            elif isinstance(node, ast.ImportFrom) and node.module in ("os", "signal"):
                for alias in node.names:
                    if (node.module == "os" and alias.name in POSIX_OS) or (
                        node.module == "signal" and alias.name.startswith("SIG") and alias.name not in WINDOWS_SIGNALS
                    ):
                        found.append((node, f"from {node.module} import {alias.name}"))
        return [(n, what) for n, what in found if not self._inside_fstring(n)]

    def _inside_fstring(self, node: ast.AST) -> bool:
        return isinstance(node, ast.Constant) and isinstance(self.parents.get(node), ast.JoinedStr)

    def findings(self) -> list[Finding]:
        relative = self.path.relative_to(ROOT).as_posix()
        return [
            Finding(relative, node.lineno, what, self.lines[node.lineno - 1].strip())
            for node, what in self.uses()
            if not self.guarded(node)
        ]


def platform_flags(paths: list[Path]) -> dict[str, set[str]]:
    """Each module's platform flags, so ``from lab.x import WINDOWS`` counts as a platform test."""
    flags: dict[str, set[str]] = {}
    for _ in range(2):  # a flag imported from a module that imported it
        flags = {module_name(p): Module(p, flags).flags for p in paths}
    return flags


def all_findings() -> list[Finding]:
    paths = target_modules()
    flags = platform_flags(paths)
    return sorted((f for p in paths for f in Module(p, flags).findings()), key=lambda f: (f.path, f.line))


def test_the_static_check_covers_every_target_module():
    paths = target_modules()
    names = {p.relative_to(ROOT).as_posix() for p in paths}
    for name in experiments.names():
        assert f"lab/experiments/{name}.py" in names
    assert {f"lab/{n}" for n in TARGET_FILES} <= names
    assert any("/scenarios/" in n for n in names)


def test_no_target_module_calls_anything_posix_only_unguarded():
    findings = all_findings()
    unknown = [f for f in findings if (f.path, f.text) not in KNOWN]
    assert not unknown, "guard these (see this file's docstring for what counts):\n" + "\n".join(map(str, unknown))
    stale = set(KNOWN) - {(f.path, f.text) for f in findings}
    assert not stale, f"these are guarded now: delete them from KNOWN: {sorted(stale)}"


# -- the checker's own behaviour, on small examples --------------------------------------------------
def check(source: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "lab" / "experiments" / "example.py"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    module = Module(path, {})
    return [what for node, what in module.uses() if not module.guarded(node)]


@pytest.mark.parametrize(
    "source",
    [
        "import os\nos.fork()\n",
        "import os, signal\nos.kill(1, signal.SIGKILL)\n",
        "import os\nos.kill(1, 0)\n",
        "from pathlib import Path\nPath('/proc/self/status').read_text()\n",
        "pid = 1\nopen(f'/proc/{pid}/stat')\n",
        "import fcntl\n",
        "import os\ndef parent():\n    return os.getppid()\n",
        "import os, sys\nif sys.platform == 'win32':\n    pass\nos.killpg(1, 15)\n",  # no exit in the if
        "import os\ndef child():\n    os.fork()\ndef run():\n    child()\n",  # caller unguarded
        "import os\ntry:\n    os.fork()\nexcept ValueError:\n    pass\n",  # wrong exception
    ],
)
def test_the_check_flags_unguarded_uses(source, tmp_path):
    assert check(source, tmp_path)


@pytest.mark.parametrize(
    "source",
    [
        "import os\nif hasattr(os, 'fork'):\n    os.fork()\n",
        "import os, sys\nif sys.platform == 'win32':\n    pass\nelse:\n    os.killpg(1, 15)\n",
        "import os, signal\nWINDOWS = os.name == 'nt'\nx = None if WINDOWS else signal.SIGKILL\n",
        "import os\ndef f():\n    if not hasattr(os, 'fork'):\n        return None\n    return os.fork()\n",
        "import os\nok = hasattr(os, 'getppid') and os.getppid()\n",
        "from pathlib import Path\nHAS_PROC = Path('/proc/self/stat').exists()\n",
        "from pathlib import Path\ntry:\n    Path('/proc/self/status').read_text()\nexcept OSError:\n    pass\n",
        "try:\n    import fcntl\nexcept ImportError:\n    fcntl = None\n",
        "import os\ndef _posix_stop(pid):\n    os.killpg(pid, 9)\n",
        "import os\ndef child():\n    os.fork()\nif hasattr(os, 'fork'):\n    child()\n",
        "import os\nos.getppid()  # platform-ok: only compared with the parent's pid, same meaning on Windows\n",
        '"""/proc is read here when there is one."""\n',
    ],
)
def test_the_check_accepts_guarded_uses(source, tmp_path):
    assert check(source, tmp_path) == []
