"""Pass 1 of the analysis: walk a module once, making its scopes and recording its bindings.

Which name is bound to what, where (import time, the main block, a function), the calls of each
scope in source order, the first read of each name, ``with`` blocks and what each call's result is
bound to. Nothing is resolved here (``lab.check.model`` does that on demand).
"""

from __future__ import annotations

import ast
from typing import Any, Dict, List, Optional, Set, Tuple

from lab.check.imports import import_bindings

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


class Scanner:
    """Fills a ``Module``'s scopes, bindings and tables from its syntax tree."""

    def __init__(self, module: Any) -> None:
        self.module = module

    def body(self, statements: List[ast.stmt], scope: Scope, region: str) -> None:
        for statement in statements:
            self._visit(statement, scope, region)

    def _bind(self, scope: Scope, name: str, kind: str, expr, line: int, region: str) -> None:
        owner = self.module.root if name in scope.globals else scope
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
        self.module.scopes.append(scope)
        self.module.scope_of[id(node)] = scope
        return scope

    def _visit(self, node: ast.AST, scope: Scope, region: str) -> None:
        kind = type(node)
        if kind is ast.Name:
            if type(node.ctx) is ast.Load and node.id not in scope.loads:
                scope.loads[node.id] = node
            return
        if kind is ast.Constant:
            return
        special = _SPECIAL.get(kind)
        if special is not None and special(self, node, scope, region):
            return
        fields = _FIELDS.get(kind)
        if fields is None:
            fields = _FIELDS[kind] = tuple(f for f in node._fields if f not in _NOT_CODE)
        for name in fields:
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        self._visit(item, scope, region)
            elif value is not None and isinstance(value, ast.AST):
                self._visit(value, scope, region)

    # Each returns True when it has visited the node's children itself.
    def _call(self, node: ast.Call, scope: Scope, region: str) -> bool:
        scope.calls.append((node, region))
        func = node.func
        if type(func) is ast.Attribute and func.attr == "append" and type(func.value) is ast.Name and node.args:
            self._bind(scope, func.value.id, "append", node.args[0], node.lineno, region)
        return False

    def _function(self, node: ast.FunctionDef, scope: Scope, region: str) -> bool:
        for decorator in node.decorator_list:
            self._visit(decorator, scope, region)
        self._visit(node.args, scope, region)
        self._bind(scope, node.name, "def", node, node.lineno, region)
        inner = self._new_scope(node, "function", node.name, scope, region)
        self._parameters(node.args, inner, node.lineno)
        self._prescan_globals(node.body, inner)
        self.body(node.body, inner, FUNCTION)
        return True

    def _lambda(self, node: ast.Lambda, scope: Scope, region: str) -> bool:
        inner = self._new_scope(node, "lambda", "<lambda>", scope, region)
        self._parameters(node.args, inner, node.lineno)
        self._visit(node.body, inner, FUNCTION)
        return True

    @staticmethod
    def _parameters(arguments: ast.arguments, scope: Scope, line: int) -> None:
        for argument in ast.walk(arguments):
            if isinstance(argument, ast.arg):
                scope.bindings.setdefault(argument.arg, []).append(Binding(("param", None, line, FUNCTION, scope)))

    def _class(self, node: ast.ClassDef, scope: Scope, region: str) -> bool:
        for child in (*node.decorator_list, *node.bases, *node.keywords):
            self._visit(child, scope, region)
        self._bind(scope, node.name, "class", node, node.lineno, region)
        inner = self._new_scope(node, "class", node.name, scope, region)
        self.body(node.body, inner, region)  # a class body runs where the class statement runs
        return True

    def _if(self, node: ast.If, scope: Scope, region: str) -> bool:
        main = is_main_test(node.test) if scope is self.module.root else None
        if main is None:
            return False
        self._visit(node.test, scope, region)
        self.body(node.body, scope, MAIN if main else region)
        self.body(node.orelse, scope, region if main else MAIN)
        return True

    def _import(self, node: ast.AST, scope: Scope, region: str) -> bool:
        if type(node) is ast.ImportFrom and node.module in STAR_MODULES and any(a.name == "*" for a in node.names):
            self.module.star.append(node.module)
        for name, qual in import_bindings(node).items():
            self._bind(scope, name, "import", qual, node.lineno, region)
        return True

    def _global(self, node: ast.Global, scope: Scope, region: str) -> bool:
        scope.globals.update(node.names)
        return True

    def _assign(self, node: ast.Assign, scope: Scope, region: str) -> bool:
        self._visit(node.value, scope, region)
        if type(node.value) is ast.Call and len(node.targets) == 1 and type(node.targets[0]) is ast.Name:
            self.module.bound_to[id(node.value)] = node.targets[0].id
        for target in node.targets:
            self._bind_target(target, scope, "assign", node.value, region)
        return True

    def _other_assign(self, node: ast.AST, scope: Scope, region: str) -> bool:
        """``x: int = v``, ``x += v``, ``(x := v)``."""
        if node.value is not None:
            self._visit(node.value, scope, region)
        self._bind_target(node.target, scope, "aug" if type(node) is ast.AugAssign else "assign", node.value, region)
        return True

    def _for(self, node: ast.AST, scope: Scope, region: str) -> bool:
        """``for`` statements and comprehensions (whose variables are treated as the scope's)."""
        self._visit(node.iter, scope, region)
        self._bind_target(node.target, scope, "for", node.iter, region)
        for child in node.ifs if type(node) is ast.comprehension else [*node.body, *node.orelse]:
            self._visit(child, scope, region)
        return True

    def _with(self, node: ast.AST, scope: Scope, region: str) -> bool:
        for item in node.items:
            self._visit(item.context_expr, scope, region)
            if item.optional_vars is not None:
                self._bind_target(item.optional_vars, scope, "with", item.context_expr, region)
                if isinstance(item.optional_vars, ast.Name):
                    lines = (node.lineno, node.end_lineno or node.lineno)
                    self.module.with_blocks.setdefault((id(scope), item.optional_vars.id), []).append(lines)
                    self.module.bound_to[id(item.context_expr)] = item.optional_vars.id
        self.body(node.body, scope, region)
        return True

    def _except(self, node: ast.ExceptHandler, scope: Scope, region: str) -> bool:
        if node.name:
            self._bind(scope, node.name, "other", None, node.lineno, region)
        return False

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


#: Fields that hold no code: expression contexts, operators, comments.
_NOT_CODE = {"ctx", "op", "ops", "type_comment", "type_ignores"}
_FIELDS: Dict[type, Tuple[str, ...]] = {}
_SPECIAL = {
    ast.Call: Scanner._call,
    ast.FunctionDef: Scanner._function,
    ast.AsyncFunctionDef: Scanner._function,
    ast.Lambda: Scanner._lambda,
    ast.ClassDef: Scanner._class,
    ast.If: Scanner._if,
    ast.Import: Scanner._import,
    ast.ImportFrom: Scanner._import,
    ast.Global: Scanner._global,
    ast.Assign: Scanner._assign,
    ast.AnnAssign: Scanner._other_assign,
    ast.AugAssign: Scanner._other_assign,
    ast.NamedExpr: Scanner._other_assign,
    ast.For: Scanner._for,
    ast.AsyncFor: Scanner._for,
    ast.comprehension: Scanner._for,
    ast.With: Scanner._with,
    ast.AsyncWith: Scanner._with,
    ast.ExceptHandler: Scanner._except,
}
