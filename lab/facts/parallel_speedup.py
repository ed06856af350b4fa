"""CPU-bound work in processes and in threads (docs, multiprocessing introduction; threading; free threading).

multiprocessing "side-steps the Global Interpreter Lock by using subprocesses instead of threads";
with the GIL "only one thread can execute Python code at once". A free-threaded build (3.13t+)
runs without the GIL unless it is turned back on (``PYTHON_GIL=1``, or an extension module that
does not support it; the environment records ``gil_enabled``), and then threads run in parallel.
The thread claims follow the GIL as it was at run time (``when(gil=...)``), not the build.
"""

from __future__ import annotations

from lab.facts.dsl import docs, equals, fact, when

FACTS = [
    fact(
        "speedup-processes-parallel",
        "CPU-bound work split over N processes (N = CPU count >= 2) runs in parallel: in the median trial the "
        "processes use more than 1 + (N-1)/4 CPU seconds per wall second",
        when(implementation=None, min_cpus=2),
        equals("processes_ran_in_parallel.class", "yes"),
        docs("3.14", "library/multiprocessing.html", "introduction", "side-stepping the Global Interpreter Lock"),
    ),
    fact(
        "speedup-threads-not-parallel-with-gil",
        "with the GIL, CPU-bound Python code in N threads does not run in parallel: together they get no more CPU "
        "time per second than one thread",
        when(gil=True),
        equals("threads_ran_in_parallel.class", "no"),
        docs("3.14", "library/threading.html", "", "threading: only one thread can execute Python code at once"),
        docs("3.14", "glossary.html", "term-global-interpreter-lock", "global interpreter lock"),
    ),
    fact(
        "speedup-threads-parallel-free-threaded",
        "on a free-threaded build with the GIL off, CPU-bound Python code in N threads (N >= 2) runs in parallel",
        when(gil=False, min_cpus=2),
        equals("threads_ran_in_parallel.class", "yes"),
        docs("3.14", "howto/free-threading-python.html", "", "Python support for free threading"),
    ),
]
