"""The calls of a module that matter to the rules, classified once, per scope, in source order.

An event is a process created or started, a Pool or Manager made, work submitted (also through
asyncio's ``loop.run_in_executor(executor, f)``), a thread
started or ended, ``os.fork()``, ``join()``, a queue's ``get()``, ``os.getppid()``,
``set_start_method()``; plus the *sites* where a callable is handed over to run in a child
(``target=``, ``Pool.map(f, ...)``, ``submit(f)``, ``initializer=``, a Process subclass).
"""

from __future__ import annotations

import ast
from typing import Any, Dict, List, NamedTuple, Optional

from lab.check.imports import FORK, GETPPID, SET_START_METHOD, Value, dotted, keyword
from lab.check.model import Module, Scope
from lab.check.resolve import resolve, resolve_call

POOL_TASKS = {
    "map",
    "map_async",
    "imap",
    "imap_unordered",
    "starmap",
    "starmap_async",
    "apply",
    "apply_async",
}
ENDS_THREADS = {"join", "terminate", "shutdown"}
#: A multiprocessing.Queue starts its feeder thread at the first put(); close() ends it.
QUEUE_METHODS = {
    "get": "get",
    "get_nowait": "get",
    "put": "thread_start",
    "put_nowait": "thread_start",
    "close": "thread_end",
    "join_thread": "thread_end",
}


class Event(NamedTuple):
    kind: str
    call: ast.Call
    scope: Scope
    region: str  # import, main, or function (not known to be reached from either)
    value: Optional[Value]  # the process, pool, executor, thread or queue concerned
    receiver: str  # the receiver's name for ``name.method()`` calls, else ''


class Site(NamedTuple):
    """A callable handed over to run in a child."""

    call: ast.Call
    expr: ast.AST  # the callable as written
    role: str  # target, task, submit, initializer, subclass
    method: str
    scope: Scope
    value: Optional[Value]


def _method_event(module: Module, call: ast.Call, scope: Scope) -> Optional[tuple]:
    """``receiver.method(...)`` calls on the objects the rules follow: (kind, receiver value)."""
    func = call.func
    if type(func) is not ast.Attribute:
        return None
    if func.attr == "run_in_executor" and len(call.args) >= 2:  # asyncio: the executor pickles the function
        executor = resolve(module, call.args[0], scope)
        return ("run_in_executor" if executor is not None and executor.kind == "executor" else None), executor
    receiver = resolve(module, func.value, scope)
    if receiver is None:
        return None
    kind, attr = receiver.kind, func.attr
    if kind == "process":
        return {"start": "start", "join": "join"}.get(attr), receiver
    if kind == "pool":
        return ("task" if attr in POOL_TASKS else "thread_end" if attr in ENDS_THREADS else None), receiver
    if kind == "executor":
        return ("submit" if attr in ("submit", "map") else "thread_end" if attr == "shutdown" else None), receiver
    if kind in ("thread", "thread_executor", "thread_pool"):
        starts = attr == "start" if kind == "thread" else attr in ("submit", "map", *POOL_TASKS)
        return ("thread_start" if starts else "thread_end" if attr in ENDS_THREADS else None), receiver
    if kind == "queue":
        return QUEUE_METHODS.get(attr), receiver
    if kind == "manager" and attr == "start":
        return "manager", receiver
    return None


def _made_event(value: Value) -> Optional[str]:
    """What making an object does: a Pool starts its workers (and threads), Manager() its server."""
    if value.kind == "process":
        return "create"
    if value.kind == "pool":
        return "pool"
    if value.kind == "executor":
        return "executor"
    if value.kind == "thread_pool":
        return "thread_start"
    if value.kind == "manager" and value.qual in ("multiprocessing.Manager", "context.manager"):
        return "manager"
    return None


