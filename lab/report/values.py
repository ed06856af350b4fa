"""Observations as readers see them: flattening, comparison keys, version ranges and collapsing.

An observation is compared by its *key* and shown by its *text*. For most values both are the
value itself. A count over trials (``classify_count``) is compared by its class (``none``,
``some``, ``all``, ``seen``) and shown with its raw counts, because counts vary from run to run
while the class is the claim. Where interpreters disagree, a value names the versions it was
seen on, down to the patch release where two patch releases of one series were measured
(``1 on 3.8–3.13.0 · 0 on 3.13.18–3.15``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lab.results.identity import Identity
from lab.results.record import NOT_APPLICABLE, NOT_MEASURED

NOT_RECORDED = "not recorded"
_COUNT_KEYS = {"count", "trials", "fraction", "class"}
_EXCEPTION_KEYS = {"type", "message"}
PLATFORM_NAMES = {"linux": "Linux", "macos": "macOS", "windows": "Windows"}


@dataclass(frozen=True)
class Leaf:
    """One observed value: ``key`` is what comparisons use, ``text`` and ``detail`` what readers see."""

    key: str
    text: str
    detail: str = ""
    value: Any = field(default=None, compare=False, hash=False, repr=False)

    @property
    def display(self) -> str:
        return f"{self.text} ({self.detail})" if self.detail else self.text

    @property
    def is_status(self) -> bool:
        """A cell that holds no value: unavailable, error, timeout, not measured, not recorded."""
        return self.key.startswith("status:")

    @property
    def comparable(self) -> bool:
        """A value that says something about Python: neither a status nor ``not applicable``."""
        return not self.is_status and not self.key.startswith("na:")


def is_special(value: Any) -> bool:
    """Dicts that are one value, not a group of observations (counts, exceptions, not applicable)."""
    if not isinstance(value, dict):
        return False
    keys = set(value)
    return keys in (_COUNT_KEYS, _EXCEPTION_KEYS) or value.get("status") == NOT_APPLICABLE


def flatten(observations: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested observations as dotted keys (``unguarded.child_exitcode``), in recorded order."""
    flat: dict[str, Any] = {}
    for key, value in observations.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value and not is_special(value):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def scalar(value: Any) -> str:
    """Python's spelling for Python readers: None, True, 3, [-15]; strings as they are."""
    if isinstance(value, str):
        return value
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def leaf(value: Any) -> Leaf:
    """The comparison key and the display of one observed value."""
    if isinstance(value, dict) and set(value) == _COUNT_KEYS:
        return Leaf(f"class:{value['class']}", str(value["class"]), f"{value['count']}/{value['trials']}", value)
    if isinstance(value, dict) and set(value) == _EXCEPTION_KEYS:
        shown = f"{value['type']}: {value['message']}" if value["message"] else str(value["type"])
        return Leaf(f"exception:{shown}", shown, value=value)
    if isinstance(value, dict) and value.get("status") == NOT_APPLICABLE:
        shown = f"{NOT_APPLICABLE}: {value.get('reason', '')}".rstrip(": ")
        return Leaf(f"na:{shown}", shown, value=value)
    encoded = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return Leaf(f"{type(value).__name__}:{encoded}", scalar(value), value=value)


def status_leaf(status: str) -> Leaf:
    """A cell that holds no observation: its status (``unavailable``, ``error``, ``not measured``, ...)."""
    return Leaf(key=f"status:{status}", text=status)


def merge(leaves: Sequence[Leaf]) -> str:
    """One display for leaves sharing a key: details (raw counts) listed once each."""
    details = list(dict.fromkeys(item.detail for item in leaves if item.detail))
    return f"{leaves[0].text} ({', '.join(details)})" if details else leaves[0].text


# -- naming interpreters -----------------------------------------------------------------------
def platform_name(platform: str) -> str:
    return PLATFORM_NAMES.get(platform, platform)


def origins(universe: Iterable[Identity]) -> list[tuple[str, str]]:
    """The (platform, label) pairs of a set of identities, in report order."""
    return sorted({(i.platform, i.label) for i in universe})


