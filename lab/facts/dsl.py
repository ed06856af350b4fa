"""The small language facts are written in: where a claim holds, what it checks, where it is written.

A fact is a claim from CPython's documentation or source, checked against observed cells; it is
never a value written into results. Each fact says

* ``when`` it applies: implementation, start methods, platforms, and the versions it holds for,
  down to patch releases (``versions=[("3.8", "3.13.8"), ("3.14", "3.14.1")]``);
* what it ``checks``: ``equals(path, value)``, ``not_equal(path, value)``, ``one_of(path, values)``
  or several of them at once with ``all_of``; each returns True (agrees), False (differs) or None
  (the observation is missing or ``not applicable`` here, so the cell is ``not measured``);
* its ``sources``: CPython's source or docs at a tag (``cpython("v3.14.0", "Lib/...", "name")``,
  ``docs("3.14", "library/multiprocessing.html", "anchor")``), so a reader can check the claim
  against the text it came from, for the versions it names.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lab.versions import Version, parse_version, version_text

Env = dict[str, Any]
Observations = dict[str, Any]
MISSING = object()
CPYTHON_REPOSITORY = "https://github.com/python/cpython"
DOCS = "https://docs.python.org"


# -- where a claim lives ---------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    """A link a reader can follow, and what to look for there."""

    url: str
    what: str = ""

    def text(self) -> str:
        return self.what or self.url


def cpython(tag: str, path: str, what: str = "", line: int | None = None) -> Source:
    """CPython's source at a release tag (``v3.14.0``): the file, and the function or name to read."""
    anchor = f"#L{line}" if line else ""
    return Source(f"{CPYTHON_REPOSITORY}/blob/{tag}/{path}{anchor}", what or path)


def docs(version: str, page: str, anchor: str = "", what: str = "") -> Source:
    """A docs.python.org page of one version (``3.14``), at a section anchor."""
    return Source(f"{DOCS}/{version}/{page}" + (f"#{anchor}" if anchor else ""), what or page)


def issue(number: int, what: str = "") -> Source:
    """A CPython issue (gh-NNNN), for the change that made a behaviour what it is."""
    return Source(f"{CPYTHON_REPOSITORY}/issues/{number}", what or f"gh-{number}")


# -- where a claim applies -------------------------------------------------------------------
VersionRange = tuple[Version, Version | None]  # [low, high): high None is open-ended


def _ranges(versions: Sequence[tuple[str, str | None]] | None, since: str | None, before: str | None):
    if versions is not None and (since or before):
        raise ValueError("give either versions=[...] or since=/before=, not both")
    if versions is None:
        if not since and not before:
            return None
        versions = [(since or "0", before)]
    return tuple((parse_version(low), parse_version(high) if high else None) for low, high in versions)


@dataclass(frozen=True)
class When:
    """The cells a claim applies to; ``None`` means any."""

    implementation: str | None = "cpython"
    methods: tuple[str, ...] | None = None
    platforms: tuple[str, ...] | None = None
    versions: tuple[VersionRange, ...] | None = None
    free_threaded: bool | None = None
    min_cpus: int | None = None
    gil: bool | None = None  # the GIL at run time: a free-threaded build may turn it back on (PYTHON_GIL=1)

    def applies(self, env: Env, method: str) -> bool:
        if self.implementation and env.get("implementation") != self.implementation:
            return False
        if self.methods is not None and method not in self.methods:
            return False
        if self.platforms is not None and env.get("platform") not in self.platforms:
            return False
        if self.free_threaded is not None and bool(env.get("free_threaded")) != self.free_threaded:
            return False
        if self.min_cpus is not None and (env.get("cpu_count") or 1) < self.min_cpus:
            return False
        if self.gil is not None and gil_enabled(env) != self.gil:
            return False
        if self.versions is not None:
            version = parse_version(str(env.get("python_version", "0")))
            if not any(low <= version and (high is None or version < high) for low, high in self.versions):
                return False
        return True

    def describe(self) -> str:
        """``CPython 3.9+; spawn, forkserver; linux``: the conditions in words, for the report."""
        parts = []
        who = {"cpython": "CPython", "pypy": "PyPy", None: "every implementation"}.get(
            self.implementation, str(self.implementation)
        )
        if self.free_threaded is not None:
            who += " (free-threaded)" if self.free_threaded else " (with the GIL)"
        if self.gil is not None:
            who += ", GIL enabled" if self.gil else ", GIL disabled"
        if self.versions is None:
            parts.append(f"{who}, every version")
        else:
            spans = []
            for low, high in self.versions:
                if high is None:
                    spans.append(f"{version_text(low)}+")
                elif low == (0,):
                    spans.append(f"before {version_text(high)}")
                else:
                    spans.append(f"{version_text(low)} to before {version_text(high)}")
            parts.append(f"{who} {', '.join(spans)}")
        if self.methods is not None:
            parts.append(", ".join(self.methods))
        if self.platforms is not None:
            parts.append(", ".join(self.platforms))
        if self.min_cpus:
            parts.append(f"{self.min_cpus}+ CPUs")
        return "; ".join(parts)


