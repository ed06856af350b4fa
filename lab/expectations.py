"""Documented behaviour (FACTS.md, CPython's docs and source) as checks over observed cells.

Host side. An expectation is a claim to test, never a value written into results: the report
lists every expectation × cell as ``agrees``, ``DIFFERS`` or ``not measured``, differences
first, and the observation is never altered to agree.

Each expectation names the experiment whose observations it reads, the condition under which
the claim applies (implementation, version, platform, method), the check itself and its source.
A check returns True (agrees), False (differs) or None (the observation it needs is missing or
``not applicable`` here, so the cell shows ``not measured``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Env = dict[str, Any]
Observations = dict[str, Any]
_MISSING = object()


@dataclass(frozen=True)
class Expectation:
    """One documented claim, checked against every cell of one experiment where it applies."""

    id: str
    experiment: str
    claim: str
    source: str
    check: Callable[[Observations, Env, str], bool | None]
    applies: Callable[[Env, str], bool] = lambda env, method: True


def get(observations: Observations, path: str) -> Any:
    """The observation at a dotted path (``unguarded.child_exitcode``), or _MISSING.

    Keys may themselves hold dots (``sys.exit(3)``): at each level the longest key that
    matches the rest of the path wins.
    """
    value: Any = observations
    rest = path
    while rest:
        if not isinstance(value, dict):
            return _MISSING
        parts = rest.split(".")
        for cut in range(len(parts), 0, -1):
            key = ".".join(parts[:cut])
            if key in value:
                value, rest = value[key], ".".join(parts[cut:])
                break
        else:
            return _MISSING
    if isinstance(value, dict) and value.get("status") == "not applicable":
        return _MISSING
    return value


def equals(path: str, expected: Any) -> Callable[[Observations, Env, str], bool | None]:
    """A check that one observation equals a documented value (``True`` is not ``1`` here)."""
    return equal_all({path: expected})


def equal_all(expected: dict[str, Any]) -> Callable[[Observations, Env, str], bool | None]:
    """A check that several observations equal documented values; ``paths`` tells the report what to show."""

    def check(observations: Observations, env: Env, method: str) -> bool | None:
        values = {path: get(observations, path) for path in expected}
        if any(value is _MISSING for value in values.values()):
            return None
        return all(_same(values[path], wanted) for path, wanted in expected.items())

    check.paths = tuple(expected)  # type: ignore[attr-defined]
    return check


def _same(value: Any, wanted: Any) -> bool:
    """Equality that keeps bool and int apart (an exit code 1 is not True)."""
    if isinstance(value, bool) or isinstance(wanted, bool):
        return isinstance(value, bool) and isinstance(wanted, bool) and value == wanted
    return value == wanted


def version(env: Env) -> tuple[int, ...]:
    """The interpreter's version as a tuple, from the recorded ``python_version``."""
    return tuple(int(part) for part in env["python_version"].split(".")[:3] if part.isdigit())


def cpython(env: Env) -> bool:
    return env.get("implementation") == "cpython"


def posix(env: Env) -> bool:
    return env.get("platform") != "windows"


def cpython_with(*methods: str) -> Callable[[Env, str], bool]:
    """Applies on CPython, for the given start methods."""
    return lambda env, method: cpython(env) and method in methods


def reimports_main(env: Env, method: str) -> bool:
    """CPython, and the method re-runs ``__main__`` in each child as ``__mp_main__``.

    spawn always does. forkserver did until its server began preloading ``__main__``
    (gh-126631, released in 3.13.8 and 3.14.1); after that the server imports the script once,
    which these claims do not describe.
    """
    if not cpython(env):
        return False
    if method == "spawn":
        return True
    v = version(env)
    return method == "forkserver" and (v < (3, 13, 8) or (3, 14) <= v < (3, 14, 1))


