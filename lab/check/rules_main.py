"""The main module: what runs at import time, and what lives only under the ``__main__`` guard.

spawn and forkserver start a child by importing the parent's main module again, as
``__mp_main__``: its import-time code runs again in every child, and its
``if __name__ == "__main__":`` block does not run at all.
"""

from __future__ import annotations

from typing import Iterator

from lab.check.catalog import RULES, applies
from lab.check.events import Analysis, Event, Site, describe_call
from lab.check.finding import Finding, finding
from lab.check.model import IMPORT, MAIN, Scope

GUARD = 'if __name__ == "__main__":'
STARTS = {
    "start": "{call} starts a process",
    "pool": "{call} starts its worker processes",
    "manager": "{call} starts the manager's server process",
    "submit": "{call} starts the executor's worker processes",
}
ROLES = {
    "target": "the Process target",
    "initializer": "the initializer",
    "subclass": "a Process subclass",
}


def role_text(site: Site) -> str:
    return ROLES.get(site.role) or f"the function of {describe_call(site.call)}"


def where_it_runs(analysis: Analysis, scope: Scope) -> str:
    """``at import time`` or ``in main(), which runs at import time (called at line 30)``."""
    if scope.kind != "function":
        return "at import time"
    line = analysis.module.reached_through(scope)
    return f"in {scope.name}(), which runs at import time (called at line {line})"


def import_time_starts(analysis: Analysis) -> Iterator[Finding]:
    """FKL101: a process, Pool, Manager or executor's workers started at import time."""
    breaks = RULES["FKL101"].breaks
    executors = set()  # an executor starts its workers once: its first submit() is the finding
    for event in analysis.all_events(*STARTS):
        if event.region != IMPORT or not applies(breaks, event.value.method):
            continue
        if event.kind == "submit":
            if id(event.value.node) in executors:
                continue
            executors.add(id(event.value.node))
        what = STARTS[event.kind].format(call=describe_call(event.call))
        yield finding(
            analysis.path,
            event.call,
            "FKL101",
            f"{what} {where_it_runs(analysis, event.scope)}: a spawn or forkserver child imports this module "
            f"again and starts it again (RuntimeError: bootstrapping phase); start it under `{GUARD}`",
            event.value.method,
        )


def _set_start_method_place(analysis: Analysis, event: Event) -> str:
    if event.region == IMPORT:
        return where_it_runs(analysis, event.scope)
    return f"in {event.scope.name}(), which is not called from this module's `{GUARD}` block"


def set_start_method_outside_main(analysis: Analysis) -> Iterator[Finding]:
    """FKL102: set_start_method() at import time or in a function the main block does not reach."""
    for event in analysis.all_events("set_start_method"):
        if event.region == MAIN:
            continue
        yield finding(
            analysis.path,
            event.call,
            "FKL102",
            f"set_start_method() {_set_start_method_place(analysis, event)}: it fixes the start method for the "
            "whole program, and a second call raises RuntimeError('context has already been set'); use "
            "multiprocessing.get_context(method) and its Process/Pool, or call it only under the main guard",
            "default",
        )


def defined_under_guard(analysis: Analysis) -> Iterator[Finding]:
    """FKL202: a target, task, initializer or Process subclass defined in the main block."""
    breaks = RULES["FKL202"].breaks
    for site in analysis.sites:
        value = site.value
        if value is None or value.kind not in ("func", "class") or value.qual != MAIN:
            continue
        if value.scope is not analysis.module.root or not applies(breaks, site.method):
            continue
        name = value.node.name + ("()" if value.kind == "func" else "")
        yield finding(
            analysis.path,
            site.expr,
            "FKL202",
            f"{name} is defined under `{GUARD}` and used as {role_text(site)}: it pickles by name, but the child "
            f"imports this module as __mp_main__, where that block does not run (AttributeError: Can't get "
            f"attribute {value.node.name!r}); define it at module level",
            site.method,
        )
