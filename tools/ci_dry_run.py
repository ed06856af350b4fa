"""Run the experiments workflow locally: its ubuntu legs that this machine can run, then its report job.

    python tools/ci_dry_run.py [--quick] [--experiments "a b"] [--work DIR] [--json FILE]
    nox -s ci -- [same options]

Windows and macOS cannot run here, and GitHub's runners cannot be asked before a push; this is
the next best proof that .github/workflows/experiments.yml works. What is real: the workflow file
is read as written; its matrix is expanded with its exclude/include rules; every ``run:`` step of
each ubuntu leg whose interpreters this machine has (found with ``lab.discovery``) runs in order,
with ``bash --noprofile --norc -eo pipefail`` like GitHub's bash shell, in a fresh copy of the
repository, with the step's ``if:``, ``env:`` and ``${{ }}`` expressions evaluated; then the
report job's steps run on the collected artifacts. What is emulated is printed with the results:

* ``actions/checkout``: the working tree (committed files plus untracked, not ignored ones, and
  ``.git``) is copied into the job's workspace, so uncommitted work is what gets tested;
* ``actions/setup-python``: the local interpreter matching ``python-version`` stands in for the
  downloaded one; its real path is the ``python-path`` output, and a virtual environment made
  from it (shared by the legs, like a runner's tool cache) goes first on PATH, so ``pip install``
  never touches this machine's interpreters;
* ``actions/upload-artifact`` / ``download-artifact``: files are copied into and out of
  ``WORK/artifacts/<name>/`` (upload keeps paths below the matched files' common directory;
  download honours ``pattern``, ``merge-multiple`` and ``path``);
* the trigger is a ``workflow_dispatch`` with the inputs ``quick`` and ``experiments`` taken from
  ``--quick``/``--experiments`` (default: ``FORKLAB_QUICK=1`` and ``FORKLAB_EXPERIMENTS`` in the
  environment) -- the same switches, with the same meaning, as on GitHub.

Exit status 0 when every exercised leg and the report job succeeded; 1 otherwise; 2 on bad input.
Host side (Python 3.10+), needs PyYAML; run from anywhere, it finds the repository from its path.
"""

from __future__ import annotations

import argparse
import fnmatch
import glob
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
WORKFLOW = ROOT / ".github" / "workflows" / "experiments.yml"
LOCAL_RUNNER = "ubuntu"  # legs whose runs-on starts with this run here; the rest only on GitHub
DROPPED_ENV = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "FORKLAB_QUICK", "FORKLAB_EXPERIMENTS", "FORKLAB_LABEL")

sys.path.insert(0, str(ROOT))


class DryRunError(Exception):
    """Something the dry run cannot emulate, or a workflow it cannot read; the message says which."""


# -- expressions -------------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"\s*(?:(?P<num>-?\d+(?:\.\d+)?)|(?P<str>'(?:[^']|'')*')|(?P<op>==|!=|<=|>=|&&|\|\||[<>!().\[\],*])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)


def _truthy(value: Any) -> bool:
    return value not in (None, False, 0, "", 0.0)


