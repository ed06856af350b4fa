"""The Markdown report on synthetic result files (tests/data/report, made by tests/data/report_data.py).

What is asserted is a property of our own code: sections in the issue's order, statuses shown as
recorded, ``not measured`` only where no file exists, values collapsed or split by version,
valid Markdown tables, and one clear line for bad input.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
from pathlib import Path

import pytest

from lab.cli import main as report_main
from lab.report import ReportInputError, build_report, write_report
from lab.report.inputs import Interp
from lab.report.values import Leaf, collapse, version_ranges

DATA = Path(__file__).resolve().parent / "data"
REPORT_DATA = DATA / "report"
SECTIONS = ["Headline", "Coverage", "Alpha behaviour", "Exit codes", "Beta timing", "Timings",
            "Documented vs observed", "Environments"]  # fmt: skip
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def load_generator():
    spec = importlib.util.spec_from_file_location("report_data", DATA / "report_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def report() -> str:
    return build_report([REPORT_DATA])


def section(report: str, title: str) -> str:
    """The text of one ``## title`` section."""
    start = report.index(f"## {title}\n")
    following = report.find("\n## ", start + 1)
    return report[start : following if following != -1 else len(report)]


def tables(markdown: str) -> list[list[str]]:
    """Every block of consecutive lines that start with ``|``."""
    blocks, current = [], []
    for line in markdown.splitlines():
        if line.startswith("|"):
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    return blocks + ([current] if current else [])


def cells(line: str) -> list[str]:
    """A table row split on unescaped pipes, without the outer ones."""
    return [c.strip() for c in UNESCAPED_PIPE.split(line.strip())[1:-1]]


def row_of(table_text: str, first_cell: str) -> list[str]:
    for line in table_text.splitlines():
        if line.startswith("|") and cells(line) and cells(line)[0] == first_cell:
            return cells(line)
    raise AssertionError(f"no row starting with {first_cell!r}")


def test_committed_synthetic_files_match_their_generator():
    for path, text in load_generator().expected_files().items():
        assert path.read_text(encoding="utf-8") == text, f"{path}: run python tests/data/report_data.py"


def test_sections_come_in_the_issue_order(report):
    headings = re.findall(r"^## (.+)$", report, flags=re.MULTILINE)
    assert headings == SECTIONS


def test_every_table_has_a_consistent_column_count_and_no_raw_pipe(report):
    found = tables(report)
    assert len(found) >= 8
    for block in found:
        counts = {len(UNESCAPED_PIPE.findall(line)) for line in block}
        assert len(counts) == 1, block
        assert re.fullmatch(r"\|(:?-+:?\|)+", block[1]), block[1]  # the alignment row


def test_a_pipe_in_an_observed_message_is_escaped(report):
    assert r"a \| b at \<pid\> \*not bold\*" in section(report, "Alpha behaviour")


def test_coverage_shows_every_status_and_a_missing_platform_as_not_measured(report):
    coverage = section(report, "Coverage")
    for status in ("ok", "unavailable", "error: beta", "timeout: beta", "not measured"):
        assert status in coverage
    assert row_of(coverage, "—")[1:] == ["macos", "—", "—", "not measured", "not measured", "not measured"]
    assert row_of(coverage, "local")[2] == "CPython 3.12.1"  # interpreters carry their patch version
    assert "PyPy 3.9.18 (7.3.15)" in coverage
    assert "Not measured: macos." in section(report, "Headline")


def test_a_platform_with_a_file_is_never_called_not_measured():
    files = [REPORT_DATA / "local-linux-cpython-3.12.json"]
    coverage = section(build_report(files), "Coverage")
    assert "| —       | windows" in coverage
    assert "| local   | linux" in coverage
    assert row_of(coverage, "local")[4:] == ["ok", "ok", "ok ×2 · timeout: beta"]


def test_values_agreeing_across_interpreters_collapse_and_differing_ones_name_versions(report):
    alpha = section(report, "Alpha behaviour")
    assert row_of(alpha, "`message`")[2] == r"a \| b at \<pid\> \*not bold\*"
    assert row_of(alpha, "`by_version`")[2] == "1 on 3.12 · 2 on 3.13, PyPy 3.9"
    assert row_of(alpha, "`count`")[2] == "some (2/4)"  # counts shown raw, compared by class


