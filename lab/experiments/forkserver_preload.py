"""What the forkserver imports before it forks: your ``__main__``, and what you name with set_forkserver_preload.

The forkserver is one process that forks every child, so whatever it imports, each child has
already imported. It always meant to import your ``__main__`` (``ForkServer._preload_modules``
starts as ``['__main__']``) but only does since 3.13.8 and 3.14.1 (gh-126631); 3.13.8-3.13.11 and
3.14.1-3.14.2 ran that import with an empty ``sys.argv`` (gh-143706), and 3.13.12 and 3.14.3 put
the argv into the server's ``-c`` command, which a very large argv overflows (gh-144503; fixed in
3.13.13, 3.14.4). ``set_forkserver_preload(names)`` *replaces* that list: name ``'__main__'`` too
if you still want it. A module that fails with ImportError is skipped silently; any other error
kills the server, and the parent's ``start()`` raises. 3.15 adds ``on_error='ignore'|'warn'|'fail'``
(gh-141860); 'warn' emits an ImportWarning, which the default warning filters hide.

This lesson folds two: set_forkserver_preload, and the ``sys.argv`` that the preloaded
``__main__`` sees. It only concerns the forkserver; under fork and spawn it is not applicable.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional

from lab.experiment import Cell, Experiment, Observation, Symptom, classify_count, not_applicable
from lab.experiments._scripts import ScriptRun, copy_scenario, run_script, script_env
from lab.normalise import normalise

DOCS = "https://docs.python.org/3/library/multiprocessing.html#multiprocessing.set_forkserver_preload"
SCENARIO = "forkserver_preload.py"
MODULES = ("preload_fine.py", "preload_missing.py", "preload_raises.py")
ONLY_FORKSERVER = "set_forkserver_preload() and the __main__ preload only concern the forkserver"
ON_ERROR_ADDED = "set_forkserver_preload(on_error=...) was added in Python 3.15 (gh-141860)"
ARGV = ["--flag", "value"]
LARGE_ARGV = ["x" * 100] * 3000  # 300 kB in all, more than Linux's 128 kB for one argument
TIMEOUT_S = 30.0

EXPERIMENT = Experiment(
    name="forkserver_preload",
    title="What the forkserver preloads: __main__, sys.argv, set_forkserver_preload",
    question="What does the forkserver import before it forks, with which sys.argv, and what happens when a "
    "preloaded module fails?",
    concept="multiprocessing.set_forkserver_preload(['module']) -- import once in the server, not in every child",
    lesson="The forkserver imports your __main__ (since 3.13.8/3.14.1, with the real sys.argv since 3.13.12/3.14.3) "
    "and the modules you name, once, so every child starts with them imported. A preloaded module failing with "
    "ImportError is skipped silently; any other error kills the server and the parent's start() fails -- "
    "3.15's on_error= decides what ImportError does.",
    docs=DOCS,
    observations=(
        Observation("main.server_ran_main", "The forkserver ran the script's module-level code", glance=True),
        Observation("main.server_argv", "sys.argv[1:] that module-level code sees in the forkserver"),
        Observation("large_argv.start_error", "A 300 kB sys.argv: what start() raises (None: nothing)"),
        Observation("large_argv.server_argc", "A 300 kB sys.argv: how many arguments the forkserver's import sees"),
        Observation("fine.imports.server", "A preloaded module: imports in the forkserver"),
        Observation("fine.imports.children", "A preloaded module: imports in the 3 children"),
        Observation("fine.children_see_it", "A preloaded module: children find it already imported"),
        Observation("fine.server_ran_main", "set_forkserver_preload([...]) without '__main__': the server ran main"),
        Observation("missing.child_exitcodes", "A preloaded module failing with ImportError: children's exit codes"),
        Observation("missing.said_so_on_stderr", "... anything about it on stderr"),
        Observation("raises.parent_start_error.type", "A preloaded module raising another error: start() raises"),
        Observation("raises.parent_exitcode", "... the parent's exit code"),
        Observation("raises.server_error", "... the forkserver's error on stderr"),
        Observation("keyword.accepted", "set_forkserver_preload(on_error='warn'): what it raises (None: accepted)"),
        Observation("on_error_warn.warning_default_filters", "on_error='warn', default warning filters: the warning"),
        Observation("on_error_warn.warning_shown", "on_error='warn' with -W always::ImportWarning: the warning"),
        Observation("on_error_fail.parent_start_error", "on_error='fail': what start() raises in the parent"),
    ),
    symptoms=(
        Symptom(
            id="forkserver-preload-failed",
            title="start() fails: the forkserver died importing a preloaded module",
            messages=(
                "EOFError: unexpected EOF",
                "ConnectionResetError: [Errno 104] Connection reset by peer",
                "ConnectionResetError: [Errno 104] Connection reset by peer\n"
                "Forkserver process may have crashed during module preloading. Check stderr.",
            ),
            pattern=r"(?m)Forkserver process may have crashed during module preloading|"
            r"^(EOFError: unexpected EOF|ConnectionResetError: \[Errno \d+\] Connection reset by peer)",
            cause="A module named in set_forkserver_preload() raised something other than ImportError while the "
            "forkserver imported it (or, with 3.15's on_error='fail', any ImportError): the server died before "
            "forking, and the parent's start() found nobody to talk to.",
            fix="Read the forkserver's traceback printed above the parent's; make the module importable on its own, "
            "or preload only what imports cleanly.",
            evidence="raises.parent_start_error.type",
            shows=("EOFError", "ConnectionResetError", "ConnectionRefusedError"),
            docs=DOCS,
        ),
        Symptom(
            id="forkserver-preload-on-error-typeerror",
            title="TypeError: set_forkserver_preload() got an unexpected keyword argument 'on_error'",
            messages=(
                "TypeError: set_forkserver_preload() got an unexpected keyword argument 'on_error'",
                "TypeError: BaseContext.set_forkserver_preload() got an unexpected keyword argument 'on_error'",
            ),
            pattern=r"set_forkserver_preload\(\) got an unexpected keyword argument 'on_error'",
            cause="on_error= is new in 3.15 (gh-141860); older versions take only the list of names.",
            fix="Call set_forkserver_preload(names) without on_error before 3.15 (failures there are ignored if "
            "they are ImportError, fatal otherwise), or pass it only when sys.version_info >= (3, 15).",
            evidence="keyword.accepted.type",
            shows=("TypeError",),
            docs=DOCS,
        ),
        Symptom(
            id="forkserver-preload-importwarning",
            title="ImportWarning: Failed to preload module",
            messages=("ImportWarning: Failed to preload module 'name': No module named 'dependency'",),
            pattern=r"ImportWarning: Failed to preload (module|__main__)",
            cause="3.15's set_forkserver_preload(..., on_error='warn') met a module that failed to import; the "
            "forkserver went on without it (ImportWarning is hidden by the default filters).",
            fix="Install or fix the module; run with -W always::ImportWarning to see these warnings.",
            evidence="on_error_warn.warning_shown",
            shows=(
                "ImportWarning: Failed to preload module 'preload_missing': No module named 'no_such_module_forklab'",
            ),
            docs=DOCS,
        ),
    ),
)


def server_module_event(run: ScriptRun) -> Optional[Dict[str, Any]]:
    role = run.roles()
    return next((e for e in run.events if e["event"] == "module" and role[e["pid"]] == "server"), None)


def start_error(run: ScriptRun) -> Optional[Dict[str, Any]]:
    role = run.roles()
    failed = next((e for e in run.events if e["event"] == "start failed" and role[e["pid"]] == "parent"), None)
    if failed is None:
        return None
    error: Dict[str, Any] = {"type": failed["type"], "message": normalise(failed["message"])}
    if failed.get("notes"):
        error["notes"] = [normalise(note) for note in failed["notes"]]
    return error


def stderr_line(run: ScriptRun, pattern: str) -> Optional[str]:
    """The first stderr text matching ``pattern``, from the match on (no file name or line number before it)."""
    for line in run.stderr.splitlines():
        match = re.search(pattern, line)
        if match:
            return normalise(line[match.start() :])
    return None


def child_exitcodes(run: ScriptRun) -> List[Any]:
    return [e["exitcode"] for e in run.events if e["event"] == "child"]


def common(run: ScriptRun) -> Dict[str, Any]:
    return {
        "parent_exitcode": run.returncode,
        "parent_start_error": start_error(run),
        "child_exitcodes": child_exitcodes(run),
        "server_ran_main": run.by_role("module")["server"] > 0,
        "hung": run.hung,
    }


def run_case(cell: Cell, case: str, extra: Optional[List[str]] = None, env: Optional[Dict[str, str]] = None):
    return run_script(cell, [SCENARIO, case, *(extra or [])], timeout=TIMEOUT_S, env=env)


def observe_main(cell: Cell) -> Dict[str, Any]:
    run = run_case(cell, "main", ARGV)
    server = server_module_event(run)
    return dict(common(run), server_argv=server["argv"] if server else None)


def observe_large_argv(cell: Cell) -> Dict[str, Any]:
    run = run_case(cell, "large_argv", LARGE_ARGV)
    server = server_module_event(run)
    return dict(common(run), start_error=start_error(run), server_argc=server["argc"] if server else None)


def observe_fine(cell: Cell) -> Dict[str, Any]:
    run = run_case(cell, "fine")
    targets = [e for e in run.events if e["event"] == "target"]
    seen = sum("preload_fine" in e["already_imported"] for e in targets)
    return dict(common(run), imports=run.by_role("import"), children_see_it=classify_count(seen, 3))


def observe_failures(cell: Cell) -> Dict[str, Dict[str, Any]]:
    missing = run_case(cell, "missing")
    raises = run_case(cell, "raises")
    return {
        "missing": dict(
            common(missing), said_so_on_stderr=bool(re.search(r"preload_missing|no_such_module", missing.stderr))
        ),
        "raises": dict(common(raises), server_error=stderr_line(raises, r"^ZeroDivisionError")),
    }


def normalised(error: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    return None if error is None else {"type": error["type"], "message": normalise(error["message"])}


def observe_on_error(cell: Cell) -> Dict[str, Any]:
    asked = run_case(cell, "keyword")
    keyword = next((e for e in asked.events if e["event"] == "keyword"), None)
    if keyword is None:
        raise RuntimeError(f"the keyword case wrote nothing (exit {asked.returncode}): {asked.stderr[-1500:]}")
    answer: Dict[str, Any] = {"keyword": {key: normalised(keyword[key]) for key in ("accepted", "bogus")}}
    if keyword["accepted"] is not None:  # no on_error here
        answer["on_error_warn"] = answer["on_error_fail"] = not_applicable(ON_ERROR_ADDED)
        return answer
    warning = r"ImportWarning: Failed to preload"
    quiet = run_case(cell, "on_error_warn")
    shown = run_case(cell, "on_error_warn", env=script_env(cell, {"PYTHONWARNINGS": "always::ImportWarning"}))
    fail = run_case(cell, "on_error_fail")
    answer["on_error_warn"] = dict(
        common(quiet), warning_default_filters=stderr_line(quiet, warning), warning_shown=stderr_line(shown, warning)
    )
    answer["on_error_fail"] = dict(common(fail), server_error=stderr_line(fail, r"^ModuleNotFoundError"))
    return answer


def run(cell: Cell) -> None:
    if cell.method != "forkserver":
        for key in ("main", "large_argv", "fine", "missing", "raises", "keyword", "on_error_warn", "on_error_fail"):
            cell.observe(key, not_applicable(ONLY_FORKSERVER))
        return
    for name in (SCENARIO, *MODULES):
        copy_scenario(cell, name)
    cell.observe("main", observe_main(cell))
    cell.observe("large_argv", observe_large_argv(cell))
    cell.observe("fine", observe_fine(cell))
    for key, value in observe_failures(cell).items():
        cell.observe(key, value)
    for key, value in observe_on_error(cell).items():
        cell.observe(key, value)
