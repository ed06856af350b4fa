"""nox sessions for forklab. `nox -l` lists them.

Target interpreters are chosen by the lab itself (`--python SPEC`, default: every interpreter
found), not by nox's `-p`: nox would build a virtualenv per target interpreter and run host code
(tabulate, psutil, the runner) there. Every session below runs on one host Python (3.10+); the
target side runs straight from the source tree with nothing installed into target interpreters.
"""

from __future__ import annotations

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