def test_rows_that_differ_are_marked_by_what_they_differ_by(report):
    alpha = section(report, "Alpha behaviour")
    assert row_of(alpha, "`answer`")[1] == "method"
    assert row_of(alpha, "`by_version`")[1] == "interpreter"
    assert row_of(alpha, "`by_platform`")[1] == "platform"
    assert row_of(alpha, "`nested.code`")[1] == ""  # nested observations flatten to dotted keys
    assert "not applicable: no /proc here" in alpha


def test_columns_are_methods_per_platform_and_unavailable_ones_are_named_not_shown(report):
    alpha = section(report, "Alpha behaviour")
    header = cells(tables(alpha)[0][0])
    assert header[2:] == ["linux fork", "linux spawn", "linux forkserver", "windows spawn"]
    assert "Not offered on this platform: windows fork, windows forkserver" in alpha


def test_timings_show_median_spread_n_ratio_and_unstable(report):
    timings = section(report, "Timings")
    rows = [cells(line) for line in tables(timings)[0][2:]]
    start = {row[1]: row[2:] for row in rows[:4]}
    assert rows[0][0] == "`start` (ms)"
    assert start["linux 3.12"] == ["1.10 (0.990–1.32, n=10) · baseline", "5.60 (5.04–6.72, n=10) · ×5.09", "timeout"]
    assert "**unstable**" in start["linux PyPy 3.9"][0]
    assert start["windows 3.12"][1] == "9.00 (8.10–10.8, n=10) · baseline"  # spawn where fork is absent
    assert rows[4][0] == "`floor` (ms)"


def test_declared_summaries_are_rendered_without_naming_an_experiment(report):
    headline = section(report, "Headline")
    assert "*Beta timing*: median `start` relative to fork: spawn ×5.09, forkserver ×2.73–3.09" in headline
    assert "**unstable** on PyPy 3.9" in headline
    assert "A start is 5.09 times slower with spawn (linux, 3.12, PyPy 3.9)." in headline
    assert "Under spawn the child sees import-time (windows, 3.12)." in headline
    assert "44% of `start` under spawn is the rest (windows, 3.12)." in headline
    timings = section(report, "Timings")
    assert "**Where the start goes** — windows" in timings
    assert "**Floors** — linux" in timings
    assert "summary kind 'sparkline' is not one this report renders" in timings


def test_documented_vs_observed_lists_differences_first(report):
    documented = section(report, "Documented vs observed")
    rows = [cells(line) for line in tables(documented)[0][2:]]
    assert rows[0][0] == "**DIFFERS**"
    assert rows[0][2] == "linux: spawn on 3.12"
    assert rows[0][3] == "`sys.exit(3)` = 4"
    outcomes = [row[0] for row in rows]
    assert outcomes == sorted(outcomes, key=["**DIFFERS**", "agrees", "not measured"].index)
    assert "agrees" in outcomes
    assert "not measured" in outcomes


def test_environments_name_files_without_their_directory(report):
    environments = section(report, "Environments")
    assert "`local-windows-cpython-3.12.json`" in environments
    assert str(DATA) not in report


def test_version_strings_stay_text(tmp_path):
    data = json.loads((REPORT_DATA / "local-linux-cpython-3.12.json").read_text())
    data["environment"].update(python_version="3.10.13", series="3.10", implementation_version="3.10.13")
    (tmp_path / "local-linux-cpython-3.10.json").write_text(json.dumps(data))
    text = build_report([tmp_path])
    assert "CPython 3.10.13" in text
    assert "| 3.10 " in section(text, "Timings")


def test_the_same_files_give_the_same_bytes_in_any_order():
    files = sorted(REPORT_DATA.glob("*.json"))
    assert build_report(files) == build_report(list(reversed(files))) == build_report([REPORT_DATA])


def test_version_ranges_and_collapse():
    universe = [Interp(0, "cpython", (3, minor), False) for minor in range(8, 15)]
    universe.append(Interp(1, "pypy", (3, 9), False))
    chosen = [universe[0], universe[1], universe[3], universe[-1]]
    assert version_ranges(chosen, universe) == "3.8–3.9, 3.11, PyPy 3.9"
    values = {i: Leaf("a", "fork") for i in universe[:6]} | {universe[6]: Leaf("b", "forkserver")}
    assert collapse(values, universe) == "fork on 3.8–3.13 · forkserver on 3.14"


