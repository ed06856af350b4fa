"""PyPy 3.9's importlib breaks when the GC runs a finalizer that imports in the middle of an import.

This is why lock_race under spawn and forkserver sometimes failed on PyPy 3.9 with
"PicklingError: Can't pickle ...: it's not found as multiprocessing.heap.rebuild_arena". It is not
part of the lab. It needs no forklab, only the standard library.

    pypy3 tools/pypy_pickle_race.py [runs] [iterations] [nursery]

How it breaks. PyPy's ``__import__`` is importlib's pure-Python ``_bootstrap.__import__``. Only a
level-0 ``import`` statement takes PyPy's fast path, so an explicit ``__import__()`` call (pickle's
``save_global`` makes one for every global it writes) and every relative import
(``from .synchronize import Lock`` in ``ctx.Lock()``) go through ``_find_and_load``. In PyPy 3.9
(CPython 3.9's ``_bootstrap.py``) that function takes the module lock even when the module is
already loaded. ``_ModuleLock.acquire`` sets ``_blocking_on[tid]`` and deletes it again
afterwards. Under spawn and forkserver each ``Lock`` has a ``util.Finalize`` that runs
``SemLock._cleanup``, and that function runs ``from .resource_tracker import unregister``. When
the GC runs that finalizer inside the window, the nested import sets and deletes the same key, so
the outer ``del _blocking_on[tid]`` raises ``KeyError: <thread id>``. Pickle turns this into
"it's not found as ...": its ``except (ImportError, KeyError, AttributeError)`` raises the
PicklingError ``from None``, which hides the KeyError. When the finalizer runs inside the
``with self.lock:`` of the same module's lock instead, the process hangs for good. CPython fixed
both in 3.12 (gh-91351). PyPy 3.11's ``_find_and_load`` returns a loaded module without taking the
lock, so this path is closed there.

Each run is a fresh interpreter. It creates and drops a Lock, then pickles ``rebuild_arena`` as
``Process.start()`` does, ``iterations`` times. The nursery argument sets ``PYPY_GC_NURSERY``
(``default`` leaves it unset). A small nursery makes collections frequent, and so the race, but it
changes nothing else. fork is the control: its Lock has no finalizer. A run that hangs is ended by
faulthandler after 60 s.

Measured with 10 runs x 10000 iterations (runs with a KeyError/PicklingError, runs that hung):

    PyPy 3.9.16 (7.3.11, Debian)  8KB     spawn 5+2 hung, 4+0   forkserver 2+0, 3+5 hung   fork 0, 0
    PyPy 3.9.16                   default spawn 1              forkserver 1               fork 0
    PyPy 3.11.17 (8.0.1)          8KB     spawn 0              forkserver 0               fork 0
    CPython 3.11.7 (3 runs)       -       spawn 0              forkserver 0               fork 0

In the lab's lock_race, PyPy 3.9, spawn and forkserver, full runs with --jobs 2 and two CPU burners
beside them: 2 of 40 cells failed with a 32KB or 8KB nursery and none of about 130 with the default
one. The earlier full runs on a busier machine had 4 of 16.
"""

import faulthandler
import json
import os
import pickle
import subprocess
import sys
from collections import Counter


def child(method: str, iterations: int) -> None:
    """Create and drop a Lock, then pickle a global the way Process.start() does; count the failures."""
    import multiprocessing
    from multiprocessing.heap import rebuild_arena
    from multiprocessing.reduction import ForkingPickler

    faulthandler.dump_traceback_later(60, exit=True)  # a hang: exit with the stacks and a non-zero code
    ctx, failures = multiprocessing.get_context(method), Counter()
    for _ in range(iterations):
        try:
            ctx.Lock()  # dropped at once; under spawn/forkserver its finalizer imports when the GC runs it
            ForkingPickler.dumps(rebuild_arena)  # save_global: __import__("multiprocessing.heap")
        except (KeyError, pickle.PicklingError) as exc:
            failures[type(exc).__name__] += 1
    print(json.dumps(failures))


def main(runs: int, iterations: int, nursery: str) -> None:
    env = dict(os.environ)
    env.pop("PYPY_GC_NURSERY", None)
    if nursery != "default":
        env["PYPY_GC_NURSERY"] = nursery
    print(f"{sys.implementation.name} {sys.version.split()[0]}, {runs} runs x {iterations}, nursery {nursery}")
    for method in ("spawn", "forkserver", "fork"):
        failed, hung, counts = 0, 0, Counter()
        for _ in range(runs):
            argv = [sys.executable, __file__, "--child", method, str(iterations)]
            done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)
            if done.returncode != 0:
                hung += "Timeout" in done.stderr
                failed += "Timeout" not in done.stderr
                continue
            found = Counter(json.loads(done.stdout.splitlines()[-1]))
            failed += bool(found)
            counts.update(found)
        print(f"  {method:<10} runs with a failure {failed}/{runs}, hung {hung}/{runs}, failures {dict(counts)}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]))
    else:
        args = sys.argv[1:] + ["10", "10000", "8KB"][len(sys.argv) - 1 :]
        main(int(args[0]), int(args[1]), args[2])
