"""``python -m lab check`` / ``python -m lab.check`` / ``forklab check``: the command line.

Exit codes (lab/check/cli.py): 0 clean, 1 findings or a file that could not be parsed, 2 bad
input with one line on stderr. Also: the text, JSON and GitHub formats, directory walking and
--exclude, the pre-commit hook definition, and the check running on Python 3.8.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lab.check import check_paths
from lab.check.output import github_line
from lab.cli import main as lab_main
from tests.conftest import ROOT, lab_env
from tests.test_check_docs import blocks

EXAMPLE = "examples/configured_worker.py"
HAZARD = "import multiprocessing\nmultiprocessing.Process(target=lambda: 0)\n"


def run(*args: str, module: str = "lab.check", python: str = sys.executable, cwd: Path = ROOT):
    return subprocess.run(
        [python, "-m", module, *args], cwd=cwd, env=lab_env(), capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("module", ["lab.check", "lab"])
def test_a_finding_is_one_line_and_exit_code_1(module: str) -> None:
    completed = run(*(["check"] if module == "lab" else []), EXAMPLE, module=module)
    assert completed.returncode == 1, completed.stderr
    first, summary = completed.stdout.splitlines()
    assert first.startswith(f"{EXAMPLE}:24:14: FKL301 GREETING is read by greet(), which runs in the child")
    assert "[spawn, forkserver: breaks on Windows and macOS, and on Linux with Python 3.14+'s default; " in first
    assert first.endswith(
        "see results/experiments/global_isolation.md and "
        "https://docs.python.org/3/library/multiprocessing.html#the-spawn-and-forkserver-start-methods]"
    )
    assert summary.startswith("Found 1 start-method hazard in 1 of 1 file (FKL301 x1)")


def test_forklab_check_is_the_lab_cli(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """The console script `forklab` is lab.cli:main (pyproject.toml), so `forklab check` is this."""
    (tmp_path / "clean.py").write_text("import multiprocessing\n")
    assert lab_main(["check", str(tmp_path)]) == 0
    assert capsys.readouterr().out == "No start-method hazard found in 1 file.\n"
    (tmp_path / "hazard.py").write_text(HAZARD)
    assert lab_main(["check", str(tmp_path)]) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no/such/dir"], "error: no/such/dir: no such file or directory; pass files or directories of Python code"),
        (["--select", "FKL9", "."], "error: --select FKL9: no rule code starts with 'FKL9'; the codes are FKL101,"),
        (["--format", "xml", "."], "error: argument --format: invalid choice: 'xml'"),
        (["--bogus"], "error: unrecognized arguments: --bogus"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(args: list, message: str) -> None:
    completed = run(*args)
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert len(completed.stderr.splitlines()) == 1
    assert completed.stderr.startswith(message)


def test_a_file_that_does_not_parse_is_one_line_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "a_broken.py").write_text("import multiprocessing\ndef f(:\n")
    (tmp_path / "b_hazard.py").write_text(HAZARD)
    completed = run(str(tmp_path))
    assert completed.returncode == 1
    lines = completed.stdout.splitlines()
    assert lines[0].startswith(f"{tmp_path / 'b_hazard.py'}:2:32: FKL201 ")
    assert lines[1].startswith(f"{tmp_path / 'a_broken.py'}:2:")
    assert ": error: cannot parse it (SyntaxError: " in lines[1]
    assert lines[1].endswith("nothing in it was checked")
    assert lines[2].endswith("; 1 file could not be read or parsed with this Python (not checked).")
    (tmp_path / "b_hazard.py").unlink()
    assert run(str(tmp_path)).returncode == 1  # not checked is not clean


def test_directories_are_walked_skipping_environments_and_excludes(tmp_path: Path) -> None:
    for place in ["pkg/mod.py", ".venv/lib/x.py", "pkg/__pycache__/y.py", "build/z.py", "pkg/tests/t.py", "notes.txt"]:
        path = tmp_path / place
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(HAZARD)
    found = sorted(Path(f.path).relative_to(tmp_path).as_posix() for f in check_paths([str(tmp_path)]).findings)
    assert found == ["pkg/mod.py", "pkg/tests/t.py"]
    excluded = check_paths([str(tmp_path)], exclude=["tests"]).findings
    assert [Path(f.path).name for f in excluded] == ["mod.py"]
    assert check_paths([str(tmp_path / "pkg" / "mod.py")], exclude=["*/pkg/*"]).files == 0
    assert check_paths([str(tmp_path / "build" / "z.py")]).files == 1  # named files are checked


def test_json_and_github_formats(tmp_path: Path) -> None:
    completed = run(EXAMPLE, "--format", "json")
    assert completed.returncode == 1
    document = json.loads(completed.stdout)
    (finding,) = document["findings"]
    assert (finding["code"], finding["line"], finding["col"]) == ("FKL301", 24, 14)
    assert finding["methods"] == ["spawn", "forkserver"]
    assert finding["rule_page"] == "docs/rules/FKL301.md"
    assert document["summary"]["by_code"] == {"FKL301": 1}
    completed = run(EXAMPLE, "--format", "github")
    assert completed.stdout.startswith(
        f"::warning file={EXAMPLE},line=24,col=14,title=FKL301 global-rebound-at-run-time::GREETING is read by"
    )


def test_github_annotations_escape_what_the_workflow_syntax_reserves(tmp_path: Path) -> None:
    odd = tmp_path / "a,b:c%.py"
    odd.write_text(HAZARD)
    (finding,) = check_paths([str(odd)]).findings
    assert f"file={tmp_path}/a%2Cb%3Ac%25.py,line=2," in github_line(finding)


def test_noqa_and_select_on_the_command_line(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(HAZARD.rstrip("\n") + "  # noqa: FKL201\n")
    assert run(str(path)).returncode == 0
    path.write_text(HAZARD)
    assert run(str(path), "--ignore", "FKL2").returncode == 0
    assert run(str(path), "--select", "FKL201,FKL3").returncode == 1


def test_the_pre_commit_hook_definition() -> None:
    yaml = pytest.importorskip("yaml")
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert (hook["id"], hook["entry"], hook["language"], hook["types"]) == (
        "forklab-check",
        "forklab check",
        "python",
        ["python"],
    )
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["scripts"]["forklab"] == "lab.cli:main"
    assert "additional_dependencies" not in hook  # pre-commit installs forklab, whose dependencies the CLI needs


def _python_3_8() -> str | None:
    from lab.run.discovery import select

    found = select(["3.8"]).found
    return found[0].executable if found else None


@pytest.mark.slow
def test_the_check_runs_on_python_3_8_and_finds_the_same(tmp_path: Path) -> None:
    """lab/check is target side: the user's own Python, as old as 3.8 (found by lab.run.discovery)."""
    python = _python_3_8()
    if python is None:
        pytest.skip("no Python 3.8 interpreter found by lab.run.discovery")
    for code in ("FKL101", "FKL201", "FKL301", "FKL401"):
        for index, source in enumerate(blocks(code)):
            (tmp_path / f"{code}_{index}.py").write_text(source, encoding="utf-8")
    (tmp_path / "ROOT_example.py").write_text((ROOT / EXAMPLE).read_text(encoding="utf-8"), encoding="utf-8")
    completed = run(str(tmp_path), "--format", "json", python=python)
    assert completed.returncode == 1, completed.stderr
    on_38 = json.loads(completed.stdout)["findings"]
    here = [f.as_dict() for f in check_paths([str(tmp_path)]).findings]
    assert on_38 == here
    assert len(on_38) >= 8
    assert os.path.basename(python).startswith("python")


