"""``python -m lab check PATH...`` (also ``python -m lab.check``, ``forklab check``).

Exit codes: 0 when nothing was found, 1 when there are findings or a file could not be parsed
(a file that was not checked is not clean), 2 for bad input -- a path that does not exist, an
unknown code in --select/--ignore, a bad option -- with one line saying what is wrong and what to do.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, List, Optional

from lab.check import RULES, BadInput, check_paths
from lab.check.files import parse_codes
from lab.check.output import FORMATS, render

EXIT_CLEAN, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2
DESCRIPTION = (
    "Find start-method hazards in Python source, statically (nothing is imported or run): code that works "
    "under fork but breaks under spawn (Windows, macOS) or forkserver (Linux from Python 3.14), and the fork "
    "and queue deadlocks. One finding per line, path:line:col: CODE message. Rules: "
    + ", ".join(f"{code} {rule.name}" for code, rule in RULES.items())
    + ". Exit 0 clean, 1 findings (or a file that could not be parsed), 2 bad input."
)


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"error: {message}; see `{self.prog} --help`\n")
        sys.exit(EXIT_BAD_INPUT)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH", help="files or directories (default: .)")
    parser.add_argument(
        "--select", action="append", default=[], metavar="CODES", help="codes or prefixes to report (default: all)"
    )
    parser.add_argument("--ignore", action="append", default=[], metavar="CODES", help="codes or prefixes to leave out")
    parser.add_argument(
        "--exclude", action="append", default=[], metavar="GLOB", help="skip files or directories matching GLOB"
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help="text (default), json or github")


def run(args: Any) -> int:
    try:
        select = parse_codes(args.select, "--select")
        ignore = parse_codes(args.ignore, "--ignore")
        exclude = [glob.strip() for value in args.exclude for glob in value.split(",") if glob.strip()]
        result = check_paths(args.paths, select, ignore, exclude)
    except BadInput as problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        for line in render(result, args.format):
            print(line)
        sys.stdout.flush()
    except BrokenPipeError:  # `| head`: the reader has what it wanted; the exit code still says what was found
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_CLEAN if result.clean else EXIT_FINDINGS


def main(argv: Optional[List[str]] = None, prog: str = "python -m lab.check") -> int:
    parser = _OneLineParser(prog=prog, description=DESCRIPTION)
    add_arguments(parser)
    return run(parser.parse_args(argv))


def add_parser(sub: Any) -> None:
    """The ``check`` subcommand of ``python -m lab`` (lab/cli.py adds it to its parser)."""
    parser = sub.add_parser(
        "check", help="find start-method hazards in your source, statically", description=DESCRIPTION
    )
    parser.error = _OneLineParser.error.__get__(parser)  # one line for a bad option, as standalone
    add_arguments(parser)
    parser.set_defaults(handler=run)
