"""What pickles on the way to a child (Lib/multiprocessing/popen_spawn_posix.py, popen_forkserver.py).

``fork`` copies the parent and pickles nothing. ``spawn`` and ``forkserver`` call
``reduction.dump(process_obj, ...)`` in ``Popen._launch`` before the child exists, so a target or
argument that cannot be pickled makes ``start()`` raise in the parent; functions and classes
pickle by qualified name, so one the child cannot import fails in the child, when it unpickles.

Where things fail is the stdlib's own Python code, shared by PyPy, so those facts hold for every
implementation. Which exception is raised is the C pickler's, and changed in 3.14 (gh-122311:
``PicklingError`` instead of ``AttributeError`` for a nested function); messages change more
often (the nested-function one between 3.12.1 and 3.13.0, the ``__mp_main__`` one in 3.14) and are kept
as observations and in the experiment's symptoms, not checked here.
"""

from __future__ import annotations

from lab.facts.dsl import cpython, docs, equal_all, fact, issue, when

FRESH = ("spawn", "forkserver")
SPAWN_LAUNCH = cpython("v3.14.0", "Lib/multiprocessing/popen_spawn_posix.py", "Popen._launch: reduction.dump()")
FORKSERVER_LAUNCH = cpython("v3.14.0", "Lib/multiprocessing/popen_forkserver.py", "Popen._launch: reduction.dump()")
START_METHODS = docs("3.14", "library/multiprocessing.html", "contexts-and-start-methods", "Contexts and start methods")
PICKLABLE = docs("3.14", "library/pickle.html", "what-can-be-pickled-and-unpickled", "What can be pickled")
GUIDELINES = docs(
    "3.14", "library/multiprocessing.html", "the-spawn-and-forkserver-start-methods", "The spawn and forkserver methods"
)

#: Cases that have no importable name, or cannot be pickled at all.
NO_NAME = ("lambda", "closure", "arg_lambda")
NOT_PICKLABLE = ("subclass_lock_attribute", "subclass_file_attribute", "arg_generator")
BY_NAME = ("module_function", "partial", "bound_method", "staticmethod")
EVERY_CASE = (*BY_NAME, "arg_socket", "main_guard_function", *NO_NAME, *NOT_PICKLABLE)
#: start() raised in the parent, so there is no child and no exit code.
FAILS_IN_PARENT = {f"{case}.outcome": "parent" for case in NO_NAME + NOT_PICKLABLE} | {
    f"{case}.exitcode": None for case in NO_NAME + NOT_PICKLABLE
}

FACTS = [
    fact(
        "pickling-fork-pickles-nothing",
        "under fork every target and argument works, lambdas, nested functions and unpicklable attributes included",
        when(implementation=None, methods=("fork",)),
        equal_all({f"{case}.outcome": "ok" for case in EVERY_CASE}),
        START_METHODS,
        cpython("v3.14.0", "Lib/multiprocessing/popen_fork.py", "Popen._launch: os.fork(), nothing pickled"),
    ),
    fact(
        "pickling-spawn-named-targets-work",
        "under spawn and forkserver what pickles by name works: a module-level function, a partial of one, a "
        "bound method of a module-level class, a staticmethod",
        when(implementation=None, methods=FRESH),
        equal_all({f"{case}.outcome": "ok" for case in BY_NAME}),
        PICKLABLE,
        GUIDELINES,
    ),
    fact(
        "pickling-spawn-socket-argument-duplicated",
        "under spawn and forkserver a socket argument works: multiprocessing registers a reducer that passes "
        "a duplicate of its file descriptor",
        when(implementation=None, methods=FRESH),
        equal_all({"arg_socket.outcome": "ok"}),
        cpython(
            "v3.14.0", "Lib/multiprocessing/reduction.py", "register(socket.socket, _reduce_socket), POSIX and Windows"
        ),
    ),
    fact(
        "pickling-spawn-unpicklable-fails-in-parent",
        "under spawn and forkserver a lambda or nested function (as target or argument), a Process subclass "
        "holding a lock or an open file, and a generator argument make start() raise in the parent: no child starts",
        when(implementation=None, methods=FRESH),
        equal_all(FAILS_IN_PARENT),
        SPAWN_LAUNCH,
        FORKSERVER_LAUNCH,
    ),
    fact(
        "pickling-spawn-lambda-picklingerror",
        "a lambda, as target or as argument, raises PicklingError (its name, <lambda>, cannot be looked up)",
        when(methods=FRESH),
        equal_all({"lambda.type": "PicklingError", "arg_lambda.type": "PicklingError"}),
        cpython("v3.14.0", "Lib/pickle.py", "whichmodule / save_global: PicklingError"),
        PICKLABLE,
    ),
    fact(
        "pickling-spawn-nested-function-attributeerror",
        "before 3.14 a nested function, as target, raises AttributeError (Can't pickle local object; reworded "
        "Can't get local object by 3.13.0)",
        when(methods=FRESH, before="3.14"),
        equal_all({"closure.type": "AttributeError"}),
        cpython("v3.13.0", "Lib/pickle.py", "_getattribute: AttributeError for '<locals>'"),
    ),
    fact(
        "pickling-spawn-nested-function-picklingerror-3.14",
        "from 3.14 a nested function raises PicklingError: Can't pickle local object <function ...>",
        when(methods=FRESH, since="3.14"),
        equal_all({"closure.type": "PicklingError"}),
        cpython("v3.14.0", "Lib/pickle.py", "whichmodule: PicklingError for '<locals>'"),
        issue(122311, "gh-122311: improve and unify pickle errors"),
    ),
    fact(
        "pickling-spawn-unpicklable-objects-typeerror",
        "a threading.Lock or an open file held by a Process subclass, and a generator argument, raise TypeError",
        when(methods=FRESH),
        equal_all({f"{case}.type": "TypeError" for case in NOT_PICKLABLE}),
        GUIDELINES,
        PICKLABLE,
    ),
    fact(
        "pickling-spawn-main-guard-function-fails-in-child",
        "under spawn and forkserver a target defined under the __main__ guard pickles, but the child, which "
        "imports the script as __mp_main__ without running the guarded code, fails with AttributeError, exitcode 1",
        when(implementation=None, methods=FRESH),
        equal_all(
            {
                "main_guard_function.outcome": "child",
                "main_guard_function.type": "AttributeError",
                "main_guard_function.exitcode": 1,
            }
        ),
        cpython(
            "v3.14.0", "Lib/multiprocessing/spawn.py", "_fixup_main_from_path: runpy.run_path(run_name='__mp_main__')"
        ),
        GUIDELINES,
    ),
]