def classify(module: Module) -> Dict[int, List[Event]]:
    """Every scope's events, in source order, keyed by id(scope)."""
    events: Dict[int, List[Event]] = {}
    for scope in module.scopes:
        found = events.setdefault(id(scope), [])
        for call, region in scope.calls:
            where = module.region(scope, region)
            receiver = (
                call.func.value.id
                if isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name)
                else ""
            )
            method_event = _method_event(module, call, scope)
            if method_event is not None and method_event[0] is not None:
                found.append(Event(method_event[0], call, scope, where, method_event[1], receiver))
                continue
            value = resolve_call(module, call, scope)
            if value is not None:
                made = _made_event(value)
                if made:
                    found.append(Event(made, call, scope, where, value, receiver))
                continue
            callee = resolve(module, call.func, scope)
            if callee is not None and callee.kind == "ref":
                kind = (
                    "fork"
                    if callee.qual in FORK
                    else "getppid"
                    if callee.qual in GETPPID
                    else "set_start_method"
                    if callee.qual in SET_START_METHOD
                    else None
                )
                if kind:
                    found.append(Event(kind, call, scope, where, callee, receiver))
    return events


def sites(module: Module, events: Dict[int, List[Event]]) -> List[Site]:
    """Where a callable is handed over to run in a child process."""
    found: List[Site] = []

    def add(event: Event, expr: Optional[ast.AST], role: str) -> None:
        if expr is not None:
            value = resolve(module, expr, event.scope)
            found.append(Site(event.call, expr, role, event.value.method, event.scope, value))

    for scope_events in events.values():
        for event in scope_events:
            call = event.call
            if event.kind == "create" and _never_used(module, event):
                continue  # a Process made and never started, passed or returned is never pickled
            if event.kind == "create":
                add(event, keyword(call, "target", 1), "target")
                if event.value.inner is not None:  # a Process subclass: the class itself is pickled
                    found.append(Site(call, call.func, "subclass", event.value.method, event.scope, event.value.inner))
            elif event.kind == "pool":
                add(event, keyword(call, "initializer", 1), "initializer")
            elif event.kind == "executor":
                add(event, keyword(call, "initializer", 2), "initializer")
            elif event.kind == "task":
                add(event, keyword(call, "func", 0), "task")
            elif event.kind == "submit":
                add(event, keyword(call, "fn", 0), "submit")
            elif event.kind == "run_in_executor":
                add(event, call.args[1], "submit")
    return found


def _never_used(module: Module, event: Event) -> bool:
    """Whether a created Process is bound to a name that its scope (and scopes inside it) never read."""
    name = module.bound_to.get(id(event.call))
    if not name:
        return False
    stack = [event.scope]
    while stack:
        scope = stack.pop()
        if name in scope.loads:
            return False
        stack.extend(scope.children)
    return True


def defined_function(module: Module, value: Optional[Value]) -> Optional[Scope]:
    """The scope of a function of this module that a callable value is (or wraps in a partial)."""
    while value is not None and value.kind == "partial":
        value = value.inner
    if value is None or value.kind != "func":
        return None
    return module.scope_of.get(id(value.node))


def describe_call(call: ast.Call) -> str:
    """How a call reads in a message: ``pool.map()``, ``Process()``."""
    func: Any = call.func
    if isinstance(func, ast.Attribute):
        inner = func.value
        if isinstance(inner, ast.Call):  # Process(target=f).start()
            return describe_call(inner).replace("()", "(...)") + f".{func.attr}()"
        prefix = dotted(inner)
        return f"{prefix}.{func.attr}()" if prefix else f"{func.attr}()"
    if isinstance(func, ast.Name):
        return f"{func.id}()"
    return "the call"


class Analysis(NamedTuple):
    """What every rule reads: the module, its events per scope, the sites, the path to report."""

    path: str
    module: Module
    events: Dict[int, List[Event]]
    sites: List[Site]

    def all_events(self, *kinds: str) -> List[Event]:
        return [e for scope_events in self.events.values() for e in scope_events if e.kind in kinds]


def analyse(tree: ast.Module, path: str) -> Analysis:
    module = Module(tree)
    events = classify(module)
    return Analysis(path, module, events, sites(module, events))
