"""windows创建进程一定要在if __name__ == '__main__':代码块内创建 否则报错 -- why, and what "报错" looks like.

``spawn`` starts each child by importing the parent's main script again (as ``__mp_main__``), so
module-level code runs once more in every child; without the guard the child reaches
``start()`` while it is still importing, and multiprocessing stops it with the RuntimeError about
the "bootstrapping phase". ``fork`` copies the running parent and re-runs nothing.

``forkserver`` changed under users' feet. Up to 3.13.7 and in 3.14.0 it behaved like spawn (every
child re-ran the script). Since 3.13.8 and 3.14.1 (gh-126631) the server imports ``__main__``
*once*, before it forks any child -- so an unguarded script now fails in the *server*: the
server dies and the parent's own ``start()`` raises (EOFError, or ConnectionResetError since the
3.14 authentication handshake). 3.15 catches that failure in the server (gh-141860's preload
error handling, on_error='ignore' by default), so the children re-run the script and fail as
under spawn, and the parent goes on.

Each scenario starts three children one after another, so that "re-imported in every child"
(3 runs) and "imported once by the server" (1 run) give different counts. Scripts run by path
and with ``-m`` differ: spawn re-runs a module run with ``-m`` too, but never a package's
``__main__.py``, and the forkserver preloads only a script run by path.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from lab.experiment import Cell, Experiment, Observation, Symptom
from lab.experiments._scripts import ScriptRun, copy_scenario, run_script
from lab.normalise import normalise

DOCS = "https://docs.python.org/3/library/multiprocessing.html#multiprocessing-safe-main-import"
BOOTSTRAP_TEXT = "An attempt has been made to start a new process before the"
BOOTSTRAP_MESSAGE = (
    "RuntimeError: An attempt has been made to start a new process before the current process has finished its "
    "bootstrapping phase. This probably means that you are not using fork to start your child processes and you "
    "have forgotten to use the proper idiom in the main module: if __name__ == '__main__': freeze_support() ... "
    'The "freeze_support()" line can be omitted if the program is not going to be frozen to produce an executable.'
)
TIMEOUT_S = 30.0

EXPERIMENT = Experiment(
    name="main_guard",
    title="The __main__ guard",
    question='What happens when a script starts processes without `if __name__ == "__main__":`, '
    "and who re-runs its module-level code?",
    concept="windows创建进程一定要在if __name__ == '__main__':代码块内创建 否则报错",
    version=2,
    lesson="spawn re-runs the main script in every child, so a script that starts processes at module level "
    "makes each child fail with the 'bootstrapping phase' RuntimeError while the parent goes on. "
    "Since 3.13.8/3.14.1 the forkserver imports the script once, in the server, so the same script kills the "
    "server and the parent's start() raises -- until 3.15, where the server survives and the children fail again.",
    docs=DOCS,
    observations=(
        Observation("script_unguarded.parent_exitcode", "Unguarded script: the parent's exit code", glance=True),
        Observation(
            "script_unguarded.parent_start_error.type",
            "Unguarded script: what start() raises in the parent (None: nothing)",
            glance=True,
        ),
        Observation("script_unguarded.parent_start_error.message", "Unguarded script: its message"),
        Observation("script_unguarded.bootstrap_error_in", "Unguarded script: which processes hit the RuntimeError"),
        Observation("script_unguarded.child_exitcodes", "Unguarded script: the children's exit codes"),
        Observation("script_unguarded.module_level_runs.total", "Unguarded script: module-level code runs, in all"),
        Observation("script_unguarded.hung", "Unguarded script: hung (stopped after 30 s)"),
        Observation(
            "script_guarded.module_level_runs.total",
            "Guarded script, 3 children: module-level code runs, in all (1 = only the parent)",
            glance=True,
        ),
        Observation(
            "script_guarded.module_level_runs.server", "Guarded script: runs in the forkserver (the __main__ preload)"
        ),
        Observation("script_guarded.module_level_runs.children", "Guarded script: runs in the 3 children"),
        Observation("script_guarded.target_main_name", "Guarded script: __main__'s name as the target sees it"),
        Observation("script_guarded.child_exitcodes", "Guarded script: the children's exit codes"),
        Observation("module_unguarded.parent_exitcode", "Unguarded module run with -m: the parent's exit code"),
        Observation("module_unguarded.bootstrap_error_in", "Unguarded module run with -m: who hits the RuntimeError"),
        Observation(
            "package_unguarded.module_level_runs.children",
            "Unguarded package __main__.py run with -m: runs in the 3 children",
        ),
        Observation("package_unguarded.child_exitcodes", "Unguarded package run with -m: the children's exit codes"),
    ),
    symptoms=(
        Symptom(
            id="bootstrapping-phase",
            title="RuntimeError: an attempt has been made to start a new process before the bootstrapping phase",
            messages=(  # whitespace collapsed; 3.8-3.10, then 3.11+ (spawn.py, _check_not_importing_main)
                BOOTSTRAP_MESSAGE,
                BOOTSTRAP_MESSAGE + ' To fix this issue, refer to the "Safe importing of main module" section in '
                "https://docs.python.org/3/library/multiprocessing.html",
            ),
            pattern=r"start a new process before the\s+current process has finished its bootstrapping phase",
            cause="A child (spawn; forkserver before 3.13.8/3.14.1 and on 3.15) or the forkserver itself "
            "(3.13.8+, 3.14.1+) imports the main script again and reaches start() at module level.",
            fix="Create and start processes (and pools, executors, managers) only under "
            "`if __name__ == '__main__':`, or inside functions called from there.",
            evidence="script_unguarded.bootstrap_error_in",
            shows=(["children"], ["server"], ["children", "server"]),
            docs=DOCS,
        ),
        Symptom(
            id="forkserver-died-during-preload",
            title="start() fails in the parent: the forkserver died while it imported __main__",
            messages=(
                "EOFError: unexpected EOF",
                "ConnectionResetError: [Errno 104] Connection reset by peer",
            ),
            pattern=r"(?m)^(EOFError: unexpected EOF|ConnectionResetError: \[Errno \d+\] Connection reset by peer)",
            cause="Since 3.13.8 and 3.14.1 the forkserver imports the main script before it forks; an unguarded "
            "start() there raises the bootstrapping RuntimeError, the server dies, and the parent's start() reads "
            "nothing back (EOFError on 3.13, ConnectionResetError from the authentication handshake on 3.14).",
            fix="Put the process-starting code under `if __name__ == '__main__':` (the traceback printed before it "
            "is the forkserver's bootstrapping RuntimeError).",
            evidence="script_unguarded.parent_start_error.type",
            shows=("EOFError", "ConnectionResetError", "ConnectionRefusedError"),
            docs=DOCS,
        ),
    ),
)

#: scenario -> (how it is run, the files it needs)
SCENARIOS = {
    "script_unguarded": (["main_guard_unguarded.py"], "main_guard_unguarded.py"),
    "script_guarded": (["main_guard_guarded.py"], "main_guard_guarded.py"),
    "module_unguarded": (["-m", "main_guard_unguarded"], "main_guard_unguarded.py"),
    "package_unguarded": (["-m", "main_guard_package"], "main_guard_package"),
}


def start_error(event: Optional[Dict[str, Any]]) -> Optional[Dict[str, str]]:
    if event is None:
        return None
    return {"type": event["type"], "message": normalise(event["message"])}


def observe(run: ScriptRun) -> Dict[str, Any]:
    """What one run of a scenario shows, by process role."""
    role, runs = run.roles(), run.by_role("module")
    failures = [e for e in run.events if e["event"] == "start failed"]
    bootstrap = sorted({role[e["pid"]] for e in failures if BOOTSTRAP_TEXT in e["message"]})
    in_parent = next((e for e in failures if role[e["pid"]] == "parent"), None)
    targets: List[Dict[str, Any]] = [e for e in run.events if e["event"] == "target"]
    return {
        "module_level_runs": dict(runs, total=sum(runs.values())),
        "targets_ran": len(targets),
        "target_main_name": targets[0]["main"] if targets else None,
        "child_exitcodes": [e["exitcode"] for e in run.events if e["event"] == "child"],
        "bootstrap_error_in": bootstrap,
        "bootstrap_error_on_stderr": "bootstrapping phase" in run.stderr,
        "parent_start_error": start_error(in_parent),
        "parent_exitcode": run.returncode,
        "hung": run.hung,
    }


def run(cell: Cell) -> None:
    for scenario, (argv, files) in SCENARIOS.items():
        copy_scenario(cell, files)
        cell.observe(scenario, observe(run_script(cell, argv, timeout=TIMEOUT_S)))
