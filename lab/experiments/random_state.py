"""Do child processes draw the same "random" numbers?

A forked child starts as a copy of its parent, random generators included. CPython's ``random``
module reseeds its own global generator in every forked child, but a generator you create yourself
is copied exactly as it is, so every child draws the same numbers. numpy's generator is the famous
case (identical "random" augmentations in every worker); the lab stays standard library only, so it
shows the same thing with ``random.Random`` instances.
"""

from __future__ import annotations

import random
from typing import Any, Dict, List, Optional, Tuple

from lab.experiment import Cell, Experiment, Observation, Symptom

EXPERIMENT = Experiment(
    name="random_state",
    title="Random numbers in children",
    question="Do children draw identical random numbers, to each other or to the parent's next draw?",
    concept="fork copies generator state; random's global generator is reseeded after fork, your own is not",
    lesson="A fork child starts with a copy of its parent's generators: the random module reseeds its own global "
    "generator in every fork child, but a random.Random (or a numpy generator) you created is copied as it is, so "
    "every child draws the same numbers. spawn and forkserver children create module-level generators again at "
    "import, so a seeded one gives every child the same import-time numbers, and random.seed() in the parent "
    "reaches none of them.",
    docs="https://docs.python.org/3/library/random.html#random.seed",
    observations=(
        Observation("global_after_use.children_identical", "Children draw the same number from random.random()"),
        Observation("global_after_seed.children_identical", "Children draw the same number after random.seed(n)"),
        Observation(
            "module_instance.children_identical",
            "Children draw the same number from a module-level Random(seed)",
            glance=True,
        ),
        Observation("module_instance.any_equals_parent_next", "A child draws the parent's next number (Random(seed))"),
        Observation("passed_instance.children_identical", "Children draw the same number from a Random passed to them"),
    ),
    symptoms=(
        Symptom(
            id="identical-random-numbers-in-children",
            title='Every child draws the same "random" numbers',
            messages=(),
            pattern=r"(?i)\b(same|identical|duplicated?)\b.{0,30}\brandom\b",
            cause="A generator you created (random.Random, numpy's) is copied into every fork child with the "
            "parent's state, and re-created from the same seed in every spawn or forkserver child.",
            fix="Seed each child's generator in the child, from its identity or os.urandom "
            "(random.Random(seed + worker_index); numpy: SeedSequence.spawn()).",
            evidence="module_instance.children_identical",
            shows=(True,),
            docs="https://docs.python.org/3/library/random.html#random.seed",
        ),
    ),
)

SEED = 1234
#: A generator created at import time and advanced by the parent before it starts children.
MODULE_GENERATOR = random.Random(SEED)


def draw_global(conn) -> None:
    conn.send(random.random())
    conn.close()


def draw_module_generator(conn) -> None:
    conn.send(MODULE_GENERATOR.random())
    conn.close()


def draw_passed(conn, generator: random.Random) -> None:
    conn.send(generator.random())
    conn.close()


def start_children(cell: Cell, target, extra: tuple = ()) -> List[Tuple[Any, Any]]:
    """Start a few children at once, each to send one draw; collected later, all together."""
    started = []
    for _ in range(cell.trials(full=3, quick=2)):
        receiver, sender = cell.context.Pipe(duplex=False)
        process = cell.context.Process(target=target, args=(sender, *extra))
        process.start()
        sender.close()
        started.append((process, receiver))
    return started


def collect(started: List[Tuple[Any, Any]]) -> List[Optional[float]]:
    """Each child's draw (None if it sent nothing in time); every child joined or killed."""
    draws: List[Optional[float]] = []
    for process, receiver in started:
        try:
            draws.append(receiver.recv() if receiver.poll(30) else None)
        except EOFError:
            draws.append(None)
        receiver.close()
        process.join(30)
        if process.is_alive():
            process.kill()
            process.join(10)
    return draws


def compare(draws: List[Optional[float]], parent_next: float, **extra: Any) -> Dict[str, Any]:
    """Classify children's draws: identical to each other? equal to the parent's next draw?"""
    received = [d for d in draws if d is not None]
    answer = {
        "children_answered": len(received),
        "children_identical": len(received) == len(draws) and len(set(received)) == 1,
        "any_equals_parent_next": parent_next in received,
    }
    answer.update(extra)
    return answer


def run(cell: Cell) -> None:
    # The parent's steps run in order; the children of every case are collected at the end, so
    # slow-starting children (spawn, PyPy) overlap instead of queueing.
    cases: List[Tuple[str, List[Tuple[Any, Any]], float, Dict[str, Any]]] = []
    try:
        # 1. The global generator, after the parent used it.
        random.random()
        started = start_children(cell, draw_global)
        cases.append(("global_after_use", started, random.random(), {}))

        # 2. The global generator, after the parent seeded it: users expect reproducible children.
        random.seed(SEED)
        started = start_children(cell, draw_global)
        cases.append(("global_after_seed", started, random.random(), {}))
        random.seed()  # leave the process's global generator as unpredictable as it was

        # 3. A module-level Random(SEED) the parent advanced before start().
        for _ in range(5):
            MODULE_GENERATOR.random()
        started = start_children(cell, draw_module_generator)
        cases.append(("module_instance", started, MODULE_GENERATOR.random(), {"import_time": True}))

        # 4. The parent's own Random instance, advanced, then passed as an argument.
        mine = random.Random(SEED + 1)
        for _ in range(5):
            mine.random()
        started = start_children(cell, draw_passed, (mine,))
        cases.append(("passed_instance", started, mine.random(), {}))
    finally:
        results = [(name, collect(started), parent_next, extra) for name, started, parent_next, extra in cases]

    first_draw_after_import = random.Random(SEED).random()
    for name, draws, parent_next, extra in results:
        if extra.get("import_time"):
            cell.observe(name, compare(draws, parent_next, equals_import_time_draw=first_draw_after_import in draws))
        else:
            cell.observe(name, compare(draws, parent_next))
