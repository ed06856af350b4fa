"""Name resolution: what an expression in the user's module refers to, through its imports.

``import multiprocessing as mp``, ``from multiprocessing import Process as P``,
``from concurrent import futures`` and ``mp.get_context("spawn").Process`` all resolve to the
same few things the rules care about. Resolution is static and local to one module: a name is
what it is bound to in its scope (all bindings of a scope agreeing, else unknown); nothing of the
user's code is imported.
"""

from __future__ import annotations

import ast
from typing import Dict, Optional

from lab.check.catalog import DEFAULT, METHODS, UNKNOWN

#: Qualified names of the things that start processes, and what they make.
PROCESS = {
    "multiprocessing.Process": DEFAULT,
    "multiprocessing.context.Process": DEFAULT,
    "multiprocessing.process.BaseProcess": DEFAULT,
    "multiprocessing.context.ForkProcess": "fork",
    "multiprocessing.context.SpawnProcess": "spawn",
    "multiprocessing.context.ForkServerProcess": "forkserver",
}
POOL = {"multiprocessing.Pool", "multiprocessing.pool.Pool"}
EXECUTOR = {"concurrent.futures.ProcessPoolExecutor", "concurrent.futures.process.ProcessPoolExecutor"}
MANAGER = {"multiprocessing.Manager", "multiprocessing.managers.SyncManager", "multiprocessing.managers.BaseManager"}
QUEUE = {
    "multiprocessing.Queue",
    "multiprocessing.JoinableQueue",
    "multiprocessing.queues.Queue",
    "multiprocessing.queues.JoinableQueue",
}
GET_CONTEXT = {"multiprocessing.get_context", "multiprocessing.context.get_context"}
SET_START_METHOD = {"multiprocessing.set_start_method"}
THREAD = {"threading.Thread", "threading.Timer"}
#: Thread pools start their threads when created (ThreadPool) or at the first submit (executor).
THREAD_POOL = {"multiprocessing.pool.ThreadPool", "multiprocessing.dummy.Pool"}
THREAD_EXECUTOR = {"concurrent.futures.ThreadPoolExecutor", "concurrent.futures.thread.ThreadPoolExecutor"}
FORK = {"os.fork", "os.forkpty"}
GETPPID = {"os.getppid"}
PARTIAL = {"functools.partial"}
#: Objects that cannot be pickled (``TypeError: cannot pickle '_thread.lock' object``).
UNPICKLABLE = {
    "threading.Lock": "a threading.Lock",
    "threading.RLock": "a threading.RLock",
    "threading.Condition": "a threading.Condition",
    "threading.Event": "a threading.Event",
    "threading.Semaphore": "a threading.Semaphore",
    "threading.BoundedSemaphore": "a threading.BoundedSemaphore",
    "open": "an open file",
    "io.open": "an open file",
    "socket.socket": "a socket",
}
KNOWN = {
    *PROCESS,
    *POOL,
    *EXECUTOR,
    *MANAGER,
    *QUEUE,
    *GET_CONTEXT,
    *SET_START_METHOD,
    *THREAD,
    *THREAD_POOL,
    *THREAD_EXECUTOR,
    *FORK,
    *GETPPID,
    *PARTIAL,
    *UNPICKLABLE,
}
#: Context attributes that make things, by kind.
CONTEXT_MAKES = {"Process": "process", "Pool": "pool", "Manager": "manager", "Queue": "queue", "JoinableQueue": "queue"}


class Value:
    """What an expression is: ``kind`` plus what the rules need to know about it.

    Kinds: ``ref`` (an imported name, ``qual`` its dotted name), ``context``, ``process``,
    ``pool``, ``executor``, ``manager``, ``queue``, ``thread``, ``thread_pool``,
    ``thread_executor`` (each with the start ``method`` where it matters), ``func``, ``class``
    and ``lambda`` (``node`` is the definition, ``scope`` where it is defined), ``partial``
    (``inner`` is the wrapped callable), ``list`` (``inner`` is the kind of its items), and
    ``unpicklable`` (``qual`` says what it is).
    """

    __slots__ = ("inner", "kind", "method", "node", "qual", "scope")

    def __init__(self, kind: str, method: str = DEFAULT, qual: str = "", node=None, scope=None, inner=None) -> None:
        self.kind, self.method, self.qual, self.node, self.scope, self.inner = kind, method, qual, node, scope, inner

    def key(self) -> tuple:
        return (self.kind, self.method, self.qual, id(self.node), self.inner.key() if self.inner else None)

    def __repr__(self) -> str:  # for test failures
        return f"Value({self.kind!r}, {self.method!r}, {self.qual!r})"


def dotted(node: ast.AST) -> str:
    """``a.b.c`` for a Name/Attribute chain, '' otherwise."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


#: Modules that are multiprocessing under another name, pickling as it does. (Not ``multiprocess``,
#: which pickles with dill: a lambda target works there.)
ALIASES = {"torch.multiprocessing": "multiprocessing"}


def _canonical(module: str) -> str:
    for alias, real in ALIASES.items():
        if module == alias or module.startswith(alias + "."):
            return real + module[len(alias) :]
    return module


def import_bindings(node: ast.AST) -> Dict[str, str]:
    """The names an import statement binds, with the qualified name each refers to."""
    bound: Dict[str, str] = {}
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                bound[alias.asname] = _canonical(alias.name)
            else:  # `import concurrent.futures` binds `concurrent`
                first = alias.name.split(".", 1)[0]
                bound[first] = first
    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
        for alias in node.names:
            if alias.name != "*":
                bound[alias.asname or alias.name] = _canonical(f"{node.module}.{alias.name}")
    return bound


def literal_method(call: ast.Call) -> str:
    """The start method named by ``get_context(...)``'s argument: default, a method, or unknown."""
    argument = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "method"), None)
    if argument is None:
        return DEFAULT
    if isinstance(argument, ast.Constant):
        if argument.value is None:
            return DEFAULT
        if argument.value in METHODS:
            return str(argument.value)
    return UNKNOWN


def keyword(call: ast.Call, name: str, position: Optional[int] = None) -> Optional[ast.AST]:
    """The argument passed as ``name=`` (or at ``position``), if any."""
    for item in call.keywords:
        if item.arg == name:
            return item.value
    if position is not None and len(call.args) > position and not isinstance(call.args[position], ast.Starred):
        return call.args[position]
    return None


def looks_like_context(name: str) -> bool:
    """An unresolved receiver named like a context (``ctx``, ``self._mp_context``, ``cell.context``)."""
    last = name.rsplit(".", 1)[-1].lower()
    return last.endswith(("ctx", "context")) or last in ("mp", "multiprocessing")
