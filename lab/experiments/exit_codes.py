"""How a child ends decides the ``exitcode`` its parent reads.

``exitcode`` is ``None`` before ``start()`` and while the child runs. A child that returns gets 0,
``sys.exit(n)`` gives ``n``, an uncaught exception gives 1, and a child killed by signal N gives
``-N`` on POSIX. Values outside 0..255 are whatever the operating system keeps of them: measured here,
not assumed.
"""

from __future__ import annotations

import os
import sys
import time

from lab.experiment import Cell, Experiment, Observation, finish
from lab.normalise import describe_exception

EXPERIMENT = Experiment(
    name="exit_codes",
    title="Exit codes",
    question="What exitcode does the parent read for each way a child can end?",
    concept="print(p.exitcode) # 获取退出码 — read the child's exit code",
    lesson="exitcode is None until the child has ended; then 0 when run() returns, n for sys.exit(n), 1 for an "
    "uncaught exception, and -N when signal N ended it (terminate() is -SIGTERM, kill() -SIGKILL). "
    "Codes outside 0..255 are whatever the operating system keeps of them.",
    docs="https://docs.python.org/3/library/multiprocessing.html#multiprocessing.Process.exitcode",
    observations=(
        Observation("sys.exit(3)", "sys.exit(3)"),
        Observation("sys.exit()", "sys.exit()", glance=True),
        Observation("raise ValueError", "an uncaught exception"),
        Observation("terminate()", "terminate()"),
        Observation("kill()", "kill()"),
        Observation("while running", "while the child runs"),
        Observation("after close()", "reading exitcode after close()"),
    ),
)


def returns() -> None:
    return


def returns_5() -> int:
    return 5


def exits_plain() -> None:
    sys.exit()


def exits_none() -> None:
    sys.exit(None)


def exits_0() -> None:
    sys.exit(0)


def exits_3() -> None:
    sys.exit(3)


def exits_text() -> None:
    sys.exit("text")


def exits_256() -> None:
    sys.exit(256)


def exits_minus_1() -> None:
    sys.exit(-1)


def raises_value_error() -> None:
    raise ValueError("raised on purpose by forklab")


def raises_keyboard_interrupt() -> None:
    raise KeyboardInterrupt


def underscore_exit_7() -> None:
    os._exit(7)


def sleeps() -> None:
    time.sleep(60)


ENDINGS = {
    "return": returns,
    "return 5": returns_5,
    "sys.exit()": exits_plain,
    "sys.exit(None)": exits_none,
    "sys.exit(0)": exits_0,
    "sys.exit(3)": exits_3,
    "sys.exit('text')": exits_text,
    "sys.exit(256)": exits_256,
    "sys.exit(-1)": exits_minus_1,
    "raise ValueError": raises_value_error,
    "raise KeyboardInterrupt": raises_keyboard_interrupt,
    "os._exit(7)": underscore_exit_7,
}


def run(cell: Cell) -> None:
    ctx = cell.context
    children = {label: ctx.Process(target=target) for label, target in ENDINGS.items()}
    for p in children.values():
        p.start()
    finish(*children.values())
    for label, p in children.items():
        cell.observe(label, p.exitcode)

    terminated, killed = ctx.Process(target=sleeps), ctx.Process(target=sleeps)
    cell.observe("before start", terminated.exitcode)
    terminated.start()
    killed.start()
    cell.observe("while running", terminated.exitcode)
    terminated.terminate()
    killed.kill()
    finish(terminated, killed)
    cell.observe("terminate()", terminated.exitcode)
    cell.observe("kill()", killed.exitcode)

    terminated.close()
    try:
        cell.observe("after close()", terminated.exitcode)  # reading it after close() raises
    except Exception as exc:
        cell.observe("after close()", describe_exception(exc))
