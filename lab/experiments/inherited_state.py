"""What a child sees of the changes its parent made at run time.

A ``fork`` child is a copy of the parent at ``start()``: environment, working directory, signal
handlers, logging setup and open files all come along. A ``spawn`` child is a fresh interpreter
that gets only what multiprocessing sends it (``sys.path``, ``sys.argv``, the working directory,
the main module) plus what the operating system passes on. A ``forkserver`` child is forked from a
server started earlier, so it sees what the parent looked like when that server started.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

from lab.experiment import Cell, Experiment, Observation, Symptom, finish, not_applicable

START_METHODS = "https://docs.python.org/3/library/multiprocessing.html#contexts-and-start-methods"
NEVER_SEEN = "the value set before an earlier start"

EXPERIMENT = Experiment(
    name="inherited_state",
    title="What the child inherits",
    question="Which of the parent's run-time changes (environment, cwd, sys.path, argv, signals, logging, "
    "open files) does a child see?",
    concept="a child inherits a copy (fork) or a fresh start plus what multiprocessing sends (spawn, forkserver)",
    lesson="A fork child is a copy of the parent at start(): environment, working directory, signal handlers, "
    "logging handlers and open files all come along. A spawn child is a fresh interpreter that gets the "
    "environment of its start() plus the sys.path, sys.argv and working directory multiprocessing sends, but "
    "none of the parent's logging handlers, Python signal handlers or other open files; a forkserver child is "
    "forked from a server started at the first start(), so environment changes made after that never reach it.",
    docs=START_METHODS,
    version=2,
    observations=(
        Observation("env_second_child", "os.environ as a child sees it, changed after the first start()", glance=True),
        Observation("cwd_change_seen", "The child sees the parent's os.chdir()"),
        Observation("sys_path_append_seen", "The child sees the parent's sys.path.append()"),
        Observation("argv_change_seen", "The child sees the parent's change to sys.argv"),
        Observation("signal_handler", "A Python signal handler the parent installed, in the child"),
        Observation("signal_ignored", "A signal the parent ignores (SIG_IGN), in the child"),
        Observation("logging_handler_seen", "The child has the parent's run-time logging handler", glance=True),
        Observation("parent_fd", "A file the parent opened, by descriptor number, in the child"),
        Observation("parent_fd_number", "What that descriptor number is in the child"),
        Observation("stdin", "sys.stdin in the child"),
        Observation("main_name_script", "__name__ of __main__ in a child of python script.py"),
        Observation("main_name_python_m", "__name__ of __main__ in a child of python -m module"),
    ),
    symptoms=(
        Symptom(
            id="environment-change-missing-in-forkserver-child",
            title="A forkserver child does not see os.environ changes made after the first start()",
            messages=(),
            pattern=r"(?i)\bforkserver\b.{0,60}\b(environ|environment|env var)",
            cause="A forkserver child is forked from the server, which got the environment when it started (at "
            "the first start()); multiprocessing sends sys.path, sys.argv and the working directory at each "
            "start, never the environment.",
            fix="Set os.environ before the first start() of the forkserver context, or pass the values to the "
            "child as arguments.",
            evidence="env_second_child",
            shows=(NEVER_SEEN,),
            docs=START_METHODS,
        ),
        Symptom(
            id="logging-not-configured-in-child",
            title="Log records from spawn and forkserver children are lost or unformatted",
            messages=(),
            pattern=r"(?i)\blogg(ing|er)\b.{0,60}\b(child|subprocess|spawn|forkserver)\b",
            cause="Handlers the parent added at run time live in the parent: a spawn or forkserver child imports "
            "logging afresh and has none (only logging's last-resort handler prints WARNING and above).",
            fix="Configure logging in the child (at the start of the target, or a Pool initializer), or send "
            "records to the parent with logging.handlers.QueueHandler and QueueListener.",
            evidence="logging_handler_seen",
            shows=(False,),
            docs="https://docs.python.org/3/howto/logging-cookbook.html#logging-to-a-single-file-from-multiple-processes",
        ),
        Symptom(
            id="bad-file-descriptor-in-child",
            title="A descriptor number from the parent is closed, or another file, in the child",
            messages=("OSError: [Errno 9] Bad file descriptor",),
            pattern=r"\[Errno 9\] Bad file descriptor",
            cause="spawn and forkserver children do not inherit the parent's file descriptors: a descriptor "
            "number passed as an int is closed there (EBADF) or, worse, already names another file there: one "
            "of multiprocessing's pipes, or the os.devnull that replaced stdin.",
            fix="Pass a path and open it in the child; sockets and Connection objects passed as arguments are "
            "duplicated by multiprocessing.",
            evidence="parent_fd",
            shows=("not inherited",),
            docs=START_METHODS,
        ),
    ),
)

ENV_NAME = "FORKLAB_INHERITED"
BEFORE_FIRST, BEFORE_SECOND = "set before the first start", "set before the second start"
ADDED_PATH = "forklab-added-sys-path-entry"
ADDED_ARG = "--forklab-added-argument"
LOGGER = "forklab.inherited"
SCENARIO = "inherited_main_name.py"


class ParentHandler(logging.NullHandler):
    """The logging handler the parent adds at run time."""


def on_signal(signum, frame) -> None:
    """The signal handler the parent installs at run time."""


def signal_disposition(signum: Optional[int]) -> Optional[str]:
    """How this process treats a signal, as a stable word."""
    if signum is None:
        return None
    handler = signal.getsignal(signum)
    if handler is signal.SIG_DFL:
        return "default"
    if handler is signal.SIG_IGN:
        return "ignored"
    if handler is None:
        return "set outside Python"
    return "parent's handler" if getattr(handler, "__name__", "") == "on_signal" else "another handler"


def kernel_ignores(signum: Optional[int]) -> Optional[bool]:
    """Whether the kernel has ``signum`` ignored for this process (Linux ``SigIgn``), None elsewhere.

    ``signal.getsignal`` is Python's view; a disposition inherited across exec is the kernel's.
    """
    if signum is None:
        return None
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) >> (signum - 1) & 1)
    return None


def fd_state(fd: Optional[int], identity: Optional[Tuple[int, int]]) -> Tuple[Optional[str], Optional[str]]:
    """Whether file descriptor ``fd`` here is the parent's file, and what the number is here:
    ``the parent's file``, ``another file`` (the number was reused) or ``closed`` (EBADF)."""
    if fd is None or identity is None:
        return None, None
    try:
        status = os.fstat(fd)
    except OSError:
        return "not inherited", "closed"
    if (status.st_dev, status.st_ino) == tuple(identity):
        return "inherited", "the parent's file"
    return "not inherited", "another file"


