"""Samples spread over several fresh parent processes, pyperf's way (target side: standard library only).

One long loop in one parent lets a single unlucky process (a cold page cache, a neighbour on the
CPU, a slow forkserver) skew every sample. pyperf runs its benchmark in several fresh worker
processes instead; the timing experiments here do the same with scenario scripts: each script is a
user's program, run as ``__main__`` with default flags, that writes its own samples as JSON::

    {"samples": {"name": [ms, ...]}, "units": {"name": "ms"}, "observations": {...}}

This module runs a scenario in ``parents`` fresh interpreters, adds every sample to the cell, and
records in ``cell.parents`` how many parents each timing came from. It is not an experiment (its
name starts with ``_``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from lab.experiment import Cell

STDERR_TAIL = 1500


def run_parents(
    cell: Cell,
    script: str,
    parents: int,
    args: Sequence[str] = (),
    *,
    env: Optional[Dict[str, str]] = None,
    prefix: str = "",
    keep: Optional[Sequence[str]] = None,
    timeout: float = 60.0,
) -> List[Dict[str, Any]]:
    """Run ``script`` in ``parents`` fresh parents; add their samples to ``cell``.

    ``prefix`` is put before each timing name (``f2000_`` for one size of import_weight); ``keep``
    lists the scenario's timing names to keep (all when None). Returns each parent's observations.
    """
    answer = Path(cell.tmpdir) / (Path(script).stem + ".answer.json")
    contributed: Dict[str, int] = {}
    observations = []
    child_env = dict(os.environ)
    child_env.update(env or {})
    for _ in range(parents):
        if answer.exists():
            answer.unlink()
        completed = cell.run_scenario(script, [str(answer), *args], timeout=timeout, env=child_env)
        if completed.returncode != 0 or not answer.exists():
            raise RuntimeError(
                f"scenario {script} failed (exit {completed.returncode}): {completed.stderr[-STDERR_TAIL:]}"
            )
        data = json.loads(answer.read_text(encoding="utf-8"))
        for name, values in data["samples"].items():
            if keep is not None and name not in keep:
                continue
            unit = data.get("units", {}).get(name, "ms")
            for value in values:
                cell.sample(prefix + name, value, unit)
            contributed[prefix + name] = contributed.get(prefix + name, 0) + 1
        observations.append(data.get("observations", {}))
    cell.parents.update(contributed)
    return observations


def agreed(values: Sequence[Any]) -> Any:
    """The one value every parent observed, or ``{"varies": [...]}`` when they disagree."""
    distinct: List[Any] = []
    for value in values:
        if value not in distinct:
            distinct.append(value)
    return distinct[0] if len(distinct) == 1 else {"varies": distinct}


def add_counts(counts: Sequence[Dict[str, int]]) -> Dict[str, int]:
    """Sum ``{"count", "trials"}`` pairs reported by several parents."""
    return {
        "count": sum(c["count"] for c in counts),
        "trials": sum(c["trials"] for c in counts),
    }
