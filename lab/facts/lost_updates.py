"""Lost updates on a shared Value (docs, multiprocessing.Value; Lib/multiprocessing/sharedctypes.py).

``Value(..., lock=False)`` is a raw ctypes object in shared memory, not process-safe. The default
``Value`` is a synchronized wrapper whose ``value`` property takes its lock for the read and again
for the write (the ``template`` in sharedctypes.py), so ``+=`` is still two separate steps: the
docs say it "is insufficient to just do counter.value += 1".
"""

from __future__ import annotations

from lab.facts.dsl import cpython, docs, equals, fact, when

VALUE = docs("3.14", "library/multiprocessing.html", "multiprocessing.Value", "multiprocessing.Value")

FACTS = [
    fact(
        "lost-updates-raw-value",
        "processes running counter.value += 1 at the same time on a Value(lock=False) lose additions",
        when(implementation=None, min_cpus=2),
        equals("no_lock.lost_updates.class", "seen"),
        VALUE,
    ),
    fact(
        "lost-updates-value-own-lock-plus-equals",
        "a Value's own lock guards the read and the write separately: += outside get_lock() still loses additions",
        when(implementation=None, min_cpus=2),
        equals("own_lock.lost_updates.class", "seen"),
        VALUE,
        cpython("v3.14.0", "Lib/multiprocessing/sharedctypes.py", "template: get and set each acquire the lock"),
    ),
    fact(
        "lost-updates-none-with-lock",
        "with one Lock held around each +=, no addition is lost",
        when(implementation=None),
        equals("with_lock.lost_updates.class", "none"),
        docs("3.14", "library/multiprocessing.html", "multiprocessing.Lock", "multiprocessing.Lock"),
        VALUE,
    ),
]