def _text(value: Any) -> str:
    """How GitHub turns a value into text inside a string: booleans lower-case, null empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _loose(value: Any) -> Any:
    """GitHub compares strings case-insensitively and coerces across types; close enough here."""
    return value.lower() if isinstance(value, str) else value


class Expression:
    """A small evaluator for GitHub's ``${{ }}`` expression language (the parts workflows use).

    Unknown functions and context roots raise DryRunError rather than guessing, so a dry run
    never passes by evaluating something differently from GitHub without saying so.
    """

    def __init__(self, source: str, contexts: dict[str, Any], status: dict[str, bool]) -> None:
        self.tokens = self._tokenize(source)
        self.index = 0
        self.contexts = contexts
        self.status = status
        self.source = source

    @staticmethod
    def _tokenize(source: str) -> list[tuple[str, str]]:
        tokens, position = [], 0
        while position < len(source):
            if source[position:].strip() == "":
                break
            match = _TOKEN.match(source, position)
            if not match:
                raise DryRunError(f"cannot read expression {source!r} at {source[position:]!r}")
            kind = match.lastgroup or ""
            tokens.append((kind, match.group(kind)))
            position = match.end()
        return tokens

    def _peek(self) -> str | None:
        return self.tokens[self.index][1] if self.index < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> tuple[str, str]:
        if self.index >= len(self.tokens):
            raise DryRunError(f"expression {self.source!r} ends too early")
        token = self.tokens[self.index]
        if expected is not None and token[1] != expected:
            raise DryRunError(f"expression {self.source!r}: expected {expected!r}, found {token[1]!r}")
        self.index += 1
        return token

    def evaluate(self) -> Any:
        value = self._or()
        if self.index != len(self.tokens):
            raise DryRunError(f"expression {self.source!r}: unexpected {self._peek()!r}")
        return value

    def _or(self) -> Any:
        value = self._and()
        while self._peek() == "||":
            self._take()
            right = self._and()
            value = value if _truthy(value) else right
        return value

    def _and(self) -> Any:
        value = self._not()
        while self._peek() == "&&":
            self._take()
            right = self._not()
            value = right if _truthy(value) else value
        return value

    def _not(self) -> Any:
        if self._peek() == "!":
            self._take()
            return not _truthy(self._not())
        return self._compare()

    def _compare(self) -> Any:
        left = self._primary()
        if self._peek() in ("==", "!=", "<", ">", "<=", ">="):
            op = self._take()[1]
            right = self._primary()
            a, b = _loose(left), _loose(right)
            return {"==": a == b, "!=": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
        return left

    def _primary(self) -> Any:
        kind, token = self._take()
        if token == "(":
            value = self._or()
            self._take(")")
        elif kind == "num":
            value = float(token) if "." in token else int(token)
        elif kind == "str":
            value = token[1:-1].replace("''", "'")
        elif kind == "name" and token in ("true", "false", "null"):
            value = {"true": True, "false": False, "null": None}[token]
        elif kind == "name" and self._peek() == "(":
            value = self._call(token)
        elif kind == "name":
            if token not in self.contexts:
                raise DryRunError(f"expression {self.source!r}: context {token!r} is not emulated")
            value = self.contexts[token]
        else:
            raise DryRunError(f"expression {self.source!r}: unexpected {token!r}")
        return self._properties(value)

    def _properties(self, value: Any) -> Any:
        while self._peek() in (".", "["):
            if self._take()[1] == ".":
                key = self._take()[1]
            else:
                key = _text(self._or())
                self._take("]")
            value = value.get(key) if isinstance(value, dict) else None
        return value

    def _call(self, name: str) -> Any:
        self._take("(")
        args: list[Any] = []
        while self._peek() != ")":
            args.append(self._or())
            if self._peek() == ",":
                self._take()
        self._take(")")
        lowered = name.lower()
        if lowered in ("always", "success", "failure", "cancelled"):
            return {
                "always": True,
                "success": not self.status["failed"],
                "failure": self.status["failed"],
                "cancelled": False,
            }[lowered]
        if lowered == "contains":
            haystack, needle = args
            if isinstance(haystack, list):
                return any(_loose(item) == _loose(needle) for item in haystack)
            return _text(needle).lower() in _text(haystack).lower()
        if lowered in ("startswith", "endswith"):
            text, part = _text(args[0]).lower(), _text(args[1]).lower()
            return text.startswith(part) if lowered == "startswith" else text.endswith(part)
        if lowered == "format":
            return re.sub(r"\{(\d+)\}", lambda m: _text(args[1 + int(m.group(1))]), _text(args[0]))
        if lowered == "join":
            items = args[0] if isinstance(args[0], list) else [args[0]]
            return (_text(args[1]) if len(args) > 1 else ",").join(_text(i) for i in items)
        if lowered == "tojson":
            return json.dumps(args[0], indent=2)
        if lowered == "fromjson":
            return json.loads(_text(args[0]))
        raise DryRunError(f"expression {self.source!r}: function {name}() is not emulated")


_TEMPLATE = re.compile(r"\$\{\{((?:(?!\}\}).)*)\}\}", re.DOTALL)


def evaluate(value: Any, contexts: dict[str, Any], status: dict[str, bool] | None = None) -> Any:
    """Substitute ``${{ }}`` in a string (a string that is one expression keeps its type)."""
    status = status or {"failed": False}
    if not isinstance(value, str):
        return value
    whole = _TEMPLATE.fullmatch(value.strip())
    if whole:
        return Expression(whole.group(1), contexts, status).evaluate()
    return _TEMPLATE.sub(lambda m: _text(Expression(m.group(1), contexts, status).evaluate()), value)


def condition(text: Any, contexts: dict[str, Any], status: dict[str, bool]) -> bool:
    """A step's or job's ``if:`` (with or without ``${{ }}``); success() when absent."""
    if text is None:
        return not status["failed"]
    if isinstance(text, bool):
        return text
    source = str(text).strip()
    whole = _TEMPLATE.fullmatch(source)
    expression = whole.group(1) if whole else source
    uses_status = re.search(r"\b(always|success|failure|cancelled)\s*\(", expression)
    result = _truthy(Expression(expression, contexts, status).evaluate())
    # GitHub adds an implicit success() && to conditions that call no status function.
    return result if uses_status else result and not status["failed"]


# -- the workflow ------------------------------------------------------------------------------------
def load_workflow(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DryRunError(f"{path}: cannot read the workflow ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("jobs"), dict):
        raise DryRunError(f"{path}: not a workflow (no jobs)")
    data["on"] = data.get("on", data.pop(True, None))  # YAML 1.1 reads the key `on` as true
    return data


def expand_matrix(strategy: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The legs of a matrix, with GitHub's exclude and include rules applied, in GitHub's order."""
    matrix = dict((strategy or {}).get("matrix") or {})
    includes = matrix.pop("include", None) or []
    excludes = matrix.pop("exclude", None) or []
    keys = list(matrix)
    legs = [dict(zip(keys, combo)) for combo in itertools.product(*(matrix[k] for k in keys))] if keys else []
    legs = [leg for leg in legs if not any(all(leg.get(k) == v for k, v in ex.items()) for ex in excludes)]
    originals = [dict(leg) for leg in legs]
    for extra in includes:
        matched = False
        for leg, original in zip(legs, originals):
            same = all(original.get(k) == v for k, v in extra.items() if k in keys)
            if same and all(leg.get(k, v) == v for k, v in extra.items() if k not in keys):
                leg.update(extra)
                matched = True
        if not matched:
            legs.append(dict(extra))
    return legs or [{}]


