"""Concurrency is not parallelism: with the GIL, only processes run Python code on several cores at once.

A CPU-bound task split over N processes (N = the CPU count) can finish up to N times sooner: each
process has its own interpreter and its own GIL. Split over N threads of one process it takes about
as long as in one thread -- the threads take turns holding the GIL -- unless the build is
free-threaded (3.13t, 3.14t) with the GIL off, where threads run in parallel too.

Workers start first and wait at a start line, warmed up (PyPy compiles the loop), so only computing
is timed. Two measures per trial, both compared with 1 + (N - 1) / 4 (1.25 on 2 cores: well above
noise, well below N): the speed-up (one worker's time / N workers' time), which other programs on
the same cores also lower, and the parallelism, CPU seconds the N workers used per wall second:
above 1 they really ran at the same time on more than one core.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from typing import Any, Dict, List, Tuple

from lab.experiment import TIMING, Cell, Experiment, Observation, Rounds, finish, not_applicable, now_ms

EXPERIMENT = Experiment(
    name="parallel_speedup",
    title="Concurrency vs parallelism: processes and threads",
    question="How much faster is a CPU-bound task split over N processes, and over N threads, than in one?",
    concept="并发: 多个任务看起来同时在处理 ,本质上是切换执行 速度非常快; 并行: 多个任务真正的同时执行 必须具备多核CPU "
    "才可能并行 — concurrency: tasks look simultaneous but take turns; parallelism: they truly run at once, "
    "which needs several cores",
    lesson="CPU-bound Python code split over N processes runs on N cores at once and finishes sooner. Split over N "
    "threads it runs no faster with the GIL, which lets one thread run Python code at a time; a free-threaded "
    "build with the GIL off runs the threads in parallel too.",
    docs="https://docs.python.org/3/library/multiprocessing.html#introduction",
    kind=TIMING,
    # 2: rounds, and the ratio between methods is the speedup's. Each cell sizes its chunk by
    # its own calibration, so one_process and n_processes compared across cells compared two
    # different amounts of work; the speedup is measured within a cell, on one amount.
    version=2,
    rounds=Rounds(full=3, quick=2),
    summaries=({"kind": "ratio", "timing": "speedup_processes", "baseline": "fork"},),
    observations=(
        Observation("processes_ran_in_parallel", "N processes use more than one core at once", judgement=True),
        Observation("threads_ran_in_parallel", "N threads use more than one core at once", glance=True, judgement=True),
        Observation("processes_faster_than_one", "N processes finish sooner than one", judgement=True),
        Observation("threads_faster_than_one", "N threads finish sooner than one", judgement=True),
        Observation("cpu_count", "CPUs", depends_on="machine: its CPU count"),
        Observation("usable_cpus", "CPUs this process may use", depends_on="machine: CPU affinity"),
    ),
)


MEASURES = {"faster_than_one": "speedup", "ran_in_parallel": "parallelism"}  # observation -> its samples


def cpu_bound(n: int) -> int:
    """Pure Python arithmetic: it never waits for I/O and holds the GIL the whole time."""
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def worker(chunks: int, n: int, rounds: int, start_line, cpu_seconds, index: int) -> None:
    """Warm up, then in every round: wait at the start line, compute ``chunks`` chunks, cross the finish line.

    ``cpu_seconds[index]`` receives the CPU time this process used for its chunks in the round.
    """
    cpu_bound(n // 10)
    for _ in range(rounds):
        start_line.wait(60)
        started = time.process_time()
        for _ in range(chunks):
            cpu_bound(n)
        cpu_seconds[index] = time.process_time() - started
        start_line.wait(60)


def calibrate(target_ms: float) -> int:
    """How many loop steps one chunk needs to take about ``target_ms`` on this interpreter."""
    n = 20000
    cpu_bound(n)  # warm-up (PyPy's JIT)
    while True:
        started = now_ms()
        cpu_bound(n)
        took = now_ms() - started
        if took > 5:
            return max(1000, int(n * target_ms / took))
        n *= 4


def in_threads(count: int, chunks: int, n: int) -> Tuple[float, float]:
    """``count`` threads of this process, ``chunks`` chunks each: (ms from start to the last join, CPU s used)."""
    threads = [threading.Thread(target=lambda: [cpu_bound(n) for _ in range(chunks)]) for _ in range(count)]
    started, cpu_started = now_ms(), time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return now_ms() - started, time.process_time() - cpu_started


def share(cpu_seconds: float, wall_ms: float) -> float:
    """CPU seconds per wall second."""
    return cpu_seconds * 1000 / wall_ms


def usable_cpus() -> Any:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return not_applicable("os.sched_getaffinity is not offered on this platform")


def by_median(values: List[float], threshold: float, count: int, trials: int) -> Dict[str, Any]:
    """A count over trials whose class is ``yes`` when the median trial reached the threshold.

    The median, not every trial: one slow trial on a busy machine must not flip the answer.
    """
    return {
        "count": count,
        "trials": trials,
        "fraction": round(count / trials, 4),
        "class": "yes" if statistics.median(values) >= threshold else "no",
    }


def run(cell: Cell) -> None:
    ctx = cell.context
    cpus = os.cpu_count() or 1
    cell.observe("cpu_count", cpus)
    cell.observe("usable_cpus", usable_cpus())
    if hasattr(os, "getloadavg"):  # other work on the machine takes cores away: say how much there was
        cell.sample("load_average_1min_at_start", os.getloadavg()[0], unit="runnable processes")
    n = calibrate(cell.trials(full=40, quick=30))  # ms per chunk when this process has a core to itself
    trials = cell.trials(full=2, quick=2)  # per round
    threshold = 1 + (cpus - 1) / 4

    # The same work (cpus chunks) done by one process, and by cpus processes with one chunk each.
    one_line, many_line = ctx.Barrier(2), ctx.Barrier(cpus + 1)
    cpu_seconds = ctx.Array("d", cpus + 1, lock=False)
    one = ctx.Process(target=worker, args=(cpus, n, trials, one_line, cpu_seconds, cpus))
    many = [ctx.Process(target=worker, args=(1, n, trials, many_line, cpu_seconds, i)) for i in range(cpus)]
    processes = [one, *many]
    counts = dict.fromkeys([f"{who}_{what}" for who in ("processes", "threads") for what in MEASURES], 0)
    try:
        for p in processes:
            p.start()
        for _ in range(trials):
            times = {}
            for name, line in (("one_process", one_line), ("n_processes", many_line)):
                line.wait(60)
                started = now_ms()
                line.wait(60)
                times[name] = now_ms() - started
                cell.sample(name, times[name])
            speedup = times["one_process"] / times["n_processes"]
            parallelism = share(sum(cpu_seconds[:cpus]), times["n_processes"])
            cell.sample("speedup_processes", speedup, unit="x")
            cell.sample("parallelism_processes", parallelism, unit="CPU s per s")
            counts["processes_faster_than_one"] += speedup >= threshold
            counts["processes_ran_in_parallel"] += parallelism >= threshold
    finally:
        finish(*processes)

    # Threads last: the process stays single-threaded while it starts processes.
    in_threads(cpus, 1, n // 10)  # warm-up
    for _ in range(trials):
        (alone, _), (together, cpu_together) = in_threads(1, cpus, n), in_threads(cpus, 1, n)
        parallelism = share(cpu_together, together)
        cell.sample("one_thread", alone)
        cell.sample("n_threads", together)
        cell.sample("speedup_threads", alone / together, unit="x")
        cell.sample("parallelism_threads", parallelism, unit="CPU s per s")
        counts["threads_faster_than_one"] += alone / together >= threshold
        counts["threads_ran_in_parallel"] += parallelism >= threshold
    for key, count in counts.items():  # the class from the median trial, the counts per trial beside it
        who, what = key.split("_", 1)
        cell.observe(key, by_median(cell.samples[f"{MEASURES[what]}_{who}"], threshold, count, trials))
