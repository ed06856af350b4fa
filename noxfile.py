"""nox sessions for forklab. `nox -l` lists them.

Target interpreters are chosen by the lab itself (`--python SPEC`, default: every interpreter
found), not by nox's `-p`: nox would build a virtualenv per target interpreter and run host code
(tabulate, psutil, the runner) there. Every session below runs on one host Python (3.10+); the
target side runs straight from the source tree with nothing installed into target interpreters.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["experiments", "report"]

HOST = ["tabulate==0.10.0", "psutil>=5.9"]
TEST = [*HOST, "pytest>=8", "pytest-xdist>=3.5"]


@nox.session
def experiments(session: nox.Session) -> None:
    """Run every experiment × start method × interpreter found (pass lab run options after --)."""
    session.install(*HOST)
    session.run("python", "-m", "lab", "run", *session.posargs)


@nox.session
def report(session: nox.Session) -> None:
    """Tabulate results/ into results/REPORT.md (and plots, when matplotlib is installed)."""
    session.install(*HOST)
    session.run("python", "-m", "lab", "report", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite in parallel (pytest -n auto)."""
    session.install(*TEST)
    session.run("python", "-m", "pytest", "-n", "auto", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def faults(session: nox.Session) -> None:
    """Only the fault-injection tests: killed runners, full disks, concurrent runs, leftovers."""
    session.install(*TEST)
    session.run("python", "-m", "pytest", "-n", "auto", "-m", "faults", *session.posargs)


@nox.session
def stability(session: nox.Session) -> None:
    """Run the full local matrix twice and `lab diff` the runs: a behaviour change fails the session.

    Timing medians that moved by more than 15% are listed, not failed. Options after -- go to
    both `lab run`s (e.g. `-- --python 3.12`).
    """
    session.install(*HOST)
    runs = [Path(session.create_tmp()) / f"stability-{n}" for n in (1, 2)]
    for run in runs:
        shutil.rmtree(run, ignore_errors=True)
        session.run("python", "-m", "lab", "run", "--out", str(run), *session.posargs)
    session.run("python", "-m", "lab", "diff", str(runs[0]), str(runs[1]), "--threshold", "0.15")
