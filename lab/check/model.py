"""One pass over a module: its scopes, what each name is bound to, and where code runs.

The rules need three things the syntax tree does not say directly:

* which names are bound to what, per scope (``ctx = mp.get_context("spawn")``, ``pool`` from
  ``with Pool() as pool``, ``procs`` from ``[Process(...) for ...]``) -- :meth:`Module.value_of`;
* whether a statement runs at import time, in the ``if __name__ == "__main__":`` block, or in a
  function reached from either (a call graph over the module's own functions) -- :meth:`region`;
* the calls of each scope in source order, classified once (``lab.check.events``).
"""

from __future__ import annotations

import ast
from collections import deque
from typing import Dict, List, Optional, Set, Tuple

from lab.check.catalog import DEFAULT
from lab.check.imports import KNOWN, SET_START_METHOD, Value, import_bindings, literal_method
from lab.check.resolve import binding_value, merge, resolve

IMPORT, MAIN, FUNCTION = "import", "main", "function"  # where a statement of a scope runs
STAR_MODULES = ("multiprocessing", "concurrent.futures", "threading", "os", "functools")


class Binding(tuple):
    """(kind, expression, line, region, origin scope): one way a name gets its value."""

    __slots__ = ()

    kind = property(lambda self: self[0])
    expr = property(lambda self: self[1])
    line = property(lambda self: self[2])
    region = property(lambda self: self[3])
    origin = property(lambda self: self[4])


class Scope:
    """A module, function, lambda or class body."""

    __slots__ = ("bindings", "calls", "children", "globals", "kind", "loads", "name", "node", "parent", "region")

    def __init__(self, node: ast.AST, kind: str, name: str, parent: Optional[Scope], region: str) -> None:
        self.node, self.kind, self.name, self.parent, self.region = node, kind, name, parent, region
        self.bindings: Dict[str, List[Binding]] = {}
        self.globals: Set[str] = set()
        self.calls: List[Tuple[ast.Call, str]] = []  # (call, region) in source order
        self.loads: Dict[str, ast.Name] = {}  # the first read of each name
        self.children: List[Scope] = []

    def __repr__(self) -> str:
        return f"Scope({self.kind} {self.name})"


