"""forklab's pytest plugin: run your tests under every multiprocessing start method.

CPython tests multiprocessing by running the same tests once per start method
(``test_multiprocessing_fork``, ``_spawn``, ``_forkserver``). This plugin gives a library's own
test suite the same thing:

* the ``mp_context`` fixture is parametrized over the start methods (test ids ``fork``,
  ``spawn``, ``forkserver``) and yields ``multiprocessing.get_context(method)``; a method the
  platform does not offer (fork and forkserver on Windows) is *skipped with a reason*, so a
  report shows what was not tested instead of silently testing less; ``start_method`` is the
  same method's name, for tests that pass it on to a subprocess;
* ``--start-methods=spawn,forkserver`` (or the ``start_methods`` ini option) chooses the methods
  for the run, and ``@pytest.mark.start_methods("spawn", ...)`` restricts one test;
* after each test (after its fixtures' teardown, so a fixture may clean up what it started),
  child processes the test left alive -- ``multiprocessing.active_children()``, the list
  CPython's own suite checks, which holds neither the forkserver server nor the resource
  tracker -- are listed, killed, and reported as an error of that test;
* at the end of the run, the tests that pass under fork but fail under spawn or forkserver are
  listed, each with the likely cause from forklab's symptom catalog (``lab/symptoms.py`` beside
  this file, loaded by its path) and the report page that shows the evidence.

This module is top-level and imports nothing from ``lab``: the plugin is loaded into *your*
test run through the ``pytest11`` entry point, where ``lab`` may be your own package. It runs
on the Python your tests use (3.8+) and needs pytest 8 or later.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import weakref
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Set

import pytest

#: The start methods, in the order tests are generated (the same order as ``lab.METHODS``).
METHODS = ("fork", "spawn", "forkserver")
FIXTURE = "mp_context"
MARKER = "start_methods"
#: How long to wait for a killed leftover child to be reaped.
KILL_TIMEOUT = 10.0

_owned_key = pytest.StashKey["weakref.WeakSet[Any]"]()
_before_key = pytest.StashKey["Set[Any]"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("forklab", "multiprocessing start methods (forklab)")
    group.addoption(
        "--start-methods",
        dest="start_methods",
        default=None,
        metavar="METHODS",
        help="comma-separated start methods for the mp_context fixture (default: fork,spawn,forkserver)",
    )
    parser.addini("start_methods", "default for --start-methods, e.g. 'spawn,forkserver'", default="")


def parse_methods(text: str, where: str) -> List[str]:
    """The methods named in ``text`` (comma or space separated), in the lab's order.

    An unknown name is an error (ValueError naming ``where``), not a silently smaller test run.
    """
    names = [name.strip() for name in text.replace(",", " ").split() if name.strip()]
    unknown = [name for name in names if name not in METHODS]
    if unknown:
        raise ValueError(
            f"{where}: unknown start method {', '.join(map(repr, unknown))}; choose from {', '.join(METHODS)}"
        )
    if not names:
        raise ValueError(f"{where}: name at least one start method ({', '.join(METHODS)})")
    return [method for method in METHODS if method in names]


def selected_methods(config: pytest.Config) -> List[str]:
    """The methods chosen for this run: ``--start-methods``, else the ini option, else all."""
    option = config.getoption("start_methods")
    ini = str(config.getini("start_methods") or "")
    try:
        if option is not None:
            return parse_methods(option, "--start-methods")
        if ini.strip():
            return parse_methods(ini, "ini option start_methods")
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    return list(METHODS)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*methods): run this test's {FIXTURE} only under these start methods (forklab)",
    )
    selected_methods(config)  # fail early on a bad --start-methods, not at the first test
    config.stash[_owned_key] = weakref.WeakSet()
    config.pluginmanager.register(ForkOnly(), "forklab-fork-only")


def pytest_report_header(config: pytest.Config) -> str:
    return (
        f"forklab: start methods {', '.join(selected_methods(config))} "
        f"(this platform offers {', '.join(available_methods())})"
    )


def available_methods() -> List[str]:
    """What ``multiprocessing`` offers here, looked up at collection time (tests may patch it)."""
    return list(multiprocessing.get_all_start_methods())


def _marker_methods(metafunc: pytest.Metafunc) -> Optional[List[str]]:
    """The intersection of every ``start_methods`` marker on the test (function, class, module)."""
    allowed: Optional[List[str]] = None
    for mark in metafunc.definition.iter_markers(MARKER):
        where = f"{metafunc.definition.nodeid}: @pytest.mark.{MARKER}"
        problem = None
        try:
            named = parse_methods(" ".join(str(arg) for arg in mark.args), where)
        except ValueError as exc:
            problem = str(exc)
        if problem:
            pytest.fail(problem, pytrace=False)  # a collection error of the test's module, without traceback
        allowed = named if allowed is None else [m for m in allowed if m in named]
    return allowed


def _parametrized_by_user(metafunc: pytest.Metafunc) -> bool:
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0] if mark.args else mark.kwargs.get("argnames", "")
        if isinstance(names, str):
            names = [name.strip() for name in names.split(",")]
        if FIXTURE in names:
            return True
    return False


def _params(methods: Sequence[str], offered: Sequence[str]) -> List[Any]:
    """One pytest param per method; a method the platform lacks is there, skipped, with why."""
    params = []
    for method in methods:
        marks = ()
        if method not in offered:
            reason = (
                f"start method {method!r} is not available on this platform "
                f"(multiprocessing.get_all_start_methods() == {list(offered)!r})"
            )
            marks = (pytest.mark.skip(reason=reason),)
        params.append(pytest.param(method, id=method, marks=marks))
    return params


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marked = _marker_methods(metafunc)
    if FIXTURE not in metafunc.fixturenames:
        if marked is not None:
            pytest.fail(
                f"{metafunc.definition.nodeid}: @pytest.mark.{MARKER} has no effect on a test "
                f"that does not use the {FIXTURE} fixture",
                pytrace=False,
            )
        return
    if _parametrized_by_user(metafunc):
        return
    chosen = selected_methods(metafunc.config)
    methods = chosen if marked is None else [m for m in chosen if m in marked]
    if methods:
        metafunc.parametrize(FIXTURE, _params(methods, available_methods()), indirect=True)
        return
    # The marker and --start-methods leave nothing: say so rather than collecting nothing.
    reason = f"not among this run's start methods ({', '.join(chosen)}; see --start-methods)"
    params = [pytest.param(m, id=m, marks=pytest.mark.skip(reason=reason)) for m in marked or []]
    metafunc.parametrize(FIXTURE, params, indirect=True)


@pytest.fixture
def mp_context(request: pytest.FixtureRequest) -> Any:
    """``multiprocessing.get_context(method)``, once per start method (ids fork, spawn, forkserver).

    Use it instead of ``multiprocessing.set_start_method``: a context changes nothing global,
    so tests under different methods can share a process (and an xdist worker).
    """
    method = getattr(request, "param", None)
    if method is None:
        pytest.fail(
            f"{FIXTURE} must be a parameter of the test or of a fixture it uses: it is parametrized at "
            "collection time, so request.getfixturevalue() cannot choose a start method",
            pytrace=False,
        )
    return multiprocessing.get_context(method)


@pytest.fixture
def start_method(mp_context: Any) -> str:
    """The name of ``mp_context``'s method, for tests that hand it to another process or command.

    Same parametrization (it depends on ``mp_context``), so using both runs a test once per method.
    """
    return str(mp_context.get_start_method())


# --- leftover children ---------------------------------------------------------------------


def _alive() -> Set[Any]:
    """The children alive now; ``active_children()`` also reaps those that finished."""
    return set(multiprocessing.active_children())


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: Any, request: pytest.FixtureRequest) -> Any:
    """Children started by a module-, class-, package- or session-scoped fixture belong to it.

    They may outlive the test that first needed the fixture; the fixture's own teardown
    (at the end of its scope) is what must stop them.
    """
    before = _alive()
    try:
        return (yield)
    finally:
        if fixturedef.scope != "function":
            owned = request.config.stash.get(_owned_key, None)
            if owned is not None:
                owned.update(_alive() - before)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> Any:
    item.stash[_before_key] = _alive()
    return (yield)


def describe(process: Any) -> str:
    """One line per leftover child. (Its target is unknown: ``start()`` drops the reference.)"""
    daemon = ", daemon" if process.daemon else ""
    return f"{process.name} ({type(process).__name__}, pid {process.pid}{daemon})"


def kill(processes: Iterable[Any]) -> List[str]:
    """Kill and reap each process; one description per process, saying how it ended."""
    processes = list(processes)
    for process in processes:
        try:
            process.kill()  # SIGKILL on POSIX, TerminateProcess on Windows
        except (OSError, ValueError):
            pass  # it ended or was closed in the meantime
    lines = []
    for process in processes:
        description = describe(process)
        try:
            process.join(KILL_TIMEOUT)
            ended = f"exitcode {process.exitcode}" if process.exitcode is not None else "STILL ALIVE after kill()"
        except ValueError:  # closed by someone else meanwhile
            ended = "closed"
        lines.append(f"  {description}: killed, {ended}")
    return lines


def leftovers(item: pytest.Item) -> List[Any]:
    before = item.stash.get(_before_key, set())
    owned = item.config.stash.get(_owned_key, weakref.WeakSet())
    left = [p for p in _alive() if p not in before and p not in owned]
    return sorted(left, key=lambda p: p.pid or 0)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: Optional[pytest.Item]) -> Any:
    """After the test's fixtures are torn down, kill what the test left running and fail it.

    Checking after teardown (not at the end of the test body) lets a fixture or finalizer
    stop the processes a test started; the price is that pytest shows the failure as an
    error "at teardown" of the test.
    """
    try:
        result = yield
    finally:
        left = leftovers(item)
        lines = kill(left) if left else []
    if lines:
        count = f"{len(lines)} child process{'es' if len(lines) > 1 else ''}"
        pytest.fail(
            f"{item.nodeid} left {count} alive (multiprocessing.active_children()); forklab killed:\n"
            + "\n".join(lines)
            + "\nJoin, terminate or close every process, Pool and Manager a test starts "
            "(a with-block, try/finally, or a fixture's teardown).",
            pytrace=False,
        )
    return result


# --- passes under fork, fails under spawn or forkserver --------------------------------------

#: forklab's symptom catalog module, beside this file in a source checkout and in site-packages.
SYMPTOMS = Path(__file__).resolve().with_name("lab") / "symptoms.py"
TEXT_CHARS = 20000  # of a failure's traceback and captured output, matched against the symptoms


def method_of(item: pytest.Item) -> Optional[str]:
    """The start method of a test parametrized by this plugin's ``mp_context``, else None."""
    value = getattr(getattr(item, "callspec", None), "params", {}).get(FIXTURE)
    return value if isinstance(value, str) and value in METHODS else None


