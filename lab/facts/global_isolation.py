"""Globals in a child process (docs, Contexts and start methods; Programming guidelines).

fork's child "is effectively identical to the parent" when it starts; spawn and forkserver start a
fresh interpreter that imports the module again, so a global "may not be the same as the value in
the parent process at the time that Process.start was called". Every process has its own memory,
so nothing a child writes to its globals reaches the parent.
"""

from __future__ import annotations

from lab.facts.dsl import docs, equal_all, fact, when

MP = "library/multiprocessing.html"
METHODS = docs("3.14", MP, "contexts-and-start-methods", "Contexts and start methods")
GLOBALS = docs("3.14", MP, "the-spawn-and-forkserver-start-methods", "Programming guidelines, 'Global variables'")

FACTS = [
    fact(
        "global-not-shared-back",
        "a child's write to a global, or change to a mutable global, never reaches the parent",
        when(implementation=None),
        equal_all({"parent_sees_child_write": False, "parent_sees_child_list_append": False}),
        METHODS,
    ),
    fact(
        "global-fork-child-sees-runtime-value",
        "under fork the child sees the globals as the parent left them at start(), run-time changes included",
        when(implementation=None, methods=("fork",)),
        equal_all({"child_sees": "runtime", "child_sees_list_append": True}),
        METHODS,
    ),
    fact(
        "global-spawn-child-sees-import-time-value",
        "under spawn and forkserver the child imports the module afresh and sees its import-time globals, not the "
        "parent's run-time changes",
        when(implementation=None, methods=("spawn", "forkserver")),
        equal_all({"child_sees": "import-time", "child_sees_list_append": False}),
        GLOBALS,
    ),
]
