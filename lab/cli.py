"""The command line: ``python -m lab list|run|report|diff|plot|probe`` (host side, Python 3.10+).

Bad input -- an unknown experiment or method, a --python SPEC that matches nothing, an
unwritable --out, a corrupt or foreign result file -- gets one line on stderr saying what is
wrong and what to do, exit code 2, and nothing stored is touched.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections import Counter
from pathlib import Path

from lab import METHODS, experiments
from lab.records import LABEL_PATTERN, ResultFileError, load, result_paths

EXIT_BAD_INPUT = 2
DEFAULT_RESULTS = Path("results")


class BadInput(Exception):
    """One line for the user: what is wrong and what to do."""


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise BadInput(message)


# -- list ------------------------------------------------------------------------------------
def cmd_list(args: argparse.Namespace) -> int:
    from tabulate import tabulate

    rows = []
    for name in experiments.names():
        declared = experiments.load(name).EXPERIMENT
        rows.append([name, declared.kind, declared.question])
    print(tabulate(rows, headers=["experiment", "kind", "question"], tablefmt="simple"))
    return 0


# -- run -------------------------------------------------------------------------------------
def _validate_out(out: Path) -> None:
    """Refuse an output directory we cannot write, or one holding files we would damage."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".forklab-write-test-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise BadInput(f"--out {out}: cannot write there ({exc.strerror}); choose a writable directory") from None
    for path in result_paths(out):
        try:
            load(path)
        except ResultFileError as exc:
            raise BadInput(f"{exc} (nothing was run)") from None


def _print_discovery(found: list, skipped: list[str], unmatched: list[str]) -> None:
    print("interpreters: " + (", ".join(f"{i.label}" for i in found) or "none"), file=sys.stderr)
    for note in skipped:
        print(f"skipped: {note}", file=sys.stderr)


def _progress(outcome, done: int, total: int) -> None:
    task, record = outcome.task, outcome.record
    width = len(str(total))
    print(
        f"[{done:>{width}}/{total}] {task.interpreter.label:<16} {task.method:<10} {task.experiment:<22} "
        f"{record['status']:<11} {outcome.seconds:6.2f}s",
        file=sys.stderr,
        flush=True,
    )


def _summary(outcomes: list) -> str:
    from tabulate import tabulate

    by_cell: dict[tuple[str, str], Counter] = {}
    for outcome in outcomes:
        key = (outcome.task.interpreter.label, outcome.task.method)
        by_cell.setdefault(key, Counter())[outcome.record["status"]] += 1
    labels = sorted(
        {k[0] for k in by_cell}, key=lambda s: [int(p) if p.isdigit() else p for p in s.replace("-", ".").split(".")]
    )
    rows = []
    for label in labels:
        row = [label]
        for method in METHODS:
            counts = by_cell.get((label, method))
            row.append(", ".join(f"{n} {status}" for status, n in sorted(counts.items())) if counts else "-")
        rows.append(row)
    return tabulate(rows, headers=["interpreter", *METHODS], tablefmt="simple", disable_numparse=True)


def cmd_run(args: argparse.Namespace) -> int:
    from lab.discovery import select
    from lab.runner import Interrupted, RunConfig, Runner, SaveFailed, plan

    known = experiments.names()
    names = args.experiment or known
    for name in names:
        _check(name in known, f"unknown experiment {name!r}; `python -m lab list` shows the {len(known)} experiments")
    methods = args.method or list(METHODS)
    for method in methods:
        _check(method in METHODS, f"unknown start method {method!r}; choose from {', '.join(METHODS)}")
    _check(
        bool(LABEL_PATTERN.match(args.label)),
        f"--label {args.label!r}: use lower-case letters, digits, '.', '_' and '-'",
    )
    _check(args.jobs >= 1, "--jobs must be at least 1")
    _check(args.timeout > 0, "--timeout must be a positive number of seconds")
    _validate_out(args.out)
    discovery = select(args.python)
    _print_discovery(discovery.found, discovery.skipped, discovery.unmatched)
    if discovery.unmatched:
        raise BadInput(
            f"--python {', '.join(discovery.unmatched)}: no supported interpreter (3.8+) matches; "
            f"found {', '.join(i.label for i in discovery.found) or 'none'} -- install it or pass its path"
        )
    _check(bool(discovery.found), "no Python 3.8+ interpreter found; install one or pass --python PATH")

    tasks = plan(discovery.found, methods, names)
    config = RunConfig(out_dir=args.out, quick=args.quick, jobs=args.jobs, timeout=args.timeout, label=args.label)
    runner = Runner(config, report=_progress)
    previous = signal.signal(signal.SIGTERM, _raise_terminated) if hasattr(signal, "SIGTERM") else None
    try:
        outcomes = runner.run(tasks)
    except Interrupted as stop:
        print(f"interrupted: stopped the cells in flight; finished cells are saved in {args.out}", file=sys.stderr)
        return stop.exit_code
    except SaveFailed as problem:
        raise BadInput(str(problem)) from None
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    print(_summary(outcomes))
    failed = sum(1 for o in outcomes if o.record["status"] in ("error", "timeout"))
    print(f"{len(outcomes)} cells, {failed} error or timeout, written to {args.out}", file=sys.stderr)
    return 0


def _raise_terminated(signum, frame) -> None:
    from lab.runner import Interrupted

    raise Interrupted(128 + signum)


# -- parser ----------------------------------------------------------------------------------
def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m lab", description=__doc__.splitlines()[0])
    sub = top.add_subparsers(dest="command", required=True)

    sub.add_parser("list", help="the experiments, each with its question").set_defaults(handler=cmd_list)

    run = sub.add_parser("run", help="run experiments × start methods × interpreters")
    run.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="SPEC",
        help="a version (3.12), an executable name or path (pypy3), or all (default)",
    )
    run.add_argument(
        "--method", action="append", default=[], metavar="M", help=f"one of {', '.join(METHODS)} (default: all)"
    )
    run.add_argument("--experiment", action="append", default=[], metavar="NAME", help="default: all (see `list`)")
    run.add_argument("--out", type=Path, default=DEFAULT_RESULTS, help="results directory (default: results)")
    run.add_argument(
        "--label",
        default=os.environ.get("FORKLAB_LABEL", "local"),
        help="machine label in file names (default: local, or $FORKLAB_LABEL)",
    )
    run.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("FORKLAB_QUICK") == "1",
        help="fewer trials, for fast feedback (also FORKLAB_QUICK=1)",
    )
    run.add_argument(
        "--jobs", type=int, default=os.cpu_count() or 1, help="behaviour cells in parallel (default: CPUs)"
    )
    run.add_argument("--timeout", type=float, default=120.0, help="seconds per cell (default: 120)")
    run.set_defaults(handler=cmd_run)

    from lab.report.commands import add_parsers  # report and diff (lab/report)

    add_parsers(sub)
    from lab.probe import add_parser as add_probe_parser  # probe (issue 8)

    add_probe_parser(sub)
    from lab.check.cli import add_parser as add_check_parser  # check (static hazards, lab/check)

    add_check_parser(sub)
    from lab.symptoms import add_parser as add_symptoms_parser  # symptoms (the catalog, lab/symptoms.json)

    add_symptoms_parser(sub)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.handler(args)
    except BadInput as problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ResultFileError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
