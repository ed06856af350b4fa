"""The pytest plugin (pytest_forklab.py), tested with pytester on small throwaway test suites.

Runs that start no process use pytester's in-process runner (fast); runs whose tests start
processes use a fresh interpreter (``runpytest_subprocess``), so a forked child never inherits
this xdist worker's threads and nothing the inner run leaves can touch this process.
"""

from __future__ import annotations

import ast
import multiprocessing
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PLUGIN = ROOT / "pytest_forklab.py"
METHODS = ("fork", "spawn", "forkserver")
#: What this platform offers: the inner runs skip the others (Windows has spawn only).
AVAILABLE = [m for m in METHODS if m in multiprocessing.get_all_start_methods()]
TIMEOUT = 120  # seconds for one inner pytest run on a loaded 2-core machine

IDS_SUITE = """
    def test_context(mp_context, request):
        assert mp_context.get_start_method() == request.node.callspec.id
"""


@pytest.fixture(autouse=True)
def hermetic_inner_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inner runs load only the plugins they name (-p), not whatever else this machine has installed."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


@pytest.fixture
def source_tree_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Inner runs in a fresh interpreter import the plugin from the source tree."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))


def test_the_lab_runs_its_own_tests_with_the_plugin(mp_context, request: pytest.FixtureRequest) -> None:
    """pyproject's addopts loads the plugin here, so this test runs once per start method."""
    assert request.config.pluginmanager.has_plugin("pytest_forklab")
    assert mp_context.get_start_method() == request.node.callspec.id


def _outcome(method: str) -> str:
    return "PASSED" if method in AVAILABLE else "SKIPPED"


