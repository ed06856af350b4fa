"""``python -m lab probe``: the user's callable as a Process target, per start method and interpreter.

Behaviour claims cite the documentation: Doc/library/multiprocessing.rst, "Contexts and start
methods" (fork: the child "is effectively identical to the parent"; spawn: "The parent process
starts a fresh Python interpreter process") and "Programming guidelines", "The spawn and
forkserver start methods" ("More picklability"; "Global variables": the value a child sees "may
not be the same as the value in the parent process at the time that Process.start was called").
The rest are properties of our own code: where a failure is reported, bounded time, no leftovers.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
from pathlib import Path

import pytest

from lab.errors import BadInput
from lab.probe import (
    ProbeRequest,
    check_spec,
    exception_from_stderr,
    parse_json,
    probe_cell,
    target_environment,
)
from lab.run.discovery import Interpreter, identify
from tests.conftest import ROOT, run_lab

CPYTHON = sys.implementation.name == "cpython"


@pytest.fixture(scope="module")
def host() -> Interpreter:
    interpreter = identify(sys.executable)
    assert interpreter is not None
    return interpreter


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """The probe imports the user's module from the current directory: here, the examples."""
    monkeypatch.chdir(ROOT)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user's project directory, current while the test runs."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _assert_gone(pid: int) -> None:
    psutil = pytest.importorskip("psutil")
    if psutil.pid_exists(pid):
        try:
            status = psutil.Process(pid).status()
        except psutil.NoSuchProcess:
            return
        assert status == psutil.STATUS_ZOMBIE, f"pid {pid} is still {status}"


# -- the three examples, on the host interpreter, once per start method (pytest_forklab) ----------


@pytest.mark.usefixtures("in_root")
def test_a_module_level_function_runs_under_every_method(mp_context, host: Interpreter) -> None:
    cell = probe_cell(host, mp_context.get_start_method(), ProbeRequest("examples.everywhere:square", args=[7]))
    assert cell["status"] == "ok", cell
    assert (cell["picklable"], cell["failed_at"], cell["exitcode"]) == (True, None, 0)
    assert cell["stdout_tail"].strip() == "7 squared is 49"
    assert cell["wall_s"] > 0
    assert cell["leftovers_stopped"] is False


@pytest.mark.usefixtures("in_root")
def test_a_lambda_runs_under_fork_and_fails_at_start_under_spawn_and_forkserver(mp_context, host: Interpreter) -> None:
    """fork pickles nothing; spawn and forkserver pickle the target in start() ("More picklability")."""
    method = mp_context.get_start_method()
    cell = probe_cell(host, method, ProbeRequest("examples.lambda_target:square", args=[7]))
    assert cell["picklable"] is False
    if method == "fork":
        assert (cell["status"], cell["exitcode"]) == ("ok", 0)
        assert cell["stdout_tail"].strip() == "7 squared is 49"
    else:
        assert (cell["status"], cell["failed_at"], cell["exitcode"]) == ("failed", "start", None)
        if CPYTHON:
            assert cell["exception"]["type"] == "PicklingError"
        assert cell["stdout_tail"] == ""


@pytest.mark.usefixtures("in_root")
def test_a_global_set_at_run_time_reaches_a_forked_child_only(mp_context, host: Interpreter) -> None:
    """A forked child is a copy of the parent; spawn and forkserver children import the module afresh."""
    method = mp_context.get_start_method()
    request = ProbeRequest("examples.runtime_global:greet", setup="examples.runtime_global:configure")
    cell = probe_cell(host, method, request)
    if method == "fork":
        assert cell["status"] == "ok", cell
        assert cell["stdout_tail"].strip() == "HELLO FROM THE PARENT'S CONFIGURE()"
    else:
        assert (cell["failed_at"], cell["exitcode"]) == ("child", 1)
        assert cell["exception"]["type"] == "AttributeError"
        assert "NoneType" in cell["exception"]["message"]
        assert "AttributeError" in cell["stderr_tail"]  # the child's own traceback, as the user would see it


# -- where failures are reported -----------------------------------------------------------------


FRAGILE = '''
class Fragile:
    """Pickles in the parent, cannot be rebuilt in the child."""

    def __init__(self):
        self.state = 1

    def __call__(self):
        print("ran")

    def __setstate__(self, state):
        raise RuntimeError("cannot be rebuilt in the child")


fragile = Fragile()
'''


@pytest.mark.start_methods("spawn")
def test_a_child_that_dies_before_the_target_runs_is_told_apart(mp_context, host: Interpreter, project: Path) -> None:
    (project / "fragile_target.py").write_text(FRAGILE)
    cell = probe_cell(host, mp_context.get_start_method(), ProbeRequest("fragile_target:fragile"))
    assert (cell["picklable"], cell["failed_at"], cell["exitcode"]) == (True, "child-bootstrap", 1)
    assert cell["exception"] == {"type": "RuntimeError", "message": "cannot be rebuilt in the child"}