def test_write_report_writes_atomically(tmp_path):
    out = tmp_path / "sub" / "REPORT.md"
    write_report([REPORT_DATA], out)
    assert out.read_text(encoding="utf-8") == build_report([REPORT_DATA])
    assert [p.name for p in out.parent.iterdir()] == ["REPORT.md"]


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    empty = tmp_path / "empty"
    empty.mkdir()
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "local-linux-cpython-3.12.json").write_text('{"schema": "forklab.res')
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "package.json").write_text('{"name": "left-pad"}')
    duplicate = tmp_path / "duplicate"
    duplicate.mkdir()
    shutil.copy(REPORT_DATA / "local-linux-cpython-3.12.json", duplicate / "local-linux-cpython-3.12.json")
    shutil.copy(REPORT_DATA / "local-linux-cpython-3.12.json", duplicate / "copy-of-3.12.json")
    return {
        "empty": (empty, "no result files"),
        "corrupt": (corrupt, "local-linux-cpython-3.12.json: is not valid JSON"),
        "foreign": (foreign, "package.json: not a forklab result file"),
        "duplicate": (duplicate, "same label, platform and interpreter"),
        "missing": (tmp_path / "nowhere", "nowhere: no such file or directory"),
    }


@pytest.mark.parametrize("case", ["empty", "corrupt", "foreign", "duplicate", "missing"])
def test_bad_input_is_one_line_naming_the_file(tmp_path, case):
    path, message = _bad_inputs(tmp_path)[case]
    with pytest.raises(ReportInputError) as caught:
        build_report([path])
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("case", ["empty", "corrupt", "duplicate"])
def test_the_report_command_exits_2_and_writes_nothing_on_bad_input(tmp_path, capsys, case):
    path, message = _bad_inputs(tmp_path)[case]
    out = tmp_path / "out" / "REPORT.md"
    assert report_main(["report", str(path), "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert message in error
    assert error.count("\n") == 1
    assert not out.exists()


def test_the_report_command_writes_the_report(tmp_path):
    out = tmp_path / "REPORT.md"
    assert report_main(["report", str(REPORT_DATA), "--out", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == build_report([REPORT_DATA])


def test_column_widths_do_not_depend_on_wcwidth():
    """Wide characters are padded by character count, so REPORT.md is the same with or without wcwidth."""
    import tabulate as tabulate_module

    from lab.report.markdown import table

    rows = [["进程", "x"], ["ab", "y"]]
    before = tabulate_module.WIDE_CHARS_MODE
    first = table(["a", "b"], rows)
    tabulate_module.WIDE_CHARS_MODE = not before
    try:
        assert table(["a", "b"], rows) == first
    finally:
        tabulate_module.WIDE_CHARS_MODE = before
    assert first.splitlines()[2] == "| 进程  | x   |"


def test_series_and_distribution_summaries_show_numbers_and_name_the_plot(tmp_path):
    data = json.loads((REPORT_DATA / "local-linux-cpython-3.12.json").read_text())
    data["experiments"]["beta"]["summaries"] = [
        {"kind": "series", "plot": "beta-series", "title": "By size", "x_label": "size",
         "points": [{"x": 1, "timing": "floor"}, {"x": 2, "timing": "start"}]},
        {"kind": "distribution", "plot": "beta-start", "title": "Start samples", "timing": "start"},
    ]  # fmt: skip
    (tmp_path / "local-linux-cpython-3.12.json").write_text(json.dumps(data))
    timings = section(build_report([tmp_path]), "Timings")
    series = tables(timings)[1]
    assert cells(series[0]) == ["size", "fork", "spawn"]  # forkserver timed out: no column
    assert cells(series[2]) == ["1", "2.75 ms", "3.50 ms"]
    assert "Plot: [beta-series.svg](plots/beta-series.svg)" in timings
    assert "Start samples: Plot: [beta-start.svg](plots/beta-start.svg)" in timings
    assert "not rendered" not in timings


def test_python_m_lab_report_and_diff_are_wired(tmp_path):
    from conftest import run_lab

    out = tmp_path / "REPORT.md"
    done = run_lab("report", str(REPORT_DATA), "--out", str(out), timeout=60)
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == build_report([REPORT_DATA])
    bad = run_lab("report", str(tmp_path / "nothing"), "--out", str(tmp_path / "other.md"), timeout=60)
    assert bad.returncode == 2
    assert not (tmp_path / "other.md").exists()
    changed = run_lab("diff", str(DATA / "diff" / "old"), str(DATA / "diff" / "new"), timeout=60)
    assert changed.returncode == 1
    assert "2 behaviour changes." in changed.stdout