def group_of(item: pytest.Item) -> str:
    """The same test under every method: its node id without the method, other parameters kept."""
    indices = getattr(item.callspec, "indices", {})  # type: ignore[attr-defined]
    others = ",".join(f"{name}={index}" for name, index in sorted(indices.items()) if name != FIXTURE)
    return item.nodeid.split("[", 1)[0] + (f"[{others}]" if others else "")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Any:
    """Label each phase's report with the method and the group; the attributes travel with xdist."""
    report = yield
    method = method_of(item)
    if method is not None:
        report.forklab_method, report.forklab_group = method, group_of(item)
        if call.excinfo is not None and report.failed:
            first = (str(call.excinfo.value).strip().splitlines() or [""])[0]
            report.forklab_exception = f"{call.excinfo.typename}: {first}"[:500]
    return report


def load_symptoms() -> Any:
    """``(explain, catalog)`` from forklab's ``lab/symptoms.py`` loaded by its path, or None.

    Loaded under a private name and never as ``lab``: the user's own ``lab`` package stays theirs.
    """
    if not SYMPTOMS.is_file():
        return None
    try:
        spec = importlib.util.spec_from_file_location("_forklab_symptoms", SYMPTOMS)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        return module.explain, module.load()
    except Exception:  # a damaged install: list the tests without causes
        return None


