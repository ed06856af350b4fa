"""Global variables are not shared between processes (the tutorial's ``money = 100`` example).

Each process has its own memory, so a child works on its own copy of the parent's globals. Under
``fork`` the copy is taken at ``start()``, so the child sees what the parent set at run time; under
``spawn`` and ``forkserver`` the child imports the module afresh and sees the import-time value.
Either way, what the child writes never comes back to the parent: the tutorial's program prints 100.
"""

from __future__ import annotations

from lab.experiment import Cell, Experiment, Observation, Symptom, finish

DOCS = "https://docs.python.org/3/library/multiprocessing.html#the-spawn-and-forkserver-start-methods"

EXPERIMENT = Experiment(
    name="global_isolation",
    title="Global variables are not shared",
    question="Does a child see a global the parent changed at run time, and does the parent see the child's write?",
    concept="进程间内存相互隔离 — the memory of processes is isolated from each other (the tutorial's money = 100 "
    "example)",
    lesson="A child's write to a global (money = 888) never reaches the parent, which still prints 100. What the "
    "child sees depends on the start method: fork copies the parent's run-time value, spawn and forkserver "
    "re-import the module and see the import-time value.",
    docs=DOCS,
    observations=(
        Observation("parent_sees_child_write", "The parent sees the child's money = 888"),
        Observation("child_sees", "The value of money the child sees (run-time or import-time)", glance=True),
        Observation("child_sees_list_append", "The child sees a list append the parent made at run time"),
        Observation("parent_sees_child_list_append", "The parent sees the child's list append"),
    ),
    symptoms=(
        Symptom(
            id="global-has-import-time-value",
            title="A global in the child has its import-time value, or the child's change never reaches the parent",
            messages=(),
            pattern=r"(?i)global\b.*\b(not (shared|updated|changed)|import[- ]time value|old value)",
            cause="Each process has its own globals; spawn and forkserver children re-import the module, so "
            "they see the values set at import, not what the parent changed later.",
            fix="Pass what the child needs as arguments, and send results back (a Pipe, a Queue, a Value).",
            evidence="child_sees",
            shows=("import-time",),
            docs=DOCS,
        ),
    ),
)

money = 100  # the import-time value, as in the tutorial
shopping_list = ["import-time"]


def test(conn) -> None:
    """The tutorial's test(): report what this process sees, then change the globals (only here)."""
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
    p = cell.context.Process(target=test, args=(sender,))
    p.start()
    sender.close()
    seen = receiver.recv() if receiver.poll(30) else {"money": None, "list": []}
    finish(p)

    cell.observe("child_sees", {100: "import-time", 200: "runtime"}.get(seen["money"], "other"))
    cell.observe("child_value", seen["money"])
    cell.observe("parent_sees_child_write", money == 888)  # the tutorial's print(money)
    cell.observe("child_sees_list_append", "runtime" in seen["list"])
    cell.observe("parent_sees_child_list_append", "child" in shopping_list)
    cell.observe("child_exitcode", p.exitcode)