def stdin_state() -> str:
    """What ``sys.stdin`` is in this process."""
    if sys.stdin is None:
        return "None"
    if sys.stdin.closed:
        return "closed"
    try:
        same = os.path.samestat(os.fstat(sys.stdin.fileno()), os.stat(os.devnull))
    except (OSError, ValueError, AttributeError):
        return "other"
    return "os.devnull" if same else "the parent's stdin"


def snapshot(conn, fd: Optional[int], identity: Optional[Tuple[int, int]]) -> None:
    """The child's side: report what it sees."""
    conn.send(
        {
            "env": os.environ.get(ENV_NAME),
            "cwd": os.getcwd(),
            "sys_path": ADDED_PATH in sys.path,
            "argv": list(sys.argv),
            "signal_handler": signal_disposition(getattr(signal, "SIGUSR1", None)),
            "signal_ignored": signal_disposition(getattr(signal, "SIGUSR2", None)),
            "signal_ignored_kernel": kernel_ignores(getattr(signal, "SIGUSR2", None)),
            "logging_handlers": [type(h).__name__ for h in logging.getLogger(LOGGER).handlers],
            "fd": fd_state(fd, identity),
            "stdin": stdin_state(),
            "main_name": getattr(sys.modules.get("__main__"), "__name__", None),
        }
    )
    conn.close()


