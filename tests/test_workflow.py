"""The GitHub workflows run what this repository defines: every `nox -s NAME` of a `run:` step is a
session of noxfile.py, and the options a step passes after `--` are options that session's `lab`
command accepts. actionlint (in `nox -s lint`) checks the YAML itself; `nox -s ci` runs the
experiments leg for each local interpreter and the report job for real.
"""

from __future__ import annotations

import ast
import re
import shlex

import pytest

from lab.cli import parser
from tests.conftest import ROOT

yaml = pytest.importorskip("yaml")
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
#: What each nox session runs: the lab subcommand that receives the session's posargs.
SESSION_COMMAND = {"experiments": "run", "report": "report"}


def nox_sessions() -> dict[str, ast.FunctionDef]:
    """The functions of noxfile.py decorated with @nox.session, by name."""
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    return {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and any(ast.unparse(d).startswith("nox.session") for d in node.decorator_list)
    }


def run_steps() -> list[tuple[str, str]]:
    """(workflow file, shell text) of every `run:` step, `${{ ... }}` expressions replaced by a word."""
    steps = []
    for path in WORKFLOWS:
        workflow = yaml.safe_load(path.read_text(encoding="utf-8"))
        for job in workflow["jobs"].values():
            for step in job.get("steps", []):
                if "run" in step:
                    steps.append((path.name, re.sub(r"\$\{\{[^}]*\}\}", "EXPR", step["run"])))
    return steps


def nox_calls() -> list[tuple[str, list[str], list[str]]]:
    """(workflow, sessions, posargs) of every nox command line in a `run:` step."""
    calls = []
    for name, script in run_steps():
        joined = script.replace("\\\n", " ")
        for line in joined.splitlines():
            words = shlex.split(line.replace('"${args[@]}"', ""), comments=True)
            if not words or words[0] != "nox":
                continue
            before, _, after = " ".join(words).partition(" -- ")
            parts = before.split()
            sessions = [parts[i + 1] for i, word in enumerate(parts) if word == "-s"]
            calls.append((name, sessions, after.split()))
    return calls


def test_the_workflows_call_nox():
    assert WORKFLOWS, "no workflow found"
    assert {s for _, sessions, _ in nox_calls() for s in sessions} >= {"experiments", "report", "tests", "lint"}


@pytest.mark.parametrize(("workflow", "sessions", "posargs"), nox_calls())
def test_every_nox_session_a_step_runs_exists_and_accepts_its_options(workflow, sessions, posargs):
    defined = nox_sessions()
    for session in sessions:
        assert session in defined, f"{workflow} runs `nox -s {session}`, which noxfile.py does not define"
    if posargs:
        (session,) = sessions
        command = SESSION_COMMAND[session]
        values = [word.replace("$", "") for word in posargs]  # a shell variable stands for one word
        args = parser().parse_args([command, *values])
        assert args.command == command


def test_the_ci_session_runs_what_the_workflow_runs():
    """nox -s ci replays the experiments step (label gha-<runner>, --out gha-results) and the report job."""
    source = ast.unparse(nox_sessions()["ci"])
    workflow = (ROOT / ".github" / "workflows" / "experiments.yml").read_text(encoding="utf-8")
    assert "LABEL: gha-${{ matrix.os }}" in workflow
    assert "'gha-ubuntu-latest'" in source
    assert "--out gha-results" in workflow
    assert "'gha-results'" in source
    assert "nox --download-python never -s report -- gha-results --out report/REPORT.md" in workflow
    assert "'report'" in source
    assert "tools/step_summary.py" in source
    assert "tools/step_summary.py" in workflow
