"""What the forkserver imports before it forks (Lib/multiprocessing/forkserver.py).

``ForkServer._preload_modules`` starts as ``['__main__']``; ``set_forkserver_preload(names)``
replaces it. ``forkserver.main`` imports the list before its accept loop: ``__main__`` through
``spawn.import_main_path`` -- reachable only since 3.13.8/3.14.1 (gh-126631) -- then each name
with ``__import__``, skipping ImportError (up to 3.14) or handling it by ``on_error`` (3.15,
gh-141860); any other exception escapes and the server dies. The server's ``sys.argv`` during
that import was left as the server's own (``['-c']``) until gh-143706 (3.13.12, 3.14.3); those two
releases passed it inside the ``-c`` string, which a large argv overflows (gh-144503, fixed in
3.13.13, 3.14.4 by passing it as separate arguments).
"""

from __future__ import annotations

from lab.facts.dsl import cpython, docs, equal_all, equals, fact, issue, not_equal, when

FORKSERVER = "Lib/multiprocessing/forkserver.py"
ONLY = ("forkserver",)
PRELOAD_DOCS = docs(
    "3.14", "library/multiprocessing.html", "multiprocessing.set_forkserver_preload", "set_forkserver_preload()"
)
MAIN_LOOP = cpython("v3.14.0", FORKSERVER, "main: for modname in preload: __import__ / except ImportError: pass")
SET_PRELOAD = cpython("v3.14.0", FORKSERVER, "ForkServer.set_forkserver_preload: self._preload_modules = ...")
ON_ERROR = cpython("v3.15.0", FORKSERVER, "_handle_preload, _handle_import_error")
BEFORE_PRELOAD_FIX = [("3.8", "3.13.8"), ("3.14", "3.14.1")]
PRELOAD_FIX = [("3.13.8", "3.14"), ("3.14.1", None)]
ARGV_EMPTY = [("3.13.8", "3.13.12"), ("3.14.1", "3.14.3")]
ARGV_PASSED = [("3.13.12", "3.14"), ("3.14.3", None)]
ARGV_IN_COMMAND = [("3.13.12", "3.13.13"), ("3.14.3", "3.14.4")]
FAIL_NOTE = "Forkserver process may have crashed during module preloading. Check stderr."