def is_main_test(test: ast.AST) -> Optional[bool]:
    """True for ``__name__ == "__main__"``, False for ``!=``, None for anything else."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.NotEq))):
        return None
    sides = [test.left, test.comparators[0]]
    names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
    mains = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
    if names and mains:
        return isinstance(test.ops[0], ast.Eq)
    return None


class Module:
    """A parsed module with its scopes and bindings; values are resolved on demand and memoised."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.root = Scope(tree, "module", "<module>", None, IMPORT)
        self.scopes: List[Scope] = [self.root]
        self.scope_of: Dict[int, Scope] = {}  # id(def node) -> its scope
        self.star: List[str] = []
        self.with_blocks: Dict[Tuple[int, str], List[Tuple[int, int]]] = {}  # (id(scope), name) -> [(first, last)]
        self.bound_to: Dict[int, str] = {}  # id(call) -> the name its result is bound to (`pool = Pool()`)
        self._memo: Dict[Tuple[int, str], Optional[Value]] = {}
        self._body(tree.body, self.root, IMPORT)
        self._default_method: Optional[str] = None
        self._reach: Optional[Dict[int, Tuple[str, int]]] = None

    # -- pass 1: scopes and bindings ---------------------------------------------------------------
    def _body(self, statements: List[ast.stmt], scope: Scope, region: str) -> None:
        for statement in statements:
            self._visit(statement, scope, region)

    def _bind(self, scope: Scope, name: str, kind: str, expr, line: int, region: str) -> None:
        owner = self.root if name in scope.globals else scope
        owner.bindings.setdefault(name, []).append(Binding((kind, expr, line, region, scope)))

    def _bind_target(self, target: ast.AST, scope: Scope, kind: str, expr, region: str) -> None:
        if isinstance(target, ast.Name):
            self._bind(scope, target.id, kind, expr, target.lineno, region)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._bind_target(element, scope, "other", None, region)
        elif isinstance(target, ast.Starred):
            self._bind_target(target.value, scope, "other", None, region)
        else:
            self._visit(target, scope, region)

    def _new_scope(self, node: ast.AST, kind: str, name: str, parent: Scope, region: str) -> Scope:
        scope = Scope(node, kind, name, parent, region)
        parent.children.append(scope)
        self.scopes.append(scope)
        self.scope_of[id(node)] = scope
        return scope

    def _visit(self, node: ast.AST, scope: Scope, region: str) -> None:
        kind = type(node)
        if kind is ast.Call:
            scope.calls.append((node, region))
            func = node.func
            if type(func) is ast.Attribute and func.attr == "append" and type(func.value) is ast.Name and node.args:
                self._bind(scope, func.value.id, "append", node.args[0], node.lineno, region)
        elif kind is ast.Name:
            if isinstance(node.ctx, ast.Load) and node.id not in scope.loads:
                scope.loads[node.id] = node
            return
        elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            for decorator in node.decorator_list:
                self._visit(decorator, scope, region)
            self._visit(node.args, scope, region)
            self._bind(scope, node.name, "def", node, node.lineno, region)
            inner = self._new_scope(node, "function", node.name, scope, region)
            for argument in ast.walk(node.args):
                if isinstance(argument, ast.arg):
                    inner.bindings.setdefault(argument.arg, []).append(
                        Binding(("param", None, node.lineno, FUNCTION, inner))
                    )
            self._prescan_globals(node.body, inner)
            self._body(node.body, inner, FUNCTION)
            return
        elif kind is ast.Lambda:
            inner = self._new_scope(node, "lambda", "<lambda>", scope, region)
            for argument in ast.walk(node.args):
                if isinstance(argument, ast.arg):
                    inner.bindings.setdefault(argument.arg, []).append(Binding(("param", None, 0, FUNCTION, inner)))
            self._visit(node.body, inner, FUNCTION)
            return
        elif kind is ast.ClassDef:
            for child in (*node.decorator_list, *node.bases, *node.keywords):
                self._visit(child, scope, region)
            self._bind(scope, node.name, "class", node, node.lineno, region)
            inner = self._new_scope(node, "class", node.name, scope, region)
            self._body(node.body, inner, region)  # a class body runs where the class statement runs
            return
        elif kind is ast.If and scope is self.root:
            main = is_main_test(node.test)
            if main is not None:
                self._visit(node.test, scope, region)
                self._body(node.body, scope, MAIN if main else region)
                self._body(node.orelse, scope, region if main else MAIN)
                return
        elif kind is ast.Import or kind is ast.ImportFrom:
            if kind is ast.ImportFrom and node.module in STAR_MODULES and any(a.name == "*" for a in node.names):
                self.star.append(node.module)
            for name, qual in import_bindings(node).items():
                self._bind(scope, name, "import", qual, node.lineno, region)
            return
        elif kind is ast.Global:
            scope.globals.update(node.names)
            return
        elif kind is ast.Assign:
            self._visit(node.value, scope, region)
            if type(node.value) is ast.Call and len(node.targets) == 1 and type(node.targets[0]) is ast.Name:
                self.bound_to[id(node.value)] = node.targets[0].id
            for target in node.targets:
                self._bind_target(target, scope, "assign", node.value, region)
            return
        elif kind is ast.AnnAssign or kind is ast.AugAssign:
            if node.value is not None:
                self._visit(node.value, scope, region)
            self._bind_target(node.target, scope, "assign" if kind is ast.AnnAssign else "aug", node.value, region)
            return
        elif kind is ast.NamedExpr:
            self._visit(node.value, scope, region)
            self._bind_target(node.target, scope, "assign", node.value, region)
            return
        elif kind is ast.For or kind is ast.AsyncFor or kind is ast.comprehension:
            self._visit(node.iter, scope, region)
            self._bind_target(node.target, scope, "for", node.iter, region)
            for child in [*node.body, *node.orelse] if kind is not ast.comprehension else node.ifs:
                self._visit(child, scope, region)
            return
        elif kind is ast.With or kind is ast.AsyncWith:
            for item in node.items:
                self._visit(item.context_expr, scope, region)
                if item.optional_vars is not None:
                    self._bind_target(item.optional_vars, scope, "with", item.context_expr, region)
                    if isinstance(item.optional_vars, ast.Name):
                        lines = (node.lineno, node.end_lineno or node.lineno)
                        self.with_blocks.setdefault((id(scope), item.optional_vars.id), []).append(lines)
                        self.bound_to[id(item.context_expr)] = item.optional_vars.id
            self._body(node.body, scope, region)
            return
        elif kind is ast.ExceptHandler and node.name:
            self._bind(scope, node.name, "other", None, node.lineno, region)
        for child in ast.iter_child_nodes(node):
            self._visit(child, scope, region)

    @staticmethod
    def _prescan_globals(body: List[ast.stmt], scope: Scope) -> None:
        """``global`` applies to the whole function body, even to statements before it."""
        stack = list(body)
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Global):
                scope.globals.update(node.names)
            elif not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                stack.extend(child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt))

    # -- pass 2: values ------------------------------------------------------------------------------
    def owner(self, name: str, scope: Scope) -> Optional[Scope]:
        """The scope whose binding of ``name`` a read in ``scope`` sees (class bodies are skipped)."""
        if name in scope.globals:
            return self.root if name in self.root.bindings else None
        current: Optional[Scope] = scope
        while current is not None:
            if (current is scope or current.kind != "class") and name in current.bindings:
                return current
            current = current.parent
        return None

    def value_of(self, name: str, scope: Scope) -> Optional[Value]:
        owner = self.owner(name, scope)
        if owner is None:
            for module in self.star:
                if f"{module}.{name}" in KNOWN:
                    return Value("ref", qual=f"{module}.{name}")
            return Value("ref", qual=name)  # a builtin such as open, or undefined
        key = (id(owner), name)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = None  # a binding that refers to itself resolves to unknown
        value = merge([binding_value(self, b, owner, name) for b in owner.bindings[name]])
        self._memo[key] = value
        return value

    @property
    def default_method(self) -> str:
        """The method ``multiprocessing.Process`` uses here: a literal set_start_method() in this
        module when there is exactly one, else the platform's default."""
        if self._default_method is None:
            self._default_method = DEFAULT  # while looking, so that resolution does not recurse
            named = set()
            for scope in self.scopes:
                for call, _ in scope.calls:
                    value = resolve(self, call.func, scope)
                    if value is not None and value.kind == "ref" and value.qual in SET_START_METHOD:
                        named.add(literal_method(call))
            self._default_method = named.pop() if len(named) == 1 else DEFAULT
            self._memo.clear()  # values resolved while looking assumed the platform's default
        return self._default_method

    # -- where code runs ----------------------------------------------------------------------------
    def _callees(self, scope: Scope) -> List[Tuple[Scope, int, str]]:
        """The module's own functions a scope calls by name: (callee scope, line, region)."""
        found = []
        for call, region in scope.calls:
            if isinstance(call.func, ast.Name):
                value = self.value_of(call.func.id, scope)
                if value is not None and value.kind == "func" and id(value.node) in self.scope_of:
                    found.append((self.scope_of[id(value.node)], call.lineno, region))
        return found

    def reach(self) -> Dict[int, Tuple[str, int]]:
        """For each function reached from import-time code or the main block: (region, call line).

        Import time wins over the main block: a function called from both runs at import time.
        """
        if self._reach is None:
            reached: Dict[int, Tuple[str, int]] = {}
            for wanted in (IMPORT, MAIN):
                queue = deque()
                for scope in self.scopes:  # only module and class bodies have calls outside functions
                    if scope.kind in ("module", "class"):
                        queue.extend((c, line) for c, line, r in self._callees(scope) if r == wanted)
                while queue:
                    callee, line = queue.popleft()
                    if id(callee) in reached:
                        continue
                    reached[id(callee)] = (wanted, line)
                    queue.extend((c, ln) for c, ln, _ in self._callees(callee))
            self._reach = reached
        return self._reach

    def region(self, scope: Scope, region: str) -> str:
        """Where a call of ``scope`` made in ``region`` runs: import, main, or function (unknown)."""
        if region != FUNCTION:
            return region
        return self.reach().get(id(scope), (FUNCTION, 0))[0]

    def reached_through(self, scope: Scope) -> int:
        """The line of the call that makes ``scope`` run at import time or in the main block."""
        return self.reach().get(id(scope), (FUNCTION, 0))[1]

    def with_end(self, scope: Scope, name: str, line: int) -> Optional[int]:
        """The last line of the ``with ... as name:`` block of ``scope`` that holds ``line``, if any."""
        for first, last in self.with_blocks.get((id(scope), name), ()):
            if first <= line <= last:
                return last
        return None

    def closure(self, start: Scope) -> List[Scope]:
        """``start`` and every function of this module it calls, directly or not."""
        seen = {id(start): start}
        queue = deque([start])
        while queue:
            for callee, _, _ in self._callees(queue.popleft()):
                if id(callee) not in seen:
                    seen[id(callee)] = callee
                    queue.append(callee)
        return list(seen.values())
