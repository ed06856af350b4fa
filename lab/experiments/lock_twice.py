"""The tutorial's 注意1: never acquire() the same Lock twice -- one acquire(), one release().

A ``Lock`` is not owned: a second ``acquire()`` by the process that holds it waits like anyone
else's, for ever (the tutorial's 锁死). With a timeout it returns ``False`` instead, which is how
it is observed here. An ``RLock`` is owned, so its owner may acquire it again, and must release it
as many times. Releasing a Lock nobody holds raises ``ValueError``; releasing an RLock one does not
own raises ``AssertionError``. And the lock is one lock for every process it is passed to: while
this process holds it, another process's ``acquire()`` waits too.
"""

from __future__ import annotations

from typing import Any, Dict

from lab.experiment import Cell, Experiment, Observation, Symptom, finish, now_ms
from lab.normalise import describe_exception

DOCS = "https://docs.python.org/3/library/multiprocessing.html#multiprocessing.Lock"

EXPERIMENT = Experiment(
    name="lock_twice",
    title="Acquiring a lock twice, releasing it once too often",
    question="What does a second acquire() of a Lock or RLock by its holder do, what does releasing an unheld "
    "lock do, and does a lock held here keep another process waiting?",
    concept="注意1: 不要对同一把执行多出acquire 会锁死导致程序无法执行 一次acquire必须对应一次release — do not "
    "acquire the same lock twice: the program locks up; one acquire, one release",
    lesson="A Lock's holder that acquires it again waits for ever (with a timeout, acquire() returns False); an "
    "RLock's owner can acquire it again. Releasing a Lock that is not held raises ValueError, and a held lock "
    "keeps every other process waiting until it is released.",
    docs=DOCS,
    version=1,  # split from lock_race (version 2); release errors and another process's acquire added
    observations=(
        Observation("second_acquire.Lock", "A Lock's holder acquires it again (0.1 s timeout)"),
        Observation("second_acquire.RLock", "An RLock's owner acquires it again (0.1 s timeout)"),
        Observation("release_unheld.Lock", "release() of a Lock nobody holds", glance=True),
        Observation("release_unheld.RLock", "release() of an RLock nobody holds"),
        Observation("other_process.while_held", "Another process's acquire() while this one holds the Lock"),
        Observation("other_process.after_release", "Another process's acquire() after the release"),
    ),
    symptoms=(
        Symptom(
            id="lock-released-too-many-times",
            title="A Lock released more often than it was acquired",
            messages=("ValueError: semaphore or lock released too many times",),
            pattern=r"semaphore or lock released too many times",
            cause="release() was called on a multiprocessing.Lock that nobody holds (one acquire, one release).",
            fix="Use `with lock:` so that every acquire() is paired with exactly one release().",
            evidence="release_unheld.Lock.type",
            shows=("ValueError",),
            docs="https://docs.python.org/3/library/multiprocessing.html#multiprocessing.Lock.release",
        ),
    ),
)


def try_to_acquire(lock, conn) -> None:
    """Another process: acquire while the parent holds the lock, then again once it says it released it."""
    conn.send(lock.acquire(timeout=0.1))
    conn.recv()
    got = lock.acquire(timeout=10)
    conn.send(got)
    if got:
        lock.release()


def release_error(lock) -> Any:
    """What release() of a lock this process does not hold raises (or "no error")."""
    try:
        lock.release()
    except Exception as exc:
        return describe_exception(exc)
    return "no error"


def run(cell: Cell) -> None:
    ctx = cell.context
    # Kept to the end of the lesson: a lock dropped while a process starts runs its clean-up
    # inside an import, which PyPy 3.9 gets wrong (tools/pypy_pickle_race.py).
    locks = {"Lock": ctx.Lock(), "RLock": ctx.RLock()}
    second, unheld = {}, {}
    for name, lock in locks.items():
        lock.acquire()
        started = now_ms()
        second[name] = lock.acquire(timeout=0.1)  # 注意1: without the timeout a Lock would wait for ever
        cell.sample(f"second_{name}_acquire_returned_after", now_ms() - started)
        lock.release()
        if second[name]:
            lock.release()  # one release per acquire
        unheld[name] = release_error(lock)
    cell.observe("second_acquire", second)
    cell.observe("release_unheld", unheld)

    shared = ctx.Lock()
    mine, theirs = ctx.Pipe()
    p = ctx.Process(target=try_to_acquire, args=(shared, theirs))
    other: Dict[str, Any] = {}
    with shared:
        p.start()
        other["while_held"] = mine.recv() if mine.poll(30) else "no answer"
    mine.send("released")
    other["after_release"] = mine.recv() if mine.poll(30) else "no answer"
    finish(p)
    cell.observe("other_process", other)
