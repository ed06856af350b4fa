"""The GitHub Actions workflow (.github/workflows/experiments.yml) and its local dry run.

The workflow cannot be run from here, so three things stand in for running it: its structure is
checked against what issue 7 asks of it (properties of our own file), the pieces of the dry run
that interpret it (expressions, matrix rules, the job-summary shortening) are unit-tested, and
the dry run itself runs the ubuntu legs this machine has plus the report job, at --quick quality
on one foundation experiment (the workflow's own `quick` and `experiments` switches), and must
produce a report that covers every one of those legs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml  # noqa: F401  (in the tests session: noxfile TEST; the dry run reads the workflow with it)

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
sys.path.insert(0, str(ROOT / "tools"))

import ci_dry_run  # noqa: E402
import step_summary  # noqa: E402

from lab.records import LABEL_PATTERN, load  # noqa: E402

#: The experiments the dry-run test runs: one foundation experiment keeps it to about a minute.
DRY_RUN_EXPERIMENTS = "global_isolation"


def workflow(name: str = "experiments.yml") -> dict:
    return ci_dry_run.load_workflow(WORKFLOWS / name)


def steps_using(job: dict, action: str) -> list[dict]:
    return [s for s in job["steps"] if str(s.get("uses", "")).startswith(f"{action}@")]


def run_steps(*jobs: dict) -> list[str]:
    return [s["run"] for job in jobs for s in job["steps"] if "run" in s]


# -- the workflow's structure (issue 7) -----------------------------------------------------------
def test_matrix_covers_three_systems_and_every_python_asked_for():
    job = workflow()["jobs"]["experiments"]
    matrix = job["strategy"]["matrix"]
    assert set(matrix["os"]) == {"ubuntu-latest", "windows-latest", "macos-latest"}
    assert {"3.9", "3.10", "3.11", "3.12", "3.13", "3.14", "3.15", "3.14t"} <= set(matrix["python"])
    assert any(v.startswith("pypy") for v in matrix["python"])
    assert job["strategy"]["fail-fast"] is False
    target = next(s for s in steps_using(job, "actions/setup-python") if s.get("id") == "target")
    assert target["with"]["allow-prereleases"] is True  # 3.15 has no final release yet


def test_every_job_is_bounded_and_the_workflow_is_read_only():
    for name in ("experiments.yml", "tests.yml"):
        data = workflow(name)
        assert data["permissions"] == {"contents": "read"}
        assert "group" in data["concurrency"]
        for job_name, job in data["jobs"].items():
            assert isinstance(job.get("timeout-minutes"), int), f"{name}: job {job_name} has no timeout-minutes"


def test_triggers_are_weekly_and_manual():
    triggers = workflow()["on"]
    assert re.fullmatch(r"\S+ \S+ \* \* \d", triggers["schedule"][0]["cron"])  # one day of the week
    assert {"quick", "experiments"} <= set(triggers["workflow_dispatch"]["inputs"])


def test_official_actions_are_pinned_to_a_major_version():
    for path in WORKFLOWS.glob("*.yml"):
        for job in ci_dry_run.load_workflow(path)["jobs"].values():
            for step in job["steps"]:
                if "uses" in step:
                    assert re.fullmatch(r"actions/[a-z-]+@v\d+", step["uses"]), f"{path.name}: {step['uses']}"


def test_nox_never_downloads_interpreters():
    """setup-python must be the only source of interpreters: every nox call says so."""
    data = [workflow(name)["jobs"] for name in ("experiments.yml", "tests.yml")]
    calls = [line for jobs in data for run in run_steps(*jobs.values()) for line in run.splitlines() if "nox " in line]
    assert calls
    for line in calls:
        assert "--download-python never" in line, line


def test_each_leg_runs_only_its_target_under_a_gha_label_and_uploads_always():
    data = workflow()
    job = data["jobs"]["experiments"]
    script = next(r for r in run_steps(job) if "-s experiments" in r)
    assert '--python "$TARGET"' in script
    assert '--label "$LABEL"' in script
    step = next(s for s in job["steps"] if "run" in s and s["run"] == script)
    assert step["env"]["TARGET"] == "${{ steps.target.outputs.python-path }}"
    for os_name in job["strategy"]["matrix"]["os"]:
        label = ci_dry_run.evaluate(step["env"]["LABEL"], {"matrix": {"os": os_name}})
        assert LABEL_PATTERN.match(label)
        assert label == f"gha-{os_name}"
    upload = steps_using(job, "actions/upload-artifact")[0]
    assert ci_dry_run.condition(upload["if"], {}, {"failed": True})  # runs after a failed step too
    assert upload["with"]["name"] == "results-${{ matrix.os }}-${{ matrix.python }}"


def test_report_job_merges_every_leg_even_after_failures():
    job = workflow()["jobs"]["report"]
    assert job["needs"] == "experiments"
    assert ci_dry_run.condition(job["if"], {}, {"failed": True})
    download = steps_using(job, "actions/download-artifact")[0]["with"]
    assert download["pattern"] == "results-*"
    assert download["merge-multiple"] is True
    runs = "\n".join(run_steps(job))
    assert "-s report" in runs
    assert "GITHUB_STEP_SUMMARY" in runs
    assert "tools/step_summary.py" in runs
    uploaded = steps_using(job, "actions/upload-artifact")[0]["with"]["path"]
    assert "report/" in uploaded
    assert "gha-results/" in uploaded


def test_tests_run_on_three_systems_and_lint_runs_actionlint():
    jobs = workflow("tests.yml")["jobs"]
    assert set(jobs["tests"]["strategy"]["matrix"]["os"]) == {"ubuntu-latest", "windows-latest", "macos-latest"}
    assert any("-s tests" in r for r in run_steps(jobs["tests"]))
    assert any("-s lint" in r for r in run_steps(jobs["lint"]))
    assert "actionlint" in (ROOT / "noxfile.py").read_text()


# -- the dry run's interpreter of the workflow ----------------------------------------------------
@pytest.mark.parametrize(
    ("expression", "contexts", "expected"),
    [
        ("inputs.quick && '1' || ''", {"inputs": {"quick": True}}, "1"),
        ("inputs.quick && '1' || ''", {"inputs": {"quick": False}}, ""),
        ("inputs.quick && '1' || ''", {"inputs": {}}, ""),  # a scheduled run has no inputs
        ("matrix.os == 'UBUNTU-latest'", {"matrix": {"os": "ubuntu-latest"}}, True),  # case-insensitive
        ("!startsWith(matrix.python, 'pypy')", {"matrix": {"python": "pypy3.10"}}, False),
        ("format('{0}-{1}', matrix.os, matrix['python'])", {"matrix": {"os": "a", "python": "3.9"}}, "a-3.9"),
        ("steps.target.outputs.python-path", {"steps": {"target": {"outputs": {"python-path": "/x"}}}}, "/x"),
        ("contains(fromJSON('[\"a\",\"b\"]'), 'b')", {}, True),
    ],
)
def test_expressions_evaluate_as_github_documents(expression, contexts, expected):
    """docs.github.com, "Evaluate expressions in workflows and actions": operators, functions."""
    assert ci_dry_run.Expression(expression, contexts, {"failed": False}).evaluate() == expected


def test_templates_substitute_inside_strings():
    assert ci_dry_run.evaluate("gha-${{ matrix.os }}/${{ matrix.n }}", {"matrix": {"os": "x", "n": 3}}) == "gha-x/3"


def test_unknown_contexts_and_functions_are_refused_not_guessed():
    with pytest.raises(ci_dry_run.DryRunError, match="secrets"):
        ci_dry_run.evaluate("${{ secrets.TOKEN }}", {})
    with pytest.raises(ci_dry_run.DryRunError, match="hashFiles"):
        ci_dry_run.evaluate("${{ hashFiles('x') }}", {})


def test_conditions_add_an_implicit_success():
    failed, fine = {"failed": True}, {"failed": False}
    assert not ci_dry_run.condition(None, {}, failed)
    assert ci_dry_run.condition(None, {}, fine)
    assert not ci_dry_run.condition("matrix.os == 'a'", {"matrix": {"os": "a"}}, failed)
    assert ci_dry_run.condition("${{ always() }}", {}, failed)
    assert ci_dry_run.condition("failure()", {}, failed)


def test_matrix_rules_exclude_and_include():
    """docs.github.com, "Running variations of jobs in a workflow": exclude, then include."""
    strategy = {
        "matrix": {
            "os": ["a", "b"],
            "py": ["1", "2"],
            "exclude": [{"os": "b", "py": "2"}],
            "include": [{"os": "a", "extra": "x"}, {"os": "c", "py": "9"}],
        }
    }
    legs = ci_dry_run.expand_matrix(strategy)
    assert legs == [
        {"os": "a", "py": "1", "extra": "x"},
        {"os": "a", "py": "2", "extra": "x"},
        {"os": "b", "py": "1"},
        {"os": "c", "py": "9"},
    ]


def test_key_value_files_parse_like_github():
    text = "a=1\nb<<EOF\nline 1\nline 2\nEOF\nc=x=y\n"
    assert ci_dry_run._key_values(text) == {"a": "1", "b": "line 1\nline 2", "c": "x=y"}


# -- the job summary ------------------------------------------------------------------------------
def _report(sections: int, size: int) -> str:
    body = "\n".join(f"| row {i} | {'x' * 40} |" for i in range(size // 50))
    return "# forklab report\n\nintro\n\n" + "".join(f"## Section {n}\n\n{body}\n\n" for n in range(sections))


def test_summary_is_whole_when_it_fits():
    report = _report(3, 2000)
    text = step_summary.shorten(report, "https://example.invalid/a", limit=100_000)
    assert text.startswith(report.rstrip())
    assert "https://example.invalid/a" in text
    assert "Shortened" not in text


def test_summary_keeps_whole_sections_under_the_limit_and_lists_the_rest():
    report = _report(6, 4000)
    limit = 10_000
    text = step_summary.shorten(report, "https://example.invalid/a", limit=limit)
    assert len(text.encode()) <= limit
    assert "## Section 0" in text
    assert "Shortened to fit" in text
    assert "https://example.invalid/a" in text
    kept = re.findall(r"^## (Section \d)", text, re.MULTILINE)
    omitted = re.findall(r"^- (Section \d)", text, re.MULTILINE)
    assert kept
    assert omitted
    assert kept + omitted == [f"Section {n}" for n in range(6)]
    for name in kept:  # no table cut half-way: every kept section is there in full
        section = report.split(f"## {name}\n")[1].split("## ")[0].rstrip()
        assert section in text


def test_the_real_limit_is_githubs_one_mebibyte():
    """docs.github.com, "Adding a job summary": at most 1 MiB per step."""
    assert step_summary.LIMIT_BYTES == 1024 * 1024
    big = _report(40, 60_000)
    assert len(big.encode()) > step_summary.LIMIT_BYTES
    assert len(step_summary.shorten(big, None).encode()) <= step_summary.LIMIT_BYTES


# -- the dry run --------------------------------------------------------------------------------------
def _local_series() -> set[tuple[str, str]]:
    from lab.discovery import discover_all

    return {(i.implementation, i.series) for i in discover_all().found}


def _expected_local_legs() -> list[str]:
    """The ubuntu legs whose target this machine has, worked out here without the dry run's code."""
    local = _local_series()
    legs = []
    for value in workflow()["jobs"]["experiments"]["strategy"]["matrix"]["python"]:
        key = ("pypy", value[4:]) if value.startswith("pypy") else ("cpython", value)
        if key in local:
            legs.append(value)
    return legs


