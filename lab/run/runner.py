"""Run cells -- interpreter × start method × experiment -- each in a fresh process (host side).

Behaviour cells run in parallel up to ``jobs``. Timing cells run afterwards with no other cell
in flight, those of one (interpreter, experiment) interleaved in rounds and the rounds of all
of them spread over the timing phase (``lab.run.plan``): each round is a fresh driver per
method, the load guard (``lab.run.load``) reads the machine (and waits for it) before each
round, and when a group's last round is done its rounds become one cell per method
(``lab.run.rounds``) holding the declared ratios with their intervals. Every process -- a cell,
a round -- gets its own temporary directory (also its TMPDIR, so forkserver sockets and
temporary files land there), its own process group and a hard timeout; a finished cell is
merged into the interpreter's result file at once, so an interrupted run keeps what finished
(a timing experiment whose rounds were interrupted keeps nothing of them; with the rounds
spread, that is every timing experiment not finished yet). A watchdog process
stops cells in flight if the runner itself is killed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Any

from lab import experiments
from lab.errors import BadInput
from lab.experiment import SOURCE_ROOT, TIMING
from lab.normalise import mask_paths
from lab.results.files import ResultFile, save
from lab.results.record import ERROR, TIMEOUT, UNAVAILABLE, CellRecord, Provenance
from lab.run.discovery import Interpreter
from lab.run.load import DEFAULT_MAX_WAIT_S, LoadGuard, Meter
from lab.run.plan import Task, interleave, round_count, spread, timing_groups
from lab.run.processes import run_group, stop_group, tail
from lab.run.rounds import GroupRounds, add_ratios, merge_rounds
from lab.run.watchdog import Watchdog

DEFAULT_TIMEOUT_S = 120.0


class SaveFailed(BadInput):
    """A finished cell could not be written (full disk, say); the run stops, earlier files stay."""


class Interrupted(Exception):
    """Ctrl-C or SIGTERM stopped the run; ``exit_code`` is 130 or 143."""

    def __init__(self, exit_code: int) -> None:
        super().__init__(exit_code)
        self.exit_code = exit_code


@dataclass
class Outcome:
    """A finished cell: its record and how long it took from the runner's side."""

    task: Task
    record: CellRecord
    seconds: float


@dataclass
class TimingGroup:
    """One (interpreter, experiment)'s timing cells while their rounds run: the tasks, those the
    interpreter offers, the cells already known (``unavailable``) and the rounds."""

    group: list[Task]
    offered: list[Task]
    outcomes: list[Outcome]
    rounds: GroupRounds


