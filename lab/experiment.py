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

from lab.results.record import NOT_APPLICABLE

BEHAVIOUR = "behaviour"
TIMING = "timing"  # timing cells run with no other cell in flight, in interleaved rounds

#: Where the ``lab`` package lives; scenario scripts get it on their PYTHONPATH.
SOURCE_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Observation:
    """How readers see one observation key: plain words first, the key kept small beside them.

    ``key`` is a dotted path into the cell's observations (``unguarded.parent_exitcode``).
    ``glance`` puts the row in the report's at-a-glance matrix (the 20-30 behaviours that
    matter). ``depends_on`` names what the value depends on when it is not Python itself
    (``"machine: what PID 1 is"``): such rows are labelled and kept out of behaviour counts, and
    so are ``judgement`` rows -- a timing experiment's noisy yes/no (``processes_faster_than_one``).
    """

    key: str
    label: str
    glance: bool = False
    depends_on: str = ""
    judgement: bool = False

    def metadata(self) -> Dict[str, Any]:
        return {
            "label": self.label,
            "glance": self.glance,
            "depends_on": self.depends_on,
            "judgement": self.judgement,
        }


@dataclass(frozen=True)
class Symptom:
    """An error message or symptom users meet, and the observation that shows where it happens.

    One declaration serves the report (its symptom index), ``lab probe``, ``lab check`` and the
    pytest plugin (through ``lab/symptoms.json``, generated from these declarations).

    * ``id``: a stable slug (``cant-pickle-local-object``), used in links and by ``lab check``;
    * ``title``: what the user sees, in plain words;
    * ``messages``: the exact texts users meet, one per wording (they change between versions);
    * ``pattern``: a regular expression that matches those texts in a traceback or warning;
    * ``cause``: one sentence; ``fix``: what to do;
    * ``evidence``: the observation key (in this experiment) that shows it, and ``shows``: the
      value(s) of that observation meaning "it happens here" -- the report derives *where* it
      happens (methods, versions, platforms) from the cells, never from this declaration;
    * ``docs``: a docs.python.org link (the section that explains it).
    """

    id: str
    title: str
    messages: Tuple[str, ...]
    pattern: str
    cause: str
    fix: str
    evidence: str
    shows: Tuple[Any, ...] = (True,)
    docs: str = ""

    def metadata(self) -> Dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "messages": list(self.messages),
            "pattern": self.pattern,
            "cause": self.cause,
            "fix": self.fix,
            "evidence": self.evidence,
            "shows": list(self.shows),
            "docs": self.docs,
        }


@dataclass(frozen=True)
class Rounds:
    """How many interleaved rounds a timing experiment runs, at full and at quick quality.

    A round runs ``run(cell)`` once under each start method, one after another, each in a fresh
    ``python -m lab.driver`` (fork, spawn, forkserver, then the reverse order in the next round),
    so the methods of one round are measured seconds apart. ``run`` sizes *one* round with
    ``cell.trials``; the cell's samples are the union of its rounds. One round (the default) is
    one cell per method, as a behaviour experiment runs.
    """

    full: int = 1
    quick: int = 1

    def __post_init__(self) -> None:
        if self.full < 1 or self.quick < 1:
            raise ValueError("an experiment runs at least one round")

    def count(self, quick: bool) -> int:
        return self.quick if quick else self.full


@dataclass(frozen=True)
class Experiment:
    """What an experiment declares about itself, in one place.

    ``question`` is what it asks; ``lesson`` what a reader should take away (two sentences);
    ``concept`` quotes the tutorial it comes from or says the idea in plain English (it is never
    a made-up quotation). ``observations`` label the keys readers meet, ``symptoms`` the error
    messages this experiment shows, ``docs`` the CPython documentation section it illustrates.
    ``summaries`` are plain dicts the report renders without knowing the experiment; see
    ``lab/report`` for the kinds. ``version`` is bumped when what the experiment measures changes.
    ``rounds`` (timing experiments) says how many interleaved rounds the runner runs; see ``Rounds``.
    """

    name: str
    title: str
    question: str
    concept: str
    kind: str = BEHAVIOUR
    version: int = 1
    summaries: Tuple[Dict[str, Any], ...] = ()
    lesson: str = ""
    docs: str = ""
    observations: Tuple[Observation, ...] = ()
    symptoms: Tuple[Symptom, ...] = ()
    rounds: Rounds = Rounds()

    def metadata(self) -> Dict[str, Any]:
        """The declaration as stored in a result file, so reports need no import of the module."""
        return {
            "title": self.title,
            "question": self.question,
            "concept": self.concept,
            "lesson": self.lesson,
            "docs": self.docs,
            "kind": self.kind,
            "version": self.version,
            "summaries": [dict(s) for s in self.summaries],
            "observations": {o.key: o.metadata() for o in self.observations},
            "symptoms": [s.metadata() for s in self.symptoms],
            "rounds": {"full": self.rounds.full, "quick": self.rounds.quick},
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


def finish(*processes: Any, timeout: float = 30.0) -> None:
    """Join each process, killing any that is still alive after ``timeout`` seconds.

    The lab's safety net, written once: a lesson joins its children as the tutorial does, and a
    child that hangs (a broken barrier, a deadlock the lesson provokes) cannot hang the cell.
    """
    for process in processes:
        process.join(timeout)
    for process in processes:
        if process.is_alive():
            process.kill()
            process.join(5)


def now_ms() -> float:
    """A monotonic clock in milliseconds, for durations."""
    return time.perf_counter() * 1000.0


@dataclass
class Cell:
    """One (start method, experiment) run inside a fresh target interpreter: one round of it.

    ``round`` (0-based) of ``rounds`` says which round this is (see ``Rounds``); ``run`` does one
    round's work, sized with ``trials``. ``shared`` is a directory the rounds of one experiment on
    one interpreter share, for inputs prepared once and only read afterwards (a generated module);
    it is the cell's own ``tmpdir`` when the cell runs alone.
    """

    method: str
    quick: bool = False
    tmpdir: Path = field(default_factory=Path.cwd)
    round: int = 0
    rounds: int = 1
    shared: Optional[Path] = None
    observations: Dict[str, Any] = field(default_factory=dict)
    samples: Dict[str, List[float]] = field(default_factory=dict)
    units: Dict[str, str] = field(default_factory=dict)
    parents: Dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.shared is None:
            self.shared = Path(self.tmpdir)

    @property
    def context(self) -> Any:
        """The multiprocessing context of this cell's start method."""
        return multiprocessing.get_context(self.method)

    def trials(self, full: int, quick: int) -> int:
        """How many trials to run at this quality, in this round (each round runs as many)."""
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
