"""Creating a process with ``target=`` or a ``Process`` subclass (Lib/multiprocessing/process.py).

``start()`` hands the Process object to a Popen of the start method, which makes a new OS process
that runs ``run()`` (the target, or the subclass's override). ``popen_fork`` forks in the parent
and ``popen_spawn_posix`` starts the new interpreter from the parent, so the child's OS parent is
the program; ``forkserver``'s children are forked by the server (``forkserver.main``).
"""

from __future__ import annotations

from lab.facts.dsl import cpython, docs, equal_all, equals, fact, when

MP = "library/multiprocessing.html"
START = docs("3.14", MP, "multiprocessing.Process.start", "Process.start: run() is invoked in a separate process")

FACTS = [
    fact(
        "creation-child-is-a-new-process",
        "both ways of creating a process (target= and a subclass overriding run()) run the task in a new process "
        "whose pid is the parent's Process.pid",
        when(implementation=None),
        equal_all(
            {
                "target.ran": True,
                "target.pid_differs_from_parent": True,
                "target.child_pid_is_p_pid": True,
                "subclass.ran": True,
                "subclass.pid_differs_from_parent": True,
                "subclass.child_pid_is_p_pid": True,
            }
        ),
        START,
        docs("3.14", MP, "multiprocessing.Process.pid", "Process.pid"),
    ),
    fact(
        "creation-parent-process-is-the-creator",
        "multiprocessing.parent_process() in the child is the process that started it, under every method",
        when(implementation=None),
        equal_all({"target.parent_process_is_parent": True, "subclass.parent_process_is_parent": True}),
        docs("3.14", MP, "multiprocessing.parent_process", "multiprocessing.parent_process() (3.8+)"),
    ),
    fact(
        "creation-subclass-init-arrives",
        "what a Process subclass's __init__ set (its name) is what the child sees: fork copies the object, spawn "
        "and forkserver pickle it at start()",
        when(implementation=None),
        equals("subclass.name_set_in_init_arrives", True),
        docs("3.14", MP, "the-spawn-and-forkserver-start-methods", "Programming guidelines, 'More picklability'"),
    ),
    fact(
        "creation-default-name",
        "a Process given no name is named after its class and its place among its parent's children: "
        "multiprocessing.Process gives 'Process-N'",
        when(implementation=None),
        equals("target.name", "Process-N"),
        cpython("v3.14.0", "Lib/multiprocessing/process.py", "BaseProcess.__init__: type(self).__name__ + '-' + ..."),
        docs("3.14", MP, "multiprocessing.Process.name", "Process.name"),
    ),
    fact(
        "creation-getppid-is-the-program",
        "under fork and spawn the program starts the child itself, so the child's os.getppid() is the program",
        when(implementation=None, methods=("fork", "spawn"), platforms=("linux", "macos")),
        equal_all({"target.getppid_is_parent": True, "subclass.getppid_is_parent": True}),
        cpython("v3.14.0", "Lib/multiprocessing/popen_fork.py", "Popen._launch: os.fork() in the parent"),
        cpython("v3.14.0", "Lib/multiprocessing/popen_spawn_posix.py", "Popen._launch: util.spawnv_passfds"),
    ),
    fact(
        "creation-forkserver-getppid-is-the-server",
        "under forkserver the server forks the child, so the child's os.getppid() is the server, not the program",
        when(implementation=None, methods=("forkserver",)),
        equal_all({"target.getppid_is_parent": False, "subclass.getppid_is_parent": False}),
        cpython("v3.14.0", "Lib/multiprocessing/forkserver.py", "main(): os.fork() for each request"),
    ),
]