def job_order(jobs: dict[str, Any]) -> list[str]:
    """Jobs in an order that respects ``needs``."""
    order: list[str] = []
    pending = dict(jobs)
    while pending:
        ready = [name for name, job in pending.items() if all(n in order for n in _needs(job))]
        if not ready:
            raise DryRunError(f"jobs {', '.join(pending)} need each other or an unknown job")
        for name in ready:
            order.append(name)
            pending.pop(name)
    return order


def _needs(job: dict[str, Any]) -> list[str]:
    needs = job.get("needs") or []
    return [needs] if isinstance(needs, str) else list(needs)


# -- the emulated runner -----------------------------------------------------------------------------
@dataclass
class Leg:
    """One job run: a matrix leg of a job (or the job itself when it has no matrix)."""

    job: str
    matrix: dict[str, Any]
    runs_on: str
    name: str
    outcome: str = "not run"  # success | failure | skipped | github-only
    reason: str = ""
    seconds: float = 0.0
    steps: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "matrix": self.matrix,
            "runs_on": self.runs_on,
            "name": self.name,
            "outcome": self.outcome,
            "reason": self.reason,
            "seconds": round(self.seconds, 1),
            "steps": self.steps,
        }


class DryRun:
    """Runs a workflow's local legs and dependent jobs; see the module docstring."""

    def __init__(self, workflow: Path, work: Path, inputs: dict[str, Any], log=print) -> None:
        self.path = workflow
        self.workflow = load_workflow(workflow)
        self.work = work
        self.inputs = inputs
        self.log = log
        self.artifacts = work / "artifacts"
        self.toolcache = work / "toolcache"
        self.emulated: list[str] = []
        self.legs: list[Leg] = []
        self.interpreters = self._discover()
        self.run_id = str(int(time.time()))

    # -- interpreters ----------------------------------------------------------------------------
    @staticmethod
    def _discover() -> list[Any]:
        """The machine's interpreters, as if no virtual environment (nox's, say) were active."""
        from lab.discovery import discover_all

        saved = os.environ.get("PATH", "")
        os.environ["PATH"] = _outside_venv(saved)
        try:
            return discover_all().found
        finally:
            os.environ["PATH"] = saved

    def resolve(self, spec: str) -> Any | None:
        """The local interpreter that setup-python's ``python-version: spec`` would have given."""
        from lab.discovery import _is_version_spec, _matches

        spec = str(spec).strip()
        if not _is_version_spec(spec):
            return None
        matches = [i for i in self.interpreters if _matches(spec, i)]
        return max(matches, key=lambda i: i.version_tuple) if matches else None

    def _venv(self, interpreter: Any) -> Path:
        """A virtual environment made from ``interpreter``, shared by every leg (the tool cache)."""
        target = self.toolcache / f"{interpreter.implementation}-{interpreter.version}{'t' * interpreter.free_threaded}"
        if (target / "bin").is_dir():
            return target
        uv = shutil.which("uv")
        argv = (
            [uv, "venv", "--quiet", "--seed", "--python", interpreter.executable, str(target)]
            if uv
            else [interpreter.executable, "-m", "venv", str(target)]
        )
        completed = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
        if completed.returncode != 0:
            raise DryRunError(f"cannot make a virtual environment from {interpreter.label}: {completed.stderr[-500:]}")
        return target

    # -- contexts --------------------------------------------------------------------------------
    def contexts(self, leg: Leg, steps: dict[str, Any], env: dict[str, str], needs: dict[str, Any]) -> dict[str, Any]:
        return {
            "github": {
                "workflow": self.workflow.get("name", self.path.stem),
                "ref": "refs/heads/dry-run",
                "event_name": "workflow_dispatch",
                "server_url": "https://github.invalid",
                "repository": "dry-run/forklab",
                "run_id": self.run_id,
                "workspace": str(self._workspace(leg)),
            },
            "inputs": self.inputs,
            "matrix": leg.matrix,
            "steps": steps,
            "env": env,
            "needs": needs,
            "runner": {"os": "Linux", "arch": "X64", "temp": str(self.work / "runner-temp")},
            "job": {"status": "success"},
            "strategy": {"fail-fast": False},
        }

    def _workspace(self, leg: Leg) -> Path:
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{leg.job}-{'-'.join(map(str, leg.matrix.values()))}")
        return self.work / "jobs" / slug.strip("_-")

    # -- plan ------------------------------------------------------------------------------------
    def plan(self) -> list[Leg]:
        """Every leg of every job; which run here, and why the others do not."""
        legs = []
        for name in job_order(self.workflow["jobs"]):
            job = self.workflow["jobs"][name]
            for matrix in expand_matrix(job.get("strategy")):
                base = {"matrix": matrix, "inputs": self.inputs, "github": {}, "env": {}, "needs": {}, "steps": {}}
                runs_on = _text(evaluate(job.get("runs-on", ""), base))
                title = _text(evaluate(job.get("name", name), base)) if job.get("name") else name
                leg = Leg(name, matrix, runs_on, title)
                if not runs_on.startswith(LOCAL_RUNNER):
                    leg.outcome, leg.reason = "github-only", f"{runs_on} cannot run on this machine"
                else:
                    missing = self._missing_interpreters(job, leg)
                    if missing:
                        leg.outcome = "github-only"
                        leg.reason = f"no local interpreter for python-version {', '.join(missing)}"
                legs.append(leg)
        self.legs = legs
        self._check_artifact_names()
        return legs

    def _missing_interpreters(self, job: dict[str, Any], leg: Leg) -> list[str]:
        base = {"matrix": leg.matrix, "inputs": self.inputs, "github": {}, "env": {}, "needs": {}, "steps": {}}
        missing = []
        for step in job.get("steps", []):
            if str(step.get("uses", "")).startswith("actions/setup-python@"):
                spec = _text(evaluate((step.get("with") or {}).get("python-version", ""), base))
                if self.resolve(spec) is None:
                    missing.append(spec)
        return missing

    def _check_artifact_names(self) -> None:
        """Upload-artifact refuses a second artifact of the same name in one run: check all legs."""
        seen: dict[str, str] = {}
        for leg in self.legs:
            base = {"matrix": leg.matrix, "inputs": self.inputs, "github": {}, "env": {}, "needs": {}, "steps": {}}
            for step in self.workflow["jobs"][leg.job].get("steps", []):
                if str(step.get("uses", "")).startswith("actions/upload-artifact@"):
                    name = _text(evaluate((step.get("with") or {}).get("name", "artifact"), base))
                    if name in seen:
                        raise DryRunError(f"artifact name {name!r} is used by both {seen[name]} and {leg.name}")
                    seen[name] = leg.name

    # -- run -------------------------------------------------------------------------------------
    def run(self) -> list[Leg]:
        self.plan()
        results: dict[str, list[Leg]] = {}
        for leg in self.legs:
            results.setdefault(leg.job, []).append(leg)
        for job_name in job_order(self.workflow["jobs"]):
            job = self.workflow["jobs"][job_name]
            needs = {n: {"result": self._job_result(results[n]), "outputs": {}} for n in _needs(job)}
            needs_failed = any(v["result"] != "success" for v in needs.values())
            for leg in results[job_name]:
                if leg.outcome == "github-only":
                    continue
                contexts = self.contexts(leg, {}, {}, needs)
                if not condition(job.get("if"), contexts, {"failed": needs_failed}):
                    leg.outcome, leg.reason = "skipped", f"if: {job.get('if')} was false"
                    continue
                self._run_leg(job, leg, needs)
        return self.legs

    @staticmethod
    def _job_result(legs: list[Leg]) -> str:
        ran = [leg for leg in legs if leg.outcome in ("success", "failure")]
        if any(leg.outcome == "failure" for leg in ran):
            return "failure"
        return "success" if ran else "skipped"

    def _base_env(self, workspace: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in DROPPED_ENV}
        env["PATH"] = _outside_venv(env.get("PATH", ""))  # a fresh runner has no venv active
        env.update(
            CI="true",
            GITHUB_ACTIONS="true",
            GITHUB_WORKSPACE=str(workspace),
            GITHUB_RUN_ID=self.run_id,
            GITHUB_SERVER_URL="https://github.invalid",
            GITHUB_REPOSITORY="dry-run/forklab",
            RUNNER_OS="Linux",
            RUNNER_TEMP=str(self.work / "runner-temp"),
        )
        return env

    def _run_leg(self, job: dict[str, Any], leg: Leg, needs: dict[str, Any]) -> None:
        started = time.monotonic()
        workspace = self._workspace(leg)
        if workspace.exists():
            shutil.rmtree(workspace)
        workspace.mkdir(parents=True)
        (self.work / "runner-temp").mkdir(parents=True, exist_ok=True)
        summary = workspace.parent / f"{workspace.name}.summary.md"
        summary.write_text("")
        steps: dict[str, Any] = {}
        path_prefix: list[str] = []
        extra_env: dict[str, str] = {}
        status = {"failed": False}
        timeout = float(job.get("timeout-minutes", 360)) * 60
        deadline = time.monotonic() + timeout
        self.log(f"\n=== {leg.name} ({leg.runs_on}, emulated here) ===")
        for step in job.get("steps", []):
            title = step.get("name") or step.get("uses") or str(step.get("run", "")).splitlines()[0]
            env = {**self._evaluated_env(self.workflow.get("env"), leg, steps, needs, status)}
            env.update(self._evaluated_env(job.get("env"), leg, steps, needs, status, env))
            env.update(extra_env)
            contexts = self.contexts(leg, steps, env, needs)
            title = _text(evaluate(title, contexts, status))
            record: dict[str, Any] = {"name": title, "outcome": "skipped"}
            leg.steps.append(record)
            if not condition(step.get("if"), contexts, status):
                self.log(f"--- skipped: {title}")
                continue
            env.update(self._evaluated_env(step.get("env"), leg, steps, needs, status, env))
            contexts["env"] = env
            self.log(f"--- {title}")
            outputs: dict[str, str] = {}
            try:
                if "uses" in step:
                    outputs = self._uses(step, contexts, status, workspace, path_prefix, extra_env)
                    ok = True
                else:
                    ok, outputs = self._run(
                        step,
                        contexts,
                        status,
                        workspace,
                        env,
                        path_prefix,
                        extra_env,
                        summary,
                        max(1.0, deadline - time.monotonic()),
                    )
            except DryRunError as problem:
                self.log(f"    error: {problem}")
                ok = False
            record["outcome"] = "success" if ok else "failure"
            if step.get("id"):
                steps[step["id"]] = {"outputs": outputs, "outcome": record["outcome"], "conclusion": record["outcome"]}
            if not ok and not step.get("continue-on-error"):
                status["failed"] = True
        leg.outcome = "failure" if status["failed"] else "success"
        leg.seconds = time.monotonic() - started
        self.log(f"=== {leg.name}: {leg.outcome} in {leg.seconds:.1f} s ===")

    def _evaluated_env(
        self,
        block: Any,
        leg: Leg,
        steps: dict[str, Any],
        needs: dict[str, Any],
        status: dict[str, bool],
        current: dict[str, str] | None = None,
    ) -> dict[str, str]:
        contexts = self.contexts(leg, steps, dict(current or {}), needs)
        return {str(k): _text(evaluate(v, contexts, status)) for k, v in (block or {}).items()}

    # -- run: steps ------------------------------------------------------------------------------
    def _run(
        self,
        step: dict[str, Any],
        contexts: dict[str, Any],
        status: dict[str, bool],
        workspace: Path,
        env: dict[str, str],
        path_prefix: list[str],
        extra_env: dict[str, str],
        summary: Path,
        timeout: float,
    ) -> tuple[bool, dict[str, str]]:
        shell = step.get("shell") or ((self.workflow.get("defaults") or {}).get("run") or {}).get("shell") or "bash"
        if shell != "bash":
            raise DryRunError(f"shell {shell!r} is not emulated (only bash)")
        script = evaluate(str(step["run"]), contexts, status)
        files = {name: workspace.parent / f"{workspace.name}.{name.lower()}" for name in ("OUTPUT", "ENV", "PATH")}
        for path in files.values():
            path.write_text("")
        script_file = workspace.parent / f"{workspace.name}.step.sh"
        script_file.write_text(_text(script))
        process_env = {**self._base_env(workspace), **env}
        process_env["PATH"] = os.pathsep.join([*path_prefix, process_env.get("PATH", "")])
        process_env.update(
            GITHUB_OUTPUT=str(files["OUTPUT"]),
            GITHUB_ENV=str(files["ENV"]),
            GITHUB_PATH=str(files["PATH"]),
            GITHUB_STEP_SUMMARY=str(summary),
        )
        try:
            completed = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
                cwd=workspace,
                env=process_env,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            self.log(f"    error: the job's timeout-minutes ran out ({timeout:.0f} s left)")
            return False, {}
        extra_env.update(_key_values(files["ENV"].read_text()))
        for line in files["PATH"].read_text().splitlines():
            if line.strip():
                path_prefix.insert(0, line.strip())
        if completed.returncode != 0:
            self.log(f"    error: exited with code {completed.returncode}")
        return completed.returncode == 0, _key_values(files["OUTPUT"].read_text())

    # -- uses: steps -----------------------------------------------------------------------------
    def _uses(
        self,
        step: dict[str, Any],
        contexts: dict[str, Any],
        status: dict[str, bool],
        workspace: Path,
        path_prefix: list[str],
        extra_env: dict[str, str],
    ) -> dict[str, str]:
        action = str(step["uses"])
        inputs = {k: evaluate(v, contexts, status) for k, v in (step.get("with") or {}).items()}
        name = action.split("@", maxsplit=1)[0]
        handler = {
            "actions/checkout": self._checkout,
            "actions/setup-python": self._setup_python,
            "actions/upload-artifact": self._upload,
            "actions/download-artifact": self._download,
        }.get(name)
        if handler is None:
            raise DryRunError(f"action {action} is not emulated")
        return handler(inputs, workspace, path_prefix, extra_env)

    def _note(self, text: str) -> None:
        if text not in self.emulated:
            self.emulated.append(text)

    def _checkout(self, inputs: dict[str, Any], workspace: Path, *_: Any) -> dict[str, str]:
        self._note("actions/checkout: the working tree (committed + untracked, not ignored) and .git are copied")
        for relative in _tree_files(ROOT):
            source, target = ROOT / relative, workspace / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            _copy_if_still_there(str(source), str(target))
        if (ROOT / ".git").is_dir():
            shutil.copytree(
                ROOT / ".git",
                workspace / ".git",
                symlinks=True,
                ignore=shutil.ignore_patterns("*.lock", "tmp_obj_*"),
                copy_function=_copy_if_still_there,  # someone may be committing meanwhile
            )
        self.log(f"    emulated: copied the working tree to {workspace}")
        return {}

    def _setup_python(
        self, inputs: dict[str, Any], workspace: Path, path_prefix: list[str], extra_env: dict[str, str]
    ) -> dict[str, str]:
        spec = _text(inputs.get("python-version"))
        interpreter = self.resolve(spec)
        if interpreter is None:
            raise DryRunError(f"no local interpreter for python-version {spec}")
        venv = self._venv(interpreter)
        if _truthy(inputs.get("update-environment", True)):
            path_prefix.insert(0, str(venv / "bin"))
            extra_env["pythonLocation"] = str(venv)
        self._note(
            "actions/setup-python: the local interpreter matching python-version stands in; python-path "
            "is its real path; a venv made from it goes first on PATH (so pip never changes it)"
        )
        self.log(f"    emulated: python-version {spec} -> {interpreter.label} ({interpreter.executable})")
        return {"python-version": interpreter.version, "python-path": interpreter.executable, "cache-hit": "false"}

    def _upload(self, inputs: dict[str, Any], workspace: Path, *_: Any) -> dict[str, str]:
        name = _text(inputs.get("name") or "artifact")
        patterns = [p.strip() for p in _text(inputs.get("path")).splitlines() if p.strip()]
        if any(p.startswith("!") for p in patterns):
            raise DryRunError("upload-artifact exclusion patterns (!) are not emulated")
        files: list[Path] = []
        for pattern in patterns:
            for match in sorted(glob.glob(str(workspace / pattern), recursive=True)):
                path = Path(match)
                files.extend(sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path])
        target = self.artifacts / name
        if target.exists():
            raise DryRunError(f"an artifact named {name!r} was already uploaded in this run")
        if not files:
            mode = _text(inputs.get("if-no-files-found") or "warn")
            message = f"no files match {patterns} for artifact {name!r}"
            if mode == "error":
                raise DryRunError(message)
            self.log(f"    {'warning: ' if mode == 'warn' else ''}{message}; nothing uploaded")
            return {}
        root = Path(os.path.commonpath([str(p.parent) for p in files]))
        for path in files:
            destination = target / path.relative_to(root)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)
        self._note(
            "actions/upload-artifact: files are copied into WORK/artifacts/<name>/ (paths below their common directory)"
        )
        self.log(f"    emulated: uploaded {len(files)} file(s) as artifact {name!r}")
        return {"artifact-id": name, "artifact-url": f"file://{target}"}

    def _download(self, inputs: dict[str, Any], workspace: Path, *_: Any) -> dict[str, str]:
        destination = workspace / _text(inputs.get("path") or ".")
        available = sorted(p.name for p in self.artifacts.iterdir()) if self.artifacts.is_dir() else []
        if inputs.get("name"):
            chosen = [n for n in available if n == _text(inputs["name"])]
            if not chosen:
                raise DryRunError(f"no artifact named {inputs['name']!r}")
        else:
            pattern = _text(inputs.get("pattern") or "*")
            chosen = [n for n in available if fnmatch.fnmatchcase(n, pattern)]
        merge = _truthy(inputs.get("merge-multiple")) or bool(inputs.get("name"))
        for name in chosen:
            target = destination if merge else destination / name
            shutil.copytree(self.artifacts / name, target, dirs_exist_ok=True)
        self._note(
            "actions/download-artifact: artifacts are copied out of WORK/artifacts/ (pattern, merge-multiple, "
            "path honoured)"
        )
        self.log(f"    emulated: downloaded {len(chosen)} artifact(s) into {destination}: {', '.join(chosen)}")
        return {"download-path": str(destination)}