@pytest.mark.parametrize(("document", "command"), [("README.md", "forklab"), ("docs/usage.md", "python -m lab")])
def test_the_docs_show_what_the_check_prints(document: str, command: str) -> None:
    """README and docs/usage.md quote the example's findings as the command prints them."""
    text = (ROOT / document).read_text(encoding="utf-8")
    quoted = text.split(f"$ {command} check examples\n", 1)[1].split("```", 1)[0]
    completed = run("check", "examples", module="lab")
    assert quoted.strip()
    assert completed.stdout.startswith(quoted)


def test_the_target_side_modules_are_python_3_8_syntax() -> None:
    """Even where no 3.8 interpreter is installed: lab/check and lab/symptoms.py parse as 3.8."""
    import ast

    for path in [*(ROOT / "lab" / "check").glob("*.py"), ROOT / "lab" / "symptoms.py"]:
        ast.parse(path.read_text(encoding="utf-8"), str(path), feature_version=(3, 8))


def test_the_check_imports_nothing_of_the_host_side() -> None:
    """lab/check runs on the user's Python with the standard library only (architecture.md)."""
    code = "import sys, lab.check.cli; print(sorted(m for m in sys.modules if m.startswith('lab')))"
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=lab_env(), capture_output=True, text=True, timeout=60, check=True
    )
    assert all(name == "lab" or name.startswith("lab.check") for name in json.loads(completed.stdout.replace("'", '"')))
