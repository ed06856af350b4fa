"""Options that several commands share: which interpreters (``--python``) and start methods
(``--method``), written once with their validation (host side).

Each ``chosen_*`` function turns parsed arguments into what a command needs, or raises
``BadInput`` with one line saying what is wrong and what to do.
"""

from __future__ import annotations

import argparse
import sys

from lab import METHODS
from lab.errors import BadInput


def add_python(parser: argparse.ArgumentParser, default: str) -> None:
    parser.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="SPEC",
        help="a version (3.12, 3.13.0, 3.14t, pypy3.11), an executable name or path, or all "
        f"(repeatable; default: {default})",
    )


def add_method(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--method", action="append", default=[], metavar="M", help=f"one of {', '.join(METHODS)} (default: all)"
    )


def chosen_methods(args: argparse.Namespace) -> list[str]:
    """``--method`` values in the lab's order (all methods when none is given)."""
    for method in args.method:
        if method not in METHODS:
            raise BadInput(f"unknown start method {method!r}; choose from {', '.join(METHODS)}")
    return [m for m in METHODS if m in (args.method or METHODS)]


def chosen_interpreters(specs: list[str], default: list[str]) -> list:
    """Resolve ``--python`` specs (``default`` when none is given); say what was found and skipped."""
    from lab.run.discovery import select

    discovery = select(specs or default)
    for note in discovery.skipped:
        print(f"skipped: {note}", file=sys.stderr)
    if discovery.unmatched:
        found = ", ".join(i.label for i in discovery.available or discovery.found) or "none"
        raise BadInput(
            f"--python {', '.join(discovery.unmatched)}: no supported interpreter (3.8+) matches; found {found} "
            "-- install it (see README, 'More interpreters') or pass its path"
        )
    if not discovery.found:
        raise BadInput("no Python 3.8+ interpreter found; install one or pass --python PATH")
    print("interpreters: " + ", ".join(i.label for i in discovery.found), file=sys.stderr)
    return discovery.found


def positive(value: float, option: str) -> float:
    if not value > 0:
        raise BadInput(f"{option} must be a positive number")
    return value