def origin_name(origin: tuple[str, str], universe: Iterable[Identity]) -> str:
    """``Linux`` where one machine label measured the platform, else ``Linux (gha-ubuntu-latest)``."""
    platform, label = origin
    labels = {i.label for i in universe if i.platform == platform}
    return platform_name(platform) if len(labels) == 1 else f"{platform_name(platform)} ({label})"


def label_in(identity: Identity, universe: Sequence[Identity]) -> str:
    """``3.13`` where one patch release of the series was measured, ``3.13.0`` where several were."""
    siblings = {
        i.python_version
        for i in universe
        if i.build == identity.build and i.series == identity.series and i.platform == identity.platform
    }
    return identity.short(patch=len(siblings) > 1)


def _bare(label: str) -> str:
    """The version part of a label (``PyPy 3.9`` -> ``3.9``), for the end of a range."""
    return label.rsplit(" ", 1)[-1]


def version_ranges(chosen: Iterable[Identity], universe: Iterable[Identity]) -> str:
    """``3.8–3.11, 3.13.18, PyPy 3.9``: runs of consecutive builds of one kind within ``universe``.

    The identities are taken on one platform and label (``where`` names those); a run is broken by
    a build of the universe that is not chosen, so a range never hides a version that differs.
    """
    ordered = sorted(set(universe), key=lambda i: i.sort_key)
    picked = set(chosen)
    runs: list[list[Identity]] = []
    previous: Identity | None = None
    for identity in ordered:
        if identity in picked:
            if runs and previous in picked and previous is not None and previous.build == identity.build:
                runs[-1].append(identity)
            else:
                runs.append([identity])
        previous = identity
    parts = []
    for run in runs:
        first, last = label_in(run[0], ordered), label_in(run[-1], ordered)
        parts.append(first if len(run) == 1 else f"{first}–{_bare(last)}")
    return ", ".join(parts)


def where(chosen: Iterable[Identity], universe: Sequence[Identity], always_platform: bool = False) -> str:
    """Identities in words: ``3.8–3.13`` on one platform, ``Linux 3.8–3.13; Windows 3.12`` on several."""
    picked = set(chosen)
    every = list(universe)
    several = always_platform or len(origins(every)) > 1
    parts = []
    for origin in origins(every):
        here = [i for i in every if (i.platform, i.label) == origin]
        mine = [i for i in here if i in picked]
        if not mine:
            continue
        ranges = version_ranges(mine, here)
        parts.append(f"{origin_name(origin, every)} {ranges}" if several else ranges)
    return "; ".join(parts)


def collapse(values: dict[Identity, Leaf], universe: Sequence[Identity] | None = None) -> str:
    """One value where all interpreters agree, else each value naming its versions.

    ``fork on 3.8–3.13 · forkserver on 3.14``; values in the order of their first interpreter.
    """
    if not values:
        return NOT_MEASURED
    every = list(universe) if universe is not None else list(values)
    groups: dict[str, list[Identity]] = {}
    for identity in sorted(values, key=lambda i: i.sort_key):
        groups.setdefault(values[identity].key, []).append(identity)
    if len(groups) == 1:
        return merge([values[i] for i in next(iter(groups.values()))])
    return " · ".join(f"{merge([values[i] for i in group])} on {where(group, every)}" for group in groups.values())


def distinct(values: Iterable[Leaf]) -> bool:
    """Whether comparable values (not statuses, not ``not applicable``) disagree."""
    return len({item.key for item in values if item.comparable}) > 1


# -- numbers -----------------------------------------------------------------------------------
def number(value: float) -> str:
    """Three or four significant digits, never scientific notation: 0.123, 4.43, 45.2, 1234."""
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def percent(value: float) -> str:
    """A share in whole percent; a tiny negative share (a floor measured a hair above the total)
    prints as 0, not as "-0"."""
    shown = f"{value:.0f}"
    return "0" if shown == "-0" else shown


def ratio_text(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def span(values: Sequence[float], formatter=number) -> str:
    """``1.9–2.4`` across interpreters, or one number when they print alike."""
    low, high = formatter(min(values)), formatter(max(values))
    return low if low == high else f"{low}–{high}"
