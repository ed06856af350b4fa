"""The plan of timing rounds and the merging of rounds into cells (properties of our own code).

lab/run/plan.py promises: the timing cells of one (interpreter, experiment) run interleaved,
every available method once per round, the lab's order in even rounds and reversed in odd
ones; no round for a method the interpreter lacks; the round count the experiment declares for
the quality; the rounds of all groups spread over the timing phase, round r of every group
before round r + 1 of any. lab/run/rounds.py promises: a cell holds the union of its rounds' samples, with each
round's median kept; observations merge by the documented rules; ratios are paired round by round.
"""

from __future__ import annotations

import pytest

from lab.experiment import BEHAVIOUR, TIMING, Experiment, Rounds
from lab.results.record import ERROR, OK, CellRecord
from lab.run.discovery import Interpreter
from lab.run.plan import Round, Task, interleave, plan, round_count, spread, timing_groups
from lab.run.rounds import add_ratios, merge_observation, merge_rounds
from lab.stats import summarise

PY = Interpreter("/x/python3.12", "cpython", "3.12.1")
PYPY = Interpreter("/x/pypy3", "pypy", "3.9.16")
ALL = ("fork", "spawn", "forkserver")


def group(experiment: str = "start_latency", interpreter: Interpreter = PY) -> list[Task]:
    return [Task(interpreter, method, experiment, TIMING) for method in ALL]


def order(schedule: list[Round]) -> list[tuple[int, str]]:
    return [(r.index, r.task.method) for r in schedule]


# -- the plan ---------------------------------------------------------------------------------
def test_rounds_interleave_the_methods_and_alternate_their_order():
    schedule = interleave(group(), ALL, 4)
    assert order(schedule) == [
        (0, "fork"), (0, "spawn"), (0, "forkserver"),
        (1, "forkserver"), (1, "spawn"), (1, "fork"),
        (2, "fork"), (2, "spawn"), (2, "forkserver"),
        (3, "forkserver"), (3, "spawn"), (3, "fork"),
    ]  # fmt: skip
    assert all(r.count == 4 for r in schedule)
    assert schedule[4].driver_options() == ["--round", "1", "--rounds", "4"]


def test_over_each_pair_of_rounds_every_method_sits_at_every_position_alike():
    schedule = interleave(group(), ALL, 2)
    positions = {m: [i % 3 for i, r in enumerate(schedule) if r.task.method == m] for m in ALL}
    assert {m: sum(p) for m, p in positions.items()} == {"fork": 2, "spawn": 2, "forkserver": 2}


def test_methods_the_interpreter_lacks_get_no_round():
    schedule = interleave(group(), ("spawn",), 3)  # Windows: spawn only
    assert order(schedule) == [(0, "spawn"), (1, "spawn"), (2, "spawn")]
    assert interleave(group(), (), 3) == []


def test_one_round_is_one_cell_per_method_in_the_labs_order():
    assert order(interleave(group()[::-1], ALL, 1)) == [(0, "fork"), (0, "spawn"), (0, "forkserver")]


def test_at_least_one_round():
    with pytest.raises(ValueError, match="at least one round"):
        interleave(group(), ALL, 0)


def test_quick_and_full_take_the_declared_round_counts():
    from lab import experiments

    declared = experiments.load("start_latency").EXPERIMENT.rounds
    assert declared.full > declared.quick >= 2
    assert round_count("start_latency", quick=False) == declared.full
    assert round_count("start_latency", quick=True) == declared.quick
    assert round_count("exit_codes", quick=False) == 1  # a behaviour experiment: one cell per method


def test_rounds_declaration_is_validated_and_stored():
    with pytest.raises(ValueError, match="at least one round"):
        Rounds(full=0)
    experiment = Experiment(name="x", title="t", question="q?", concept="c", kind=TIMING, rounds=Rounds(5, 2))
    assert experiment.metadata()["rounds"] == {"full": 5, "quick": 2}
    assert Experiment(name="x", title="t", question="q?", concept="c").rounds.count(quick=False) == 1


def test_spread_runs_round_r_of_every_group_before_round_r_plus_one_of_any():
    assert spread([3, 1, 2]) == [(0, 0), (1, 0), (2, 0), (0, 1), (2, 1), (0, 2)]
    assert spread([]) == []
    assert spread([0, 2]) == [(1, 0), (1, 1)]  # a group with no round (no method offered) is skipped


def test_timing_groups_gather_one_experiment_on_one_interpreter_in_plan_order():
    tasks = [*group("a"), Task(PY, "fork", "behave", BEHAVIOUR), *group("a", PYPY), *group("b")]
    groups = timing_groups(tasks)
    assert [(g[0].interpreter, g[0].experiment, [t.method for t in g]) for g in groups] == [
        (PY, "a", list(ALL)),
        (PYPY, "a", list(ALL)),
        (PY, "b", list(ALL)),
    ]


