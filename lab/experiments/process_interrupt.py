"""Process.interrupt() (3.14): Ctrl-C for one child.

``p.interrupt()`` sends the child SIGINT, so the child gets ``KeyboardInterrupt`` wherever it is
(here: inside ``time.sleep``) -- it can catch it, and its ``finally`` blocks run. Uncaught, the
exception ends ``run()`` and the child exits 1 (not ``-SIGINT``): ``BaseProcess._bootstrap``
treats it like any other exception and prints ``Process NAME:`` and the traceback. A child that
ignores SIGINT is not stopped at all. ``terminate()`` is different: SIGTERM ends the child at
once, no ``finally`` runs, exit code -15.

Every child starts from Python's own SIGINT handler (``default_int_handler``): the lab restores it
in the parent for the cell, because a parent started in the background by a shell may have
inherited SIGINT as ignored, and fork children inherit that.
"""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from typing import Any, Dict, List

from lab.experiment import Cell, Experiment, Observation, Symptom, finish, not_applicable
from lab.normalise import describe_exception, normalise

DOCS = "https://docs.python.org/3/library/multiprocessing.html#multiprocessing.Process.interrupt"
ADDED = "Process.interrupt() was added in Python 3.14"
CASES = ("caught", "uncaught", "ignored", "terminate")

EXPERIMENT = Experiment(
    name="process_interrupt",
    title="Process.interrupt(): KeyboardInterrupt in one child",
    question="What does a child see when its parent calls Process.interrupt(), and how does that differ "
    "from terminate()?",
    concept="p.interrupt() -- Ctrl-C for one child process (Python 3.14)",
    lesson="interrupt() raises KeyboardInterrupt in the child, so it can catch it and its finally blocks run; "
    "uncaught, the child exits 1. terminate() gives the child no chance: no finally, exit code -15.",
    docs=DOCS,
    observations=(
        Observation("available", "Process.interrupt() exists"),
        Observation("caught.child_saw", "What the child sees"),
        Observation("caught.exitcode", "Exit code when the child catches KeyboardInterrupt and returns"),
        Observation(
            "uncaught.exitcode", "Process.interrupt() (3.14+): exit code when the child does not catch it", glance=True
        ),
        Observation("uncaught.finally_ran", "Uncaught: the child's finally block ran"),
        Observation("uncaught.stderr_last_line", "Uncaught: the last line the child printed to stderr"),
        Observation("ignored.stopped_by_interrupt", "A child that ignores SIGINT is stopped by interrupt()"),
        Observation("terminate.finally_ran", "terminate() instead: the child's finally block ran"),
        Observation("terminate.exitcode", "terminate() instead: exit code"),
    ),
    symptoms=(
        Symptom(
            id="no-process-interrupt",
            title="AttributeError: 'Process' object has no attribute 'interrupt'",
            messages=(
                "AttributeError: 'Process' object has no attribute 'interrupt'",
                "AttributeError: 'ForkProcess' object has no attribute 'interrupt'",
            ),
            pattern=r"'\w*Process' object has no attribute 'interrupt'",
            cause="Process.interrupt() is new in 3.14 (gh-131913).",
            fix="Before 3.14 send the signal yourself: os.kill(p.pid, signal.SIGINT) (POSIX only).",
            evidence="available",
            shows=(False,),
            docs=DOCS,
        ),
    ),
)


def handler_name(handler: Any) -> str:
    """``default_int_handler``, ``SIG_IGN`` or ``SIG_DFL``: how a process treats SIGINT."""
    for name in ("SIG_IGN", "SIG_DFL"):
        if handler == getattr(signal, name):
            return name
    return getattr(handler, "__name__", str(handler))


def sleeper(conn: Any, mode: str, stderr_path: str) -> None:
    """The child: say it is ready, sleep, and report what interrupted the sleep."""
    # What _bootstrap prints about an uncaught exception lands here; the file lives as long as the child.
    sys.stderr = open(stderr_path, "w")  # noqa: SIM115
    if mode == "ignored":
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        conn.send(("ready", handler_name(signal.getsignal(signal.SIGINT))))
        time.sleep(20)
        conn.send(("woke", None))
    except KeyboardInterrupt:
        conn.send(("saw", "KeyboardInterrupt"))
        if mode == "caught":
            return
        raise
    finally:
        conn.send(("finally", None))


def received(conn: Any) -> List[Any]:
    """Everything the child sent, until it closed its end (bounded)."""
    messages = []
    while conn.poll(2):
        try:
            messages.append(conn.recv())
        except (EOFError, OSError):
            break
    return messages


def last_line(path: Path) -> Any:
    try:
        lines = [line for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    except OSError:
        return None
    return normalise(lines[-1]) if lines else None


def stop_child(cell: Cell, mode: str) -> Dict[str, Any]:
    """Start a sleeping child, stop it with interrupt() (or terminate()), and say what it saw."""
    stderr_path = Path(cell.tmpdir) / f"interrupt_{mode}.stderr"
    reader, writer = cell.context.Pipe(duplex=False)
    child = cell.context.Process(target=sleeper, args=(writer, mode, str(stderr_path)))
    child.start()
    writer.close()
    outcome: Dict[str, Any] = {}
    try:
        ready = reader.recv() if reader.poll(30) else None
        outcome["child_handler"] = ready[1] if ready else None
        try:
            if mode == "terminate":
                child.terminate()
            else:
                child.interrupt()
        except Exception as exc:  # Windows: the spawn Popen has no interrupt()
            return {"error": describe_exception(exc)}
        child.join(1.0 if mode == "ignored" else 10.0)
        outcome["stopped_by_interrupt" if mode == "ignored" else "stopped"] = not child.is_alive()
        if mode == "ignored":
            child.terminate()
    finally:
        finish(child)
    messages = received(reader)
    reader.close()
    seen = [value for kind, value in messages if kind == "saw"]
    outcome.update(
        child_saw=seen[0] if seen else None,
        finally_ran=any(kind == "finally" for kind, _ in messages),
        exitcode=child.exitcode,
        stderr_last_line=last_line(stderr_path),
    )
    return outcome


def run(cell: Cell) -> None:
    available = hasattr(cell.context.Process, "interrupt")
    cell.observe("available", available)
    if not available:
        for case in CASES:
            cell.observe(case, not_applicable(ADDED))
        return
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        for case in CASES:
            cell.observe(case, stop_child(cell, case))
    finally:
        signal.signal(signal.SIGINT, previous)