@dataclass
class RunConfig:
    out_dir: Path
    quick: bool = False
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    timeout: float = DEFAULT_TIMEOUT_S
    label: str = "local"
    extra_path: tuple[str, ...] = ()
    max_wait: float = DEFAULT_MAX_WAIT_S  # seconds the load guard may wait per timing experiment


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def git_commit() -> str | None:
    """The lab's commit, with ``+dirty`` when lab code differs from it (results/ excluded)."""
    if not (SOURCE_ROOT / ".git").exists() or not shutil.which("git"):
        return None
    try:
        head = subprocess.run(
            ["git", "-C", str(SOURCE_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(SOURCE_ROOT), "status", "--porcelain", "--untracked-files=no", "--", "lab"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+dirty" if dirty else "")


def cell_environment(tmpdir: Path, extra_path: Iterable[str] = ()) -> dict[str, str]:
    """The environment of a target interpreter: the user's, minus PYTHON* variables that would
    change its behaviour, plus the lab on PYTHONPATH and the cell's own temporary directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = os.pathsep.join([str(SOURCE_ROOT), *extra_path])
    for name in ("TMPDIR", "TEMP", "TMP"):
        env[name] = str(tmpdir)
    return env


def _describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exited with code {returncode} without writing a result"


class Runner:
    """Runs tasks and saves each finished cell; see the module docstring."""

    def __init__(
        self,
        config: RunConfig,
        report: Callable[[Outcome, int, int], None] | None = None,
        meter: Callable[[], Meter] = Meter,
    ) -> None:
        self.config = config
        self.meter = meter  # what the load guard reads (tests simulate it)
        self.report = report or (lambda outcome, done, total: None)
        self.run_id = uuid.uuid4().hex[:12]
        self.commit = git_commit()
        self.environments: dict[Interpreter, dict[str, Any]] = {}
        self.active: dict[int, subprocess.Popen] = {}
        self.active_lock = threading.Lock()
        self.stopping = threading.Event()
        self.watchdog: Watchdog | None = None
        self.shared_dirs: set[Path] = set()  # timing groups' shared directories not yet removed

    # -- one process ---------------------------------------------------------------------
    def _launch(self, argv: list[str], tmpdir: Path, timeout: float) -> tuple[int | None, bool]:
        """Run argv in tmpdir as a new process group; returns (returncode, timed_out)."""

        def started(process: subprocess.Popen) -> None:
            with self.active_lock:
                self.active[process.pid] = process
            if self.watchdog:
                self.watchdog.tell("add", process.pid)

        def ended(process: subprocess.Popen) -> None:
            if self.watchdog:
                self.watchdog.tell("del", process.pid)
            with self.active_lock:
                self.active.pop(process.pid, None)

        env = cell_environment(tmpdir, self.config.extra_path)
        finished = run_group(argv, tmpdir, env, tmpdir, timeout, on_start=started, on_end=ended)
        return finished.returncode, finished.timed_out

    def environment(self, interpreter: Interpreter) -> dict[str, Any]:
        """Ask the interpreter to describe itself (lab.environment.collect) once per run."""
        if interpreter not in self.environments:
            tmpdir = Path(tempfile.mkdtemp(prefix="forklab-env-"))
            try:
                out = tmpdir / "environment.json"
                _, timed_out = self._launch(
                    [interpreter.executable, "-m", "lab.driver", "environment", str(out)], tmpdir, timeout=60
                )
                if timed_out or not out.exists():
                    raise RuntimeError(
                        f"{interpreter.executable} could not describe itself: "
                        f"{tail(tmpdir / 'stderr.txt').strip()[-300:]}"
                    )
                env = json.loads(out.read_text())
            finally:
                shutil.rmtree(tmpdir, ignore_errors=True)
            env.update(git_commit=self.commit, created_at=utc_now())
            self.environments[interpreter] = env
        return self.environments[interpreter]

    def run_cell(self, task: Task) -> Outcome:
        """Run one cell in a fresh interpreter, in its own temporary directory and process group."""
        started = time.monotonic()
        record = self._unavailable(task) or self._execute(task)
        record.wall_s = round(time.monotonic() - started, 3) if record.status != UNAVAILABLE else 0.0
        return Outcome(task, self._provenance(task, record), record.wall_s)

    def _unavailable(self, task: Task) -> CellRecord | None:
        """The record of a method this interpreter does not offer, or None."""
        env = self.environment(task.interpreter)
        if task.method in env["available_start_methods"]:
            return None
        offered = f"{env['platform']} {env['implementation']} {env['python_version']}"
        reason = f"{task.method} is not offered by {offered}"
        return CellRecord.failed(task.experiment, task.method, UNAVAILABLE, reason)

    def _execute(self, task: Task, options: list[str] | None = None) -> CellRecord:
        """One driver process for ``task`` (one round of it with ``options``); its record, no provenance."""
        tmpdir = Path(tempfile.mkdtemp(prefix="forklab-cell-"))
        try:
            out = tmpdir / "cell.json"
            argv = [task.interpreter.executable, "-m", "lab.driver", "cell", task.experiment, task.method, str(out)]
            argv += (["--quick"] if self.config.quick else []) + (options or [])
            code, timed_out = self._launch(argv, tmpdir, self.config.timeout)
            return self._read_record(task, out, tmpdir, code, timed_out)
        finally:
            shutil.rmtree(tmpdir, ignore_errors=True)

    def start_timing(self, group: list[Task]) -> TimingGroup:
        """The state of one (interpreter, experiment)'s rounds, before any has run."""
        unavailable = {t: r for t in group if (r := self._unavailable(t))}
        outcomes = [Outcome(t, self._provenance(t, r), 0.0) for t, r in unavailable.items()]
        offered = [t for t in group if t not in unavailable]
        count = round_count(group[0].experiment, self.config.quick)
        guard = LoadGuard(self.config.max_wait, meter=self.meter())
        shared = Path(tempfile.mkdtemp(prefix="forklab-shared-"))
        self.shared_dirs.add(shared)
        schedule = interleave(offered, [t.method for t in offered], count)
        return TimingGroup(group, offered, outcomes, GroupRounds(schedule, guard, shared))

    def timing_round(self, timing: TimingGroup, index: int) -> list[Outcome] | None:
        """Round ``index`` of one group; its cells once that was its last round, else []; None when stopped."""
        if not timing.rounds.run_round(index, self._execute, self.stopping.is_set) or self.stopping.is_set():
            return None
        if index < timing.rounds.count - 1:
            return []
        return self._finish_timing(timing)

    def _finish_timing(self, timing: TimingGroup) -> list[Outcome]:
        self._drop_shared({timing.rounds.shared})
        rounds, count = timing.rounds.rounds, timing.rounds.count
        cells = {t.method: merge_rounds([r for r in rounds[t.method] if r is not None], count) for t in timing.offered}
        add_ratios(cells, rounds, experiments.load(timing.group[0].experiment).EXPERIMENT.summaries)
        outcomes = list(timing.outcomes)
        for task in timing.offered:
            record = self._provenance(task, cells[task.method])
            record.wall_s = round(timing.rounds.seconds[task.method], 3)
            load = timing.rounds.guard.record.to_json()
            record.provenance.extra.update(rounds=count, load=load)  # type: ignore[union-attr]
            outcomes.append(Outcome(task, record, record.wall_s))
        return sorted(outcomes, key=lambda o: timing.group.index(o.task))

    def _timing_steps(self, groups: list[list[Task]]) -> Iterator[Callable[[], list[Outcome] | None]]:
        """One step per round, in ``spread`` order; a group whose interpreter offers none of its
        methods is one step that returns its ``unavailable`` cells."""
        started = [self.start_timing(group) for group in groups]
        for timing in started:
            if not timing.rounds.count:
                yield partial(list, timing.outcomes)
        for group, index in spread([timing.rounds.count for timing in started]):
            yield partial(self.timing_round, started[group], index)

    def _drop_shared(self, dirs: set[Path] | None = None) -> None:
        """Remove timing groups' shared directories: ``dirs``, or every one not removed yet."""
        for shared in list(self.shared_dirs if dirs is None else dirs):
            shutil.rmtree(shared, ignore_errors=True)
            self.shared_dirs.discard(shared)

    def _read_record(self, task: Task, out: Path, tmpdir: Path, code: int | None, timed_out: bool) -> CellRecord:
        """The driver's record, or why there is none (timeout, a signal, no answer)."""
        stderr_tail = tail(tmpdir / "stderr.txt")
        if timed_out:
            error = f"no result within {self.config.timeout:g} s; the cell's process group was stopped"
            return CellRecord.failed(task.experiment, task.method, TIMEOUT, error, stderr_tail)
        if code is not None and code < 0:
            return CellRecord.failed(task.experiment, task.method, ERROR, _describe_exit(code), stderr_tail)
        try:
            record = CellRecord.from_json(json.loads(out.read_text()))
        except (OSError, ValueError, KeyError):
            return CellRecord.failed(task.experiment, task.method, ERROR, _describe_exit(code or 0), stderr_tail)
        if record.status == ERROR and not record.stderr_tail:
            record.stderr_tail = stderr_tail or None
        return record

    def _provenance(self, task: Task, record: CellRecord) -> CellRecord:
        """Stamp the cell with this run; mask absolute paths a traceback may name (keep file names)."""
        module = experiments.load(task.experiment)
        if record.error:
            record.error = mask_paths(record.error)
        if record.stderr_tail:
            record.stderr_tail = mask_paths(record.stderr_tail)
        record.provenance = Provenance(
            run_id=self.run_id,
            created_at=utc_now(),
            lab_commit=self.commit,
            quality="quick" if self.config.quick else "full",
            experiment_version=module.EXPERIMENT.version,
        )
        return record

    def _save(self, outcomes: list[Outcome]) -> None:
        """Merge finished cells of one interpreter into its result file, in one atomic write."""
        task = outcomes[0].task
        names = {o.task.experiment for o in outcomes}
        result = ResultFile(
            environment=self.environment(task.interpreter),
            experiments={name: experiments.load(name).EXPERIMENT.metadata() for name in names},
            cells=[o.record for o in outcomes],
            label=self.config.label,
        )
        save(self.config.out_dir, result)

    # -- many cells ----------------------------------------------------------------------
    def stop_all(self) -> None:
        """Ctrl-C: stop launching and stop every cell in flight."""
        self.stopping.set()
        with self.active_lock:
            pids = list(self.active)
        for pid in pids:
            stop_group(pid, grace=0.5)

    def _guarded(self, task: Task) -> list[Outcome] | None:
        if self.stopping.is_set():
            return None
        outcome = self.run_cell(task)
        return None if self.stopping.is_set() else [outcome]

    def _guarded_step(self, step: Callable[[], list[Outcome] | None]) -> list[Outcome] | None:
        if self.stopping.is_set():
            return None
        return step()

    def run(self, tasks: list[Task]) -> list[Outcome]:
        """Run every task; behaviour cells in parallel first, then each timing experiment's rounds alone."""
        outcomes: list[Outcome] = []
        total = len(tasks)
        parallel = [t for t in tasks if t.kind != TIMING]
        self.watchdog = Watchdog()
        pool = ThreadPoolExecutor(max_workers=max(1, self.config.jobs))
        try:
            for interpreter in {t.interpreter for t in tasks}:
                pool.submit(self.environment, interpreter)
            pending: set[Future] = set()
            cells = [(self._guarded, task) for task in parallel]
            timing = ((self._guarded_step, step) for step in self._timing_steps(timing_groups(tasks)))
            for batch, width in ((cells, self.config.jobs), (timing, 1)):
                for job, work in batch:
                    while len(pending) >= width:
                        pending = self._collect(pending, outcomes, total)
                    pending.add(pool.submit(job, work))
                while pending:
                    pending = self._collect(pending, outcomes, total)
        except (KeyboardInterrupt, Interrupted) as exc:
            self.stop_all()
            pool.shutdown(wait=True, cancel_futures=True)
            raise Interrupted(getattr(exc, "exit_code", 130)) from None
        except SaveFailed:
            self.stop_all()
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        finally:
            pool.shutdown(wait=True)
            self._drop_shared()
            self.watchdog.close()
        return outcomes

    def _collect(self, pending: set[Future], outcomes: list[Outcome], total: int) -> set[Future]:
        done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
        for future in done:
            finished = future.result()
            if not finished:
                continue
            try:
                self._save(finished)
            except OSError as exc:
                raise SaveFailed(
                    f"cannot write to {self.config.out_dir} ({exc.strerror or exc}); the files there are as "
                    "they were before this cell -- free space or fix permissions and re-run"
                ) from None
            for outcome in finished:
                outcomes.append(outcome)
                self.report(outcome, len(outcomes), total)
        return pending
