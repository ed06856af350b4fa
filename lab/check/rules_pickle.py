"""What spawn and forkserver must pickle: the target, the initializer, the arguments, the Process.

pickle saves a function or class by its qualified name, and the child looks that name up again:
a lambda (``<lambda>``), a nested function or a local class (``outer.<locals>.inner``) has no
name to look up. A Pool or executor pickles each task under every start method (it goes through
a pipe), but a ``Process`` target and a Pool's initializer only under spawn and forkserver: fork
copies them.
"""

from __future__ import annotations

import ast
from typing import Iterator, Optional

from lab.check.catalog import METHODS, RULES, applies
from lab.check.events import Analysis
from lab.check.finding import Finding, finding
from lab.check.imports import Value, keyword
from lab.check.resolve import resolve
from lab.check.rules_main import role_text

#: Pool and executor tasks are pickled to go through a pipe, whatever the start method.
TASK_ROLES = ("task", "submit")
STATE_HOOKS = {"__getstate__", "__reduce__", "__reduce_ex__"}


def unpicklable_callable(value: Optional[Value]) -> Optional[str]:
    """What makes a callable unpicklable by name, in words; None when it pickles (or is unknown)."""
    if value is None:
        return None
    if value.kind == "lambda":
        return "a lambda"
    if value.kind in ("func", "class") and value.scope is not None and value.scope.kind in ("function", "lambda"):
        kind = "nested function" if value.kind == "func" else "local class"
        return f"the {kind} {value.node.name}{'()' if value.kind == 'func' else ''} (defined in {value.scope.name}())"
    if value.kind == "partial":
        inner = unpicklable_callable(value.inner)
        return f"functools.partial of {inner}" if inner else None
    return None


def unpicklable_state(value: Optional[Value]) -> Optional[str]:
    """Like :func:`unpicklable_callable`, plus objects that never pickle (locks, files, generators)."""
    if value is not None and value.kind == "unpicklable":
        return value.qual
    return unpicklable_callable(value)


def unpicklable_callables(analysis: Analysis) -> Iterator[Finding]:
    """FKL201: a lambda, nested function, local class or a partial of one, handed to a child."""
    for site in analysis.sites:
        reason = unpicklable_callable(site.value)
        if reason is None:
            continue
        task = site.role in TASK_ROLES
        breaks = frozenset(METHODS) if task else RULES["FKL201"].breaks
        if not applies(breaks, site.method):
            continue  # a fork-only context copies the target: documented in docs/rules/FKL201.md
        how = (
            "every task is pickled to reach a worker, under every start method"
            if task
            else "spawn and forkserver pickle it by name to send it to the child"
        )
        yield finding(
            analysis.path,
            site.expr,
            "FKL201",
            f"{reason} as {role_text(site)} cannot be pickled: {how}; define it at module level",
            site.method,
            breaks,
        )


def _elements(expr: Optional[ast.AST]):
    if isinstance(expr, (ast.Tuple, ast.List)):
        return [e for e in expr.elts if not isinstance(e, ast.Starred)]
    if isinstance(expr, ast.Dict):
        return [v for v in expr.values if v is not None]
    return []


ARGUMENTS = {"create": (("args", 3), ("kwargs", 4)), "pool": (("initargs", 2),), "executor": (("initargs", 3),)}


def unpicklable_arguments(analysis: Analysis) -> Iterator[Finding]:
    """FKL203 (arguments): ``args=``/``kwargs=`` of a Process, ``initargs=`` of a Pool or executor."""
    breaks = RULES["FKL203"].breaks
    for event in analysis.all_events(*ARGUMENTS):
        method = event.value.method
        if not applies(breaks, method):
            continue
        for name, position in ARGUMENTS[event.kind]:
            for element in _elements(keyword(event.call, name, position)):
                reason = unpicklable_state(resolve(analysis.module, element, event.scope))
                if reason:
                    yield finding(
                        analysis.path,
                        element,
                        "FKL203",
                        f"{reason} in {name}= cannot be pickled: spawn and forkserver pickle the arguments to send "
                        "them to the child; pass what it is made from and make it in the child",
                        method,
                    )


def unpicklable_attributes(analysis: Analysis) -> Iterator[Finding]:
    """FKL203 (attributes): a Process subclass whose ``__init__`` stores what cannot be pickled."""
    module = analysis.module
    breaks = RULES["FKL203"].breaks
    for scope in module.scopes:
        if scope.kind != "class" or scope.parent is None:
            continue
        value = module.value_of(scope.name, scope.parent)
        made = value.inner if value is not None and value.kind == "class" and value.node is scope.node else None
        if made is None or made.kind != "process" or not applies(breaks, made.method):
            continue
        if any(isinstance(s, ast.FunctionDef) and s.name in STATE_HOOKS for s in scope.node.body):
            continue  # the class says how it pickles
        for init in scope.children:
            if init.kind == "function" and init.name == "__init__":
                yield from _stored_state(analysis, init, scope.name, made.method)


def _stored_state(analysis: Analysis, init, class_name: str, method: str) -> Iterator[Finding]:
    for node in ast.walk(init.node):
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                reason = unpicklable_state(resolve(analysis.module, node.value, init))
                if reason:
                    yield finding(
                        analysis.path,
                        node.value,
                        "FKL203",
                        f"{class_name}.__init__ stores {reason} in self.{target.attr}: spawn and forkserver pickle "
                        "the Process object at start(); make it in run(), or define __getstate__",
                        method,
                    )
