"""What an expression evaluates to, statically: a context, a process, a pool, a local function...

``resolve(module, expr, scope)`` follows names through the scope's bindings (``Module.value_of``)
and attributes through imports (``imports``); calls make the objects the rules follow. Anything
else is ``None``: unknown, which no rule reports on.
"""

from __future__ import annotations

import ast
from typing import Any, List, Optional

from lab.check.catalog import DEFAULT, UNKNOWN
from lab.check.imports import (
    CONTEXT_MAKES,
    EXECUTOR,
    GET_CONTEXT,
    MANAGER,
    PARTIAL,
    POOL,
    PROCESS,
    QUEUE,
    THREAD,
    THREAD_EXECUTOR,
    THREAD_POOL,
    UNPICKLABLE,
    Value,
    dotted,
    keyword,
    literal_method,
    looks_like_context,
)

NOTHING = Value("none")  # a binding that says nothing about the kind: ``x = None``, ``x += 1``, ``x = []``
#: Calls whose result is a new object of a kind, by qualified name.
MAKES = {
    **{name: "pool" for name in POOL},
    **{name: "executor" for name in EXECUTOR},
    **{name: "manager" for name in MANAGER},
    **{name: "queue" for name in QUEUE},
    **{name: "thread" for name in THREAD},
    **{name: "thread_pool" for name in THREAD_POOL},
    **{name: "thread_executor" for name in THREAD_EXECUTOR},
}
#: Where the start method is passed to what a kind makes: (keyword, position).
CONTEXT_ARGUMENT = {"pool": ("context", 4), "executor": ("mp_context", 1), "manager": ("ctx", 3)}


def resolve(module: Any, expr: ast.AST, scope: Any) -> Optional[Value]:
    kind = type(expr)
    if kind is ast.Name:
        return module.value_of(expr.id, scope)
    if kind is ast.Attribute:
        return _attribute(module, expr, scope)
    if kind is ast.Call:
        return resolve_call(module, expr, scope)
    if kind is ast.Lambda:
        return Value("lambda", node=expr, scope=scope)
    if kind is ast.List or kind is ast.Tuple:
        items = [resolve(module, e, scope) for e in expr.elts if not isinstance(e, ast.Starred)]
        if not items:
            return NOTHING
        item = merge(items)
        return Value("list", inner=item) if item is not None and item.kind in ("process", "thread") else None
    if kind is ast.ListComp:
        item = resolve(module, expr.elt, scope)
        return Value("list", inner=item) if item is not None and item.kind in ("process", "thread") else None
    if kind is ast.GeneratorExp:
        return Value("unpicklable", qual="a generator")
    if kind is ast.Subscript:
        base = resolve(module, expr.value, scope)
        return base.inner if base is not None and base.kind == "list" else None
    if kind is ast.Constant and expr.value is None:
        return NOTHING
    return None


def _attribute(module: Any, expr: ast.Attribute, scope: Any) -> Optional[Value]:
    base = resolve(module, expr.value, scope)
    if base is None:
        name = dotted(expr.value)
        if expr.attr in CONTEXT_MAKES and name and looks_like_context(name):
            return Value("maker", method=UNKNOWN, qual=CONTEXT_MAKES[expr.attr])
        return None
    if base.kind == "ref":
        return Value("ref", qual=f"{base.qual}.{expr.attr}")
    if base.kind == "context" and expr.attr in CONTEXT_MAKES:
        return Value("maker", method=base.method, qual=CONTEXT_MAKES[expr.attr])
    return None


def context_method(module: Any, call: ast.Call, kind: str, scope: Any) -> str:
    """The method a Pool, executor or manager uses: its context argument's, else the module's default."""
    name, position = CONTEXT_ARGUMENT.get(kind, ("", None))
    argument = keyword(call, name, position) if name else None
    if argument is None:
        return module.default_method
    value = resolve(module, argument, scope)
    if value is NOTHING:
        return module.default_method
    return value.method if value is not None and value.kind == "context" else UNKNOWN


def resolve_call(module: Any, call: ast.Call, scope: Any) -> Optional[Value]:
    callee = resolve(module, call.func, scope)
    if callee is None:
        return None
    if callee.kind == "ref":
        qual = callee.qual
        if qual in PROCESS:
            method = PROCESS[qual]
            return Value("process", method=module.default_method if method == DEFAULT else method, node=call)
        if qual in MAKES:
            made = MAKES[qual]
            return Value(made, method=context_method(module, call, made, scope), node=call, qual=qual)
        if qual in GET_CONTEXT:
            return Value("context", method=literal_method(call))
        if qual in PARTIAL and call.args:
            return Value("partial", inner=resolve(module, call.args[0], scope))
        if qual in UNPICKLABLE:
            return Value("unpicklable", qual=UNPICKLABLE[qual])
        return None
    if callee.kind == "maker":
        return Value(callee.qual, method=callee.method, node=call, qual="context." + callee.qual)
    if callee.kind == "class" and callee.inner is not None:  # a subclass of Process or Thread
        made = callee.inner
        return Value(made.kind, method=made.method, node=call, inner=callee)
    return None


def class_value(module: Any, node: ast.ClassDef, owner: Any, origin: Any, region: str) -> Value:
    """A class defined in this module; ``inner`` marks a Process or Thread subclass and its method."""
    made = None
    for base in node.bases:
        value = resolve(module, base, origin)
        if value is None:
            continue
        if value.kind == "ref" and value.qual in PROCESS:
            method = PROCESS[value.qual]
            made = Value("process", method=module.default_method if method == DEFAULT else method)
        elif value.kind == "ref" and value.qual in THREAD:
            made = Value("thread")
        elif value.kind == "maker" and value.qual == "process":
            made = Value("process", method=value.method)
        elif value.kind == "class" and value.inner is not None:
            made = value.inner
    return Value("class", node=node, scope=owner, qual=region, inner=made)


def binding_value(module: Any, binding: Any, owner: Any, name: str) -> Optional[Value]:
    kind = binding.kind
    if kind == "import":
        return Value("ref", qual=binding.expr)
    if kind == "def":
        return Value("func", node=binding.expr, scope=owner, qual=binding.region)
    if kind == "class":
        return class_value(module, binding.expr, owner, binding.origin, binding.region)
    if kind in ("assign", "with"):
        return resolve(module, binding.expr, binding.origin)
    if kind == "for":
        iterated = resolve(module, binding.expr, binding.origin)
        return iterated.inner if iterated is not None and iterated.kind == "list" else None
    if kind == "append":
        item = resolve(module, binding.expr, binding.origin)
        return Value("list", inner=item) if item is not None and item.kind in ("process", "thread") else None
    if kind == "aug":
        return NOTHING
    return None


def merge(values: List[Optional[Value]]) -> Optional[Value]:
    """One value for all the bindings of a name: theirs when they agree on the kind, else unknown.

    Bindings that say nothing (``x = None``) are left out; two start methods make ``unknown``.
    """
    known = []
    for value in values:
        if value is None:
            return None
        if value is not NOTHING:
            known.append(value)
    if not known:
        return None
    first = known[0]
    if any(v.kind != first.kind for v in known):
        return None
    if all(v.method == first.method for v in known):
        return first
    return Value(first.kind, method=UNKNOWN, qual=first.qual, node=first.node, scope=first.scope, inner=first.inner)
