"""The default start method, per platform and version, and choosing one (Lib/multiprocessing/context.py).

Up to 3.13 the default is a fixed ``DefaultContext(_concrete_contexts[...])``: fork on Linux,
spawn on macOS (bpo-33725, 3.8) and Windows. From 3.14 ``_get_platform_default_context()``
returns forkserver where fds can be passed (``reduction.HAVE_SEND_HANDLE``) and not on macOS
(gh-84559) -- since 3.14.9 only if a temporary directory is writable, else spawn (gh-155717) --
and ``get_all_start_methods()`` lists the default first. ``ProcessPoolExecutor`` takes
``mp.get_context()`` unless given ``mp_context``, and spawn for ``max_tasks_per_child`` (3.11+).
``DefaultContext.set_start_method`` raises ``RuntimeError('context has already been set')`` once
anything fixed the context, unless ``force=True``.
"""

from __future__ import annotations

from lab.facts.dsl import cpython, docs, equal_all, equals, fact, issue, when

CONTEXT = "Lib/multiprocessing/context.py"
START_METHODS = docs("3.14", "library/multiprocessing.html", "contexts-and-start-methods", "Contexts and start methods")
OLD_DEFAULT = cpython("v3.13.0", CONTEXT, "_default_context = DefaultContext(_concrete_contexts['fork'])")
NEW_DEFAULT = cpython("v3.14.0", CONTEXT, "_get_platform_default_context")
SET_START = cpython("v3.14.0", CONTEXT, "DefaultContext.set_start_method / get_start_method")
SET_DOCS = docs("3.14", "library/multiprocessing.html", "multiprocessing.set_start_method", "set_start_method()")
EXECUTOR = cpython("v3.14.0", "Lib/concurrent/futures/process.py", "ProcessPoolExecutor.__init__: mp_context")
EXECUTOR_DOCS = docs(
    "3.14", "library/concurrent.futures.html", "concurrent.futures.ProcessPoolExecutor", "ProcessPoolExecutor"
)
USES = ("process_uses", "executor_uses", "pool_uses")


def all_use(method: str) -> dict:
    return {key: method for key in USES}


FACTS = [
    fact(
        "default-context-linux-fork-before-3.14",
        "on Linux up to 3.13 the default is fork, for Process, Pool and ProcessPoolExecutor()",
        when(implementation=None, platforms=("linux",), before="3.14"),
        equal_all(
            {"get_start_method": "fork", "get_all_start_methods": ["fork", "spawn", "forkserver"], **all_use("fork")}
        ),
        OLD_DEFAULT,
        START_METHODS,
    ),
    fact(
        "default-context-linux-forkserver-3.14",
        "from 3.14 the default on Linux is forkserver (listed first), for Process, Pool and ProcessPoolExecutor()",
        when(platforms=("linux",), since="3.14"),
        equal_all(
            {
                "get_start_method": "forkserver",
                "get_all_start_methods": ["forkserver", "fork", "spawn"],
                **all_use("forkserver"),
            }
        ),
        NEW_DEFAULT,
        issue(84559),
        START_METHODS,
    ),
    fact(
        "default-context-macos-spawn",
        "on macOS the default is spawn (since 3.8, bpo-33725), for Process, Pool and ProcessPoolExecutor()",
        when(implementation=None, platforms=("macos",)),
        equal_all(
            {"get_start_method": "spawn", "get_all_start_methods": ["spawn", "fork", "forkserver"], **all_use("spawn")}
        ),
        cpython("v3.8.0", CONTEXT, "sys.platform == 'darwin': DefaultContext(_concrete_contexts['spawn'])"),
        NEW_DEFAULT,
    ),
    fact(
        "default-context-windows-spawn",
        "on Windows spawn is the only method, and everything uses it",
        when(implementation=None, platforms=("windows",)),
        equal_all({"get_start_method": "spawn", "get_all_start_methods": ["spawn"], **all_use("spawn")}),
        START_METHODS,
    ),
    fact(
        "default-context-nothing-chosen-before-use",
        "before anything is started, get_start_method(allow_none=True) is None: the default is fixed on first use",
        when(implementation=None),
        equals("get_start_method_allow_none", None),
        SET_START,
    ),
    fact(
        "default-context-max-tasks-per-child-spawn",
        "ProcessPoolExecutor(max_tasks_per_child=n) without mp_context uses spawn (3.11+)",
        when(implementation=None, since="3.11"),
        equals("executor_max_tasks_per_child_uses", "spawn"),
        cpython("v3.11.0", "Lib/concurrent/futures/process.py", "mp_context = mp.get_context('spawn')"),
        EXECUTOR_DOCS,
    ),
    fact(
        "default-context-max-tasks-per-child-new-in-3.11",
        "before 3.11 ProcessPoolExecutor has no max_tasks_per_child: TypeError",
        when(implementation=None, before="3.11"),
        equals("executor_max_tasks_per_child_uses.type", "TypeError"),
        EXECUTOR_DOCS,
    ),
    fact(
        "default-context-explicit-spawn-wins",
        "an explicit context wins: ProcessPoolExecutor(mp_context=get_context('spawn')) and "
        "get_context('spawn').Pool() use spawn whatever the default",
        when(),
        equal_all({"explicit.spawn.executor": "spawn", "explicit.spawn.pool": "spawn"}),
        EXECUTOR,
        START_METHODS,
    ),
    fact(
        "default-context-explicit-posix-wins",
        "on Linux and macOS get_context('fork') and get_context('forkserver') are used as given",
        when(platforms=("linux", "macos")),
        equal_all(
            {
                "explicit.fork.executor": "fork",
                "explicit.fork.pool": "fork",
                "explicit.forkserver.executor": "forkserver",
                "explicit.forkserver.pool": "forkserver",
            }
        ),
        EXECUTOR,
    ),
    fact(
        "default-context-set-start-method-once",
        "set_start_method() works once: a second call, or one after get_start_method(), raises "
        "RuntimeError: context has already been set; force=True does not",
        when(implementation=None),
        equal_all(
            {
                "set.first_set": None,
                "set.second_set": {"type": "RuntimeError", "message": "context has already been set"},
                "set.set_after_get_start_method": {"type": "RuntimeError", "message": "context has already been set"},
                "set.force": None,
            }
        ),
        SET_START,
        SET_DOCS,
    ),
    fact(
        "default-context-get-context-after-set",
        "get_context(m) is unaffected by set_start_method(): its Process uses m",
        when(implementation=None),
        equals("set.get_context_after_set.uses_asked_method", True),
        SET_DOCS,
    ),
]
