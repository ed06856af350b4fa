"""Who re-runs the main script, and what an unguarded script gets (Lib/multiprocessing/spawn.py, forkserver.py).

spawn's children run ``spawn.prepare``: a script run by path is re-run as ``__mp_main__``
(``_fixup_main_from_path``), a module run with ``-m`` too (``_fixup_main_from_name``), but a
package's ``__main__.py`` never. The forkserver asked for ``'__main__'`` to be preloaded from the
start (``ForkServer._preload_modules``) but read the path under the wrong key (``main_path``
instead of ``init_main_from_path``) until 3.13.8 and 3.14.1 (gh-126631): since then the server
imports a script run by path once, with ``_inheriting`` set, so an unguarded ``start()`` raises in
the server. 3.15's preload error handling (gh-141860, ``on_error='ignore'`` by default) catches it.
"""

from __future__ import annotations

from lab.facts.dsl import cpython, docs, equal_all, fact, issue, not_equal, when

MP_DOCS = "library/multiprocessing.html"
SPAWN, FORKSERVER = "Lib/multiprocessing/spawn.py", "Lib/multiprocessing/forkserver.py"
SAFE_MAIN = docs("3.14", MP_DOCS, "multiprocessing-safe-main-import", "Safe importing of main module")
START_METHODS = docs("3.14", MP_DOCS, "contexts-and-start-methods", "Contexts and start methods")
FIXUP_PATH = cpython("v3.14.0", SPAWN, "_fixup_main_from_path: runpy.run_path(..., '__mp_main__')")
FIXUP_NAME = cpython("v3.14.0", SPAWN, "_fixup_main_from_name: returns for '*.__main__'")
NOT_IMPORTING = cpython("v3.14.0", SPAWN, "_check_not_importing_main")
OLD_KEYS = cpython("v3.13.0", FORKSERVER, "ensure_running: desired_keys = {'main_path', 'sys_path'}")
NEW_KEYS = cpython("v3.13.8", FORKSERVER, "ensure_running: data['init_main_from_path']")
SERVER_MAIN = cpython("v3.14.1", FORKSERVER, "main: spawn.import_main_path, no except")
HANDLE_PRELOAD = cpython("v3.15.0", FORKSERVER, "_handle_preload: except Exception")

ALL = ("script_unguarded", "script_guarded", "module_unguarded", "package_unguarded")
BEFORE_PRELOAD_FIX = [("3.8", "3.13.8"), ("3.14", "3.14.1")]
PRELOAD_FIX = [("3.13.8", "3.14"), ("3.14.1", None)]

