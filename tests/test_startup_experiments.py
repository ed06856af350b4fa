"""The start-up timing experiments, run --quick through the runner on the host interpreter.

These assert the structure of the cells and properties that hold whatever the machine's speed
(never an absolute time): every timing comes from the fresh parents it claims (one per round), a
child's first message comes before its join(), each declared ratio is stored with its rounds, and
the documented re-run of ``__main__`` (Lib/multiprocessing/spawn.py: spawn children run the main
script again with runpy.run_path as ``__mp_main__``; fork copies the parent and re-runs nothing)
shows in the observations.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path

import pytest
from conftest import run_lab

import lab.experiments
from lab.results.files import load, result_paths

pytestmark = pytest.mark.slow

METHODS = multiprocessing.get_all_start_methods()
DEFAULT_METHOD = METHODS[0]  # docs of get_all_start_methods(): "the first of which is the default"
NAMES = ("start_latency", "startup_floors", "import_weight", "concurrent_starts", "executor_startup")
TIMEOUT = 900  # five experiments, two rounds each; the machine may be shared (about 60 s when it is not)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory) -> dict[tuple[str, str], dict]:
    """One ``lab run --quick`` of the five experiments, every method: the cells by (experiment, method)."""
    out = tmp_path_factory.mktemp("startup")
    args = ["run", "--python", sys.executable, "--quick", "--max-wait", "0", "--out", str(out)]
    for name in NAMES:
        args += ["--experiment", name]
    result = run_lab(*args, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    (path,) = result_paths(out)
    return {(c.experiment, c.method): c.to_json() for c in load(path).cells}


@pytest.fixture
def quick_cell(quick_run):
    """``quick_cell(experiment, method)``: the record of that cell, which ran ok."""

    def get(experiment: str, method: str) -> dict:
        record = quick_run[experiment, method]
        assert record["status"] == "ok", record.get("error")
        return record

    return get


def assert_well_formed(timing: dict) -> None:
    """What lab.stats promises of every summary."""
    assert timing["n"] == len(timing["samples"])
    assert timing["min"] <= timing["p5"] <= timing["median"] <= timing["p95"] <= timing["max"]
    assert timing["min"] > 0


@pytest.mark.parametrize("method", METHODS)
def test_start_latency_records_cold_and_steady_starts_from_every_parent(quick_cell, method):
    record = quick_cell("start_latency", method)
    timings = record["timings"]
    assert set(timings) == {
        "cold_start_to_message",
        "cold_start_to_join",
        "steady_start_to_message",
        "steady_start_to_join",
        "starts_per_steady_value",  # pyperf's loops: how many starts one steady value averages
    }
    parents = timings["cold_start_to_join"]["parents"]
    rounds = record["provenance"]["rounds"]
    assert parents == rounds >= 2  # pyperf's method: samples from several fresh parents, one per round
    assert timings["cold_start_to_join"]["n"] == parents  # one cold start per fresh parent
    for name, timing in timings.items():
        assert_well_formed(timing)
        assert timing["parents"] == parents, name
        assert timing["unit"] == ("starts" if name == "starts_per_steady_value" else "ms")
        assert len(timing["round_medians"]) == rounds
    assert timings["steady_start_to_join"]["n"] % parents == 0  # the same count from each parent


@pytest.mark.parametrize("method", [m for m in METHODS if m != "fork"])
@pytest.mark.skipif("fork" not in METHODS, reason="the declared baseline is fork")
def test_start_latency_stores_its_declared_ratios_paired_by_round(quick_cell, method):
    record = quick_cell("start_latency", method)
    fork = quick_cell("start_latency", "fork")
    for name in ("cold_start_to_join", "steady_start_to_join"):
        ratio = record["ratios"][name]
        assert ratio["baseline"] == "fork"
        assert ratio["rounds"] == record["provenance"]["rounds"]
        pairs = zip(record["timings"][name]["round_medians"], fork["timings"][name]["round_medians"], strict=True)
        assert ratio["per_round"] == pytest.approx([m / b for m, b in pairs], rel=2e-3)  # four digits kept
    assert "ratios" not in fork  # the baseline holds none


@pytest.mark.parametrize("method", METHODS)
def test_a_childs_first_message_comes_before_its_join(quick_cell, method):
    timings = quick_cell("start_latency", method)["timings"]
    for phase in ("cold", "steady"):
        messages = timings[f"{phase}_start_to_message"]["samples"]
        joins = timings[f"{phase}_start_to_join"]["samples"]
        assert all(m <= j for m, j in zip(messages, joins, strict=True))


@pytest.mark.parametrize(("method", "reran"), [(m, c) for m, c in (("fork", "none"), ("spawn", "all")) if m in METHODS])
def test_main_reruns_in_spawn_children_and_not_in_fork_children(quick_cell, method, reran):
    # Lib/multiprocessing/spawn.py (_fixup_main_from_path, runpy.run_path as __mp_main__);
    # docs, "Contexts and start methods": fork copies the parent, nothing re-runs.
    observed = quick_cell("start_latency", method)["observations"]["main_reran_in_child"]
    assert observed["class"] == reran
    for size in (0, 2000, 10000):
        assert quick_cell("import_weight", method)["observations"][f"f{size}_main_reran_in_child"]["class"] == reran


@pytest.mark.parametrize("method", METHODS)
def test_startup_floors_measures_every_floor(quick_cell, method):
    record = quick_cell("startup_floors", method)
    timings = record["timings"]
    expected = {"method_start_to_join"}
    if method == "spawn":  # the interpreter floors are timed where they split the start-up
        expected |= {
            "python_S_c_pass",
            "python_I_c_pass",
            "python_c_pass",
            "python_import_multiprocessing",
            "python_import_spawn_main",
        }
        assert record["observations"]["interpreter_floors"] == "measured"
    else:
        assert record["observations"]["interpreter_floors"]["status"] == "not applicable"
    if hasattr(os, "fork"):
        expected |= {"os_fork_to_message", "os_fork_to_waitpid"}
        assert record["observations"]["os_fork_round_trip"] == "measured"
        pairs = zip(timings["os_fork_to_message"]["samples"], timings["os_fork_to_waitpid"]["samples"], strict=True)
        assert all(message <= reaped for message, reaped in pairs)
    else:
        assert record["observations"]["os_fork_round_trip"]["status"] == "not applicable"
    assert set(timings) == expected
    for timing in timings.values():
        assert_well_formed(timing)
        assert timing["parents"] >= 2


@pytest.mark.parametrize("method", METHODS)
def test_import_weight_times_every_size(quick_cell, method):
    timings = quick_cell("import_weight", method)["timings"]
    for size in (0, 2000, 10000):
        steady = timings[f"f{size}_steady_start_to_join"]
        imported = timings[f"f{size}_import_in_parent"]
        assert_well_formed(steady)
        assert_well_formed(imported)
        assert imported["n"] == imported["parents"]  # one import per fresh parent
        assert steady["n"] % steady["parents"] == 0


@pytest.mark.parametrize("method", METHODS)
def test_concurrent_starts_reports_rates_pool_costs_and_cpu_count(quick_cell, method):
    record = quick_cell("concurrent_starts", method)
    assert record["observations"]["cpu_count"] == os.cpu_count()
    timings = record["timings"]
    for k in (1, 4, 16):
        assert timings[f"k{k}_starts_per_s"]["unit"] == "starts/s"
        assert_well_formed(timings[f"k{k}_starts_per_s"])
    assert timings["pool4_map_per_task"]["unit"] == "us"
    for name in ("pool4_create", "pool4_first_map", "pool4_create_to_first_results", "pool4_close_join"):
        assert timings[name]["unit"] == "ms"
        assert_well_formed(timings[name])


@pytest.mark.parametrize("method", METHODS)
def test_executor_startup_times_the_first_result_and_the_default_only_once(quick_cell, method):
    record = quick_cell("executor_startup", method)
    observations, timings = record["observations"], record["timings"]
    assert observations["interpreter_default_method"] == DEFAULT_METHOD
    for timing in timings.values():
        assert_well_formed(timing)
    if observations["first_result"] == "ok":
        assert {"cold_first_result", "warm_first_result", "cold_shutdown"} <= set(timings)
    else:  # the executor raised instead (PyPy 3.9 with spawn or forkserver): no timing is made up
        assert set(observations["first_result"]) == {"type", "message"}
        assert not any(name.startswith("cold") or name.startswith("warm") for name in timings)
    if method == DEFAULT_METHOD:
        # concurrent.futures docs: without mp_context the executor uses multiprocessing's default context
        assert observations["no_mp_context"]["method_used"] == DEFAULT_METHOD
        if observations["no_mp_context"]["first_result"] == "ok":
            assert "no_mp_context_cold_first_result" in timings
    else:
        assert observations["no_mp_context"]["status"] == "not applicable"
        assert not any(name.startswith("no_mp_context") for name in timings)


def test_every_timing_experiment_declares_summaries_the_report_knows_or_plots():
    from lab import experiments
    from lab.report.summaries import KINDS

    plot_kinds = ("series", "distribution")
    names = ("start_latency", "startup_floors", "import_weight", "concurrent_starts", "executor_startup")
    for name in names:
        declared = experiments.load(name).EXPERIMENT
        assert declared.kind == "timing"
        for summary in declared.summaries:
            assert summary["kind"] in KINDS + plot_kinds, (name, summary)
            if summary["kind"] in plot_kinds:
                assert summary["plot"], (name, summary)


def test_a_steady_value_averages_enough_starts_to_last_the_minimum_time():
    """lab/experiments/scenarios/startup_latency.py: a value is the mean of as many starts as last
    MIN_VALUE_MS by the last warm-up's time (pyperf's loops), at least one and at most MAX_LOOPS."""
    import importlib.util

    path = Path(lab.experiments.__file__).parent / "scenarios" / "startup_latency.py"
    spec = importlib.util.spec_from_file_location("startup_latency_scenario", path)
    scenario = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scenario)
    assert scenario.loops_for(50, 3.5) == 15  # 15 fork starts of 3.5 ms: 52.5 ms
    assert scenario.loops_for(50, 25) == 2
    assert scenario.loops_for(50, 90) == 1  # a spawn start already lasts longer
    assert scenario.loops_for(0, 3.5) == 1  # no minimum: one start per value
    assert scenario.loops_for(50, 0.0) == scenario.MAX_LOOPS