def when(
    *,
    implementation: str | None = "cpython",
    methods: Sequence[str] | None = None,
    platforms: Sequence[str] | None = None,
    since: str | None = None,
    before: str | None = None,
    versions: Sequence[tuple[str, str | None]] | None = None,
    free_threaded: bool | None = None,
    min_cpus: int | None = None,
    gil: bool | None = None,
) -> When:
    """Where a claim applies: ``when(methods=("spawn",), since="3.12")`` (CPython by default;
    ``implementation=None`` for a claim about every implementation)."""
    return When(
        implementation=implementation,
        methods=tuple(methods) if methods is not None else None,
        platforms=tuple(platforms) if platforms is not None else None,
        versions=_ranges(versions, since, before),
        free_threaded=free_threaded,
        min_cpus=min_cpus,
        gil=gil,
    )


def gil_enabled(env: Env) -> bool:
    """Whether the GIL was on when the cell ran: the recorded ``gil_enabled`` where the interpreter
    could say (``sys._is_gil_enabled()``, 3.13+), else on unless the build is free-threaded."""
    recorded = env.get("gil_enabled")
    return bool(recorded) if recorded is not None else not env.get("free_threaded")


# -- what a claim checks ---------------------------------------------------------------------
def get(observations: Observations, path: str) -> Any:
    """The observation at a dotted path (``unguarded.child_exitcode``), or MISSING.

    Keys may themselves hold dots (``sys.exit(3)``): at each level the longest key that matches
    the rest of the path wins. A ``not applicable`` observation counts as missing.
    """
    value: Any = observations
    rest = path
    while rest:
        if not isinstance(value, dict):
            return MISSING
        parts = rest.split(".")
        for cut in range(len(parts), 0, -1):
            key = ".".join(parts[:cut])
            if key in value:
                value, rest = value[key], ".".join(parts[cut:])
                break
        else:
            return MISSING
    if isinstance(value, dict) and value.get("status") == "not applicable":
        return MISSING
    return value


def same(value: Any, wanted: Any) -> bool:
    """Equality that keeps bool and int apart (an exit code 1 is not True)."""
    if isinstance(value, bool) or isinstance(wanted, bool):
        return isinstance(value, bool) and isinstance(wanted, bool) and value == wanted
    return value == wanted


@dataclass(frozen=True)
class Check:
    """A test over one cell's observations: each path's value against a predicate."""

    tests: tuple[tuple[str, str, Any], ...]  # (path, operator, operand)

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(path for path, _, _ in self.tests))

    def __call__(self, observations: Observations) -> bool | None:
        verdicts = []
        for path, operator, operand in self.tests:
            value = get(observations, path)
            if value is MISSING:
                return None
            verdicts.append(_OPERATORS[operator](value, operand))
        return all(verdicts)

    def describe(self) -> str:
        return "; ".join(f"{path} {_WORDS[op]} {operand!r}" for path, op, operand in self.tests)


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "==": same,
    "!=": lambda value, operand: not same(value, operand),
    "in": lambda value, operand: any(same(value, o) for o in operand),
}
_WORDS = {"==": "is", "!=": "is not", "in": "is one of"}


def equals(path: str, value: Any) -> Check:
    return Check(((path, "==", value),))


def equal_all(expected: dict[str, Any]) -> Check:
    return Check(tuple((path, "==", value) for path, value in expected.items()))


def not_equal(path: str, value: Any) -> Check:
    return Check(((path, "!=", value),))


def one_of(path: str, values: Sequence[Any]) -> Check:
    return Check(((path, "in", tuple(values)),))


def all_of(*checks: Check) -> Check:
    return Check(tuple(test for check in checks for test in check.tests))


# -- a fact ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fact:
    """One documented claim about one experiment's observations.

    ``experiment`` is filled in from the module the fact is written in (``lab/facts/NAME.py``
    holds the facts of experiment NAME).
    """

    id: str
    claim: str
    when: When
    check: Check
    sources: tuple[Source, ...] = field(default_factory=tuple)
    experiment: str = ""

    def __post_init__(self) -> None:
        if not self.id or not self.claim:
            raise ValueError(f"fact {self.id!r}: give an id and a claim in words")
        if not self.sources:
            raise ValueError(f"fact {self.id}: name at least one source (CPython's docs or source at a tag)")
        strays = [s for s in self.sources if not isinstance(s, Source)]
        if strays:
            raise ValueError(f"fact {self.id}: sources are cpython(...), docs(...) or issue(...), not {strays[0]!r}")
        if not self.check.tests:
            raise ValueError(f"fact {self.id}: check at least one observation")


def fact(id: str, claim: str, when: When, check: Check, *sources: Source) -> Fact:
    """``fact("exitcode-sys-exit-n", "sys.exit(n) gives n", when(), equals("sys.exit(3)", 3), cpython(...))``."""
    return Fact(id=id, claim=claim, when=when, check=check, sources=tuple(sources))
