"""Observations as table values: flattening, comparison keys, and collapsing across interpreters.

An observation is compared by its *key* and shown by its *display*. For most values both are
the value itself. A count over trials (``classify_count``) is compared by its class (``none``,
``some``, ``all``) and shown with its raw counts, because counts vary from run to run while the
class is the claim (DESIGN.md, "Stable observations").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lab.report.inputs import Interp
from lab.results.record import NOT_APPLICABLE, NOT_MEASURED

NOT_RECORDED = "not recorded"
_COUNT_KEYS = {"count", "trials", "fraction", "class"}
_EXCEPTION_KEYS = {"type", "message"}


@dataclass(frozen=True)
class Leaf:
    """One observed value: ``key`` is what comparisons use, ``text`` and ``detail`` what readers see."""

    key: str
    text: str
    detail: str = ""

    @property
    def display(self) -> str:
        return f"{self.text} ({self.detail})" if self.detail else self.text


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
        return Leaf(
            key=f"class:{value['class']}", text=str(value["class"]), detail=f"{value['count']}/{value['trials']}"
        )
    if isinstance(value, dict) and set(value) == _EXCEPTION_KEYS:
        text = f"{value['type']}: {value['message']}" if value["message"] else str(value["type"])
        return Leaf(key=f"exception:{text}", text=text)
    if isinstance(value, dict) and value.get("status") == NOT_APPLICABLE:
        text = f"{NOT_APPLICABLE}: {value.get('reason', '')}".rstrip(": ")
        return Leaf(key=f"na:{text}", text=text)
    text = scalar(value)
    return Leaf(key=f"{type(value).__name__}:{json.dumps(value, sort_keys=True, ensure_ascii=False)}", text=text)


def status_leaf(status: str) -> Leaf:
    """A cell that holds no observation: its status (``unavailable``, ``error``, ``not measured``, ...)."""
    return Leaf(key=f"status:{status}", text=status)


def is_status(item: Leaf) -> bool:
    return item.key.startswith("status:")


def merge(leaves: Sequence[Leaf]) -> str:
    """One display for leaves sharing a key: details (raw counts) listed once each."""
    details = list(dict.fromkeys(item.detail for item in leaves if item.detail))
    return f"{leaves[0].text} ({', '.join(details)})" if details else leaves[0].text


def version_ranges(chosen: Sequence[Interp], universe: Sequence[Interp]) -> str:
    """``3.8–3.11, 3.13, PyPy 3.9``: runs of consecutive interpreters of one family in ``universe``."""
    ordered = sorted(set(universe))
    picked = set(chosen)
    runs: list[list[Interp]] = []
    previous: Interp | None = None
    for interp in ordered:
        if interp in picked:
            if runs and previous in picked and previous is not None and previous.family == interp.family:
                runs[-1].append(interp)
            else:
                runs.append([interp])
        previous = interp
    return ", ".join(_run_text(run) for run in runs)


def _run_text(run: list[Interp]) -> str:
    if len(run) == 1:
        return run[0].short
    return f"{run[0].short}–{run[-1].series}"


def collapse(values: dict[Interp, Leaf], universe: Sequence[Interp] | None = None) -> str:
    """One value where all interpreters agree, else each value naming its versions.

    ``fork on 3.8–3.13 · forkserver on 3.14``; values in the order of their first interpreter.
    """
    if not values:
        return NOT_MEASURED
    universe = list(universe) if universe is not None else list(values)
    groups: dict[str, list[Interp]] = {}
    for interp in sorted(values):
        groups.setdefault(values[interp].key, []).append(interp)
    if len(groups) == 1:
        return merge([values[i] for i in sorted(values)])
    parts = []
    for interps in groups.values():
        parts.append(f"{merge([values[i] for i in interps])} on {version_ranges(interps, universe)}")
    return " · ".join(parts)


def distinct(values: Sequence[Leaf]) -> bool:
    """Whether observed (not status) values disagree."""
    return len({item.key for item in values if not is_status(item)}) > 1


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
    text = f"{value:.0f}"
    return "0" if text == "-0" else text


def ratio_text(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def span(values: Sequence[float], formatter=number) -> str:
    """``1.9–2.4`` across interpreters, or one number when they print alike."""
    low, high = formatter(min(values)), formatter(max(values))
    return low if low == high else f"{low}–{high}"