EXPECTATIONS: list[Expectation] = [
    # --- core: main_guard, global_isolation, terminate_latency, exit_codes (issue 2/3) ---
    Expectation(
        id="exitcode-sys-exit-3",
        experiment="exit_codes",
        claim="sys.exit(n) in the child gives exitcode n (0 <= n <= 255)",
        source="Lib/multiprocessing/process.py, BaseProcess._bootstrap; docs, Process.exitcode",
        check=equals("sys.exit(3)", 3),
        applies=lambda env, method: cpython(env),
    ),
    Expectation(
        id="global-not-shared-back",
        experiment="global_isolation",
        claim="a child's write to a global never reaches the parent",
        source="docs, 'Sharing state between processes'; the tutorial's money = 100 example",
        check=equals("parent_sees_child_write", False),
    ),
    # global_isolation: what the child sees depends on how it was started.
    Expectation(
        id="global-fork-child-sees-runtime-value",
        experiment="global_isolation",
        claim="under fork the child sees the globals as the parent left them at start(), run-time changes included",
        source="docs, 'Contexts and start methods' (fork: all resources of the parent are inherited)",
        check=equal_all({"child_sees": "runtime", "child_sees_list_append": True}),
        applies=cpython_with("fork"),
    ),
    Expectation(
        id="global-spawn-child-sees-import-time-value",
        experiment="global_isolation",
        claim="under spawn and forkserver the child imports the module afresh and sees import-time globals, "
        "not the parent's run-time changes",
        source="docs, Programming guidelines, 'The spawn and forkserver start methods', 'Global variables'",
        check=equal_all({"child_sees": "import-time", "child_sees_list_append": False}),
        applies=cpython_with("spawn", "forkserver"),
    ),
    Expectation(
        id="global-list-not-shared-back",
        experiment="global_isolation",
        claim="a child's change to a mutable global never reaches the parent",
        source="docs, 'Sharing state between processes'",
        check=equals("parent_sees_child_list_append", False),
        applies=lambda env, method: cpython(env),
    ),
    # exit_codes: Lib/multiprocessing/process.py, BaseProcess._bootstrap and Process.exitcode.
    Expectation(
        id="exitcode-run-returns-0",
        experiment="exit_codes",
        claim="run() returning, whatever it returns, gives exitcode 0",
        source="Lib/multiprocessing/process.py, BaseProcess._bootstrap (exitcode = 0 after self.run())",
        check=equal_all({"return": 0, "return 5": 0}),
        applies=lambda env, method: cpython(env),
    ),
    Expectation(
        id="exitcode-sys-exit-none-or-0",
        experiment="exit_codes",
        claim="sys.exit(), sys.exit(None) and sys.exit(0) give exitcode 0 (3.9+)",
        source="Lib/multiprocessing/process.py, BaseProcess._bootstrap, 3.9+: `if e.code is None: exitcode = 0`",
        check=equal_all({"sys.exit()": 0, "sys.exit(None)": 0, "sys.exit(0)": 0}),
        applies=lambda env, method: cpython(env) and version(env) >= (3, 9),
    ),
    Expectation(
        id="exitcode-sys-exit-none-3.8",
        experiment="exit_codes",
        claim="on 3.8, sys.exit() and sys.exit(None) give exitcode 1 (None is written to stderr); sys.exit(0) gives 0",
        source="Lib/multiprocessing/process.py 3.8, BaseProcess._bootstrap: `if not e.args: exitcode = 1`, "
        "a non-int e.args[0] is written to stderr with exitcode 1",
        check=equal_all({"sys.exit()": 1, "sys.exit(None)": 1, "sys.exit(0)": 0}),
        applies=lambda env, method: cpython(env) and version(env) < (3, 9),
    ),
    Expectation(
        id="exitcode-sys-exit-text-1",
        experiment="exit_codes",
        claim="sys.exit('text') gives exitcode 1 (the text goes to stderr)",
        source="Lib/multiprocessing/process.py, BaseProcess._bootstrap (SystemExit with a non-int code)",
        check=equals("sys.exit('text')", 1),
        applies=lambda env, method: cpython(env),
    ),
    Expectation(
        id="exitcode-uncaught-exception-1",
        experiment="exit_codes",
        claim="an uncaught exception in run(), KeyboardInterrupt included, gives exitcode 1",
        source="Lib/multiprocessing/process.py, BaseProcess._bootstrap (bare except: exitcode = 1)",
        check=equal_all({"raise ValueError": 1, "raise KeyboardInterrupt": 1}),
        applies=lambda env, method: cpython(env),
    ),
    Expectation(
        id="exitcode-os-exit-n",
        experiment="exit_codes",
        claim="os._exit(n) in the child gives exitcode n",
        source="docs, Process.exitcode; os._exit",
        check=equals("os._exit(7)", 7),
        applies=lambda env, method: cpython(env),
    ),
    Expectation(
        id="exitcode-none-until-finished",
        experiment="exit_codes",
        claim="exitcode is None before start() and while the child runs",
        source="docs, Process.exitcode ('None if the process has not yet terminated')",
        check=equal_all({"before start": None, "while running": None}),
        applies=lambda env, method: cpython(env),
    ),
    Expectation(
        id="exitcode-terminate-minus-sigterm",
        experiment="exit_codes",
        claim="terminate() gives exitcode -SIGTERM (-15), on Windows too",
        source="Lib/multiprocessing/popen_fork.py, terminate (SIGTERM, exitcode -N); "
        "popen_spawn_win32.py (TerminateProcess with 0x10000, reported as -SIGTERM)",
        check=equals("terminate()", -15),
        applies=lambda env, method: cpython(env),
    ),
    Expectation(
        id="exitcode-kill-minus-sigkill",
        experiment="exit_codes",
        claim="kill() gives exitcode -SIGKILL (-9) on POSIX",
        source="Lib/multiprocessing/popen_fork.py, kill (SIGKILL; killed by signal N gives -N)",
        check=equals("kill()", -9),
        applies=lambda env, method: cpython(env) and posix(env),
    ),
    Expectation(
        id="exitcode-kill-is-terminate-on-windows",
        experiment="exit_codes",
        claim="on Windows kill() is terminate(): exitcode -SIGTERM (-15)",
        source="Lib/multiprocessing/popen_spawn_win32.py (kill = terminate)",
        check=equals("kill()", -15),
        applies=lambda env, method: cpython(env) and not posix(env),
    ),
    Expectation(
        id="exitcode-after-close-valueerror",
        experiment="exit_codes",
        claim="reading exitcode after close() raises ValueError: process object is closed",
        source="Lib/multiprocessing/process.py, BaseProcess._check_closed",
        check=equals("after close()", {"type": "ValueError", "message": "process object is closed"}),
        applies=lambda env, method: cpython(env),
    ),
    # terminate_latency: the same signals, seen over many trials.
    Expectation(
        id="terminate-latency-terminate-exitcode",
        experiment="terminate_latency",
        claim="every child stopped with terminate() reports exitcode -SIGTERM (-15)",
        source="Lib/multiprocessing/popen_fork.py, terminate; popen_spawn_win32.py, TERMINATE",
        check=equals("terminate_exitcodes", [-15]),
        applies=lambda env, method: cpython(env),
    ),
    Expectation(
        id="terminate-latency-kill-exitcode",
        experiment="terminate_latency",
        claim="every child stopped with kill() reports exitcode -SIGKILL (-9) on POSIX",
        source="Lib/multiprocessing/popen_fork.py, kill",
        check=equals("kill_exitcodes", [-9]),
        applies=lambda env, method: cpython(env) and posix(env),
    ),
    Expectation(
        id="terminate-latency-kill-exitcode-windows",
        experiment="terminate_latency",
        claim="on Windows every child stopped with kill() reports exitcode -SIGTERM (-15): kill is terminate",
        source="Lib/multiprocessing/popen_spawn_win32.py (kill = terminate)",
        check=equals("kill_exitcodes", [-15]),
        applies=lambda env, method: cpython(env) and not posix(env),
    ),
    Expectation(
        id="terminate-is-a-request",
        experiment="terminate_latency",
        claim="terminate() only asks the OS to stop the child: is_alive() right after it can still be True "
        "(the docs' own example sleeps 0.1 s before checking)",
        source="docs, Process.terminate() and its example; the tutorial: terminate 与 start 一样都是给操作系统发送指令 "
        "所以会有延迟",
        check=equals("alive_right_after_terminate.class", "seen"),
        applies=lambda env, method: cpython(env),
    ),
    # --- end core ---
    # --- tutorial experiments (issue 5) ---
    # process_creation
    Expectation(
        id="creation-child-is-a-new-process",
        experiment="process_creation",
        claim="both ways of creating a process (target= and a subclass overriding run()) run in a new process, "
        "whose pid is the parent's Process.pid",
        source="docs, 'The Process class'; the tutorial: 创建进程就是在内存中重新开辟一块内存空间",
        check=equal_all(
            {
                "target.ran": True,
                "target.pid_differs_from_parent": True,
                "target.child_pid_is_p_pid": True,
                "subclass.ran": True,
                "subclass.pid_differs_from_parent": True,
                "subclass.child_pid_is_p_pid": True,
            }
        ),
    ),
    Expectation(
        id="creation-parent-process-is-the-creator",
        experiment="process_creation",
        claim="parent_process() in the child is the process that created the Process object, under every method",
        source="docs, multiprocessing.parent_process() (3.8+); FACTS.md, 'Identity in the child'",
        check=equal_all({"target.parent_process_is_parent": True, "subclass.parent_process_is_parent": True}),
        applies=lambda env, method: cpython(env),
    ),
    Expectation(
        id="creation-subclass-attributes-arrive",
        experiment="process_creation",
        claim="attributes a Process subclass sets in __init__ reach the child (copied by fork, pickled with the "
        "Process object by spawn and forkserver), and so does its name",
        source="docs, Programming guidelines, 'More picklability'; FACTS.md, 'Pickling' (spawn and forkserver "
        "pickle the whole Process object)",
        check=equal_all({"subclass.init_attribute_arrives": True, "subclass.current_process_name": "coco"}),
        applies=lambda env, method: cpython(env),
    ),
    Expectation(
        id="creation-fork-getppid-is-parent",
        experiment="process_creation",
        claim="under fork and spawn the parent starts the child itself, so os.getppid() in the child is the parent",
        source="Lib/multiprocessing/popen_fork.py (os.fork in the parent); popen_spawn_posix.py "
        "(util.spawnv_passfds in the parent)",
        check=equal_all({"target.getppid_is_parent": True, "subclass.getppid_is_parent": True}),
        applies=lambda env, method: cpython(env) and posix(env) and method in ("fork", "spawn"),
    ),
    Expectation(
        id="creation-forkserver-getppid-is-server",
        experiment="process_creation",
        claim="under forkserver the server forks the child, so os.getppid() in the child is not the parent",
        source="Lib/multiprocessing/forkserver.py, main() forks and _serve_one runs the child in the server",
        check=equal_all({"target.getppid_is_parent": False, "subclass.getppid_is_parent": False}),
        applies=cpython_with("forkserver"),
    ),
    # join_semantics
    Expectation(
        id="join-together-is-concurrent",
        experiment="join_semantics",
        claim="children started together and joined afterwards overlap (total about the longest); "
        "started and joined one by one they run in series (total about the sum)",
        source="docs, Process.join ('Block the calling thread until the process ... terminates'); "
        "the tutorial's p_list example",
        check=equal_all({"started_together_then_joined.class": "concurrent", "joined_one_by_one.class": "serial"}),
    ),
    Expectation(
        id="join-timeout-leaves-child-running",
        experiment="join_semantics",
        claim="join(timeout) returns after the timeout with the child still alive and exitcode None",
        source="docs, Process.join ('the method returns None if its process terminates or if the method times "
        "out. Check the process's exitcode')",
        check=equal_all(
            {"join_timeout.alive_after_join_timeout": True, "join_timeout.exitcode_after_join_timeout": None}
        ),
    ),
    # daemon
    Expectation(
        id="daemon-terminated-when-parent-exits",
        experiment="daemon",
        claim="when the parent's main code ends normally its daemonic child is terminated before reaching its "
        "last line",
        source="Lib/multiprocessing/util.py, _exit_function (atexit: terminate daemonic children); docs, "
        "Process.daemon; the tutorial: 守护进程会在主进程代码执行结束后就终止",
        check=equal_all(
            {"parent_exits_normally.child_started": True, "parent_exits_normally.reached_last_line": False}
        ),
        applies=lambda env, method: cpython(env),
    ),
    Expectation(
        id="daemon-cannot-have-children",
        experiment="daemon",
        claim="a daemonic process that starts a child gets AssertionError: daemonic processes are not allowed "
        "to have children",
        source="Lib/multiprocessing/process.py, BaseProcess.start (assert); the tutorial: 守护进程内无法再开启子进程",
        check=equal_all(
            {
                "daemon_starts_child.type": "AssertionError",
                "daemon_starts_child.message": "daemonic processes are not allowed to have children",
            }
        ),
        applies=lambda env, method: cpython(env),
    ),
    Expectation(
        id="daemon-non-daemon-keeps-parent-waiting",
        experiment="daemon",
        claim="a non-daemonic child reaches its last line while its parent, whose main code has ended, still waits",
        source="Lib/multiprocessing/util.py, _exit_function (joins the non-daemonic children); docs, "
        "Programming guidelines, 'Joining processes'",
        check=equal_all({"non_daemon.reached_last_line": True, "non_daemon.parent_alive_at_last_line": True}),
        applies=lambda env, method: cpython(env),
    ),
    Expectation(
        id="daemon-survives-os-exit",
        experiment="daemon",
        claim="a parent that leaves with os._exit() skips the clean-up that terminates daemons: the daemon outlives it",
        source="docs, os._exit ('without calling cleanup handlers'); Lib/multiprocessing/util.py, _exit_function "
        "is an atexit handler",
        check=equal_all({"parent_os_exit.reached_last_line": True, "parent_os_exit.parent_alive_at_last_line": False}),
        applies=lambda env, method: cpython(env),
    ),
    # orphans_and_zombies
    Expectation(
        id="orphan-reparented-not-killed",
        experiment="orphans_and_zombies",
        claim="a child whose parent exits first keeps running and is re-parented (to init or a subreaper)",
        source="FACTS.md, 'Zombies and orphans'; docs, Process.terminate (descendants 'will not be terminated - "
        "they will simply become orphaned'); the tutorial: 在父进程结束后,其子进程会被操作系统接管",
        check=equal_all({"orphan.reached_last_line": True, "orphan.reparented": True}),
        applies=lambda env, method: cpython(env) and posix(env) and method in ("fork", "spawn"),
    ),
    Expectation(
        id="orphan-forkserver-child-keeps-the-server",
        experiment="orphans_and_zombies",
        claim="under forkserver the child's OS parent is the server, which every child keeps alive through the "
        "inherited alive fd: when the user's parent exits, the child keeps running and is not re-parented",
        source="Lib/multiprocessing/forkserver.py, connect_to_new_process (sends _forkserver_alive_fd to each "
        "child) and main() (exits when alive_r reaches EOF)",
        check=equal_all({"orphan.reached_last_line": True, "orphan.new_parent": "unchanged"}),
        applies=cpython_with("forkserver"),
    ),
    Expectation(
        id="zombie-until-reaped",
        experiment="orphans_and_zombies",
        claim="a child that has ended but was not joined is a zombie until the parent reaps it; active_children() "
        "and join() reap it",
        source="docs, Programming guidelines, 'Joining zombie processes'; the tutorial's 僵尸进程 section",
        check=equal_all(
            {
                "zombie.zombie_before_reap.class": "all",
                "zombie.gone_after_active_children.class": "all",
                "zombie.gone_after_join.class": "all",
            }
        ),
        applies=lambda env, method: cpython(env) and posix(env) and method in ("fork", "spawn"),
    ),
    Expectation(
        id="zombie-forkserver-server-reaps",
        experiment="orphans_and_zombies",
        claim="a forkserver child is reaped by the server, so the parent never sees it as a zombie",
        source="FACTS.md, 'Zombies and orphans'; Lib/multiprocessing/forkserver.py, main() (SIGCHLD: os.waitpid)",
        check=equal_all({"zombie.zombie_before_reap.class": "none", "zombie.gone_after_join.class": "all"}),
        applies=cpython_with("forkserver"),
    ),
    # lock_race
    Expectation(
        id="race-lost-updates-without-lock-value",
        experiment="lock_race",
        claim="processes incrementing a shared Value(lock=False) without a lock lose updates",
        source="docs, multiprocessing.Value ('lock=False ... will not necessarily be process-safe'); the tutorial: "
        "当多个进程同时要操作同一个资源时,将会导致数据错乱",
        check=lambda o, e, m: (
            None
            if get(o, "value_without_lock.lost_updates.class") is _MISSING
            else get(o, "value_without_lock.lost_updates.class") != "none"
        ),
    ),
    Expectation(
        id="race-lost-updates-without-lock-file",
        experiment="lock_race",
        claim="processes incrementing a number in a file (read, add one, write) without a lock lose updates",
        source="the tutorial: 当多个进程同时要操作同一个资源时,将会导致数据错乱 (its ticket file)",
        check=lambda o, e, m: (
            None
            if get(o, "file_without_lock.lost_updates.class") is _MISSING
            else get(o, "file_without_lock.lost_updates.class") != "none"
        ),
    ),
    Expectation(
        id="race-none-lost-with-lock",
        experiment="lock_race",
        claim="with the Lock held around the increment, no update is lost",
        source="docs, multiprocessing.Lock; the tutorial: 解决方案2: 就是给公共资源加锁----互斥锁",
        check=equal_all({"value_with_lock.lost_updates.class": "none", "file_with_lock.lost_updates.class": "none"}),
    ),
    Expectation(
        id="tickets-oversold-without-lock",
        experiment="lock_race",
        claim="without the lock, more than one buyer gets the single ticket in at least one round",
        source="the tutorial's ticket exercise (小练习 -- 抢票): buying is check-then-write, so buyers race",
        check=lambda o, e, m: (
            None
            if get(o, "tickets_without_lock.oversold.class") is _MISSING
            else get(o, "tickets_without_lock.oversold.class") != "none"
        ),
    ),
    Expectation(
        id="tickets-exactly-one-with-lock",
        experiment="lock_race",
        claim="with the lock around buying, exactly one buyer gets the single ticket in every round",
        source="the tutorial's ticket exercise: lock.acquire(); buy_ticket(); lock.release()",
        check=equal_all(
            {
                "tickets_with_lock.exactly_one_success.class": "all",
                "tickets_with_lock.unreadable_while_buying.class": "none",
            }
        ),
    ),
    Expectation(
        id="lock-finer-than-join",
        experiment="lock_race",
        claim="the same work finishes sooner with a lock around only the critical section than serialised with join()",
        source="the tutorial: join是把进程的任务全部串行; 锁可以锁任意代码 ... 粒度越小 ... 效率越高",
        check=equals("lock_faster_than_join.class", "all"),
    ),
    Expectation(
        id="lock-second-acquire",
        experiment="lock_race",
        claim="a second acquire() of a Lock by its holder does not succeed (with a timeout it returns False); "
        "an RLock's owner can acquire it again",
        source="docs, multiprocessing.Lock.acquire / RLock.acquire; the tutorial: 注意1: 不要对同一把执行多出acquire "
        "会锁死",
        check=equal_all({"second_acquire_in_same_process.Lock": False, "second_acquire_in_same_process.RLock": True}),
    ),
    # parallel_speedup
    Expectation(
        id="speedup-threads-not-parallel-with-gil",
        experiment="parallel_speedup",
        claim="CPU-bound Python code in N threads does not run in parallel: the N threads together get no more "
        "CPU time per second than one thread (the GIL lets one run at a time)",
        source="docs, threading ('CPython implementation detail: ... only one thread can execute Python code at "
        "once'); the tutorial: 并发 ... 本质上是切换执行",
        check=equals("threads_ran_in_parallel.class", "no"),
        applies=lambda env, method: cpython(env) and not env.get("free_threaded"),
    ),
    Expectation(
        id="speedup-processes-parallel",
        experiment="parallel_speedup",
        claim="CPU-bound work split over N processes (N = CPU count >= 2) runs in parallel: in the median trial "
        "the processes use more than 1 + (N-1)/4 CPU seconds per wall second",
        source="docs, multiprocessing introduction ('side-steps the Global Interpreter Lock ... fully leverage "
        "multiple processors'); the tutorial: 并行: 多个任务真正的同时执行 必须具备多核CPU",
        check=equals("processes_ran_in_parallel.class", "yes"),
        applies=lambda env, method: (env.get("cpu_count") or 1) >= 2,
    ),
    # --- end tutorial ---
    # --- what breaks (issue 6) ---
    # pickling: fork pickles nothing; spawn and forkserver pickle the whole Process object.
    Expectation(
        id="pickling-fork-pickles-nothing",
        experiment="pickling",
        claim="under fork every target and argument works, lambdas, closures and unpicklable attributes included",
        source="FACTS.md, Pickling; docs, 'Contexts and start methods' (fork: the child is a copy of the parent)",
        check=equal_all(
            {
                f"{case}.outcome": "ok"
                for case in (
                    "module_function",
                    "lambda",
                    "closure",
                    "partial",
                    "bound_method",
                    "staticmethod",
                    "main_guard_function",
                    "subclass_lock_attribute",
                    "subclass_file_attribute",
                    "arg_lambda",
                    "arg_generator",
                    "arg_socket",
                )
            }
        ),
        applies=cpython_with("fork"),
    ),
    Expectation(
        id="pickling-spawn-module-level-targets-ok",
        experiment="pickling",
        claim="under spawn and forkserver targets reachable by name work: a module-level function, a partial of "
        "one, a bound method of a module-level class, a staticmethod",
        source="Doc/library/pickle.rst, 'What can be pickled and unpickled?'; docs, Programming guidelines, "
        "'More picklability'",
        check=equal_all(
            {
                "module_function.outcome": "ok",
                "partial.outcome": "ok",
                "bound_method.outcome": "ok",
                "staticmethod.outcome": "ok",
            }
        ),
        applies=cpython_with("spawn", "forkserver"),
    ),
    Expectation(
        id="pickling-spawn-lambda-fails-in-parent",
        experiment="pickling",
        claim="under spawn and forkserver a lambda, as target or as argument, makes start() raise PicklingError "
        "in the parent",
        source="FACTS.md, Pickling; Lib/multiprocessing/popen_spawn_posix.py and popen_forkserver.py "
        "(reduction.dump of the Process object before the child exists)",
        check=equal_all(
            {
                "lambda.outcome": "parent",
                "lambda.type": "PicklingError",
                "arg_lambda.outcome": "parent",
                "arg_lambda.type": "PicklingError",
            }
        ),
        applies=cpython_with("spawn", "forkserver"),
    ),
    Expectation(
        id="pickling-spawn-closure-attributeerror-to-3.12",
        experiment="pickling",
        claim="up to 3.12, under spawn and forkserver a nested function makes start() raise "
        "AttributeError: Can't pickle local object '...'",
        source="FACTS.md, Pickling; Modules/_pickle.c, get_dotted_path (3.8-3.12)",
        check=equal_all(
            {
                "closure.outcome": "parent",
                "closure.type": "AttributeError",
                "closure.message": "Can't pickle local object 'closure.<locals>.nested'",
            }
        ),
        applies=lambda env, method: cpython(env) and method in ("spawn", "forkserver") and version(env) < (3, 13),
    ),
    Expectation(
        id="pickling-spawn-closure-fails-in-parent-3.13",
        experiment="pickling",
        claim="from 3.13, under spawn and forkserver a nested function still fails in the parent at start() "
        "(the message's wording changed)",
        source="FACTS.md, Pickling ('the wording changes in 3.13 and again in 3.14')",
        check=equals("closure.outcome", "parent"),
        applies=lambda env, method: cpython(env) and method in ("spawn", "forkserver") and version(env) >= (3, 13),
    ),
    Expectation(
        id="pickling-spawn-main-guard-function-fails-in-child",
        experiment="pickling",
        claim="under spawn and forkserver a target defined under the __main__ guard pickles, but the child fails "
        "with AttributeError: Can't get attribute 'NAME' on <module '__mp_main__' ...>, exitcode 1",
        source="FACTS.md, Pickling; Lib/multiprocessing/spawn.py (the child imports the script as __mp_main__)",
        check=equal_all(
            {
                "main_guard_function.outcome": "child",
                "main_guard_function.type": "AttributeError",
                "main_guard_function.message": "Can't get attribute 'defined_under_guard' on "
                "<module '__mp_main__' from '<path>/pickling_cases.py'>",
                "main_guard_function.exitcode": 1,
            }
        ),
        applies=cpython_with("spawn", "forkserver"),
    ),
    Expectation(
        id="pickling-spawn-unpicklable-attributes-and-args-fail-in-parent",
        experiment="pickling",
        claim="under spawn and forkserver a Process subclass holding a Lock or an open file, and a generator "
        "argument, make start() raise TypeError in the parent",
        source="FACTS.md, Pickling ('pickle the whole Process object (target, args, kwargs, subclass attributes)')",
        check=equal_all(
            {
                "subclass_lock_attribute.outcome": "parent",
                "subclass_lock_attribute.type": "TypeError",
                "subclass_file_attribute.outcome": "parent",
                "subclass_file_attribute.type": "TypeError",
                "arg_generator.outcome": "parent",
                "arg_generator.type": "TypeError",
            }
        ),
        applies=cpython_with("spawn", "forkserver"),
    ),
    # fork_with_threads: gh-100228 (3.12) warns in the parent at os.fork() with other threads alive.
    Expectation(
        id="fork-threads-deprecation-warning-3.12",
        experiment="fork_with_threads",
        claim="from 3.12, start() under fork with another thread alive emits DeprecationWarning: This process "
        "(pid=N) is multi-threaded, use of fork() may lead to deadlocks in the child.",
        source="FACTS.md, fork with threads; gh-100228, Modules/posixmodule.c (warn_about_fork_with_threads)",
        check=equal_all(
            {
                "with_thread.warning_emitted": True,
                "with_thread.warnings": [
                    {
                        "category": "DeprecationWarning",
                        "message": "This process (pid=<pid>) is multi-threaded, use of fork() may lead to "
                        "deadlocks in the child.",
                    }
                ],
            }
        ),
        applies=lambda env, method: cpython(env) and method == "fork" and version(env) >= (3, 12),
    ),
    Expectation(
        id="fork-threads-warning-hidden-by-default-filters",
        experiment="fork_with_threads",
        claim="from 3.12, the default warning filters hide that warning (it is attributed to "
        "multiprocessing/popen_fork.py); -W default shows it",
        source="FACTS.md, fork with threads; Doc/library/warnings.rst, 'Default Warning Filter'",
        check=equal_all({"default_filters.shown": False, "w_default.shown": True}),
        applies=lambda env, method: cpython(env) and method == "fork" and version(env) >= (3, 12),
    ),
    Expectation(
        id="fork-threads-no-warning-spawn-forkserver",
        experiment="fork_with_threads",
        claim="spawn and forkserver do not emit the multi-threaded fork warning",
        source="FACTS.md, fork with threads ('The fork start method triggers it; spawn and forkserver do not')",
        check=equal_all({"with_thread.warning_emitted": False, "w_default.shown": False}),
        applies=cpython_with("spawn", "forkserver"),
    ),
    Expectation(
        id="fork-threads-no-warning-before-3.12",
        experiment="fork_with_threads",
        claim="before 3.12, os.fork() with threads alive does not warn",
        source="FACTS.md, fork with threads ('3.12+'); Doc/whatsnew/3.12.rst (gh-100228)",
        check=equal_all({"with_thread.warning_emitted": False, "w_default.shown": False}),
        applies=lambda env, method: cpython(env) and method == "fork" and version(env) < (3, 12),
    ),
    Expectation(
        id="fork-threads-held-lock-stays-held",
        experiment="fork_with_threads",
        claim="a fork child has one thread, and a lock another thread held at the fork stays held in it "
        "(its acquire with a timeout fails)",
        source="POSIX fork() ('a process shall be created with a single thread'); docs, os.fork() warning about "
        "threads and deadlocks",
        check=equal_all({"with_thread.child_threads": 1, "with_thread.child_lock": "deadlocked"}),
        applies=lambda env, method: cpython(env) and posix(env) and method == "fork",
    ),
    Expectation(
        id="fork-threads-fresh-lock-spawn-forkserver",
        experiment="fork_with_threads",
        claim="a spawn or forkserver child imports the module afresh and gets a new, free lock",
        source="docs, Programming guidelines, 'The spawn and forkserver start methods'",
        check=equal_all({"with_thread.child_threads": 1, "with_thread.child_lock": "acquired"}),
        applies=cpython_with("spawn", "forkserver"),
    ),
    # random_state: random reseeds its global generator in a fork child; your own generators are copied.
    Expectation(
        id="random-global-reseeded-after-fork",
        experiment="random_state",
        claim="the random module's global generator is reseeded in every fork child: children differ from each "
        "other and from the parent's next draw, even after random.seed() in the parent",
        source="FACTS.md, Random state; Lib/random.py (os.register_at_fork(after_in_child=_inst.seed), 3.7+)",
        check=equal_all(
            {
                "global_after_use.children_identical": False,
                "global_after_use.any_equals_parent_next": False,
                "global_after_seed.children_identical": False,
                "global_after_seed.any_equals_parent_next": False,
            }
        ),
        applies=cpython_with("fork"),
    ),
    Expectation(
        id="random-own-instance-copied-by-fork",
        experiment="random_state",
        claim="a random.Random instance of your own is copied as it is into every fork child: all children draw "
        "the parent's next number",
        source="FACTS.md, Random state ('Generators you create yourself ... are copied as they are')",
        check=equal_all(
            {
                "module_instance.children_identical": True,
                "module_instance.any_equals_parent_next": True,
                "passed_instance.children_identical": True,
                "passed_instance.any_equals_parent_next": True,
            }
        ),
        applies=cpython_with("fork"),
    ),
    Expectation(
        id="random-passed-instance-pickled-with-state",
        experiment="random_state",
        claim="a Random instance passed as an argument reaches spawn and forkserver children with its state "
        "(pickled), so they too draw the parent's next number",
        source="FACTS.md, Random state; Lib/random.py (Random.__reduce__ returns getstate())",
        check=equal_all({"passed_instance.children_identical": True, "passed_instance.any_equals_parent_next": True}),
        applies=cpython_with("spawn", "forkserver"),
    ),
    Expectation(
        id="random-module-instance-reimported-by-spawn",
        experiment="random_state",
        claim="a module-level Random(seed) is created again when a spawn or forkserver child imports the module: "
        "children draw its import-time first number, not the parent's next one",
        source="docs, Programming guidelines, 'The spawn and forkserver start methods' (modules are imported "
        "afresh; global variables)",
        check=equal_all(
            {
                "module_instance.children_identical": True,
                "module_instance.equals_import_time_draw": True,
                "module_instance.any_equals_parent_next": False,
            }
        ),
        applies=cpython_with("spawn", "forkserver"),
    ),
    # inherited_state
    Expectation(
        id="inherited-spawn-sends-path-argv-cwd",
        experiment="inherited_state",
        claim="spawn and forkserver send sys.path, sys.argv and the working directory at each start(), so the "
        "child sees the parent's run-time changes to them",
        source="FACTS.md, The __main__ module in the child; Lib/multiprocessing/spawn.py (get_preparation_data, "
        "prepare)",
        check=equal_all({"sys_path_append_seen": True, "argv_change_seen": True, "cwd_change_seen": True}),
        applies=cpython_with("spawn", "forkserver"),
    ),
    Expectation(
        id="inherited-fork-copies-everything",
        experiment="inherited_state",
        claim="a fork child inherits the parent as it is at start(): environment, cwd, sys.path, argv, signal "
        "handlers, logging handlers and open file descriptors",
        source="docs, 'Contexts and start methods' (fork: 'All resources of the parent are inherited by the "
        "child process')",
        check=equal_all(
            {
                "env_second_child": "the value set before its start",
                "cwd_change_seen": True,
                "sys_path_append_seen": True,
                "argv_change_seen": True,
                "signal_handler": "parent's handler",
                "logging_handler_seen": True,
                "parent_fd": "inherited",
            }
        ),
        applies=cpython_with("fork"),
    ),
    Expectation(
        id="inherited-spawn-no-unneeded-fds",
        experiment="inherited_state",
        claim="spawn and forkserver children do not inherit the parent's file descriptors or its run-time "
        "logging handlers",
        source="docs, 'Contexts and start methods' (spawn: 'Unnecessary file descriptors and handles from the "
        "parent process will not be inherited'; forkserver: 'No unnecessary resources are inherited')",
        check=equal_all({"parent_fd": "not inherited", "logging_handler_seen": False}),
        applies=cpython_with("spawn", "forkserver"),
    ),
    Expectation(
        id="inherited-stdin-is-devnull",
        experiment="inherited_state",
        claim="every child's sys.stdin is os.devnull, opened read-only",
        source="docs, Programming guidelines, 'Beware of replacing sys.stdin with a file like object'; "
        "Lib/multiprocessing/util.py, _close_stdin",
        check=equals("stdin", "os.devnull"),
        applies=lambda env, method: cpython(env),
    ),
    Expectation(
        id="inherited-main-name-mp-main",
        experiment="inherited_state",
        claim="in a spawn child of a plain script, __main__ is the script re-run as __mp_main__",
        source="FACTS.md, The __main__ module in the child; Lib/multiprocessing/spawn.py, _fixup_main_from_path",
        check=equals("main_name_script", "__mp_main__"),
        applies=reimports_main,
    ),
    Expectation(
        id="inherited-main-name-fork",
        experiment="inherited_state",
        claim="in a fork child of a plain script, __main__ is the parent's own __main__ (nothing re-runs)",
        source="FACTS.md, The __main__ module in the child ('Under fork nothing re-runs')",
        check=equals("main_name_script", "__main__"),
        applies=cpython_with("fork"),
    ),
    # --- end what breaks ---
    # --- start-up timings (issue 4) ---
    # --- end start-up ---
]