def test_plan_lists_every_leg_and_finds_artifact_names_unique(tmp_path):
    out = tmp_path / "plan.json"
    completed = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "ci_dry_run.py"), "--plan", "--work", str(tmp_path), "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    legs = json.loads(out.read_text())["legs"]
    matrix = workflow()["jobs"]["experiments"]["strategy"]["matrix"]
    assert len([leg for leg in legs if leg["job"] == "experiments"]) == len(matrix["os"]) * len(matrix["python"])
    assert all(leg["outcome"] == "github-only" for leg in legs if not leg["runs_on"].startswith("ubuntu"))


@pytest.mark.slow
def test_dry_run_produces_a_report_covering_every_local_leg(tmp_path):
    """Runs in .ci/run (nox -s tests); about a minute: quick quality, one foundation experiment."""
    if ("cpython", "3.12") not in _local_series():
        pytest.skip("the workflow's host step asks for CPython 3.12, which this machine lacks")
    expected = _expected_local_legs()
    assert expected, "no ubuntu leg of the matrix matches a local interpreter"
    out = tmp_path / "dry-run.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FORKLAB_", "PYTHONPATH"))}
    completed = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tools" / "ci_dry_run.py"),
            "--quick",
            "--experiments",
            DRY_RUN_EXPERIMENTS,
            "--work",
            str(tmp_path / "work"),
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    assert "quick=true" in completed.stdout
    assert "emulated:" in completed.stdout
    result = json.loads(out.read_text())
    ran = sorted(
        leg["matrix"]["python"] for leg in result["legs"] if leg["job"] == "experiments" and leg["outcome"] == "success"
    )
    assert ran == sorted(expected)
    assert [leg["outcome"] for leg in result["legs"] if leg["job"] == "report"] == ["success"]

    report = Path(result["reports"][0]).read_text(encoding="utf-8")
    merged = Path(result["reports"][0]).parent.parent / "gha-results"
    for value in expected:
        impl, series = ("pypy", value[4:]) if value.startswith("pypy") else ("cpython", value)
        name = f"gha-ubuntu-latest-linux-{impl}-{series}.json"
        assert name in report, f"the report does not cover the {value} leg"
        loaded = load(merged / name)
        assert loaded.label == "gha-ubuntu-latest"
        assert {c["experiment"] for c in loaded.cells} == set(DRY_RUN_EXPERIMENTS.split())
        assert {c["provenance"]["quality"] for c in loaded.cells} == {"quick"}  # the switch reached `lab run`
    summary = Path(result["step_summaries"][0]).read_text(encoding="utf-8")
    assert summary.startswith(report.splitlines()[0])
    assert "report" in summary