def _copy_if_still_there(source: str, target: str) -> None:
    try:
        shutil.copy2(source, target)
    except FileNotFoundError:
        pass


def _outside_venv(path: str) -> str:
    """PATH without the bin directory of the virtual environment this script runs in, if any."""
    if sys.prefix == sys.base_prefix:
        return path
    venv_bin = os.path.realpath(Path(sys.prefix) / ("Scripts" if os.name == "nt" else "bin"))
    return os.pathsep.join(p for p in path.split(os.pathsep) if p and os.path.realpath(p) != venv_bin)


def _key_values(text: str) -> dict[str, str]:
    """Parse $GITHUB_OUTPUT / $GITHUB_ENV: ``key=value`` lines and ``key<<DELIM`` blocks."""
    values: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, delimiter = line.split("<<", 1)
            body = list(itertools.takewhile(lambda item, d=delimiter: item != d, lines))
            values[key] = "\n".join(body)
        elif "=" in line:
            key, value = line.split("=", 1)
            values[key] = value
    return values


def _tree_files(root: Path) -> list[str]:
    """The files actions/checkout would bring, plus untracked work: tracked and untracked, not ignored."""
    if shutil.which("git") and (root / ".git").exists():
        listing = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        return sorted({p for p in listing.split("\0") if p and (root / p).is_file()})
    skip = {".git", ".nox", "__pycache__", ".pytest_cache", ".ruff_cache", ".venv"}
    return sorted(
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and not skip.intersection(p.relative_to(root).parts)
    )


