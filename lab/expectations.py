"""Documented behaviour (FACTS.md, CPython's docs and source) as checks over observed cells.

Host side. An expectation is a claim to test, never a value written into results: the report
lists every expectation × cell as ``agrees``, ``DIFFERS`` or ``not measured``, differences
first, and the observation is never altered to agree.

Each expectation names the experiment whose observations it reads, the condition under which
the claim applies (implementation, version, platform, method), the check itself and its source.
A check returns True (agrees), False (differs) or None (the observation it needs is missing or
``not applicable`` here, so the cell shows ``not measured``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Env = dict[str, Any]
Observations = dict[str, Any]
_MISSING = object()


@dataclass(frozen=True)
class Expectation:
    """One documented claim, checked against every cell of one experiment where it applies."""

    id: str
    experiment: str
    claim: str
    source: str
    check: Callable[[Observations, Env, str], bool | None]
    applies: Callable[[Env, str], bool] = lambda env, method: True


def get(observations: Observations, path: str) -> Any:
    """The observation at a dotted path (``unguarded.child_exitcode``), or _MISSING."""
    value: Any = observations
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    if isinstance(value, dict) and value.get("status") == "not applicable":
        return _MISSING
    return value


def equals(path: str, expected: Any) -> Callable[[Observations, Env, str], bool | None]:
    """A check that one observation equals a documented value."""

    def check(observations: Observations, env: Env, method: str) -> bool | None:
        value = get(observations, path)
        return None if value is _MISSING else value == expected

    return check


def version(env: Env) -> tuple[int, ...]:
    """The interpreter's version as a tuple, from the recorded ``python_version``."""
    return tuple(int(part) for part in env["python_version"].split(".")[:3] if part.isdigit())


def cpython(env: Env) -> bool:
    return env.get("implementation") == "cpython"


def posix(env: Env) -> bool:
    return env.get("platform") != "windows"


def cpython_with(*methods: str) -> Callable[[Env, str], bool]:
    """Applies on CPython, for the given start methods."""
    return lambda env, method: cpython(env) and method in methods


EXPECTATIONS: list[Expectation] = [
    # --- core: main_guard, global_isolation, terminate_latency, exit_codes (issue 2/3) ---
    Expectation(
        id="exitcode-sys-exit-3",
        experiment="exit_codes",
        claim="sys.exit(n) in the child gives exitcode n (0 <= n <= 255)",
        source="Lib/multiprocessing/process.py, BaseProcess._bootstrap; docs, Process.exitcode",
        check=equals("sys.exit(3)", 3),
        applies=lambda env, method: cpython(env),
    ),
    Expectation(
        id="global-not-shared-back",
        experiment="global_isolation",
        claim="a child's write to a global never reaches the parent",
        source="docs, 'Sharing state between processes'; the tutorial's money = 100 example",
        check=equals("parent_sees_child_write", False),
    ),
    # --- end core ---
    # --- tutorial experiments (issue 5) ---
    # --- end tutorial ---
    # --- what breaks (issue 6) ---
    # --- end what breaks ---
    # --- start-up timings (issue 4) ---
    # --- end start-up ---
]
