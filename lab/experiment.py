"""The contract between an experiment module and the lab (target side: standard library only).

An experiment is a module in ``lab/experiments/`` that defines

* ``EXPERIMENT = Experiment(name=..., title=..., question=..., concept=..., kind=..., version=...)``
* ``def run(cell: Cell) -> None`` -- does the experiment with ``cell.context`` (the
  ``multiprocessing`` context of the cell's start method, never the global
  ``set_start_method``) and records what it saw with ``cell.observe`` and ``cell.sample``.

Child-side functions live at module level so that spawn and forkserver can pickle them.
An experiment knows nothing of the runner, result files or reports.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

BEHAVIOUR = "behaviour"
TIMING = "timing"  # timing cells run with no other cell in flight
NOT_APPLICABLE = "not applicable"

#: Where the ``lab`` package lives; scenario scripts get it on their PYTHONPATH.
SOURCE_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Experiment:
    """What an experiment declares about itself, in one place.

    ``summaries`` are plain dicts the report renders without knowing the experiment
    (DESIGN.md, "Experiments own their summaries"); see ``lab/report`` for the kinds.
    """

    name: str
    title: str
    question: str
    concept: str
    kind: str = BEHAVIOUR
    version: int = 1
    summaries: Tuple[Dict[str, Any], ...] = ()

    def metadata(self) -> Dict[str, Any]:
        """The declaration as stored in a result file, so reports need no import of the module."""
        return {
            "title": self.title,
            "question": self.question,
            "concept": self.concept,
            "kind": self.kind,
            "version": self.version,
            "summaries": [dict(s) for s in self.summaries],
        }


def not_applicable(reason: str) -> Dict[str, str]:
    """An observation that cannot be made here (no /proc on Windows, say), with the reason."""
    return {"status": NOT_APPLICABLE, "reason": reason}


def classify_count(count: int, trials: int, presence: bool = False) -> Dict[str, Any]:
    """A count over trials, stored with a classification that is stable across runs.

    The default classes, ``none``/``some``/``all``, suit outcomes that are certain either way
    (with a lock no update is lost, in every round). A race is a matter of chance: lost updates
    in 5 of 6 rounds today may be 6 of 6 tomorrow, so ``presence=True`` classifies it as
    ``none``/``seen`` -- "can it happen?" -- which is what stays stable between runs.
    """
    if trials <= 0:
        raise ValueError("a count needs at least one trial")
    if presence:
        kind = "none" if count == 0 else "seen"
    else:
        kind = "none" if count == 0 else "all" if count == trials else "some"
    return {"count": count, "trials": trials, "fraction": round(count / trials, 4), "class": kind}


def now_ms() -> float:
    """A monotonic clock in milliseconds, for durations."""
    return time.perf_counter() * 1000.0


@dataclass
class Cell:
    """One (start method, experiment) run inside a fresh target interpreter."""

    method: str
    quick: bool = False
    tmpdir: Path = field(default_factory=Path.cwd)
    observations: Dict[str, Any] = field(default_factory=dict)
    samples: Dict[str, List[float]] = field(default_factory=dict)
    units: Dict[str, str] = field(default_factory=dict)
    parents: Dict[str, int] = field(default_factory=dict)

    @property
    def context(self) -> Any:
        """The multiprocessing context of this cell's start method."""
        return multiprocessing.get_context(self.method)

    def trials(self, full: int, quick: int) -> int:
        """How many trials to run at this quality."""
        return quick if self.quick else full

    def observe(self, key: str, value: Any) -> None:
        """Record one observation (JSON-able: classifications, codes, normalised messages)."""
        self.observations[key] = value

    def sample(self, name: str, value: float, unit: str = "ms") -> None:
        """Add one timing sample to the timing called ``name``."""
        self.samples.setdefault(name, []).append(float(value))
        self.units[name] = unit

    def run_scenario(
        self,
        script: str,
        args: Sequence[str] = (),
        timeout: float = 30.0,
        flags: Sequence[str] = (),
        env: Optional[Dict[str, str]] = None,
    ) -> subprocess.CompletedProcess:
        """Run ``lab/experiments/scenarios/<script>`` as ``__main__`` in a fresh interpreter.

        Default interpreter flags unless ``flags`` says otherwise: spawn children copy the
        parent's flags, and the numbers must be what a user's ``python script.py`` gets.
        The scenario is copied into the cell's temporary directory first so that its path,
        seen by spawn children, is not the source tree. The cell's method is passed as
        ``FORKLAB_METHOD``.
        """
        source = SOURCE_ROOT / "lab" / "experiments" / "scenarios" / script
        target = Path(self.tmpdir) / script
        target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
        child_env = dict(os.environ if env is None else env)
        child_env["FORKLAB_METHOD"] = self.method
        path = [str(SOURCE_ROOT)] + ([child_env["PYTHONPATH"]] if child_env.get("PYTHONPATH") else [])
        child_env["PYTHONPATH"] = os.pathsep.join(path)
        return subprocess.run(
            [sys.executable, *flags, str(target), *args],
            cwd=str(self.tmpdir),
            env=child_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
