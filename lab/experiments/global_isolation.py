"""Global variables are not shared between processes.

Each process has its own memory, so a child works on its own copy of the parent's globals. Under
``fork`` the copy is taken at ``start()``, so the child sees what the parent set at run time; under
``spawn`` and ``forkserver`` the child imports the module afresh and sees the import-time value. Either
way, what the child writes never comes back to the parent (the tutorial's ``money = 100`` example).
"""

from __future__ import annotations

from lab.experiment import Cell, Experiment

EXPERIMENT = Experiment(
    name="global_isolation",
    title="Global variables are not shared",
    question="Does a child see a global the parent changed at run time, and does the parent see the child's write?",
    concept="进程间内存相互隔离 — memory of processes is isolated (the tutorial's money = 100 example)",
)

money = 100  # the import-time value, as in the tutorial
shopping_list = ["import-time"]


def child(conn) -> None:
    """Report what this process sees, then change the globals (only here)."""
    global money
    conn.send({"money": money, "list": list(shopping_list)})
    money = 888
    shopping_list.append("child")
    conn.close()


def run(cell: Cell) -> None:
    global money
    money = 200  # the parent changes the global at run time, before start()
    shopping_list.append("runtime")

    receiver, sender = cell.context.Pipe(duplex=False)
    p = cell.context.Process(target=child, args=(sender,))
    p.start()
    seen = receiver.recv()
    p.join()

    cell.observe("child_sees", {100: "import-time", 200: "runtime"}.get(seen["money"], "other"))
    cell.observe("child_value", seen["money"])
    cell.observe("parent_sees_child_write", money == 888)
    cell.observe("child_sees_list_append", "runtime" in seen["list"])
    cell.observe("parent_sees_child_list_append", "child" in shopping_list)
    cell.observe("child_exitcode", p.exitcode)