FACTS = [
    fact(
        "main-guard-fork-reruns-nothing",
        "under fork nothing re-runs: module-level code runs once, guard or not, and every target runs",
        when(implementation=None, methods=("fork",)),
        equal_all(
            {
                **{f"{s}.module_level_runs.total": 1 for s in ALL},
                **{f"{s}.child_exitcodes": [0, 0, 0] for s in ALL},
            }
        ),
        START_METHODS,
    ),
    fact(
        "main-guard-guarded-runs-every-target",
        "with the guard every child runs its target and exits 0, under every method",
        when(implementation=None),
        equal_all({"script_guarded.child_exitcodes": [0, 0, 0], "script_guarded.targets_ran": 3}),
        SAFE_MAIN,
    ),
    fact(
        "main-guard-spawn-reruns-script-in-every-child",
        "spawn re-runs a script's module-level code in every child, as __mp_main__",
        when(implementation=None, methods=("spawn",)),
        equal_all(
            {
                "script_guarded.module_level_runs.children": 3,
                "script_guarded.module_level_runs.total": 4,
                "script_guarded.target_main_name": "__mp_main__",
            }
        ),
        FIXUP_PATH,
        SAFE_MAIN,
    ),
    fact(
        "main-guard-spawn-unguarded-fails-in-children",
        "spawn, no guard: each child's start() raises the bootstrapping RuntimeError, each child exits 1, "
        "and the parent goes on (exit 0)",
        when(implementation=None, methods=("spawn",)),
        equal_all(
            {
                "script_unguarded.bootstrap_error_in": ["children"],
                "script_unguarded.child_exitcodes": [1, 1, 1],
                "script_unguarded.parent_start_error": None,
                "script_unguarded.parent_exitcode": 0,
            }
        ),
        NOT_IMPORTING,
        SAFE_MAIN,
    ),
    fact(
        "main-guard-spawn-reruns-module-run-with-m",
        "spawn re-runs a module run with -m in every child (runpy.run_module as __mp_main__): it needs the guard too",
        when(implementation=None, methods=("spawn",)),
        equal_all(
            {
                "module_unguarded.module_level_runs.children": 3,
                "module_unguarded.bootstrap_error_in": ["children"],
                "module_unguarded.parent_exitcode": 0,
            }
        ),
        FIXUP_NAME,
    ),
    fact(
        "main-guard-package-main-not-rerun",
        "a package's __main__.py run with -m is never re-run by spawn or forkserver children: no guard needed "
        "to avoid the RuntimeError, and every target runs",
        when(implementation=None, methods=("spawn", "forkserver")),
        equal_all(
            {
                "package_unguarded.module_level_runs.total": 1,
                "package_unguarded.bootstrap_error_in": [],
                "package_unguarded.child_exitcodes": [0, 0, 0],
            }
        ),
        FIXUP_NAME,
    ),
    fact(
        "main-guard-forkserver-preloads-only-scripts-by-path",
        "the forkserver never preloads a module run with -m (it reads only init_main_from_path): "
        "every child re-runs it, as under spawn",
        when(implementation=None, methods=("forkserver",)),
        equal_all(
            {
                "module_unguarded.module_level_runs.server": 0,
                "module_unguarded.module_level_runs.children": 3,
                "module_unguarded.bootstrap_error_in": ["children"],
                "module_unguarded.parent_exitcode": 0,
            }
        ),
        NEW_KEYS,
        FIXUP_NAME,
    ),
    fact(
        "main-guard-forkserver-reruns-like-spawn-before-preload-fix",
        "before 3.13.8 and in 3.14.0 the forkserver never preloaded __main__ (wrong key): every child re-runs "
        "the script, and without the guard each child fails while the parent goes on",
        when(implementation=None, methods=("forkserver",), versions=BEFORE_PRELOAD_FIX),
        equal_all(
            {
                "script_guarded.module_level_runs.server": 0,
                "script_guarded.module_level_runs.children": 3,
                "script_unguarded.bootstrap_error_in": ["children"],
                "script_unguarded.child_exitcodes": [1, 1, 1],
                "script_unguarded.parent_exitcode": 0,
            }
        ),
        OLD_KEYS,
        issue(126631),
    ),
    fact(
        "main-guard-forkserver-preloads-main-once",
        "since 3.13.8 and 3.14.1 the forkserver imports a script run by path once, before forking; "
        "the children do not re-run it and find it as __mp_main__",
        when(methods=("forkserver",), versions=PRELOAD_FIX),
        equal_all(
            {
                "script_guarded.module_level_runs.server": 1,
                "script_guarded.module_level_runs.children": 0,
                "script_guarded.target_main_name": "__mp_main__",
            }
        ),
        NEW_KEYS,
        SERVER_MAIN,
        issue(126631),
    ),
    fact(
        "main-guard-forkserver-unguarded-kills-server",
        "3.13.8+ and 3.14.1+ (before 3.15), no guard: the bootstrapping RuntimeError is raised in the forkserver "
        "during its preload, the server dies, and the parent's start() raises; the parent exits 1",
        when(methods=("forkserver",), versions=[("3.13.8", "3.14"), ("3.14.1", "3.15")]),
        equal_all(
            {
                "script_unguarded.bootstrap_error_in": ["server"],
                "script_unguarded.child_exitcodes": [],
                "script_unguarded.parent_exitcode": 1,
            }
        ),
        SERVER_MAIN,
        issue(126631),
    ),
    fact(
        "main-guard-forkserver-unguarded-parent-start-raises",
        "3.13.8+ and 3.14.1+ (before 3.15), no guard: start() raises in the parent (the server it talks to died)",
        when(methods=("forkserver",), versions=[("3.13.8", "3.14"), ("3.14.1", "3.15")]),
        not_equal("script_unguarded.parent_start_error", None),
        SERVER_MAIN,
    ),
    fact(
        "main-guard-forkserver-3.15-server-survives",
        "3.15 catches the failed __main__ preload in the server (on_error='ignore'): the server lives, each "
        "child re-runs the script and fails as under spawn, and the parent goes on (exit 0)",
        when(methods=("forkserver",), since="3.15"),
        equal_all(
            {
                "script_unguarded.bootstrap_error_in": ["children", "server"],
                "script_unguarded.child_exitcodes": [1, 1, 1],
                "script_unguarded.parent_start_error": None,
                "script_unguarded.parent_exitcode": 0,
            }
        ),
        HANDLE_PRELOAD,
        issue(141860),
    ),
]
