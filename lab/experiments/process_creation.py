"""Two ways to create a process: pass a function as ``target``, or subclass ``Process`` and override ``run()``.

Either way ``start()`` asks the operating system for a new process with its own pid, which runs the
target (or ``run()``) and nothing else of the parent's main code. Under ``spawn`` and ``forkserver``
the ``Process`` object itself is pickled and sent to the child, so whatever a subclass's
``__init__`` stored must survive pickling; under ``fork`` the child simply has a copy.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from multiprocessing import current_process, parent_process
from typing import Any, Dict

from lab.experiment import Cell, Experiment

EXPERIMENT = Experiment(
    name="process_creation",
    title="Creating a process: target= or a Process subclass",
    question="Does each way of creating a process run in a new process, and what does the child know about "
    "itself and its parent?",
    concept="实例化Process, 将要执行任务用target传入; 继承Process, 并覆盖run方法 — instantiate Process with the "
    "task as target; or subclass Process and override run",
)


def report(conn, parent_pid: int, **extra: Any) -> None:
    """What the child sees of itself and its parent, sent back through a pipe."""
    parent = parent_process()
    conn.send(
        {
            "ran": True,
            "child_pid": os.getpid(),
            "pid_differs_from_parent": os.getpid() != parent_pid,
            "getppid_is_parent": os.getppid() == parent_pid,  # platform-ok: Windows reports the live parent too
            "parent_process_is_parent": parent is not None and parent.pid == parent_pid,
            "current_process_name": current_process().name,
            **extra,
        }
    )
    conn.close()


def test(name: str, conn, parent_pid: int) -> None:
    """The tutorial's ``test(name)``: print that it runs, then say what it sees."""
    print(f"{name} is running")
    report(conn, parent_pid)


class MyProcess(multiprocessing.Process):
    """The tutorial's subclass: the task lives in ``run()``; ``__init__`` stores what it needs."""

    def __init__(self, name: str, conn, parent_pid: int, method: str) -> None:
        super().__init__()
        self.name = name
        self.conn = conn
        self.parent_pid = parent_pid
        self.method = method
        self.greeting = "set in __init__"

    def run(self) -> None:
        print(f"{self.name} is running")
        report(self.conn, self.parent_pid, init_attribute_arrives=getattr(self, "greeting", None) == "set in __init__")

    # forklab only: start with this cell's method, not the global default (the tutorial's
    # ``Process`` uses whatever ``set_start_method`` chose; a lab cell never sets it globally).
    @staticmethod
    def _Popen(process_obj):
        return multiprocessing.get_context(process_obj.method).Process._Popen(process_obj)


def default_name_pattern(name: str) -> str:
    """``SpawnProcess-3`` -> ``SpawnProcess-N``: the counter varies by run, the pattern does not."""
    return re.sub(r"-\d+(:\d+)*$", "-N", name)


def observe_child(p, receiver) -> Dict[str, Any]:
    """Start, collect the child's report, join; every step bounded in time."""
    try:
        p.start()
        seen: Dict[str, Any] = receiver.recv() if receiver.poll(30) else {"ran": False}
        p.join(30)
    finally:
        if p.is_alive():
            p.kill()
            p.join(5)
    seen["child_pid_is_p_pid"] = seen.pop("child_pid", None) == p.pid
    seen["name"] = default_name_pattern(p.name)
    seen["current_process_name"] = default_name_pattern(seen.get("current_process_name", ""))
    seen["exitcode"] = p.exitcode
    return seen


def run(cell: Cell) -> None:
    ctx = cell.context
    me = os.getpid()

    receiver, sender = ctx.Pipe(duplex=False)
    p = ctx.Process(target=test, args=("lolo", sender, me))
    cell.observe("target", observe_child(p, receiver))

    receiver, sender = ctx.Pipe(duplex=False)
    p = MyProcess("coco", sender, me, cell.method)
    cell.observe("subclass", observe_child(p, receiver))