# -- command line --------------------------------------------------------------------------------------
def summarise(dry_run: DryRun, work: Path) -> dict[str, Any]:
    """What ran, what only GitHub can run, what was emulated, and where the outputs are."""
    report_jobs = [leg for leg in dry_run.legs if leg.job != "experiments" and leg.outcome in ("success", "failure")]
    reports = sorted(str(p) for p in (work / "jobs").glob("*/report/REPORT.md")) if (work / "jobs").is_dir() else []
    summaries = sorted(str(p) for p in (work / "jobs").glob("*.summary.md") if p.stat().st_size)
    return {
        "workflow": str(dry_run.path.relative_to(ROOT)) if dry_run.path.is_relative_to(ROOT) else str(dry_run.path),
        "inputs": dry_run.inputs,
        "legs": [leg.to_json() for leg in dry_run.legs],
        "report_jobs": [leg.name for leg in report_jobs],
        "reports": reports,
        "step_summaries": summaries,
        "artifacts": sorted(str(p.relative_to(dry_run.artifacts)) for p in dry_run.artifacts.rglob("*") if p.is_file())
        if dry_run.artifacts.is_dir()
        else [],
        "emulated": dry_run.emulated,
        "ok": all(leg.outcome in ("success", "github-only", "skipped") for leg in dry_run.legs)
        and any(leg.outcome == "success" for leg in dry_run.legs),
    }


