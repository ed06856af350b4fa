"""What the child sees of the parent: module globals, and who its parent is.

A spawn or forkserver child imports the target's module afresh, so a global has its import-time
value there, whatever the parent set at run time (the docs' "Global variables"); and a
forkserver child is forked by the fork server, which ``os.getppid()`` returns.
"""

from __future__ import annotations

from typing import Dict, Iterator, List, Set, Tuple

from lab.check.catalog import RULES, applies
from lab.check.events import Analysis, Site, defined_function
from lab.check.finding import Finding, finding
from lab.check.model import IMPORT, MAIN, Binding, Scope

REBINDING = ("assign", "aug", "for", "with", "other")
CHILD_ROLES = ("target", "task", "submit")


def _targets(analysis: Analysis) -> List[Tuple[Site, Scope]]:
    """Sites whose callable is a function of this module, with that function's scope."""
    found = []
    for site in analysis.sites:
        scope = defined_function(analysis.module, site.value)
        if scope is not None and site.role in CHILD_ROLES:
            found.append((site, scope))
    return found


def _child_side(analysis: Analysis) -> Set[int]:
    """Every function that runs in a child: targets, tasks, initializers and what they call."""
    module = analysis.module
    child: Set[int] = set()
    for site in analysis.sites:
        scope = defined_function(module, site.value)
        if scope is not None:
            child.update(id(s) for s in module.closure(scope))
    return child


def _rebound(analysis: Analysis) -> Dict[str, List[Binding]]:
    """Module globals the parent rebinds at run time: ``global`` in a function, or the main block.

    Rebinding in a function that runs at import time, or in the child (an initializer setting
    up a worker's globals, a target), is not a difference the child can see.
    """
    module, child = analysis.module, _child_side(analysis)
    found: Dict[str, List[Binding]] = {}
    for name, bindings in module.root.bindings.items():
        for binding in bindings:
            if binding.kind not in REBINDING:
                continue
            origin = binding.origin
            if origin is module.root:
                runtime = binding.region == MAIN
            else:
                runtime = id(origin) not in child and module.region(origin, "function") != IMPORT
            if runtime:
                found.setdefault(name, []).append(binding)
    return found


def _where(binding: Binding) -> str:
    origin = binding.origin
    place = "in the main block" if origin.kind == "module" else f"in {origin.name}()"
    return f"{place}, line {binding.line}"


def runtime_globals(analysis: Analysis) -> Iterator[Finding]:
    """FKL301: a global rebound at run time and read by a target (or a function it calls)."""
    module, breaks = analysis.module, RULES["FKL301"].breaks
    rebound = _rebound(analysis)
    if not rebound:
        return
    reported: Set[Tuple[int, str]] = set()
    for site, target in _targets(analysis):
        if not applies(breaks, site.method):
            continue
        for function in module.closure(target):
            for name, read in function.loads.items():
                if name not in rebound or (id(function), name) in reported:
                    continue
                if module.owner(name, function) is not module.root:
                    continue
                reported.add((id(function), name))
                via = "" if function is target else f" (called by {target.name}())"
                imported = any(b.region != MAIN and b.origin is module.root for b in module.root.bindings[name])
                sees = "the import-time value" if imported else "no value at all (NameError)"
                yield finding(
                    analysis.path,
                    read,
                    "FKL301",
                    f"{name} is read by {function.name}(){via}, which runs in the child, and rebound at run time "
                    f"{_where(rebound[name][0])}: a spawn or forkserver child gets the module as imported, "
                    f"not as the parent changed it, and sees {sees}; pass the value as an argument",
                    site.method,
                )


def getppid_in_target(analysis: Analysis) -> Iterator[Finding]:
    """FKL302: os.getppid() in a target or a function it calls."""
    module, breaks = analysis.module, RULES["FKL302"].breaks
    reported: Set[int] = set()
    for site, target in _targets(analysis):
        if not applies(breaks, site.method):
            continue
        for function in module.closure(target):
            for event in analysis.events.get(id(function), []):
                if event.kind != "getppid" or id(event.call) in reported:
                    continue
                reported.add(id(event.call))
                via = "" if function is target else f" (called by {target.name}())"
                yield finding(
                    analysis.path,
                    event.call,
                    "FKL302",
                    f"os.getppid() in {function.name}(){via}, which runs in the child: under forkserver it returns "
                    "the fork server's pid, not the parent's; use multiprocessing.parent_process().pid",
                    site.method,
                )
