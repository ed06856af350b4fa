"""``python -m lab probe MODULE:CALLABLE``: run your own callable as a Process target (host side).

Each (interpreter, start method) is one cell, like an experiment's: a fresh target interpreter
runs ``lab/probe_target.py`` in its own process group with a private temporary directory (also
its TMPDIR, so forkserver sockets land there), bounded by ``--timeout``, and the whole group is
stopped afterwards (lab.run.processes, as the runner does), with the runner's watchdog in case this
process is killed. Interpreters are found by lab.run.discovery, as for ``run``.

The target interpreter runs in the user's current directory with that directory and the user's
``PYTHONPATH`` on ``sys.path`` -- and not the lab's source tree: ``probe_target.py`` is
standard library only and is copied alone into the cell's temporary directory, so a user's own
``lab`` package (or a module called ``stats``) is the one their code imports.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lab import METHODS
from lab.errors import EXIT_FINDINGS, EXIT_OK, BadInput
from lab.normalise import normalise
from lab.options import add_method, add_python, chosen_interpreters, chosen_methods, positive
from lab.run.discovery import Interpreter
from lab.run.processes import run_group, tail

TARGET_SCRIPT = Path(__file__).with_name("probe_target.py")
SCRIPT_NAME = "_forklab_probe_target.py"
STARTUP_ALLOWANCE_S = 30.0  # beyond --timeout: interpreter start, imports, setup, forkserver start
TAIL_CHARS = 2000
DROPPED_ENV = ("PYTHONHOME", "PYTHONEXECUTABLE", "PYTHONPATH")  # name one interpreter, or rebuilt below
_SPEC = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$")
_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning)): ?(.*)$")


@dataclass(frozen=True)
class ProbeRequest:
    """What to probe: the callable, its JSON arguments, an optional parent-side setup."""

    target: str
    args: list[Any] = field(default_factory=list)
    kwargs: dict[str, Any] = field(default_factory=dict)
    setup: str | None = None
    timeout: float = 30.0

    def for_method(self, method: str) -> dict[str, Any]:
        return {
            "method": method,
            "target": self.target,
            "args": self.args,
            "kwargs": self.kwargs,
            "setup": self.setup,
            "timeout": self.timeout,
        }


def check_spec(text: str, option: str) -> str:
    """``package.module:callable`` (or ``:Class.method``), checked before any interpreter starts."""
    if not _SPEC.match(text):
        raise BadInput(
            f"{option} {text!r}: expected MODULE:CALLABLE, e.g. mypackage.workers:crunch (a module importable "
            "from the current directory or PYTHONPATH, and a callable defined in it)"
        )
    return text


def parse_json(text: str, option: str, kind: type) -> Any:
    """``--args`` must be a JSON array, ``--kwargs`` a JSON object."""
    try:
        value = json.loads(text)
    except ValueError as exc:
        example = f"{option} '[1, \"a\"]'" if kind is list else f"{option} '{{\"n\": 3}}'"
        raise BadInput(f"{option}: not valid JSON ({exc}); quote it for your shell, e.g. {example}") from None
    if not isinstance(value, kind):
        wanted = "an array, e.g. '[1, 2]'" if kind is list else "an object, e.g. '{\"n\": 3}'"
        raise BadInput(f"{option}: expected a JSON {wanted}, got {type(value).__name__}")
    return value


def target_environment(tmpdir: Path, cwd: Path) -> dict[str, str]:
    """The user's environment, with their directory and PYTHONPATH importable, TMPDIR private.

    Unlike an experiment cell, the user's PYTHON* settings stay (their program runs with them),
    except the ones that name one particular interpreter.
    """
    env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
    user_path = [str(Path(p).resolve()) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([str(cwd.resolve()), *user_path]))
    for name in ("TMPDIR", "TEMP", "TMP"):
        env[name] = str(tmpdir)
    return env


def exception_from_stderr(stderr: str) -> dict[str, str] | None:
    """The last ``Type: message`` line of a traceback, for a child that died before our code ran."""
    for line in reversed(stderr.strip().splitlines()):
        match = _EXCEPTION_LINE.match(line.strip())
        if match:
            return {"type": match.group(1).rsplit(".", 1)[-1], "message": match.group(2)}
    return None


def _launch(argv: list[str], cwd: Path, tmpdir: Path, timeout: float, watchdog: Any) -> tuple[int | None, bool, bool]:
    """Run the target interpreter as a process group; (returncode, timed_out, left_processes)."""
    started = (lambda process: watchdog.tell("add", process.pid)) if watchdog is not None else None
    ended = (lambda process: watchdog.tell("del", process.pid)) if watchdog is not None else None
    env = target_environment(tmpdir, cwd)
    finished = run_group(argv, cwd, env, tmpdir, timeout, on_start=started, on_end=ended)
    return finished.returncode, finished.timed_out, not finished.clean


def probe_cell(interpreter: Interpreter, method: str, request: ProbeRequest, watchdog: Any = None) -> dict[str, Any]:
    """Run one (interpreter, method) cell and return its record."""
    started = time.monotonic()
    tmpdir = Path(tempfile.mkdtemp(prefix="forklab-probe-"))
    try:
        script, request_path, out = tmpdir / SCRIPT_NAME, tmpdir / "request.json", tmpdir / "probe.json"
        shutil.copyfile(TARGET_SCRIPT, script)
        request_path.write_text(json.dumps(request.for_method(method)), encoding="utf-8")
        argv = [interpreter.executable, str(script), str(request_path), str(out)]
        code, timed_out, left = _launch(argv, Path.cwd(), tmpdir, request.timeout + STARTUP_ALLOWANCE_S, watchdog)
        stdout, stderr = tail(tmpdir / "stdout.txt"), tail(tmpdir / "stderr.txt")
        record = _read_record(out, method, code, timed_out, request.timeout)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    if record.get("failed_at") == "child-bootstrap" and not record.get("exception"):
        record["exception"] = exception_from_stderr(stderr)
    record.update(
        interpreter=interpreter.label,
        executable=interpreter.executable,
        stdout_tail=stdout,
        stderr_tail=stderr,
        cell_s=round(time.monotonic() - started, 3),
        leftovers_stopped=left,
    )
    return record


def _read_record(out: Path, method: str, code: int | None, timed_out: bool, timeout: float) -> dict[str, Any]:
    if timed_out:
        return {
            "method": method,
            "status": "failed",
            "failed_at": "timeout",
            "exception": None,
            "error": f"the target interpreter did not finish within {timeout:g} s + {STARTUP_ALLOWANCE_S:g} s "
            "for start-up (stuck importing or in setup?); its process group was stopped",
        }
    try:
        return json.loads(out.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {
            "method": method,
            "status": "error",
            "failed_at": None,
            "exception": None,
            "error": f"the target interpreter exited with code {code} without an answer",
        }


def run_probe(
    interpreters: list[Interpreter], methods: list[str], request: ProbeRequest, progress: Any = None
) -> list[dict[str, Any]]:
    """Every (interpreter, method) cell, one after another (so wall times are not contended)."""
    from lab.run.watchdog import Watchdog

    cells = []
    watchdog = Watchdog()
    try:
        for interpreter in interpreters:
            for method in [m for m in METHODS if m in methods]:
                cells.append(probe_cell(interpreter, method, request, watchdog))
                if progress:
                    progress(cells[-1])
    finally:
        watchdog.close()
    return cells


# -- presentation ----------------------------------------------------------------------------
RESULTS = {
    "ok": "ok",
    "import": "import failed (parent)",
    "setup": "setup failed (parent)",
    "start": "start() raised (parent)",
    "child-bootstrap": "child died before target",
    "child": "target failed (child)",
    "timeout": "timeout",
}


def _short(text: str | None, width: int) -> str:
    text = normalise(text or "")
    return text if len(text) <= width else text[: width - 1] + "…"


def _last_line(text: str) -> str:
    lines = [line for line in (text or "").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def result_of(cell: dict[str, Any]) -> str:
    if cell.get("status") in ("unavailable", "error"):
        return cell["status"]
    return RESULTS.get(cell.get("failed_at") or "ok", str(cell.get("failed_at")))


def table(cells: list[dict[str, Any]], tail_width: int = 40) -> str:
    """The human answer: one row per cell, the exception last so that long messages do not push the
    other columns; messages normalised (no addresses, pids or paths), ``--json`` has them raw."""
    from tabulate import tabulate

    rows = []
    for cell in cells:
        exception = cell.get("exception")
        shown = f"{exception['type']}: {exception['message']}" if exception else cell.get("error") or ""
        wall = cell.get("wall_s")
        rows.append(
            [
                cell["interpreter"],
                cell["method"],
                {True: "yes", False: "no", None: "-"}[cell.get("picklable")],
                result_of(cell),
                "-" if cell.get("exitcode") is None else cell["exitcode"],
                "-" if wall is None else f"{wall:.3f}",
                _short(_last_line(cell.get("stdout_tail", "")), tail_width),
                _short(_last_line(cell.get("stderr_tail", "")), tail_width),
                _short(shown, 200),
            ]
        )
    headers = ["interpreter", "method", "picklable", "result", "exit", "wall s", "stdout", "stderr", "exception"]
    return tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True)


def name_symptoms(cells: list[dict[str, Any]], catalog: list[dict[str, Any]] | None = None) -> None:
    """Add to each failed cell the symptoms its exception, pickling error and stderr match, from the
    catalog the pytest plugin and the report use (lab/symptoms.json): ``cell["symptoms"]``."""
    from lab import symptoms

    if catalog is None:
        try:
            catalog = symptoms.load()
        except (OSError, ValueError):
            catalog = []
    for cell in cells:
        found = []
        if cell.get("status") not in ("ok", "unavailable"):
            errors = [e for e in (cell.get("exception"), cell.get("pickle_error")) if e]
            text = [f"{e['type']}: {e['message']}" for e in errors]
            text += [cell.get("error") or "", cell.get("stderr_tail") or ""]
            found = symptoms.explain("\n".join(text), catalog)
        cell["symptoms"] = [{key: s.get(key, "") for key in ("id", "title", "page", "docs")} for s in found]


def symptom_lines(cells: list[dict[str, Any]]) -> list[str]:
    """One line per interpreter and symptom: the methods where it happened, its title and page."""
    grouped: dict[tuple[str, str], list[str]] = {}
    named: dict[str, dict[str, Any]] = {}
    for cell in cells:
        for symptom in cell.get("symptoms", []):
            grouped.setdefault((cell["interpreter"], symptom["id"]), []).append(cell["method"])
            named[symptom["id"]] = symptom
    lines = []
    for (interpreter, symptom_id), methods in grouped.items():
        symptom = named[symptom_id]
        links = ", ".join(filter(None, [symptom["page"], symptom["docs"]]))
        lines.append(f"{interpreter} {', '.join(methods)}: {symptom['title']}" + (f" -- {links}" if links else ""))
    return lines


def import_hints(cells: list[dict[str, Any]], target: str) -> list[str]:
    """One clear line per interpreter where the module could not be imported, with what to do."""
    hints = []
    seen = set()
    for cell in cells:
        if cell.get("failed_at") != "import" or cell["interpreter"] in seen:
            continue
        seen.add(cell["interpreter"])
        exception = cell.get("exception") or {}
        kind = exception.get("type")
        if kind in ("ModuleNotFoundError", "ImportError"):
            advice = (
                f"The probe runs in {Path.cwd()} with that directory and PYTHONPATH on sys.path; run it from "
                "your project's root, set PYTHONPATH, or install the module's dependencies into that interpreter."
            )
        elif kind == "SyntaxError":
            advice = "The module uses syntax this interpreter does not have."
        elif kind == "AttributeError":
            advice = f"The module has no {target.partition(':')[2]!r} there."
        else:
            advice = "Importing the module raised; its import-time code fails in that interpreter."
        hints.append(f"{cell['interpreter']}: cannot import {target} ({kind}: {exception.get('message')}). {advice}")
    return hints


# -- command ---------------------------------------------------------------------------------
def _progress(cell: dict[str, Any]) -> None:
    print(f"probed {cell['interpreter']:<18} {cell['method']:<10} {result_of(cell)}", file=sys.stderr, flush=True)


def main(args: Any) -> int:
    """The ``probe`` subcommand. Exit 0 when every offered method ran the callable cleanly, else 1."""
    request = ProbeRequest(
        target=check_spec(args.target, "MODULE:CALLABLE"),
        args=parse_json(args.args, "--args", list),
        kwargs=parse_json(args.kwargs, "--kwargs", dict),
        setup=check_spec(args.setup, "--setup") if args.setup else None,
        timeout=args.timeout,
    )
    positive(args.timeout, "--timeout")
    methods = chosen_methods(args)
    interpreters = chosen_interpreters(args.python, [sys.executable])
    cells = run_probe(interpreters, methods, request, progress=_progress)
    name_symptoms(cells)
    if args.json:
        print(json.dumps(cells, indent=1))
    else:
        print(table(cells))
        causes = symptom_lines(cells)
        if causes:
            print("\nlikely causes (lab/symptoms.json):\n" + "\n".join(causes))
    for hint in import_hints(cells, request.target):
        print(hint, file=sys.stderr)
    return EXIT_OK if all(cell.get("status") in ("ok", "unavailable") for cell in cells) else EXIT_FINDINGS


def add_parser(sub: Any) -> None:
    """The ``probe`` subcommand's arguments (lab/cli.py adds it to its parser)."""
    probe = sub.add_parser(
        "probe",
        help="run your callable as a Process target under each start method and interpreter",
        description="Run MODULE:CALLABLE as a multiprocessing.Process target under each start method and "
        "interpreter, and show where it fails: picklable or not, start() in the parent or the child, exit code, "
        "exception, output. Exit code 0 when every offered method ran it cleanly, 1 otherwise, 2 for bad input.",
    )
    probe.add_argument("target", metavar="MODULE:CALLABLE", help="e.g. mypackage.workers:crunch")
    probe.add_argument("--args", default="[]", metavar="JSON", help="positional arguments, a JSON array")
    probe.add_argument("--kwargs", default="{}", metavar="JSON", help="keyword arguments, a JSON object")
    probe.add_argument(
        "--setup",
        metavar="MODULE:CALLABLE",
        help="called with no arguments in the parent before the process starts (your program's configure())",
    )
    add_python(probe, "the interpreter running this command")
    add_method(probe)
    probe.add_argument(
        "--timeout", type=float, default=30.0, metavar="S", help="seconds for the child to finish (default: 30)"
    )
    probe.add_argument("--json", action="store_true", help="print the raw cells as JSON instead of a table")
    probe.set_defaults(handler=main)