class ForkOnly:
    """Collects each test's outcome per method; lists those that pass only under fork."""

    def __init__(self) -> None:
        self.groups: Dict[str, Dict[str, Dict[str, Any]]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        method = getattr(report, "forklab_method", None)
        if method is None:
            return
        state = self.groups.setdefault(report.forklab_group, {}).setdefault(
            method, {"outcome": "passed", "nodeid": report.nodeid, "exception": None, "text": ""}
        )
        if report.failed:
            state["outcome"] = "failed"
            state["exception"] = state["exception"] or getattr(report, "forklab_exception", None)
            captured = "\n".join(content for _, content in report.sections)
            state["text"] = (state["text"] + report.longreprtext + "\n" + captured)[-TEXT_CHARS:]
        elif report.skipped and state["outcome"] == "passed":
            state["outcome"] = "skipped"

    def fork_only(self) -> List[Any]:
        found = []
        for group, states in self.groups.items():
            failing = [m for m in ("spawn", "forkserver") if states.get(m, {}).get("outcome") == "failed"]
            if states.get("fork", {}).get("outcome") == "passed" and failing:
                found.append((group, failing, states))
        return found

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        found = self.fork_only()
        if not found:
            return
        write = terminalreporter.write_line
        terminalreporter.write_sep("=", "forklab: passes under fork, fails under spawn or forkserver")
        symptoms = load_symptoms()
        for group, failing, states in found:
            write(f"{group}: fails under {' and '.join(failing)}; passes under fork")
            first = states[failing[0]]
            if first["exception"]:
                write(f"  {first['exception'][:300]}")
            for line in _causes(symptoms, first):
                write(f"  {line}")
        if symptoms is None:
            write(f"(forklab's symptom catalog, {SYMPTOMS}, is not installed: causes not shown)")
        write("`python -m lab check` finds these hazards in your source without running it.")


def _causes(symptoms: Any, state: Dict[str, Any]) -> List[str]:
    """The likely cause: symptoms matching the exception line, else the whole traceback and output."""
    if symptoms is None:
        return []
    explain, catalog = symptoms
    matched = explain(state["exception"] or "", catalog) or explain(state["text"], catalog)
    lines = []
    for symptom in matched[:2]:
        links = ", ".join(filter(None, [symptom.get("page"), symptom.get("docs")]))
        lines.append(f"likely cause: {symptom['title']}" + (f" ({links})" if links else ""))
        lines.extend(f"  {symptom[key]}" for key in ("cause", "fix") if symptom.get(key))
    return lines or ["likely cause: not in forklab's symptom catalog"]
