"""How fast ``lab check`` reads code: lines per second over a directory, best of several runs.

    python tools/bench_check.py DIR [--runs 5] [--exclude GLOB]...

Not a test: the machine's load decides the wall-clock numbers (take the best run, and say what
ran beside it); the CPU time of this process is printed too, which load disturbs less. Each run
checks every file again in this process, reading files from the page cache; the time includes
walking the tree, reading, the prefilter, parsing and every rule.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lab.check import check_paths  # after the path: the script runs from anywhere


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--exclude", action="append", default=[])
    args = parser.parse_args()
    seconds, cpu = [], []
    for _ in range(args.runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = check_paths([args.directory], exclude=args.exclude)
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    best = min(seconds)
    print(
        f"{result.files} files, {result.lines} lines, {len(result.findings)} findings, "
        f"{len(result.unparsable)} unparsable; Python {sys.version.split()[0]}"
    )
    print(f"runs (s): {', '.join(f'{s:.2f}' for s in seconds)}")
    print(f"best: {best:.2f} s = {result.lines / best:,.0f} lines/s; median {sorted(seconds)[len(seconds) // 2]:.2f} s")
    print(f"CPU time of this process, best: {min(cpu):.2f} s = {result.lines / min(cpu):,.0f} lines/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