def _print_summary(result: dict[str, Any]) -> None:
    inputs = result["inputs"]
    print("\n== dry run of", result["workflow"], "==")
    print(
        f"trigger: workflow_dispatch (emulated) with inputs quick={_text(inputs['quick'])}, "
        f"experiments={inputs['experiments'] or '(all)'}"
        + ("  -> experiments ran at --quick quality (FORKLAB_QUICK=1)" if inputs["quick"] else "")
    )
    width = max(len(leg["name"]) for leg in result["legs"])
    for leg in result["legs"]:
        where = (
            "here"
            if leg["outcome"] in ("success", "failure", "planned")
            else "GitHub only"
            if leg["outcome"] == "github-only"
            else leg["outcome"]
        )
        detail = leg["reason"] or f"{leg['seconds']} s"
        print(f"  {leg['name']:<{width}}  {leg['outcome']:<11}  {where:<11}  {detail}")
    print("emulated:")
    for note in result["emulated"]:
        print(f"  - {note}")
    for report in result["reports"]:
        print(f"report: {report}")
    for summary in result["step_summaries"]:
        print(f"job summary: {summary}")
    print("dry run " + ("passed" if result["ok"] else "FAILED"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workflow", type=Path, default=WORKFLOW, help="default: .github/workflows/experiments.yml")
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("FORKLAB_QUICK") == "1",
        help="the workflow's `quick` input: --quick quality (also FORKLAB_QUICK=1)",
    )
    parser.add_argument(
        "--experiments",
        default=os.environ.get("FORKLAB_EXPERIMENTS", ""),
        help="the workflow's `experiments` input: space-separated names (also FORKLAB_EXPERIMENTS)",
    )
    parser.add_argument("--work", type=Path, help="working directory (default: a new temporary one, kept)")
    parser.add_argument("--json", type=Path, help="also write the outcome as JSON here")
    parser.add_argument("--plan", action="store_true", help="only list the legs and where they would run")
    args = parser.parse_args(argv)
    work = (args.work or Path(tempfile.mkdtemp(prefix="forklab-ci-dry-run-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    inputs = {"quick": bool(args.quick), "experiments": " ".join(args.experiments.split())}
    try:
        dry_run = DryRun(args.workflow.resolve(), work, inputs)
        if args.plan:
            for leg in dry_run.plan():
                if leg.outcome == "not run":
                    leg.outcome, leg.reason = "planned", "would run here"
        else:
            dry_run.run()
    except DryRunError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    result = summarise(dry_run, work)
    if args.plan:
        result["ok"] = True
    _print_summary(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