def test_plan_still_lists_every_cell():
    tasks = plan([PY], ["spawn", "fork"], ["start_latency", "exit_codes"])
    assert [(t.experiment, t.method, t.kind) for t in tasks] == [
        ("start_latency", "fork", TIMING),
        ("start_latency", "spawn", TIMING),
        ("exit_codes", "fork", BEHAVIOUR),
        ("exit_codes", "spawn", BEHAVIOUR),
    ]


# -- merging rounds ----------------------------------------------------------------------------
def record(method: str, samples: dict[str, list[float]], observations=None, parents: int = 1) -> CellRecord:
    timings = {name: summarise(values, "ms", parents) for name, values in samples.items()}
    return CellRecord("exp", method, OK, wall_s=1.5, observations=observations or {}, timings=timings)


def test_a_cell_holds_the_union_of_its_rounds_and_each_rounds_median():
    rounds = [record("spawn", {"t": [10.0, 12.0, 11.0]}), record("spawn", {"t": [20.0, 22.0, 21.0], "u": [1.0]})]
    cell = merge_rounds(rounds, 2)
    assert cell.ok
    assert cell.timings["t"]["samples"] == [10.0, 12.0, 11.0, 20.0, 22.0, 21.0]
    assert cell.timings["t"]["n"] == 6
    assert cell.timings["t"]["median"] == 16.0  # (12 + 20) / 2
    assert cell.timings["t"]["round_medians"] == [11.0, 21.0]
    assert cell.timings["t"]["parents"] == 2
    assert cell.timings["u"]["round_medians"] == [None, 1.0]  # a round that did not measure it
    assert cell.wall_s == 3.0


def test_a_failed_round_makes_the_cell_that_failure_and_says_which_round():
    failed = CellRecord.failed("exp", "spawn", ERROR, "RuntimeError: boom", "Traceback ...")
    cell = merge_rounds([record("spawn", {"t": [1.0]}), failed], 6)
    assert cell.status == ERROR
    assert cell.error == "round 2 of 6: RuntimeError: boom"
    assert cell.stderr_tail == "Traceback ..."
    assert merge_rounds([failed], 1).error == "RuntimeError: boom"


def count(n: int, trials: int, kind: str) -> dict:
    return {"count": n, "trials": trials, "fraction": round(n / trials, 4), "class": kind}


@pytest.mark.parametrize(
    ("values", "merged"),
    [
        (["measured", "measured"], "measured"),
        ([count(0, 4, "none"), count(4, 4, "all")], count(4, 8, "some")),
        ([count(4, 4, "all"), count(3, 3, "all")], count(7, 7, "all")),
        ([count(0, 5, "none"), count(0, 5, "none")], count(0, 10, "none")),  # equal counts add up too
        ([count(0, 5, "none"), count(2, 5, "seen")], count(2, 10, "seen")),
        ([count(3, 5, "yes"), count(1, 5, "no")], count(4, 10, "no")),  # the median of all trials
        ([count(2, 2, "yes"), count(1, 2, "yes"), count(0, 2, "no")], count(3, 6, "mixed")),
        ([count(2, 2, "yes"), count(1, 2, "yes"), count(1, 2, "no")], count(4, 6, "yes")),
        ([count(1, 3, "low"), count(2, 3, "high")], count(3, 6, "mixed")),  # an unknown vocabulary
        ([{"a": 1, "b": "x"}, {"a": 1, "b": "y"}], {"a": 1, "b": {"varies": ["x", "y"]}}),
        ([2, 4, {"varies": [4, 8]}], {"varies": [2, 4, 8]}),
    ],
)
def test_observations_merge_by_the_documented_rules(values, merged):
    assert merge_observation(values) == merged


def test_an_observation_only_some_rounds_made_is_kept():
    cell = merge_rounds([record("fork", {}, {"a": 1}), record("fork", {}, {"a": 1, "b": 2})], 2)
    assert cell.observations == {"a": 1, "b": 2}


# -- ratios paired round by round ---------------------------------------------------------------
SUMMARIES = (
    {"kind": "ratio", "timing": "t", "baseline": "fork"},
    {"kind": "headline", "timing": "h", "baseline": "fork", "text": "{spawn} times"},
)


def rounds_of(method: str, medians: list[float | None]) -> list[CellRecord | None]:
    return [None if m is None else record(method, {"t": [m], "h": [m]}) for m in medians]