def test_fixture_ids_are_the_method_names_and_yield_their_context(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(IDS_SUITE)
    result = pytester.runpytest("-p", "pytest_forklab", "-v")
    result.assert_outcomes(passed=len(AVAILABLE), skipped=3 - len(AVAILABLE))
    result.stdout.fnmatch_lines([f"*test_context[[]{method}[]] {_outcome(method)}*" for method in METHODS])


def test_start_method_is_the_name_of_the_same_parametrization(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_name(start_method):
            assert start_method in ("fork", "spawn", "forkserver")

        def test_both(mp_context, start_method, request):
            assert start_method == mp_context.get_start_method() == request.node.callspec.id
        """
    )
    result = pytester.runpytest("-p", "pytest_forklab", "-v", "--start-methods=spawn")
    result.assert_outcomes(passed=2)  # one per test: not a product of two parametrizations
    result.stdout.fnmatch_lines(["*test_name[[]spawn[]] PASSED*", "*test_both[[]spawn[]] PASSED*"])


def test_a_method_the_platform_lacks_is_skipped_with_a_reason(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Simulate Windows, where multiprocessing offers only spawn (docs, 'Contexts and start methods')."""
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    pytester.makepyfile(IDS_SUITE)
    result = pytester.runpytest("-p", "pytest_forklab", "-v", "-rs")
    result.assert_outcomes(passed=1, skipped=2)
    result.stdout.fnmatch_lines(
        [
            "*test_context[[]fork[]] SKIPPED*",
            "*test_context[[]spawn[]] PASSED*",
            "*test_context[[]forkserver[]] SKIPPED*",
            "SKIPPED*start method 'fork' is not available on this platform*['spawn']*",
        ]
    )


def test_start_methods_option_chooses_the_methods(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(IDS_SUITE)
    result = pytester.runpytest("-p", "pytest_forklab", "-v", "--start-methods=forkserver,spawn")
    result.stdout.fnmatch_lines(
        [f"*test_context[[]spawn[]] {_outcome('spawn')}*", f"*test_context[[]forkserver[]] {_outcome('forkserver')}*"]
    )
    result.stdout.no_fnmatch_line("*test_context[[]fork[]]*")
    result.stdout.fnmatch_lines(["forklab: start methods spawn, forkserver*"])


def test_start_methods_ini_option(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nstart_methods = spawn\n")
    pytester.makepyfile(IDS_SUITE)
    result = pytester.runpytest("-p", "pytest_forklab", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*test_context[[]spawn[]] PASSED*"])


def test_an_unknown_start_method_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(IDS_SUITE)
    result = pytester.runpytest("-p", "pytest_forklab", "--start-methods=spawn,spwn")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--start-methods: unknown start method 'spwn'; choose from fork, spawn, forkserver"])


def test_marker_restricts_a_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.start_methods("spawn", "forkserver")
        def test_restricted(mp_context):
            assert mp_context.get_start_method() in ("spawn", "forkserver")

        @pytest.mark.start_methods("fork")
        class TestFork:
            @pytest.mark.start_methods("fork", "spawn")
            def test_intersection(self, mp_context):
                assert mp_context.get_start_method() == "fork"
        """
    )
    result = pytester.runpytest("-p", "pytest_forklab", "-v")
    result.assert_outcomes(passed=3 - len(set(METHODS) - set(AVAILABLE)), skipped=len(set(METHODS) - set(AVAILABLE)))
    result.stdout.fnmatch_lines(
        [
            f"*test_restricted[[]spawn[]] {_outcome('spawn')}*",
            f"*test_restricted[[]forkserver[]] {_outcome('forkserver')}*",
            f"*test_intersection[[]fork[]] {_outcome('fork')}*",
        ]
    )


def test_marker_outside_the_run_methods_is_skipped_with_a_reason(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.start_methods("fork")
        def test_fork_only(mp_context):
            pass
        """
    )
    result = pytester.runpytest("-p", "pytest_forklab", "-rs", "--start-methods=spawn")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["SKIPPED*not among this run's start methods (spawn; see --start-methods)"])


@pytest.mark.parametrize(
    ("test_source", "message"),
    [
        (
            "@pytest.mark.start_methods('spwn')\ndef test_x(mp_context): pass",
            "*test_x: @pytest.mark.start_methods: unknown start method 'spwn'; choose from fork, spawn, forkserver",
        ),
        (
            "@pytest.mark.start_methods('spawn')\ndef test_x(): pass",
            "*test_x: @pytest.mark.start_methods has no effect on a test that does not use the mp_context fixture",
        ),
    ],
    ids=["unknown-method", "no-fixture"],
)
def test_a_misused_marker_is_a_collection_error(pytester: pytest.Pytester, test_source: str, message: str) -> None:
    pytester.makepyfile("import pytest\n" + test_source + "\n")
    result = pytester.runpytest("-p", "pytest_forklab")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([message])
    result.stdout.no_fnmatch_line("*Traceback*")


LEFTOVER_SUITE = """
    import os
    import time
    import pytest

    def sleeper():
        time.sleep(60)

    def test_leaves_a_child(mp_context, tmp_path_factory):
        p = mp_context.Process(target=sleeper, name="forgotten")
        p.start()
        (tmp_path_factory.getbasetemp() / f"pid-{mp_context.get_start_method()}").write_text(str(p.pid))

    def test_joins_its_child(mp_context):
        p = mp_context.Process(target=sleeper)
        p.start()
        p.terminate()
        p.join(30)

    @pytest.fixture
    def running(mp_context):
        p = mp_context.Process(target=sleeper)
        p.start()
        yield p
        p.kill()
        p.join(30)

    def test_a_fixture_stops_it_at_teardown(running):
        assert running.is_alive()

    @pytest.fixture(scope="module")
    def shared_pool():
        import multiprocessing
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            yield pool

    def test_module_pool_first(shared_pool):
        assert shared_pool.apply(abs, (-1,)) == 1

    def test_module_pool_second(shared_pool):
        assert shared_pool.apply(abs, (-2,)) == 2
"""


def _assert_dead(pid: int) -> None:
    psutil = pytest.importorskip("psutil")
    if psutil.pid_exists(pid):
        assert psutil.Process(pid).status() == psutil.STATUS_ZOMBIE, f"pid {pid} is still running"


@pytest.mark.slow
@pytest.mark.usefixtures("source_tree_on_path")
def test_leftover_children_are_reported_killed_and_fail_the_test(pytester: pytest.Pytester) -> None:
    """Processes a test leaves alive fail it; fixtures that clean up in teardown are fine.

    As CPython's own suite checks after its multiprocessing tests (Lib/test/_test_multiprocessing.py,
    ManagerMixin.tearDownClass checks active_children(); tearDownModule warns "Dangling processes").
    """
    pytester.makepyfile(LEFTOVER_SUITE)
    result = pytester.runpytest_subprocess("-p", "pytest_forklab", timeout=TIMEOUT)
    # 3 function tests per offered method + 2 module-pool tests pass; each leaking test adds a teardown error.
    n = len(AVAILABLE)
    result.assert_outcomes(passed=3 * n + 2, errors=n, skipped=3 * (3 - n))
    classes = {"fork": "ForkProcess", "spawn": "SpawnProcess", "forkserver": "ForkServerProcess"}
    for method in AVAILABLE:
        cls = classes[method]
        result.stdout.fnmatch_lines(
            [
                f"*ERROR at teardown of test_leaves_a_child[[]{method}[]]*",
                f"test_*.py::test_leaves_a_child[[]{method}[]] left 1 child process alive "
                "(multiprocessing.active_children()); forklab killed:",
                f"  forgotten ({cls}, pid *): killed, exitcode *",
            ]
        )
        pid = int(next(pytester.path.parent.glob(f"**/pid-{method}")).read_text())
        _assert_dead(pid)
    result.stdout.no_fnmatch_line("*test_joins_its_child*left*")
    result.stdout.no_fnmatch_line("*test_a_fixture_stops_it_at_teardown*left*")
    result.stdout.no_fnmatch_line("*test_module_pool*left*")


@pytest.mark.slow
@pytest.mark.usefixtures("source_tree_on_path")
def test_works_under_xdist(pytester: pytest.Pytester) -> None:
    pytest.importorskip("xdist")
    pytester.makepyfile(LEFTOVER_SUITE)
    result = pytester.runpytest_subprocess(
        "-p", "pytest_forklab", "-p", "xdist", "-n", "2", "--start-methods=spawn", timeout=TIMEOUT
    )
    result.assert_outcomes(passed=5, errors=1)
    result.stdout.fnmatch_lines(["*test_leaves_a_child[[]spawn[]] left 1 child process alive*"])


def _entry_point_site(site: Path) -> None:
    """What `pip install forklab` puts on sys.path for pytest: the module and its pytest11 entry point.

    The entry point is copied from pyproject.toml, so the test checks the real declaration.
    """
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    entry_points = project["entry-points"]["pytest11"]
    site.mkdir()
    shutil.copy(PLUGIN, site / PLUGIN.name)
    info = site / f"forklab-{project['version']}.dist-info"
    info.mkdir()
    info.joinpath("METADATA").write_text(f"Metadata-Version: 2.1\nName: forklab\nVersion: {project['version']}\n")
    lines = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
    info.joinpath("entry_points.txt").write_text(f"[pytest11]\n{lines}")


def test_the_plugin_loads_through_its_entry_point_beside_a_users_own_lab_package(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A user's project with its own top-level ``lab`` package keeps it, and still gets the plugin."""
    site = pytester.path.parent / "site"
    _entry_point_site(site)
    monkeypatch.setenv("PYTHONPATH", str(site))  # the plugin module only: not forklab's own `lab`
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD")  # entry points are how an installed plugin loads
    pytester.mkpydir("lab").joinpath("__init__.py").write_text("WHOSE = 'user'\n")
    pytester.makepyfile(
        test_users_suite="""
        import lab

        def work(conn):
            import lab
            conn.send(lab.WHOSE)

        def test_own_lab(mp_context, request):
            assert lab.WHOSE == "user"
            assert request.config.pluginmanager.has_plugin("pytest_forklab")
            here, there = mp_context.Pipe()
            p = mp_context.Process(target=work, args=(there,))
            p.start()
            assert here.recv() == "user"
            p.join(30)
        """
    )
    result = pytester.runpytest_subprocess("--start-methods=spawn", "-v", timeout=TIMEOUT)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(
        ["forklab: start methods spawn*", "plugins:*forklab-*", "*test_own_lab[[]spawn[]] PASSED*"]
    )


def test_the_plugin_module_imports_nothing_from_lab() -> None:
    """The module is loaded into users' test runs, where `lab` may be their package, not ours."""
    tree = ast.parse(PLUGIN.read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not {name for name in imported if name == "lab" or name.startswith("lab.")}


def test_the_plugins_start_methods_are_the_labs() -> None:
    """The plugin keeps its own copy of the method list (it may not import lab): keep them equal."""
    import lab
    import pytest_forklab

    assert pytest_forklab.METHODS == lab.METHODS


def test_the_plugin_module_is_python_3_8_syntax() -> None:
    """It runs on the Python of the user's tests, which may be as old as the project supports."""
    ast.parse(PLUGIN.read_text(encoding="utf-8"), feature_version=(3, 8))