@pytest.mark.start_methods("spawn")
def test_a_module_that_cannot_be_imported_says_so(mp_context, host: Interpreter, project: Path) -> None:
    cell = probe_cell(host, mp_context.get_start_method(), ProbeRequest("no_such_module_here:f"))
    assert (cell["status"], cell["failed_at"]) == ("failed", "import")
    assert cell["exception"]["type"] == "ModuleNotFoundError"
    assert str(project.resolve()) in cell["sys_path"]


@pytest.mark.start_methods("spawn")
def test_the_users_own_lab_package_is_the_one_imported(mp_context, host: Interpreter, project: Path) -> None:
    """The target interpreter has the user's directory on sys.path, not the lab's source tree."""
    (project / "lab").mkdir()
    (project / "lab" / "__init__.py").write_text("")
    (project / "lab" / "work.py").write_text("def whose():\n    print('the user s lab')\n")
    cell = probe_cell(host, mp_context.get_start_method(), ProbeRequest("lab.work:whose"))
    assert cell["status"] == "ok", cell
    assert cell["stdout_tail"].strip() == "the user s lab"
    assert str(ROOT) not in cell["sys_path"]


def test_a_method_the_platform_lacks_is_unavailable(host: Interpreter, project: Path) -> None:
    """Simulate Windows (spawn only) in the target interpreter through a sitecustomize on its path."""
    (project / "sitecustomize.py").write_text(
        "import multiprocessing\nmultiprocessing.get_all_start_methods = lambda: ['spawn']\n"
    )
    (project / "work.py").write_text("def f():\n    pass\n")
    cells = {m: probe_cell(host, m, ProbeRequest("work:f")) for m in ("fork", "spawn")}
    assert cells["fork"]["status"] == "unavailable"
    assert cells["fork"]["exitcode"] is None
    assert cells["spawn"]["status"] == "ok"


def test_setup_failure_is_reported_in_the_parent(host: Interpreter, project: Path) -> None:
    (project / "configured.py").write_text("def work():\n    pass\n\ndef configure():\n    raise KeyError('x')\n")
    cell = probe_cell(host, "spawn", ProbeRequest("configured:work", setup="configured:configure"))
    assert (cell["failed_at"], cell["exception"]["type"]) == ("setup", "KeyError")


# -- bounded in time, nothing left behind ---------------------------------------------------------

SLOW = """
import os, subprocess, sys, time

def sleeps(path):
    with open(path, "w") as handle:
        handle.write(str(os.getpid()))
    time.sleep(60)

def leaves_a_grandchild(path):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    with open(path, "w") as handle:
        handle.write(str(child.pid))
"""


@pytest.mark.start_methods("fork", "spawn")
def test_timeout_stops_the_child(mp_context, host: Interpreter, project: Path) -> None:
    (project / "slow.py").write_text(SLOW)
    pid_file = project / "pid"
    request = ProbeRequest("slow:sleeps", kwargs={"path": str(pid_file)}, timeout=1.0)
    cell = probe_cell(host, mp_context.get_start_method(), request)
    assert (cell["status"], cell["failed_at"]) == ("failed", "timeout")
    assert cell["exitcode"] is not None
    assert cell["exitcode"] != 0
    assert cell["cell_s"] < 30
    _assert_gone(int(pid_file.read_text()))


@pytest.mark.skipif(os.name != "posix", reason="orphans are found through the process group, a POSIX notion")
def test_processes_the_callable_leaves_behind_are_stopped(host: Interpreter, project: Path) -> None:
    (project / "slow.py").write_text(SLOW)
    pid_file = project / "pid"
    cell = probe_cell(host, "spawn", ProbeRequest("slow:leaves_a_grandchild", kwargs={"path": str(pid_file)}))
    assert cell["status"] == "ok", cell
    assert cell["leftovers_stopped"] is True
    _assert_gone(int(pid_file.read_text()))


# -- host-side pieces -----------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["pkg.mod:func", "mod:Class.method", "_m:_f"])
def test_specs_accepted(spec: str) -> None:
    assert check_spec(spec, "MODULE:CALLABLE") == spec


@pytest.mark.parametrize("spec", ["pkg.mod", "pkg.mod:", ":func", "pkg/mod.py:func", "pkg.mod:func()", "a:b:c"])
def test_specs_refused(spec: str) -> None:
    with pytest.raises(BadInput, match="expected MODULE:CALLABLE"):
        check_spec(spec, "MODULE:CALLABLE")


