"""Random generators in children (Lib/random.py).

``random`` registers ``os.register_at_fork(after_in_child=_inst.seed)`` (3.7+), so its global
generator is reseeded from ``os.urandom`` in every fork child; a spawn or forkserver child imports
``random`` afresh and seeds a new one. A ``random.Random`` you create is an ordinary object:
fork copies it with its state, pickling sends its state (``Random.__reduce__`` returns
``getstate()``), and a module-level one is created again, from its seed, when a fresh
interpreter imports the module. ``Lib/random.py`` is the same pure-Python module in PyPy, so these
facts hold for every implementation.
"""

from __future__ import annotations

from lab.facts.dsl import cpython, docs, equal_all, fact, when

FRESH = ("spawn", "forkserver")
RESEED = cpython("v3.14.0", "Lib/random.py", "os.register_at_fork(after_in_child=_inst.seed)")
REDUCE = cpython("v3.14.0", "Lib/random.py", "Random.__reduce__ (returns getstate())")
SEED = docs("3.14", "library/random.html", "random.seed", "random.seed (None: os.urandom)")
FRESH_IMPORT = docs(
    "3.14", "library/multiprocessing.html", "the-spawn-and-forkserver-start-methods", "spawn and forkserver"
)
#: The global generator: children differ from each other and from the parent, seeded or not.
GLOBAL_DIFFERS = {
    f"{case}.{what}": False
    for case in ("global_after_use", "global_after_seed")
    for what in ("children_identical", "any_equals_parent_next")
}

FACTS = [
    fact(
        "random-global-reseeded-after-fork",
        "the random module's global generator is reseeded in every fork child: children differ from each other "
        "and from the parent's next draw, even after random.seed(n) in the parent",
        when(implementation=None, methods=("fork",)),
        equal_all(GLOBAL_DIFFERS),
        RESEED,
        docs("3.14", "library/os.html", "os.register_at_fork", "os.register_at_fork"),
    ),
    fact(
        "random-global-fresh-in-spawn-children",
        "a spawn or forkserver child has a global generator of its own, seeded from os.urandom: random.seed(n) "
        "in the parent does not make its children reproducible",
        when(implementation=None, methods=FRESH),
        equal_all(GLOBAL_DIFFERS),
        SEED,
        RESEED,
    ),
    fact(
        "random-own-instance-copied-by-fork",
        "a random.Random of your own is copied as it is into every fork child: all children draw the parent's "
        "next number",
        when(implementation=None, methods=("fork",)),
        equal_all(
            {
                "module_instance.children_identical": True,
                "module_instance.any_equals_parent_next": True,
                "passed_instance.children_identical": True,
                "passed_instance.any_equals_parent_next": True,
            }
        ),
        RESEED,
        docs("3.14", "library/multiprocessing.html", "contexts-and-start-methods", "fork: the child is a copy"),
    ),
    fact(
        "random-passed-instance-pickled-with-state",
        "a Random passed as an argument reaches spawn and forkserver children with its state, so they too draw "
        "the parent's next number",
        when(implementation=None, methods=FRESH),
        equal_all({"passed_instance.children_identical": True, "passed_instance.any_equals_parent_next": True}),
        REDUCE,
    ),
    fact(
        "random-module-instance-recreated-by-import",
        "a module-level Random(seed) is created again when a spawn or forkserver child imports the module: every "
        "child draws its import-time first number, not the parent's next one",
        when(implementation=None, methods=FRESH),
        equal_all(
            {
                "module_instance.children_identical": True,
                "module_instance.equals_import_time_draw": True,
                "module_instance.any_equals_parent_next": False,
            }
        ),
        FRESH_IMPORT,
    ),
]