def test_declared_ratios_are_paired_round_by_round_into_the_non_baseline_cells():
    per_method = {
        "fork": rounds_of("fork", [1.0, 2.0, 1.0, 2.0]),
        "spawn": rounds_of("spawn", [10.0, 20.0, 10.0, 20.0]),  # ×10 in every round
        "forkserver": rounds_of("forkserver", [3.0, 3.0, 3.0, 3.0]),
    }
    cells = {m: merge_rounds([r for r in rs if r is not None], 4) for m, rs in per_method.items()}
    add_ratios(cells, per_method, SUMMARIES)
    assert cells["fork"].ratios == {}
    spawn = cells["spawn"].ratios["t"]
    assert spawn["ratio"] == spawn["low"] == spawn["high"] == 10.0  # pooled medians would say 15/1.5 = 10 too
    assert spawn["per_round"] == [10.0] * 4
    assert spawn["baseline"] == "fork"
    assert spawn["rounds"] == 4
    assert cells["forkserver"].ratios["t"]["per_round"] == [3.0, 1.5, 3.0, 1.5]
    assert "h" in cells["spawn"].ratios
    assert "h" not in cells["forkserver"].ratios


def test_without_fork_the_baseline_is_spawn():
    per_method = {"spawn": rounds_of("spawn", [2.0, 2.0, 2.0]), "forkserver": rounds_of("forkserver", [3.0] * 3)}
    cells = {m: merge_rounds(rs, 3) for m, rs in per_method.items()}
    add_ratios(cells, per_method, SUMMARIES)
    assert cells["forkserver"].ratios["t"]["baseline"] == "spawn"
    assert cells["forkserver"].ratios["t"]["ratio"] == 1.5


def test_rounds_a_side_missed_are_left_out_of_the_pairs():
    per_method = {"fork": rounds_of("fork", [1.0, 1.0, None]), "spawn": rounds_of("spawn", [4.0, 5.0, 6.0])}
    cells = {"fork": merge_rounds(per_method["fork"][:2], 3), "spawn": merge_rounds(per_method["spawn"], 3)}
    add_ratios(cells, per_method, SUMMARIES[:1])
    assert cells["spawn"].ratios["t"]["per_round"] == [4.0, 5.0]
    assert cells["spawn"].ratios["t"]["low"] is None  # two pairs: no interval


def test_a_failed_cell_gets_no_ratio():
    per_method = {"fork": rounds_of("fork", [1.0] * 3), "spawn": rounds_of("spawn", [2.0] * 3)}
    cells = {m: merge_rounds(rs, 3) for m, rs in per_method.items()}
    cells["spawn"] = CellRecord.failed("exp", "spawn", ERROR, "boom")
    add_ratios(cells, per_method, SUMMARIES)
    assert cells["spawn"].ratios == {}


# -- running a schedule -------------------------------------------------------------------------
class CountingGuard:
    """Counts the guard's calls; the real one is tested in test_load_guard.py."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def before_round(self) -> None:
        self.calls.append("before")


def run_all(schedule, execute, guard, stopped, shared):
    """Every round of one group back to back, as the runner's spread runs a lone group's."""
    from lab.run.rounds import GroupRounds

    rounds = GroupRounds(schedule, guard, shared)
    for index in range(rounds.count):
        if not rounds.run_round(index, execute, stopped):
            return None
    return rounds.rounds, rounds.seconds


def test_group_rounds_follow_the_schedule_read_before_each_round_and_stop_a_failed_method(tmp_path):
    ran: list[tuple[str, list[str]]] = []

    def execute(task: Task, options: list[str]) -> CellRecord:
        ran.append((task.method, options))
        if task.method == "spawn" and options[1] == "1":
            return CellRecord.failed("exp", "spawn", ERROR, "boom")
        return record(task.method, {"t": [1.0]})

    guard = CountingGuard()
    rounds, seconds = run_all(interleave(group(), ALL, 3), execute, guard, lambda: False, tmp_path)
    assert [(m, o[1]) for m, o in ran] == [
        ("fork", "0"), ("spawn", "0"), ("forkserver", "0"),
        ("forkserver", "1"), ("spawn", "1"), ("fork", "1"),
        ("fork", "2"), ("forkserver", "2"),  # no third spawn round after its failure
    ]  # fmt: skip
    assert ran[0][1] == ["--round", "0", "--rounds", "3", "--shared", str(tmp_path)]
    assert guard.calls.count("before") == 3
    assert rounds["spawn"][2] is None
    assert rounds["spawn"][1].status == ERROR
    assert set(seconds) == set(ALL)


def test_group_rounds_stop_once_stopped(tmp_path):
    calls = []
    stop_after = 2
    result = run_all(
        interleave(group(), ALL, 2),
        lambda task, options: calls.append(task.method) or record(task.method, {}),
        CountingGuard(),
        lambda: len(calls) >= stop_after,
        tmp_path,
    )
    assert result is None
    assert calls == ["fork", "spawn"]
