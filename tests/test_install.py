"""`pip install .` into a fresh virtual environment gives a working forklab (slow: builds and installs).

What a new user does: make a venv, install the project from a checkout, run the CLI from some
other directory. Checked: the console script and ``python -m lab`` work from the installed
package (not the source tree), the report over the committed results is the same as the one the
source tree makes, the target side's non-Python files are shipped, the pytest plugin is
registered, and ``forklab plot`` without matplotlib (an optional extra) says so in one line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

from lab import experiments
from lab.report import build_report
from lab.results.files import result_paths
from lab.results.resultset import ResultSet
from tests.conftest import ROOT

pytestmark = pytest.mark.slow
IGNORED = shutil.ignore_patterns(".git", ".nox", ".venv", "__pycache__", "*.egg-info", "build", "dist", ".*cache")


def run(args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def install(base: Path) -> dict[str, Path]:
    """A copy of the checkout pip-installed into a new venv, and a directory that is neither."""
    source = base / "checkout"
    shutil.copytree(ROOT, source, ignore=IGNORED)
    venv.EnvBuilder(with_pip=True).create(base / "venv")
    bindir = base / "venv" / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    done = run([str(python), "-m", "pip", "install", "-q", str(source)], cwd=base, timeout=540)
    assert done.returncode == 0, done.stderr[-3000:]
    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    forklab = bindir / ("forklab.exe" if os.name == "nt" else "forklab")
    return {"python": python, "forklab": forklab, "cwd": elsewhere, "source": source, "base": base}


def check_forklab_list_runs_from_the_installed_package(installed: dict[str, Path]) -> None:
    done = run([str(installed["forklab"]), "list"], cwd=installed["cwd"])
    assert done.returncode == 0, done.stderr
    assert [line.split()[0] for line in done.stdout.splitlines()] == experiments.names()
    where = run([str(installed["python"]), "-c", "import lab; print(lab.__file__)"], cwd=installed["cwd"])
    assert "site-packages" in where.stdout, where.stdout


def check_forklab_report_over_the_committed_results_matches_the_source_tree(installed: dict[str, Path]) -> None:
    if not result_paths(ROOT / "results"):
        return  # nothing committed to report on yet
    out = installed["base"] / "report" / "REPORT.md"
    done = run([str(installed["forklab"]), "report", str(ROOT / "results"), "--out", str(out)], cwd=installed["cwd"])
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == build_report([ROOT / "results"])
    measured = {cell.experiment for _, cell in ResultSet.load([ROOT / "results"]).cells()}
    assert {p.stem for p in (out.parent / "experiments").glob("*.md")} == measured  # a page per experiment


def check_plot_without_matplotlib_is_one_line(installed: dict[str, Path]) -> None:
    done = run([str(installed["forklab"]), "plot", str(ROOT / "results"), "--out", str(installed["base"] / "p")],
               cwd=installed["cwd"])  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1, done.stderr
    assert "matplotlib is not installed" in done.stderr
    assert "forklab[plots]" in done.stderr
    assert "Traceback" not in done.stderr


def check_the_target_side_files_and_the_plugin_are_shipped(installed: dict[str, Path]) -> None:
    code = (
        "import importlib.metadata as m, pathlib, lab, lab.experiment as e; "
        "root = pathlib.Path(lab.__file__).parent; "
        "print(sorted(p.name for p in (root / 'experiments' / 'scenarios').glob('*.py'))); "
        "print((root / 'probe_target.py').exists()); "
        "print((root / 'symptoms.json').exists()); "
        "print(sorted(ep.name for ep in m.entry_points(group='pytest11')))"
    )
    done = run([str(installed["python"]), "-c", code], cwd=installed["cwd"])
    assert done.returncode == 0, done.stderr
    scenarios, probe_target, catalog, plugins = done.stdout.splitlines()
    shipped = sorted(p.name for p in (ROOT / "lab" / "experiments" / "scenarios").glob("*.py"))
    assert scenarios == repr(shipped)
    assert probe_target == "True"
    assert catalog == repr((ROOT / "lab" / "symptoms.json").exists())  # shipped whenever the checkout has it
    assert "pytest_forklab" in plugins


def check_probe_runs_a_users_callable(installed: dict[str, Path]) -> None:
    project = installed["base"] / "project"  # a user's project: its own code, no forklab source tree
    shutil.copytree(ROOT / "examples", project / "examples", ignore=IGNORED)
    done = run(
        [str(installed["forklab"]), "probe", "examples.everywhere:square", "--args", "[7]", "--method", "spawn"],
        cwd=project,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "7 squared is 49" in done.stdout


def check_python_m_lab_works_too(installed: dict[str, Path]) -> None:
    done = run([str(installed["python"]), "-m", "lab", "--help"], cwd=installed["cwd"])
    assert done.returncode == 0
    assert "report" in done.stdout


def test_a_fresh_install_works(tmp_path):
    """One install, every check (under pytest-xdist a module fixture would install once per worker)."""
    installed = install(tmp_path)
    check_forklab_list_runs_from_the_installed_package(installed)
    check_python_m_lab_works_too(installed)
    check_the_target_side_files_and_the_plugin_are_shipped(installed)
    check_forklab_report_over_the_committed_results_matches_the_source_tree(installed)
    check_plot_without_matplotlib_is_one_line(installed)
    check_probe_runs_a_users_callable(installed)
