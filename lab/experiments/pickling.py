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

from lab.experiment import Cell, Experiment, Observation, Symptom
from lab.normalise import normalise

DOCS = "https://docs.python.org/3/library/multiprocessing.html#the-spawn-and-forkserver-start-methods"
GUIDELINES = "https://docs.python.org/3/library/multiprocessing.html#programming-guidelines"
PICKLABLE = "https://docs.python.org/3/library/pickle.html#what-can-be-pickled-and-unpickled"

EXPERIMENT = Experiment(
    name="pickling",
    title="What pickles: targets and arguments",
    question="Which targets and arguments can a child be started with, and where does it fail when it cannot?",
    concept="Process(target=..., args=...) — spawn and forkserver pickle the Process object, fork copies it",
    version=2,
    lesson="fork copies the parent, so any target and argument works: a lambda, a nested function, a Process "
    "holding a lock. spawn and forkserver pickle the whole Process object in the parent at start(), so what has "
    "no importable name or cannot be pickled fails there, and a function defined under the `__main__` guard "
    "pickles but fails in the child, which cannot find it.",
    docs=DOCS,
    observations=(
        Observation("module_function.outcome", "A module-level function as target"),
        Observation("lambda.outcome", "A lambda as target"),
        Observation("lambda.type", "What a lambda target raises"),
        Observation("closure.outcome", "A nested function as target", glance=True),
        Observation("closure.type", "What a nested-function target raises"),
        Observation("partial.outcome", "functools.partial of a module-level function"),
        Observation("bound_method.outcome", "A bound method of a module-level class"),
        Observation("staticmethod.outcome", "A staticmethod of a module-level class"),
        Observation("main_guard_function.outcome", "A function defined under if __name__ == '__main__'", glance=True),
        Observation("main_guard_function.exitcode", "Exit code of the child whose target was defined under the guard"),
        Observation("subclass_lock_attribute.outcome", "A Process subclass holding a threading.Lock"),
        Observation("subclass_file_attribute.outcome", "A Process subclass holding an open file"),
        Observation("arg_lambda.outcome", "A lambda passed as an argument"),
        Observation("arg_generator.outcome", "A generator passed as an argument"),
        Observation("arg_socket.outcome", "A socket passed as an argument"),
    ),
    symptoms=(
        Symptom(
            id="cant-pickle-local-object",
            title="Can't pickle local object (a nested function or class as target or argument)",
            messages=(
                "AttributeError: Can't pickle local object 'outer.<locals>.inner'",
                "AttributeError: Can't get local object 'outer.<locals>.inner'",
                "_pickle.PicklingError: Can't pickle local object <function outer.<locals>.inner at 0x…>",
                "_pickle.PicklingError: Can't pickle <function outer.<locals>.inner at 0x…>: "
                "it's not found as __main__.outer.<locals>.inner",
            ),
            pattern=r"Can't (pickle|get) local object|<locals>\.[^ ]+ at 0x[^>]*>: it's not found as",
            cause="spawn and forkserver pickle the target by its qualified name, and a function defined inside "
            "another function has no name the child could import.",
            fix="Define the target at module level; bind its arguments with functools.partial or args=(...).",
            evidence="closure.outcome",
            shows=("parent",),
            docs=PICKLABLE,
        ),
        Symptom(
            id="pickling-error-lambda",
            title="PicklingError: Can't pickle <function <lambda>>",
            messages=(
                "_pickle.PicklingError: Can't pickle <function <lambda> at 0x…>: attribute lookup <lambda> on "
                "__main__ failed",
                "_pickle.PicklingError: Can't pickle <function <lambda> at 0x…>: it's not found as __main__.<lambda>",
            ),
            pattern=r"Can't pickle <function <lambda> at",
            cause="A lambda's name is <lambda>, which pickle cannot look up in its module, so spawn and forkserver "
            "cannot send it, as target or as argument.",
            fix="Replace the lambda by a module-level function (def), or functools.partial of one.",
            evidence="lambda.outcome",
            shows=("parent",),
            docs=PICKLABLE,
        ),
        Symptom(
            id="cant-get-attribute-on-mp-main",
            title="The child cannot find a function defined under the __main__ guard",
            messages=(
                "AttributeError: Can't get attribute 'worker' on <module '__mp_main__' from '<path>/script.py'>",
                "AttributeError: module '__mp_main__' has no attribute 'worker'",
            ),
            pattern=r"Can't get attribute '[^']+' on <module '__mp_main__'|module '__mp_main__' has no attribute",
            cause="The function pickles by name, but the child imports the script as __mp_main__, where the "
            "code under if __name__ == '__main__' does not run, so the name does not exist there.",
            fix="Define the target at module level, above the guard; keep only the start-up code under it.",
            evidence="main_guard_function.outcome",
            shows=("child",),
            docs=GUIDELINES,
        ),
        Symptom(
            id="cannot-pickle-lock-or-file",
            title="TypeError: cannot pickle '_thread.lock' object (or an open file, a generator)",
            messages=(
                "TypeError: cannot pickle '_thread.lock' object",
                "TypeError: cannot pickle '_io.TextIOWrapper' object",
                "TypeError: cannot pickle 'TextIOWrapper' instances",
                "TypeError: cannot pickle 'generator' object",
                "_pickle.PicklingError: Can't pickle <class '_thread.lock'>: it's not found as _thread.lock",
            ),
            pattern=r"cannot (pickle|serialize) '[^']+' (object|instances)|Can't pickle <class '[^']+'>",
            cause="spawn and forkserver pickle the whole Process object, subclass attributes and arguments "
            "included, and a lock, an open file or a generator cannot be pickled.",
            fix="Create such resources in the child (in run()), pass a path instead of a file, and pass "
            "multiprocessing's own Lock/Queue as arguments rather than storing threading objects on the Process.",
            evidence="subclass_lock_attribute.outcome",
            shows=("parent",),
            docs=GUIDELINES,
        ),
    ),
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
    """One case as ``ok``, ``parent`` (start() raised) or ``child`` (the child failed).

    ``notes`` are the exception's ``__notes__``: from 3.14 pickle adds where in the object it failed
    (``when serializing dict item '_target'``).
    """
    if raw.get("parent_error"):
        error = raw["parent_error"]
        notes = error.get("notes", [])
        return {
            "outcome": "parent",
            "type": error["type"],
            "message": error["message"],
            "notes": notes,
            "exitcode": None,
        }
    if raw.get("received") == "ran" and raw.get("exitcode") == 0:
        return {"outcome": "ok", "type": None, "message": None, "notes": [], "exitcode": 0}
    kind, message = child_exception(stderr, case)
    return {"outcome": "child", "type": kind, "message": message, "notes": [], "exitcode": raw.get("exitcode")}


def run(cell: Cell) -> None:
    answer = Path(cell.tmpdir) / "pickling.json"
    completed = cell.run_scenario(SCENARIO, [str(answer)], timeout=120)
    if not answer.exists():
        raise RuntimeError(f"the scenario wrote no answer (exit {completed.returncode}): {completed.stderr[-2000:]}")
    cases: List[List[Any]] = json.loads(answer.read_text(encoding="utf-8"))
    for case, raw in cases:
        cell.observe(case, classify(case, raw, completed.stderr))