def child_sees(cell: Cell, fd: Optional[int] = None, identity: Optional[Tuple[int, int]] = None) -> Dict[str, Any]:
    receiver, sender = cell.context.Pipe(duplex=False)
    process = cell.context.Process(target=snapshot, args=(sender, fd, identity))
    process.start()
    sender.close()
    try:
        if not receiver.poll(30):
            raise RuntimeError("the child sent no snapshot within 30 s")
        return receiver.recv()
    finally:
        receiver.close()
        finish(process)


def env_word(value: Optional[str], own: str) -> str:
    if value is None:
        return "not set"
    return "the value set before its start" if value == own else NEVER_SEEN


def main_name_in_a_script(cell: Cell) -> Any:
    """``__name__`` of the main module in a child of a plain ``python script.py``."""
    answer = Path(cell.tmpdir) / "main_name.json"
    completed = cell.run_scenario(SCENARIO, [str(answer)], timeout=60)
    if not answer.exists():
        return {"error": completed.stderr.strip().splitlines()[-1:] or None}
    return json.loads(answer.read_text(encoding="utf-8"))["child_main_name"]


def run(cell: Cell) -> None:
    posix = hasattr(signal, "SIGUSR1")
    original_env = os.environ.get(ENV_NAME)
    original_cwd = os.getcwd()
    original_argv = list(sys.argv)
    original_handlers = {s: signal.getsignal(s) for s in (signal.SIGUSR1, signal.SIGUSR2)} if posix else {}
    logger = logging.getLogger(LOGGER)
    handler = ParentHandler()
    opened = None
    try:
        os.environ[ENV_NAME] = BEFORE_FIRST
        first = child_sees(cell)  # also starts forkserver's server, before the changes below

        os.environ[ENV_NAME] = BEFORE_SECOND
        moved = Path(cell.tmpdir) / "moved"
        moved.mkdir(exist_ok=True)
        os.chdir(str(moved))
        sys.path.append(ADDED_PATH)
        sys.argv.append(ADDED_ARG)
        if posix:
            signal.signal(signal.SIGUSR1, on_signal)
            signal.signal(signal.SIGUSR2, signal.SIG_IGN)
        logger.addHandler(handler)
        opened = open(Path(cell.tmpdir) / "opened-by-parent.txt", "w")  # noqa: SIM115 -- open across start()
        status = os.fstat(opened.fileno())
        second = child_sees(cell, opened.fileno(), (status.st_dev, status.st_ino))
        parent_argv, parent_cwd = list(sys.argv), os.getcwd()
    finally:
        os.chdir(original_cwd)
        if original_env is None:
            os.environ.pop(ENV_NAME, None)
        else:
            os.environ[ENV_NAME] = original_env
        if ADDED_PATH in sys.path:
            sys.path.remove(ADDED_PATH)
        sys.argv[:] = original_argv
        for signum, previous in original_handlers.items():
            signal.signal(signum, previous)
        logger.removeHandler(handler)
        if opened is not None:
            opened.close()

    cell.observe("env_first_child", env_word(first["env"], BEFORE_FIRST))
    cell.observe("env_second_child", env_word(second["env"], BEFORE_SECOND))
    cell.observe("cwd_change_seen", os.path.normcase(second["cwd"]) == os.path.normcase(parent_cwd))
    cell.observe("sys_path_append_seen", second["sys_path"])
    cell.observe("argv_same_as_parent", first["argv"] == original_argv)
    cell.observe("argv_change_seen", second["argv"] == parent_argv)
    na = not_applicable("no SIGUSR1/SIGUSR2 on this platform")
    cell.observe("signal_handler", second["signal_handler"] if posix else na)
    cell.observe("signal_ignored", second["signal_ignored"] if posix else na)
    kernel = second["signal_ignored_kernel"]
    cell.observe("signal_ignored_kernel", not_applicable("no /proc/self/status SigIgn") if kernel is None else kernel)
    cell.observe("logging_handler_seen", ParentHandler.__name__ in second["logging_handlers"])
    fd, number = second["fd"]
    cell.observe("parent_fd", fd)
    cell.observe("parent_fd_number", number)
    cell.observe("stdin", first["stdin"])
    cell.observe("main_name_python_m", first["main_name"])
    cell.observe("main_name_script", main_name_in_a_script(cell))
