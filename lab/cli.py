"""The command line: ``python -m lab list|run|report|diff|stability|plot|probe|interpreters|migrate``.

Bad input -- an unknown experiment or method, a --python SPEC that matches nothing, an
unwritable --out, a corrupt or foreign result file -- raises ``lab.errors.BadInput``; ``main``
prints its one line, exits 2, and nothing stored is touched. Host side, Python 3.10+.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections import Counter
from pathlib import Path

from lab import METHODS, experiments
from lab.errors import EXIT_BAD_INPUT, BadInput
from lab.options import add_method, add_python, chosen_interpreters, chosen_methods, positive
from lab.run.load import DEFAULT_MAX_WAIT_S

DEFAULT_RESULTS = Path("results")
HOST_PACKAGES = "tabulate and psutil"


# -- list ------------------------------------------------------------------------------------
def cmd_list(args: argparse.Namespace) -> int:
    """Every experiment with its kind and question (plain text: needs no third-party package)."""
    rows = [
        (name, module.EXPERIMENT.kind, module.EXPERIMENT.question) for name, module in experiments.load_all().items()
    ]
    width = max(len(name) for name, _, _ in rows)
    for name, kind, question in rows:
        print(f"{name:<{width}}  {kind:<9}  {question}")
    return 0


# -- run -------------------------------------------------------------------------------------
def _validate_out(out: Path) -> None:
    """Refuse an output directory we cannot write, or one holding files we would damage."""
    from lab.results.files import load, result_paths

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
        except BadInput as exc:
            raise BadInput(f"{exc} (nothing was run)") from None


def _progress(outcome, done: int, total: int) -> None:
    task, record = outcome.task, outcome.record
    width = len(str(total))
    print(
        f"[{done:>{width}}/{total}] {task.interpreter.label:<16} {task.method:<10} {task.experiment:<22} "
        f"{record.status:<11} {outcome.seconds:6.2f}s",
        file=sys.stderr,
        flush=True,
    )


def _summary(outcomes: list) -> str:
    from tabulate import tabulate

    by_cell: dict[tuple[str, str], Counter] = {}
    for outcome in outcomes:
        key = (outcome.task.interpreter.label, outcome.task.method)
        by_cell.setdefault(key, Counter())[outcome.record.status] += 1
    interpreters = {o.task.interpreter.label: o.task.interpreter for o in outcomes}
    labels = sorted(interpreters, key=lambda label: interpreters[label].order)
    rows = []
    for label in labels:
        row = [label]
        for method in METHODS:
            counts = by_cell.get((label, method))
            row.append(", ".join(f"{n} {status}" for status, n in sorted(counts.items())) if counts else "-")
        rows.append(row)
    return tabulate(rows, headers=["interpreter", *METHODS], tablefmt="simple", disable_numparse=True)


def cmd_run(args: argparse.Namespace) -> int:
    from lab.results.files import LABEL_PATTERN
    from lab.run.plan import plan
    from lab.run.runner import Interrupted, RunConfig, Runner

    known = experiments.names()
    names = args.experiment or known
    for name in names:
        if name not in known:
            raise BadInput(f"unknown experiment {name!r}; `python -m lab list` shows the {len(known)} experiments")
    methods = chosen_methods(args)
    if not LABEL_PATTERN.match(args.label):
        raise BadInput(f"--label {args.label!r}: use lower-case letters, digits, '.', '_' and '-'")
    if args.jobs < 1:
        raise BadInput("--jobs must be at least 1")
    positive(args.timeout, "--timeout")
    max_wait = args.max_wait if args.max_wait is not None else 0.0 if args.quick else DEFAULT_MAX_WAIT_S
    if not max_wait >= 0:
        raise BadInput("--max-wait must be 0 (never wait) or a positive number of seconds")
    _validate_out(args.out)
    interpreters = chosen_interpreters(args.python, ["all"])
    config = RunConfig(
        out_dir=args.out,
        quick=args.quick,
        jobs=args.jobs,
        timeout=args.timeout,
        label=args.label,
        max_wait=max_wait,
    )
    runner = Runner(config, report=_progress)
    previous = signal.signal(signal.SIGTERM, _raise_terminated) if hasattr(signal, "SIGTERM") else None
    try:
        outcomes = runner.run(plan(interpreters, methods, names))
    except Interrupted as stop:
        print(f"interrupted: stopped the cells in flight; finished cells are saved in {args.out}", file=sys.stderr)
        return stop.exit_code
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    print(_summary(outcomes))
    failed = sum(1 for o in outcomes if o.record.status in ("error", "timeout"))
    print(f"{len(outcomes)} cells, {failed} error or timeout, written to {args.out}", file=sys.stderr)
    advice = _load_advice(outcomes)
    if advice:
        print(advice, file=sys.stderr)
    return 0


LOAD_ADVICE = """\
How to get a quiet machine for timings (pyperf's `system show` / `system tune` are the model):
  * close what else runs: browsers, IDE indexers, builds, test suites, other benchmarks, VMs;
  * fix the CPU frequency: `python -m pyperf system tune` (Linux, root) sets the performance
    governor and disables Turbo Boost; or `cpupower frequency-set -g performance`; on a laptop,
    plug it in and pick the performance power profile;
  * isolate CPUs where you can (Linux kernel parameters isolcpus=, nohz_full=, rcu_nocbs=);
  * on a shared or virtual machine (steal above 0 in provenance.load), choose a quieter time;
  * then re-run the affected experiments with --experiment NAME, or raise --max-wait."""


def _load_advice(outcomes: list) -> str:
    """The timing cells measured while the machine was busy, and what to do about it ("" if none)."""
    busy = []
    for outcome in outcomes:
        provenance = outcome.record.provenance
        load = provenance.extra.get("load") if provenance is not None else None
        if isinstance(load, dict) and load.get("measured_under_load"):
            busy.append(outcome)
    if not busy:
        return ""
    rule = busy[0].record.provenance.extra["load"].get("rule", "the machine was busy")
    experiments_seen = sorted({o.task.experiment for o in busy})
    return (
        f"warning: {len(busy)} timing cell(s) ran while {rule} ({', '.join(experiments_seen)}); "
        'their numbers are less comparable (provenance.load has what was seen; "measured_under_load": true).\n'
        + LOAD_ADVICE
    )


def _raise_terminated(signum, frame) -> None:
    from lab.run.runner import Interrupted

    raise Interrupted(128 + signum)


# -- interpreters, migrate --------------------------------------------------------------------
def cmd_interpreters(args: argparse.Namespace) -> int:
    """The interpreters ``--python`` selects here (default: all), and where they are."""
    chosen = chosen_interpreters(args.python, ["all"])
    for interpreter in chosen:
        print(interpreter.executable if args.paths else f"{interpreter.label:<18} {interpreter.executable}")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Rewrite result files at the current schema under their current names (cells kept)."""
    from lab.results.files import migrate

    for old, new in migrate(args.directory):
        print(f"{old.name} -> {new.name}" if old != new else f"{new.name}: rewritten", file=sys.stderr)
    return 0


# -- parser ----------------------------------------------------------------------------------
def _add_run(sub: argparse._SubParsersAction) -> None:
    run = sub.add_parser("run", help="run experiments × start methods × interpreters")
    add_python(run, "all: the newest patch release of each series found")
    add_method(run)
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
    run.add_argument("--timeout", type=float, default=120.0, help="seconds per cell or round (default: 120)")
    run.add_argument(
        "--max-wait",
        type=float,
        default=None,
        metavar="S",
        help=f"seconds a timing experiment may wait for a quiet machine, per interpreter "
        f"(default: {DEFAULT_MAX_WAIT_S:g}; 0 with --quick, whose timings are for feedback only)",
    )
    run.set_defaults(handler=cmd_run)


def parser() -> argparse.ArgumentParser:
    from lab.check.cli import add_parser as add_check
    from lab.probe import add_parser as add_probe
    from lab.report.commands import add_parsers as add_report
    from lab.stability import add_parser as add_stability
    from lab.symptoms import add_parser as add_symptoms

    top = argparse.ArgumentParser(prog="python -m lab", description=__doc__.splitlines()[0])
    sub = top.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the experiments, each with its question").set_defaults(handler=cmd_list)
    _add_run(sub)
    add_report(sub)
    add_stability(sub)
    add_probe(sub)
    add_check(sub)
    add_symptoms(sub)
    found = sub.add_parser("interpreters", help="the interpreters --python selects on this machine")
    add_python(found, "all: the newest patch release of each series found")
    found.add_argument("--paths", action="store_true", help="print only their paths, one per line")
    found.set_defaults(handler=cmd_interpreters)
    migrate = sub.add_parser("migrate", help="rewrite result files at the current schema and file names")
    migrate.add_argument("directory", type=Path, nargs="?", default=DEFAULT_RESULTS, help="default: results")
    migrate.set_defaults(handler=cmd_migrate)
    return top


def main(argv: list[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
        return args.handler(args)
    except BadInput as problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ModuleNotFoundError as missing:
        if missing.name not in ("tabulate", "psutil", "matplotlib"):
            raise
        print(
            f"error: {missing.name} is not installed; forklab's command line needs {HOST_PACKAGES}: "
            "`pip install forklab` (or `pip install .` in a checkout) installs them",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
