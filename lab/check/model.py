"""A module as the rules see it: its scopes (made in one pass by ``lab.check.scan``), what each
name is bound to, and where code runs.

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
from typing import Dict, List, Optional, Tuple

from lab.check.catalog import DEFAULT
from lab.check.imports import KNOWN, SET_START_METHOD, Value, literal_method
from lab.check.resolve import binding_value, merge, resolve
from lab.check.scan import FUNCTION, IMPORT, MAIN, Binding, Scanner, Scope

__all__ = ["FUNCTION", "IMPORT", "MAIN", "Binding", "Module", "Scope"]


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
        Scanner(self).body(tree.body, self.root, IMPORT)
        self._default_method: Optional[str] = None
        self._reach: Optional[Dict[int, Tuple[str, int]]] = None

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
