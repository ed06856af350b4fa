"""What survives the trip to the child: ``fork`` pickles nothing, ``spawn`` and ``forkserver`` pickle everything.

Under ``fork`` the child is a copy of the parent, so any target works: a lambda, a closure, a
``Process`` subclass holding a lock. ``spawn`` and ``forkserver`` must send the whole ``Process``
object (target, arguments, subclass attributes) to a fresh interpreter with ``pickle``: what
cannot be pickled fails in the parent at ``start()``, and what pickles only by name (a function
defined under the ``__main__`` guard) fails in the child, which cannot find that name.
"""

from __future__ import annotations

import json
import multiprocessing
import re
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from lab.experiment import Cell, Experiment
from lab.normalise import normalise

EXPERIMENT = Experiment(
    name="pickling",
    title="What pickles: targets and arguments",
    question="Which targets and arguments can a child be started with, and where does it fail when it cannot?",
    concept="Process(target=..., args=...) — spawn and forkserver pickle the Process object, fork copies it",
)

SCENARIO = "pickling_cases.py"
#: The scenario writes this line to stderr before each case, so the child's traceback can be found.
MARKER = "### forklab case "
_EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Warning|Exit|Interrupt)): ?(.*)$")


# --- targets, each reporting "ran" to the parent through a pipe -------------------------------


def module_function(conn) -> None:
    conn.send("ran")


def with_extra(conn, extra) -> None:
    """Used with arguments that are themselves the question (a lambda, a generator, a socket)."""
    conn.send("ran")


def closure():
    """A nested function that closes over a local variable: it has no importable name."""
    word = "ran"

    def nested(conn) -> None:
        conn.send(word)

    return nested


class Greeter:
    def bound(self, conn) -> None:
        conn.send("ran")

    @staticmethod
    def static(conn) -> None:
        conn.send("ran")


class HoldsLock(multiprocessing.Process):
    """A Process subclass with an attribute pickle refuses."""

    def __init__(self, conn) -> None:
        super().__init__()
        self.conn = conn
        self.lock = threading.Lock()

    def run(self) -> None:
        self.conn.send("ran")


class HoldsFile(multiprocessing.Process):
    def __init__(self, conn, file) -> None:
        super().__init__()
        self.conn = conn
        self.file = file

    def run(self) -> None:
        self.conn.send("ran")


def numbers():
    yield 1


# --- reading the scenario's answer -------------------------------------------------------------


def child_exception(stderr: str, case: str) -> Tuple[Optional[str], Optional[str]]:
    """The exception type and message a failed child printed in its traceback for ``case``."""
    section = stderr.split(MARKER + case + "\n", 1)[-1].split(MARKER, 1)[0] if MARKER + case in stderr else ""
    for line in reversed(section.splitlines()):
        match = _EXCEPTION_LINE.match(line.strip())
        if match and not line.startswith((" ", "\t")):
            return match.group(1).rsplit(".", 1)[-1], normalise(match.group(2))
    return None, None


def classify(case: str, raw: Dict[str, Any], stderr: str) -> Dict[str, Any]:
    """One case as ``ok``, ``parent`` (start() raised) or ``child`` (the child failed)."""
    if raw.get("parent_error"):
        error = raw["parent_error"]
        return {"outcome": "parent", "type": error["type"], "message": error["message"], "exitcode": None}
    if raw.get("received") == "ran" and raw.get("exitcode") == 0:
        return {"outcome": "ok", "type": None, "message": None, "exitcode": 0}
    kind, message = child_exception(stderr, case)
    return {"outcome": "child", "type": kind, "message": message, "exitcode": raw.get("exitcode")}


def run(cell: Cell) -> None:
    answer = Path(cell.tmpdir) / "pickling.json"
    completed = cell.run_scenario(SCENARIO, [str(answer)], timeout=120)
    if not answer.exists():
        raise RuntimeError(f"the scenario wrote no answer (exit {completed.returncode}): {completed.stderr[-2000:]}")
    cases: List[List[Any]] = json.loads(answer.read_text(encoding="utf-8"))
    for case, raw in cases:
        cell.observe(case, classify(case, raw, completed.stderr))
