"""Acquiring and releasing multiprocessing locks (docs, multiprocessing.Lock and RLock).

A Lock is not owned: its holder's second ``acquire(timeout=...)`` times out and returns False, and
releasing it unlocked raises ValueError. An RLock is owned: its owner may acquire it again, and
releasing it when unowned raises AssertionError. The messages come from the semaphore's C code and
PyPy's own, and are kept as observed.
"""

from __future__ import annotations

from lab.facts.dsl import docs, equal_all, fact, when

MP = "library/multiprocessing.html"
LOCK = docs("3.14", MP, "multiprocessing.Lock", "multiprocessing.Lock")
ACQUIRE = docs("3.14", MP, "multiprocessing.Lock.acquire", "Lock.acquire: False once the timeout has elapsed")
RLOCK = docs("3.14", MP, "multiprocessing.RLock", "multiprocessing.RLock")

FACTS = [
    fact(
        "lock-second-acquire-waits",
        "a Lock's holder that acquires it again waits (with a timeout, acquire() returns False); an RLock's "
        "owner acquires it again at once",
        when(implementation=None),
        equal_all({"second_acquire.Lock": False, "second_acquire.RLock": True}),
        ACQUIRE,
        RLOCK,
    ),
    fact(
        "lock-release-unheld-raises",
        "release() of a Lock nobody holds raises ValueError; release() of an unowned RLock raises AssertionError",
        when(implementation=None),
        equal_all({"release_unheld.Lock.type": "ValueError", "release_unheld.RLock.type": "AssertionError"}),
        docs("3.14", MP, "multiprocessing.Lock.release", "Lock.release: ValueError on an unlocked lock"),
        docs("3.14", MP, "multiprocessing.RLock.release", "RLock.release: AssertionError unless the caller owns it"),
    ),
    fact(
        "lock-blocks-other-processes",
        "while one process holds a Lock, another process's acquire() waits (times out); after the release it succeeds",
        when(implementation=None),
        equal_all({"other_process.while_held": False, "other_process.after_release": True}),
        LOCK,
        ACQUIRE,
    ),
]
