"""The rules of ``lab check``: one per start-method hazard, with where it breaks and the evidence.

What each start method means for platforms and versions is written here once, from CPython's
source and docs (the check runs on the user's own Python 3.8+ and imports nothing of the lab's
host side, so it cannot read ``lab/facts``):

* spawn is the only method on Windows and the default on macOS since 3.8
  (https://docs.python.org/3.8/library/multiprocessing.html#contexts-and-start-methods,
  "Changed in version 3.8: On macOS, the spawn start method is now the default");
* fork is the default on Linux (and other POSIX systems but macOS) up to 3.13, and forkserver
  from 3.14 (gh-84559, https://github.com/python/cpython/blob/v3.14.0/Lib/multiprocessing/context.py,
  ``_get_platform_default_context``);
* os.fork() in a process with threads warns with a DeprecationWarning since 3.12
  (https://docs.python.org/3.12/library/os.html#os.fork, "Changed in version 3.12").

The code prefix is ``FKL`` (forklab). Checked against ruff 0.17.6 (``ruff linter``: no linter's
prefix begins with ``FK``, and ``FKL`` begins none of theirs) and the flake8 plugins listed by
awesome-flake8-extensions (bugbear B, comprehensions C4, pytest-style PT, simplify SIM, pie PIE,
use-fstring FS, future-import FI, builtins A, bandit S, dlint DUO, wemake WPS, ...).
"""

from __future__ import annotations

from typing import Dict, FrozenSet, NamedTuple, Tuple

PREFIX = "FKL"
FORK, SPAWN, FORKSERVER = "fork", "spawn", "forkserver"
METHODS = (FORK, SPAWN, FORKSERVER)
#: A call whose start method is the platform's default, or cannot be known from the source.
DEFAULT, UNKNOWN = "default", "unknown"

DOCS = "https://docs.python.org/3/library/multiprocessing.html"
PAGE = "results/experiments/{}.md"
RULE_PAGE = "docs/rules/{}.md"

#: Where a set of breaking methods breaks, in plain words.
WHERE = {
    frozenset({SPAWN, FORKSERVER}): "breaks on Windows and macOS, and on Linux with Python 3.14+'s default",
    frozenset({FORKSERVER}): "breaks on Linux with Python 3.14+'s default (and wherever forkserver is chosen)",
    frozenset({FORK}): "breaks on Linux up to Python 3.13 by default (and wherever fork is chosen)",
    frozenset(METHODS): "breaks under every start method, on every platform",
}


class Rule(NamedTuple):
    code: str
    name: str
    summary: str
    breaks: FrozenSet[str]  # the start methods under which the hazard breaks the program
    experiment: str  # the report page that shows the evidence ("" when no experiment shows it)
    docs: str  # the docs.python.org section that explains it

    @property
    def page(self) -> str:
        return PAGE.format(self.experiment) if self.experiment else ""


def _rule(code: str, name: str, summary: str, breaks: Tuple[str, ...], experiment: str, anchor: str) -> Rule:
    return Rule(code, name, summary, frozenset(breaks), experiment, anchor if "://" in anchor else f"{DOCS}#{anchor}")


RULES: Dict[str, Rule] = {
    rule.code: rule
    for rule in (
        _rule(
            "FKL101",
            "start-at-import-time",
            "a process, Pool or Manager started at import time: a child re-imports the main module and starts it again",
            (SPAWN, FORKSERVER),
            "main_guard",
            "the-spawn-and-forkserver-start-methods",
        ),
        _rule(
            "FKL102",
            "set-start-method-outside-main",
            "set_start_method() outside the main block imposes one method on the whole program and raises "
            "RuntimeError('context has already been set') when called again",
            METHODS,
            "default_context",
            "multiprocessing.set_start_method",
        ),
        _rule(
            "FKL201",
            "unpicklable-callable",
            "a lambda, nested function or local class cannot be pickled by name",
            (SPAWN, FORKSERVER),
            "pickling",
            "the-spawn-and-forkserver-start-methods",
        ),
        _rule(
            "FKL202",
            "target-defined-under-main-guard",
            'a target defined under `if __name__ == "__main__":` pickles by name, but the child\'s main '
            "module never runs that block",
            (SPAWN, FORKSERVER),
            "pickling",
            "the-spawn-and-forkserver-start-methods",
        ),
        _rule(
            "FKL203",
            "unpicklable-process-state",
            "a Process argument or attribute that cannot be pickled (a lambda, a thread lock, an open file, "
            "a generator)",
            (SPAWN, FORKSERVER),
            "pickling",
            "the-spawn-and-forkserver-start-methods",
        ),
        _rule(
            "FKL301",
            "global-rebound-at-run-time",
            "a module global the parent rebinds at run time, read by a process target: the child sees the "
            "import-time value",
            (SPAWN, FORKSERVER),
            "global_isolation",
            "the-spawn-and-forkserver-start-methods",
        ),
        _rule(
            "FKL302",
            "getppid-in-target",
            "os.getppid() in a process target: under forkserver the parent is the fork server; use "
            "multiprocessing.parent_process()",
            (FORKSERVER,),
            "process_creation",
            "multiprocessing.parent_process",
        ),
        _rule(
            "FKL401",
            "fork-with-threads",
            "a thread is running when the process forks: only the forking thread is copied, and a lock "
            "another thread holds stays locked in the child (DeprecationWarning since 3.12)",
            (FORK,),
            "fork_with_threads",
            "https://docs.python.org/3/library/os.html#os.fork",
        ),
        _rule(
            "FKL402",
            "join-before-draining-queue",
            "join() on a process before getting what it put on a queue: the child waits for its queue's "
            "feeder thread to flush, the parent waits for the child ('Joining processes that use queues')",
            METHODS,
            "",
            "all-start-methods",
        ),
    )
}


def where(breaks: FrozenSet[str], method: str) -> Tuple[Tuple[str, ...], str]:
    """The methods a finding breaks under and what that means, given the method the call uses.

    A method the code chose explicitly (``get_context("spawn")``) breaks on every platform that
    runs the code; the default or an unknown method breaks where the platform's default is one
    of the breaking methods.
    """
    if method in METHODS:
        return (method,), f"breaks under {method}, which this code chooses"
    methods = tuple(m for m in METHODS if m in breaks)
    return methods, WHERE[frozenset(methods)]


def applies(breaks: FrozenSet[str], method: str) -> bool:
    """Whether a hazard can break a call that uses ``method``."""
    return method not in METHODS or method in breaks