def test_json_arguments_must_have_the_right_shape() -> None:
    assert parse_json('[1, "a"]', "--args", list) == [1, "a"]
    assert parse_json('{"n": 3}', "--kwargs", dict) == {"n": 3}
    with pytest.raises(BadInput, match="expected a JSON an array"):
        parse_json('{"n": 3}', "--args", list)
    with pytest.raises(BadInput, match="not valid JSON"):
        parse_json("[1", "--args", list)


def test_the_target_environment_has_the_users_path_first_and_a_private_tmpdir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", "relative_dir")
    monkeypatch.setenv("PYTHONHOME", "/somewhere/else")
    monkeypatch.setenv("PYTHONHASHSEED", "7")
    monkeypatch.chdir(tmp_path)
    env = target_environment(tmp_path / "cell", tmp_path)
    parts = env["PYTHONPATH"].split(os.pathsep)
    assert parts == [str(tmp_path.resolve()), str((tmp_path / "relative_dir").resolve())]
    assert "PYTHONHOME" not in env  # it names one interpreter; the probe runs several
    assert env["PYTHONHASHSEED"] == "7"  # the user's program runs with the user's settings
    assert env["TMPDIR"] == str(tmp_path / "cell")


def test_exception_from_a_childs_traceback() -> None:
    stderr = textwrap.dedent(
        """\
        Traceback (most recent call last):
          File "<string>", line 1, in <module>
        AttributeError: Can't get attribute 'work' on <module '__mp_main__'>
        """
    )
    assert exception_from_stderr(stderr) == {
        "type": "AttributeError",
        "message": "Can't get attribute 'work' on <module '__mp_main__'>",
    }
    assert exception_from_stderr("nothing like a traceback") is None


# -- the command line -----------------------------------------------------------------------------


def test_cli_json_gives_the_raw_cells() -> None:
    result = run_lab("probe", "examples.everywhere:square", "--args", "[3]", "--method", "fork", "--json", timeout=120)
    assert result.returncode == 0, result.stderr
    (cell,) = json.loads(result.stdout)
    assert (cell["method"], cell["status"], cell["exitcode"]) == ("fork", "ok", 0)
    assert cell["stdout_tail"].strip() == "3 squared is 9"


def test_cli_table_and_exit_code_when_a_method_fails() -> None:
    result = run_lab("probe", "examples.lambda_target:square", "--args", "[3]", "--method", "spawn", timeout=120)
    assert result.returncode == 1, result.stderr
    header, _, row = result.stdout.splitlines()[:3]
    assert header.split()[:6] == ["interpreter", "method", "picklable", "result", "exit", "wall"]
    assert "spawn" in row
    assert "start() raised (parent)" in row
    assert "0x…" in row or not CPYTHON  # the address in the message is masked


def test_cli_import_failure_explains_where_it_looked() -> None:
    result = run_lab("probe", "no_such_module_anywhere:f", "--method", "spawn", timeout=120)
    assert result.returncode == 1
    assert "cannot import no_such_module_anywhere" in result.stderr
    assert "PYTHONPATH" in result.stderr


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["examples.everywhere"], "expected MODULE:CALLABLE"),
        (["examples.everywhere:square", "--args", "{"], "--args: not valid JSON"),
        (["examples.everywhere:square", "--kwargs", "[]"], "--kwargs: expected a JSON an object"),
        (["examples.everywhere:square", "--method", "vfork"], "unknown start method 'vfork'"),
        (["examples.everywhere:square", "--timeout", "0"], "--timeout must be a positive"),
        (["examples.everywhere:square", "--setup", "nope"], "--setup 'nope'"),
        (["examples.everywhere:square", "--python", "3.99"], "--python 3.99"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_2(args: list[str], fragment: str) -> None:
    result = run_lab("probe", *args, timeout=120)
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert fragment in errors[0]


@pytest.mark.slow
def test_cli_on_the_oldest_cpython_and_pypy() -> None:
    """The target side runs on 3.8 and PyPy: the same examples, the same outcomes where documented."""
    result = run_lab(
        "probe", "examples.runtime_global:greet", "--setup", "examples.runtime_global:configure",
        "--python", "3.8", "--python", "pypy3", "--method", "fork", "--method", "spawn", "--json", timeout=240,
    )  # fmt: skip
    if result.returncode == 2 and "no supported interpreter" in result.stderr:
        pytest.skip(f"CPython 3.8 or PyPy not installed here: {result.stderr.strip()}")
    cells = json.loads(result.stdout)
    assert {c["interpreter"].split("-")[0] for c in cells} == {"cpython", "pypy"}
    for cell in [c for c in cells if c["status"] != "unavailable"]:
        expected = ("ok", None) if cell["method"] == "fork" else ("failed", "child")
        assert (cell["status"], cell["failed_at"]) == expected, cell