FACTS = [
    fact(
        "forkserver-preload-main-not-before-fix",
        "before 3.13.8 and in 3.14.0 the forkserver never imports __main__ (it read the wrong key)",
        when(implementation=None, methods=ONLY, versions=BEFORE_PRELOAD_FIX),
        equal_all({"main.server_ran_main": False, "main.server_argv": None}),
        cpython("v3.13.0", FORKSERVER, "ensure_running: desired_keys = {'main_path', 'sys_path'}"),
        issue(126631),
    ),
    fact(
        "forkserver-preload-main-since-fix",
        "since 3.13.8 and 3.14.1 the forkserver imports a script's __main__ before it forks",
        when(methods=ONLY, versions=PRELOAD_FIX),
        equals("main.server_ran_main", True),
        cpython("v3.13.8", FORKSERVER, "ensure_running: main_kws['main_path'] = data['init_main_from_path']"),
        issue(126631),
    ),
    fact(
        "forkserver-preload-main-argv-empty",
        "3.13.8-3.13.11 and 3.14.1-3.14.2: the preloaded __main__ sees no command-line arguments",
        when(methods=ONLY, versions=ARGV_EMPTY),
        equals("main.server_argv", []),
        issue(143706, "gh-143706 (Misc/NEWS of 3.13.12 and 3.14.3)"),
    ),
    fact(
        "forkserver-preload-main-argv-real",
        "since 3.13.12 and 3.14.3 the preloaded __main__ sees the parent's sys.argv",
        when(methods=ONLY, versions=ARGV_PASSED),
        equals("main.server_argv", ["main", "--flag", "value"]),
        cpython("v3.13.12", FORKSERVER, "main: sys.argv[:] = sys_argv"),
        issue(143706),
    ),
    fact(
        "forkserver-preload-large-argv-breaks-start",
        "3.13.12 and 3.14.3 put sys.argv into the server's -c string: a very large argv makes start() fail",
        when(methods=ONLY, versions=ARGV_IN_COMMAND),
        not_equal("large_argv.start_error", None),
        issue(144503, "gh-144503 (Misc/NEWS of 3.13.13 and 3.14.4)"),
    ),
    fact(
        "forkserver-preload-large-argv-as-arguments",
        "since 3.13.13 and 3.14.4 sys.argv goes to the server as separate arguments: a 300 kB argv works",
        when(methods=ONLY, versions=[("3.13.13", "3.14"), ("3.14.4", None)]),
        equal_all({"large_argv.start_error": None, "large_argv.server_argc": 3001}),
        cpython("v3.14.4", FORKSERVER, "ensure_running: args += sys_argv"),
        issue(144503),
    ),
    fact(
        "forkserver-preload-module-imported-once",
        "a module named in set_forkserver_preload() is imported once, in the server; every child finds it "
        "already imported",
        when(implementation=None, methods=ONLY),
        equal_all(
            {
                "fine.imports": {"parent": 0, "server": 1, "children": 0},
                "fine.children_see_it.class": "all",
                "fine.child_exitcodes": [0, 0, 0],
            }
        ),
        MAIN_LOOP,
        PRELOAD_DOCS,
    ),
    fact(
        "forkserver-preload-list-replaces-main",
        "set_forkserver_preload(names) replaces the default ['__main__']: without '__main__' in it, the server "
        "does not import the script",
        when(implementation=None, methods=ONLY),
        equals("fine.server_ran_main", False),
        SET_PRELOAD,
    ),
    fact(
        "forkserver-preload-importerror-skipped",
        "a preloaded module failing with ImportError is skipped silently (3.15: on_error='ignore', the default)",
        when(implementation=None, methods=ONLY),
        equal_all(
            {"missing.child_exitcodes": [0, 0, 0], "missing.parent_exitcode": 0, "missing.said_so_on_stderr": False}
        ),
        MAIN_LOOP,
        ON_ERROR,
    ),
    fact(
        "forkserver-preload-other-error-kills-server",
        "a preloaded module raising anything but ImportError kills the server: its traceback is printed, the "
        "parent's start() raises, and the parent exits 1 -- whatever on_error says",
        when(implementation=None, methods=ONLY),
        equal_all(
            {
                "raises.server_error": "ZeroDivisionError: preload_raises fails at import",
                "raises.child_exitcodes": [],
                "raises.parent_exitcode": 1,
            }
        ),
        MAIN_LOOP,
        ON_ERROR,
    ),
    fact(
        "forkserver-preload-other-error-start-raises",
        "... and start() raises in the parent",
        when(implementation=None, methods=ONLY),
        not_equal("raises.parent_start_error", None),
        MAIN_LOOP,
    ),
    fact(
        "forkserver-preload-no-on-error-before-3.15",
        "before 3.15 set_forkserver_preload() takes no on_error: TypeError",
        when(implementation=None, methods=ONLY, before="3.15"),
        equals("keyword.accepted.type", "TypeError"),
        SET_PRELOAD,
    ),
    fact(
        "forkserver-preload-on-error-3.15",
        "3.15 accepts on_error='ignore'|'warn'|'fail' and rejects anything else with ValueError",
        when(methods=ONLY, since="3.15"),
        equal_all(
            {
                "keyword.accepted": None,
                "keyword.bogus": {
                    "type": "ValueError",
                    "message": "on_error must be 'ignore', 'warn', or 'fail', not 'bogus'",
                },
            }
        ),
        cpython("v3.15.0", FORKSERVER, "ForkServer.set_forkserver_preload: on_error"),
        issue(141860),
    ),
    fact(
        "forkserver-preload-on-error-warn",
        "on_error='warn': the server goes on and emits ImportWarning 'Failed to preload module ...'",
        when(methods=ONLY, since="3.15"),
        equal_all(
            {
                "on_error_warn.child_exitcodes": [0, 0, 0],
                "on_error_warn.warning_shown": "ImportWarning: Failed to preload module 'preload_missing': "
                "No module named 'no_such_module_forklab'",
            }
        ),
        ON_ERROR,
    ),
    fact(
        "forkserver-preload-on-error-warn-hidden",
        "... and the default warning filters hide ImportWarning, so a user sees nothing",
        when(methods=ONLY, since="3.15"),
        equals("on_error_warn.warning_default_filters", None),
        docs("3.15", "library/warnings.html", "default-warning-filter", "the default warning filters"),
    ),
    fact(
        "forkserver-preload-on-error-fail",
        "on_error='fail': the ImportError kills the server, and the parent's start() error carries the note "
        f"'{FAIL_NOTE}'",
        when(methods=ONLY, since="3.15"),
        equal_all(
            {
                "on_error_fail.server_error": "ModuleNotFoundError: No module named 'no_such_module_forklab'",
                "on_error_fail.parent_start_error.notes": [FAIL_NOTE],
                "on_error_fail.parent_exitcode": 1,
            }
        ),
        cpython("v3.15.0", FORKSERVER, "ForkServer.connect_to_new_process: exc.add_note"),
        ON_ERROR,
    ),
]
