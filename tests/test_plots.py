"""lab.plots on synthetic result files: one SVG per declared plot, reproducible byte for byte.

Properties of our own code (lab/plots.py docstring): plots come from the summaries experiments
declare, read through ``ResultSet`` as the report reads them, the file is STEM.svg, the same inputs
give the same bytes, and without matplotlib the caller is told in one line how to get them. The
experiments are invented (``latency``, ``weight``): a real experiment's declaration would come from
the lab's own code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ENVIRONMENT, ROOT, lab_env

from lab import plots
from lab.results.files import ResultFile, dump
from lab.results.record import CellRecord

SAMPLES = {"fork": [3.0, 3.2, 3.1, 3.4], "spawn": [90.0, 95.0, 88.0, 120.0], "forkserver": [18.0, 17.5, 19.0, 18.2]}
EXPERIMENTS = {
    "latency": {
        "title": "Start-up latency per start method",
        "question": "?",
        "concept": "?",
        "kind": "timing",
        "version": 1,
        "summaries": [
            {"kind": "ratio", "timing": "steady_start_to_join", "baseline": "fork"},
            {"kind": "distribution", "timing": "steady_start_to_join", "plot": "latency-dist", "title": "Start"},
        ],
    },
    "weight": {
        "title": "Start-up against imports",
        "question": "?",
        "concept": "?",
        "kind": "timing",
        "version": 1,
        "summaries": [
            {
                "kind": "series",
                "plot": "weight-curve",
                "x_label": "functions",
                "points": [{"x": 0, "timing": "f0_steady"}, {"x": 2000, "timing": "f2000_steady"}],
            }
        ],
    },
}


def timing(values: list[float]) -> dict:
    ordered = sorted(values)
    return {
        "unit": "ms",
        "n": len(values),
        "median": ordered[len(values) // 2],
        "p5": ordered[0],
        "p95": ordered[-1],
        "min": ordered[0],
        "max": ordered[-1],
        "unstable": False,
        "samples": values,
        "parents": 2,
    }


def result_file(series: str, scale: float) -> ResultFile:
    environment = {**ENVIRONMENT, "python_version": f"{series}.0", "series": series}
    cells = []
    for method, values in SAMPLES.items():
        scaled = [v * scale for v in values]
        provenance = {"quality": "quick", "run_id": "r", "created_at": "t", "lab_commit": "c", "experiment_version": 1}
        common = {"method": method, "status": "ok", "observations": {}, "provenance": provenance}
        cells.append({"experiment": "latency", "timings": {"steady_start_to_join": timing(scaled)}, **common})
        weight = {"f0_steady": timing(scaled), "f2000_steady": timing([v * 1.5 for v in scaled])}
        cells.append({"experiment": "weight", "timings": weight, **common})
    return ResultFile(environment=environment, experiments=EXPERIMENTS, cells=[CellRecord.from_json(c) for c in cells])


@pytest.fixture
def result_files(tmp_path: Path) -> list[Path]:
    paths = []
    for series, scale in (("3.12", 1.0), ("3.8", 1.3)):
        path = tmp_path / f"local-linux-cpython-{series}.json"
        path.write_text(dump(result_file(series, scale)), encoding="utf-8")
        paths.append(path)
    return paths


def test_without_matplotlib_plots_are_skipped_with_instructions(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    reason = plots.skipped_reason()
    assert reason is not None
    assert "skipped" in reason
    assert "forklab[plots]" in reason
    with pytest.raises(plots.PlotsUnavailable, match="skipped"):
        plots.plot([], tmp_path / "plots")


needs_matplotlib = pytest.mark.skipif(plots.skipped_reason() is not None, reason="matplotlib is not installed")


@needs_matplotlib
def test_one_svg_per_declared_plot_named_by_its_declaration(result_files, tmp_path):
    written = plots.plot(result_files, tmp_path / "plots")
    assert [p.name for p in written] == ["latency-dist.svg", "weight-curve.svg"]
    for path in written:
        text = path.read_text(encoding="utf-8")
        assert text.lstrip().startswith("<?xml")
        assert "<dc:date>" not in text  # metadata={"Date": None}


@needs_matplotlib
def test_two_renders_are_byte_identical(result_files, tmp_path):
    first = plots.plot(result_files, tmp_path / "first")
    second = plots.plot(result_files, tmp_path / "second")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


@needs_matplotlib
def test_a_render_in_another_process_is_byte_identical(result_files, tmp_path):
    # Another interpreter with another hash seed: no random ids, no set order leaks into the file.
    here = plots.plot(result_files, tmp_path / "here")
    code = (
        "import json, sys; from pathlib import Path; from lab.plots import plot; "
        "print(json.dumps([str(p) for p in plot([Path(a) for a in sys.argv[2:]], Path(sys.argv[1]))]))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "there"), *map(str, result_files)],
        cwd=ROOT,
        env=lab_env(PYTHONHASHSEED="12345"),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    there = [Path(p) for p in json.loads(completed.stdout)]
    assert [p.name for p in there] == [p.name for p in here]
    assert [p.read_bytes() for p in there] == [p.read_bytes() for p in here]


@needs_matplotlib
def test_nothing_is_drawn_for_timings_no_file_holds(tmp_path):
    result = result_file("3.12", 1.0)
    result.cells = [c for c in result.cells if c.experiment != "weight"]
    path = tmp_path / "local-linux-cpython-3.12.json"
    path.write_text(dump(result), encoding="utf-8")
    written = plots.plot([path], tmp_path / "plots")
    assert [p.name for p in written] == ["latency-dist.svg"]
    assert not (tmp_path / "plots" / "weight-curve.svg").exists()
    assert os.listdir(tmp_path / "plots") == ["latency-dist.svg"]


def test_the_plot_command_without_matplotlib_is_one_line_exit_2(monkeypatch, capsys, result_files, tmp_path):
    from lab.cli import main

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["plot", *map(str, result_files), "--out", str(tmp_path / "plots")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "matplotlib is not installed" in error
    assert not (tmp_path / "plots").exists()


def test_report_plots_without_matplotlib_writes_the_report_and_says_so(monkeypatch, capsys, result_files, tmp_path):
    from lab.cli import main

    monkeypatch.setitem(sys.modules, "matplotlib", None)
    out = tmp_path / "REPORT.md"
    assert main(["report", *map(str, result_files), "--out", str(out), "--plots"]) == 0
    assert out.exists()
    assert "plots skipped: matplotlib is not installed" in capsys.readouterr().err
