"""The start method a program gets when it chooses none (Lib/multiprocessing/context.py).

``multiprocessing``'s default context picks its method on first use: ``fork`` on POSIX up to
3.13 except macOS, which has used ``spawn`` since 3.8 (bpo-33725: code run after ``fork()`` is
not reliable on macOS 10.14+); ``spawn`` on Windows, the only method there; from 3.14
``forkserver`` wherever file descriptors can be passed (Linux), spawn elsewhere (gh-84559).
``concurrent.futures.ProcessPoolExecutor()`` without ``mp_context`` takes ``mp.get_context()``,
the same default.
"""

from __future__ import annotations

from lab.facts.dsl import cpython, docs, equal_all, equals, fact, issue, when

CONTEXTS = docs("3.14", "library/multiprocessing.html", "contexts-and-start-methods", "Contexts and start methods")
POOL = cpython("v3.13.0", "Lib/concurrent/futures/process.py", "ProcessPoolExecutor.__init__: mp.get_context()")


def uses(method: str) -> dict:
    """What every way of asking says when the default is ``method``."""
    return {"get_start_method": method, "process_uses": method, "pool_uses": method}


FACTS = [
    fact(
        "default-nothing-chosen-before-first-use",
        "a fresh interpreter has chosen no start method yet: get_start_method(allow_none=True) is None",
        when(),
        equals("get_start_method_allow_none", None),
        cpython("v3.14.0", "Lib/multiprocessing/context.py", "DefaultContext.get_start_method"),
    ),
    fact(
        "default-linux-fork-before-3.14",
        "on Linux up to 3.13, Process() and ProcessPoolExecutor() use fork",
        when(platforms=("linux",), before="3.14"),
        equal_all(uses("fork")),
        cpython("v3.13.0", "Lib/multiprocessing/context.py", "_default_context = DefaultContext(...['fork'])"),
        docs("3.13", "library/multiprocessing.html", "contexts-and-start-methods", "Contexts and start methods"),
        POOL,
    ),
    fact(
        "default-linux-forkserver-from-3.14",
        "on Linux from 3.14, Process() and ProcessPoolExecutor() use forkserver",
        when(platforms=("linux",), since="3.14"),
        equal_all(uses("forkserver")),
        cpython("v3.14.0", "Lib/multiprocessing/context.py", "_get_platform_default_context"),
        CONTEXTS,
        issue(84559),
    ),
    fact(
        "default-macos-spawn-from-3.8",
        "on macOS from 3.8, Process() and ProcessPoolExecutor() use spawn",
        when(platforms=("macos",), since="3.8"),
        equal_all(uses("spawn")),
        cpython("v3.8.0", "Lib/multiprocessing/context.py", "if sys.platform == 'darwin': ...['spawn']"),
        CONTEXTS,
    ),
    fact(
        "default-windows-spawn",
        "on Windows spawn is the only start method, and Process() and ProcessPoolExecutor() use it",
        when(platforms=("windows",)),
        equal_all({**uses("spawn"), "get_all_start_methods": ["spawn"]}),
        cpython("v3.14.0", "Lib/multiprocessing/context.py", "_concrete_contexts = {'spawn': SpawnContext()}"),
        CONTEXTS,
    ),
]