# --- evaluation (issue 3): every expectation × cell, for the report ---
AGREES, DIFFERS, NOT_MEASURED = "agrees", "DIFFERS", "not measured"


@dataclass(frozen=True)
class Check:
    """One expectation against one cell: the outcome, what was observed, and why when not measured."""

    expectation: Expectation
    label: str
    environment: Env
    method: str
    outcome: str
    observed: dict[str, Any]
    note: str = ""


def _observed(expectation: Expectation, observations: Observations) -> dict[str, Any]:
    paths = getattr(expectation.check, "paths", ())
    values = {path: get(observations, path) for path in paths}
    return {path: value for path, value in values.items() if value is not _MISSING}


def check_cell(expectation: Expectation, label: str, env: Env, method: str, cell: dict[str, Any] | None) -> Check:
    """Evaluate one expectation on one cell (None: the file holds no such cell)."""

    def result(outcome: str, observed: dict[str, Any] | None = None, note: str = "") -> Check:
        return Check(expectation, label, env, method, outcome, observed or {}, note)

    if cell is None:
        return result(NOT_MEASURED, note="no cell")
    if cell.get("status") != "ok":
        return result(NOT_MEASURED, note=f"cell {cell.get('status')}")
    observations = cell.get("observations", {})
    try:
        verdict = expectation.check(observations, env, method)
    except Exception as exc:  # an observation of an unexpected shape: say so, never guess
        return result(NOT_MEASURED, note=f"check failed: {type(exc).__name__}: {exc}")
    observed = _observed(expectation, observations)
    if verdict is None:
        return result(NOT_MEASURED, observed, note="observation missing or not applicable")
    return result(AGREES if verdict else DIFFERS, observed)


def evaluate(result_files: Any) -> list[Check]:
    """Every expectation × every cell it applies to, over loaded result files (lab.records.ResultFile).

    The methods considered for a file are those it holds cells for; a method the file has no
    cell of for the expectation's experiment is ``not measured``.
    """
    checks: list[Check] = []
    for result in result_files:
        env = result.environment
        methods = list(dict.fromkeys(cell["method"] for cell in result.cells))
        for expectation in EXPECTATIONS:
            for method in methods:
                if expectation.applies(env, method):
                    cell = result.cell(expectation.experiment, method)
                    checks.append(check_cell(expectation, result.label, env, method, cell))
    return checks


# --- end evaluation ---
