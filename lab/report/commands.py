"""``python -m lab report`` and ``python -m lab diff``: argument parsing and exit codes.

lab/cli.py adds these with ``add_parsers(subparsers)``. Bad input prints one line on stderr,
exits 2 and writes nothing; ``diff`` exits 1 when a behaviour changed, 0 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lab.errors import BadInput
from lab.report.build import write_report
from lab.report.diff import diff
from lab.report.model import PAGES
from lab.results.resultset import ResultSet

DEFAULT_RESULTS = Path("results")
DEFAULT_REPORT = DEFAULT_RESULTS / "REPORT.md"


def cmd_report(args: argparse.Namespace) -> int:
    """Write the index and the pages; nothing is written when any input is bad."""
    inputs = args.inputs or [DEFAULT_RESULTS]
    try:
        out = write_report(inputs, args.out)
    except BadInput as problem:
        raise BadInput(f"{problem} (nothing was written)") from None
    except OSError as problem:
        raise BadInput(f"--out {args.out}: cannot write ({problem.strerror}); nothing was written") from None
    print(f"wrote {out} and its pages in {out.parent / PAGES}", file=sys.stderr)
    if args.plots:
        from lab.plots import skipped_reason

        reason = skipped_reason()
        if reason is not None:  # the report is written; say in one line what is missing
            print(reason, file=sys.stderr)
            return 0
        return draw_plots(inputs, out.parent / "plots")
    return 0


def draw_plots(inputs: list[Path], out_dir: Path) -> int:
    """Draw the declared plots; without matplotlib, one line saying how to get them (exit 2)."""
    from lab.plots import PlotsUnavailable, plot

    try:
        written = plot(ResultSet.load(inputs), out_dir)
    except PlotsUnavailable as missing:
        raise BadInput(str(missing)) from None
    except BadInput as problem:
        raise BadInput(f"{problem} (no plot was drawn)") from None
    print(f"wrote {len(written)} plots to {out_dir}", file=sys.stderr)
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    """Draw the SVG plots that experiments declare, from result files."""
    return draw_plots(args.inputs or [DEFAULT_RESULTS], args.out)


def cmd_diff(args: argparse.Namespace) -> int:
    """Print what changed from OLD to NEW; exit 1 when a behaviour changed."""
    if not args.threshold > 0:
        raise BadInput("--threshold must be a positive fraction such as 0.15")
    result = diff([args.old], [args.new], threshold=args.threshold)
    sys.stdout.write(result.render())
    return result.exit_code


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add ``report`` and ``diff`` to the lab's command line."""
    report = sub.add_parser(
        "report", help="write the Markdown report: REPORT.md (the index) and one page per experiment"
    )
    report.add_argument(
        "inputs", nargs="*", type=Path, metavar="FILE|DIR", help="result files or directories (default: results)"
    )
    report.add_argument("--out", type=Path, default=DEFAULT_REPORT, help="default: results/REPORT.md")
    report.add_argument("--plots", action="store_true", help="also draw the plots into plots/ beside the report")
    report.set_defaults(handler=cmd_report)

    draw = sub.add_parser(
        "plot", help="draw the declared plots as SVG files (needs matplotlib: pip install 'forklab[plots]')"
    )
    draw.add_argument(
        "inputs", nargs="*", type=Path, metavar="FILE|DIR", help="result files or directories (default: results)"
    )
    draw.add_argument("--out", type=Path, default=DEFAULT_RESULTS / "plots", help="default: results/plots")
    draw.set_defaults(handler=cmd_plot)

    compare = sub.add_parser("diff", help="what changed between two sets of results (exit 1: a behaviour changed)")
    compare.add_argument("old", type=Path, metavar="OLD", help="a result file or directory")
    compare.add_argument("new", type=Path, metavar="NEW", help="a result file or directory")
    compare.add_argument(
        "--threshold", type=float, default=0.15, help="report timing ratios that moved by more than this (0.15)"
    )
    compare.set_defaults(handler=cmd_diff)
