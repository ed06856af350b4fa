"""The report, section by section, on synthetic result sets (tests/data/report, made by
tests/data/report_data.py): properties of our own code, never of CPython.

The synthetic set has Linux CPython 3.12.1, 3.13.0, 3.13.18 and 3.14.2, PyPy 3.9.18, a spawn-only
Windows 3.12.1 and no macOS file; its experiments ``alpha`` and ``beta`` declare labels, glance
rows, a machine-dependent row, a judgement row, symptoms and summaries.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections import Counter
from pathlib import Path, PurePosixPath

import pytest

from lab.cli import main as lab_main
from lab.facts import AGREES, DIFFERS, evaluate
from lab.report import ReportInputError, build_all, build_report, write_report
from lab.report.model import PATCH, View
from lab.report.values import Leaf, collapse, version_ranges
from lab.results.identity import Identity
from lab.results.record import NOT_MEASURED
from lab.results.resultset import ResultSet
from tests.markdown_shape import broken_links, cells, row_of, section, sections, tables, visible

DATA = Path(__file__).resolve().parent / "data"
REPORT_DATA = DATA / "report"
INDEX = PurePosixPath("REPORT.md")
ALPHA = PurePosixPath("experiments/alpha.md")
BETA = PurePosixPath("experiments/beta.md")
GLANCE, SYMPTOMS, UPGRADE = "At a glance", "Symptoms: messages and what they mean", "What changes when you upgrade"


def load_generator():
    spec = importlib.util.spec_from_file_location("report_data", DATA / "report_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CURRENT = ResultSet.declarations


@pytest.fixture(scope="module", autouse=True)
def stored_declarations_only():
    """The synthetic files carry their own declarations; the lab's current code (whose exit_codes
    declares glance rows and symptoms of its own) must not leak into these tests."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ResultSet, "declarations", lambda self, current=False: CURRENT(self, current=False))
        yield


@pytest.fixture(scope="module")
def files() -> dict[PurePosixPath, str]:
    return build_all([REPORT_DATA])


@pytest.fixture(scope="module")
def index(files) -> str:
    return files[INDEX]


def without_declarations(tmp_path: Path) -> Path:
    """The synthetic set with every declaration stripped to title, question and kind."""
    for path in REPORT_DATA.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        for meta in data["experiments"].values():
            for key in ("lesson", "observations", "symptoms", "summaries", "docs"):
                meta.pop(key, None)
        (tmp_path / path.name).write_text(json.dumps(data), encoding="utf-8")
    return tmp_path


def test_committed_synthetic_files_match_their_generator():
    expected = load_generator().expected_files()
    for path, text in expected.items():
        assert path.read_text(encoding="utf-8") == text, f"{path}: run python tests/data/report_data.py"
    on_disk = {p for d in (REPORT_DATA, DATA / "diff" / "old", DATA / "diff" / "new") for p in d.glob("*.json")}
    assert on_disk == set(expected)


# -- the index as a whole -------------------------------------------------------------------------
def test_index_sections_in_order_and_one_page_per_experiment(files, index):
    assert sections(index) == [GLANCE, SYMPTOMS, UPGRADE, "Coverage", "Experiments"]
    assert set(files) == {INDEX, ALPHA, BETA, PurePosixPath("experiments/exit_codes.md")}


def test_every_relative_link_leads_to_a_page_and_an_anchor(files):
    problems = [p for p in broken_links(files) if "(no such page)" in p or "(no such anchor)" in p]
    assert problems == []


def test_every_table_has_a_consistent_column_count_and_no_raw_pipe(files):
    found = [block for markdown in files.values() for block in tables(markdown)]
    assert len(found) >= 10
    for block in found:
        assert len({len(cells(line)) for line in block}) == 1, block
    assert r"a \| b at \<pid\> \*not bold\*" in files[ALPHA]


def test_the_same_files_in_any_order_give_the_same_bytes(files):
    paths = sorted(REPORT_DATA.glob("*.json"))
    assert build_all(list(reversed(paths))) == build_all(paths) == files


def test_not_measured_platforms_are_named_and_never_filled_in(index):
    assert "**Not measured: macOS**" in index
    coverage = section(index, "Coverage")
    assert row_of(coverage, "macOS")[1:] == ["—", "—", "—", "not measured", "not measured", "not measured"]
    assert row_of(coverage, "Windows")[4:] == ["unavailable", "ok", "unavailable"]
    assert "macOS not measured" in section(index, SYMPTOMS)


def test_a_platform_with_a_file_is_never_called_not_measured():
    index = build_report([REPORT_DATA / "local-linux-cpython-3.12.1.json"])
    assert "Not measured: macOS, Windows" in index
    assert "Linux" not in visible(index.split("Not measured", 1)[1].split(".", 1)[0])


# -- at a glance ----------------------------------------------------------------------------------
def test_glance_rows_are_the_declared_ones_in_plain_words_with_links(index):
    glance = section(index, GLANCE)
    rows = [visible(cells(line)[0]) for line in tables(glance)[0][2:]]
    assert rows == ["What the child sees", "A flag fixed in a patch release",
                    "What PID 1 is (depends on machine: the init process)"]  # fmt: skip
    assert "[What the child sees](experiments/alpha.md#obs-answer)" in glance


def test_a_glance_value_names_the_patch_release_where_it_changes(index):
    row = row_of(section(index, GLANCE), "A flag fixed in a patch release")
    assert row[1] == "1 on Linux 3.12–3.13.0; Windows 3.12 · 0 on Linux 3.13.18–3.14, PyPy 3.9"
    assert row[2:] == ["same as fork"] * 2  # shown once: it does not depend on the method


def test_a_glance_column_leaves_out_platforms_that_lack_the_method(index):
    row = row_of(section(index, GLANCE), "What the child sees")
    assert row[1:] == ["runtime", "import-time", "import-time"]


def test_without_glance_declarations_the_section_says_so(tmp_path):
    index = build_report([without_declarations(tmp_path)])
    assert "No experiment declares an at-a-glance behaviour yet" in section(index, GLANCE)
    assert "No experiment declares a symptom yet" in section(index, SYMPTOMS)


def test_declared_headlines_and_glance_pictures_are_shown(index):
    glance = section(index, GLANCE)
    assert "A start is 4.04–5.09 times slower with spawn" in glance
    assert "![Start samples](plots/beta-start.svg)" in glance
    assert "relative to fork" not in glance  # ratio lists stay on the pages


# -- symptoms -------------------------------------------------------------------------------------
def test_where_a_symptom_happens_comes_from_the_cells(index):
    entry = section(index, SYMPTOMS)
    where = next(line for line in entry.splitlines() if line.startswith("**Where:**"))
    assert where == (
        "**Where:** spawn, forkserver on Linux 3.12–3.14, PyPy 3.9 · spawn on Windows 3.12 "
        "(never with fork; macOS not measured)  "
    )
    assert '### <a id="synthetic-failure"></a>Can\'t pickle a synthetic object' in entry
    assert "`SyntheticError: can't pickle <thing>` (+1 more wording)" in entry
    assert "**Cause:** spawn and forkserver pickle the target; fork copies it. **Fix:** Define" in entry
    assert "[Where a nested target fails](experiments/alpha.md#synthetic-failure) is `parent`" in entry
    assert "· [docs](https://docs.python.org/3/library/multiprocessing.html#programming-guidelines)" in entry
    assert "not measured yet: no cell records `not_yet`" in entry


def test_a_symptom_without_a_message_has_no_empty_line(tmp_path):
    for path in REPORT_DATA.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        data["experiments"]["alpha"]["symptoms"][0]["messages"] = []
        (tmp_path / path.name).write_text(json.dumps(data), encoding="utf-8")
    entry = section(build_report([tmp_path]), SYMPTOMS)
    assert "Can't pickle a synthetic object\n\n**Where:**" in entry


def test_a_symptom_moves_when_the_cells_do(tmp_path):
    for path in REPORT_DATA.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        for cell in data["cells"]:
            if cell["experiment"] == "alpha" and cell["status"] == "ok":
                cell["observations"]["failure"] = "parent" if cell["method"] == "fork" else "ok"
        (tmp_path / path.name).write_text(json.dumps(data), encoding="utf-8")
    entry = section(build_report([tmp_path]), SYMPTOMS)
    assert "**Where:** fork on Linux 3.12–3.14, PyPy 3.9 (never with spawn, forkserver; macOS not measured)" in entry


def test_the_index_stays_under_its_limit_however_many_symptoms_are_declared(tmp_path):
    for path in REPORT_DATA.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        first = data["experiments"]["alpha"]["symptoms"][0]
        data["experiments"]["alpha"]["symptoms"] = [{**first, "id": f"synthetic-{n}"} for n in range(120)]
        (tmp_path / path.name).write_text(json.dumps(data), encoding="utf-8")
    files = build_all([tmp_path])
    index = files[INDEX]
    assert len(index.encode("utf-8")) <= 40 * 1024
    assert index.count("](experiments/alpha.md#synthetic-") == 120  # every symptom still leads to its entry
    assert "Cause:" not in section(index, SYMPTOMS)  # shortened: the causes are on the page
    assert files[ALPHA].count("**Cause:**") == 120
    assert broken_links(files) == []


def test_a_small_index_keeps_every_detail(index):
    assert "**Cause:**" in section(index, SYMPTOMS)
    assert "Shortened" not in index


def test_a_declaration_may_name_a_field_of_one_value(tmp_path):
    """``count.class`` labels the count's row, and a symptom's evidence may be a count's class."""
    for path in REPORT_DATA.glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        alpha = data["experiments"]["alpha"]
        alpha["observations"]["count.class"] = {"label": "How often it happened", "glance": True}
        alpha["symptoms"][0] = {**alpha["symptoms"][0], "evidence": "count.class", "shows": ["some"]}
        (tmp_path / path.name).write_text(json.dumps(data), encoding="utf-8")
    files = build_all([tmp_path])
    assert row_of(files[ALPHA], "How often it happened count")[1] == "some (2/4)"
    assert "[How often it happened](experiments/alpha.md#obs-count)" in section(files[INDEX], GLANCE)
    entry = section(files[INDEX], SYMPTOMS)
    assert "**Where:** fork, spawn, forkserver on Linux 3.12–3.14, PyPy 3.9 · spawn on Windows 3.12" in entry
    assert "[How often it happened](#obs-count) is `some`" in files[ALPHA]


def test_symptom_anchors_are_on_the_experiment_page(files):
    page = files[ALPHA]
    assert '### <a id="synthetic-failure"></a>' in page
    assert "**Evidence:** [Where a nested target fails](#obs-failure) is `parent`" in page
    assert "(not with fork on Linux 3.12–3.14, PyPy 3.9; macOS not measured)" in page  # the page names every build
    assert "`SyntheticError: can't pickle <thing>` · `SyntheticError: cannot pickle 'thing' \\| at 0x…`" in page


# -- upgrades -------------------------------------------------------------------------------------
def test_upgrade_steps_compare_series_and_patch_releases(index):
    upgrade = section(index, UPGRADE)
    assert "### Linux: CPython 3.12 → 3.13.0 (feature release)" in upgrade
    assert "### Linux: CPython 3.13.0 → 3.13.18 (patch release)" in upgrade
    assert (
        "- [A flag fixed in a patch release](experiments/alpha.md#obs-by-patch) (*Alpha behaviour*): "
        "fork, spawn, forkserver: `1` → `0`"
    ) in upgrade
    assert "No behaviour change: Linux: CPython 3.13.18 → 3.14." in upgrade


def test_machine_dependent_and_judgement_rows_are_kept_out_of_counts_and_upgrades(files, index):
    upgrade = section(index, UPGRADE)
    assert "PID 1" not in upgrade  # init → sandbox → init across 3.13.0: the machine, not Python
    assert "Faster than one process" not in upgrade  # a judgement from timings
    assert "ran_in_parallel" not in upgrade  # an undeclared observation of a timing experiment
    view = View(ResultSet.load([REPORT_DATA]))
    rows = {row.key: row for row in view.rows("alpha")}
    assert not rows["pid1"].counted
    assert not rows["faster"].counted
    assert rows["by_patch"].counted
    assert rows["by_patch"].axes == (PATCH,)
    assert "(3 more — values that depend on the machine, and judgements drawn from timings" in index
    assert "*depends on machine: the init process*" in files[ALPHA]
    assert "PID 1 is `init`" in files[ALPHA]


def test_a_single_version_per_build_has_nothing_to_compare():
    index = build_report([REPORT_DATA / "local-linux-cpython-3.12.1.json"])
    assert "Only one version of each build was measured" in section(index, UPGRADE)


# -- pages ----------------------------------------------------------------------------------------
def test_a_page_has_its_question_lesson_concept_and_sections(files):
    page = files[ALPHA]
    assert page.startswith("# Alpha behaviour\n\n[forklab report](../REPORT.md)")
    assert "**Lesson.** fork copies the parent" in page
    assert "**Tutorial concept.** 进程间内存相互隔离" in page
    assert sections(page) == [
        '<a id="observations"></a>Observations', "Symptoms", '<a id="upgrades"></a>What changes when you upgrade',
        """<a id="checks"></a>Checks against CPython's docs and source""", '<a id="cells"></a>Cells',
    ]  # fmt: skip


def test_observations_show_labels_with_keys_and_values_once_when_method_independent(files):
    page = files[ALPHA]
    once, per_method = (section(page, sections(page)[0]).split("### ")[i] for i in (1, 2))
    assert once.startswith("The same under every start method")
    row = row_of(once, "A flag fixed in a patch release by_patch")
    assert row[1:] == ["1 on Linux 3.12–3.13.0; Windows 3.12 · 0 on Linux 3.13.18–3.14, PyPy 3.9", "patch release"]
    assert row_of(once, "Nested: code nested.code")[1] == "0"  # a declared group labels its keys
    assert row_of(once, "count")[1] == "some (2/4)"  # counts shown raw, compared by class
    assert row_of(once, "by_platform")[2] == "platform"  # unlabelled keys shown as keys
    assert row_of(per_method, "What the child sees answer")[1:] == ["start method", "runtime", "import-time",
                                                                      "import-time"]  # fmt: skip


def test_differs_by_names_each_axis(files):
    page = files[ALPHA]
    assert row_of(page, "A value that changes with the version by_version")[2] == "Python version"
    assert row_of(page, "by_platform")[2] == "platform"


def test_timings_show_median_spread_n_and_measured_or_median_ratios(files):
    page = files[BETA]
    start = section(page, "Timings").split("### ")[1]
    assert row_of(start, "Linux 3.12")[1:] == [
        "1.10 ms (0.990–1.32, n=10) · baseline",
        "5.60 ms (5.04–6.72, n=10) · ×5.09 *of medians*",
        "timeout",
    ]
    assert row_of(start, "Linux 3.14")[2] == "5.60 ms (5.04–6.72, n=10) · ×4.04 (3.60–4.40)"  # the runner's ratio
    assert "**unstable**" in row_of(start, "Linux PyPy 3.9")[1]
    assert row_of(start, "Windows 3.12")[2] == "9.00 ms (8.10–10.8, n=10) · baseline"  # spawn where fork is absent


def test_declared_summaries_render_on_the_page_and_bad_ones_are_notes(files):
    page = files[BETA]
    assert "*Beta timing*: `start` relative to fork: spawn ×4.04–5.09" in page
    assert "**Where the start goes** — Linux" in page
    assert "**Floors** — Linux" in page
    assert "![Start samples](../plots/beta-start.svg)" in page
    assert "_Summary not rendered: summary kind 'sparkline' is not one this report renders" in page


def test_checks_link_their_sources_at_a_tag_and_give_the_outcome_per_cell(files, index):
    page = files[PurePosixPath("experiments/exit_codes.md")]
    checks = section(page, """<a id="checks"></a>Checks against CPython's docs and source""")
    lines = checks.splitlines()
    start = next(i for i, line in enumerate(lines) if "sys.exit(n) in the child" in line)
    line = lines[start]
    block = "\n".join(lines[start : start + 4])
    assert "  - **DIFFERS**: spawn on Linux 3.12 (`sys.exit(3)` = 4)" in block
    agrees = (
        "  - agrees: fork, forkserver on Linux 3.12 · fork, spawn, forkserver on Linux 3.13.18–3.14 · "
        "spawn on Windows 3.12"
    )
    assert agrees in block
    assert "cell unavailable" not in checks  # fork on Windows: nothing to check, not "not measured"
    assert "(v3.14.0)](https://github.com/python/cpython/blob/v3.14.0/Lib/multiprocessing/process.py)" in line
    verdicts = [v for v in evaluate(ResultSet.load([REPORT_DATA]).files) if v.fact.experiment == "exit_codes"]
    count = Counter(v.outcome for v in verdicts if v.note != "cell unavailable")  # what the page counts
    expected = f"{count[AGREES]} agree, **{count[DIFFERS]} differ**, {count[NOT_MEASURED]} not measured"
    assert expected in section(index, "Experiments")  # the index reports the evaluator's own counts


def test_without_declarations_pages_degrade_to_keys(tmp_path):
    files = build_all([without_declarations(tmp_path)])
    page = files[ALPHA]
    assert "**Lesson.** Not written yet" in page
    assert row_of(page, "answer")[1] == "start method"
    assert "## Symptoms" not in page


# -- values ---------------------------------------------------------------------------------------
def identity(version: str, implementation: str = "cpython", platform: str = "linux") -> Identity:
    return Identity("local", platform, implementation, version)


def test_version_ranges_show_patch_releases_only_where_a_series_has_several():
    universe = [identity(v) for v in ("3.12.1", "3.13.0", "3.13.18", "3.14.2")] + [identity("3.9.18", "pypy")]
    assert version_ranges(universe[:2], universe) == "3.12–3.13.0"
    assert version_ranges(universe[2:], universe) == "3.13.18–3.14, PyPy 3.9"
    assert version_ranges([universe[0], universe[3]], universe) == "3.12, 3.14"


def test_collapse_shows_one_value_or_each_with_its_versions():
    universe = [identity(v) for v in ("3.12.1", "3.13.0", "3.13.18")]
    same = {i: Leaf("int:1", "1") for i in universe}
    assert collapse(same, universe) == "1"
    split = {**same, universe[2]: Leaf("int:0", "0")}
    assert collapse(split, universe) == "1 on 3.12–3.13.0 · 0 on 3.13.18"


# -- writing, bad input ---------------------------------------------------------------------------
def test_write_report_writes_the_index_and_pages_and_removes_stale_pages(tmp_path, files):
    out = tmp_path / "REPORT.md"
    (tmp_path / "experiments").mkdir()
    (tmp_path / "experiments" / "gone.md").write_text("an experiment that no longer exists")
    write_report([REPORT_DATA], out)
    written = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.md")}
    assert written == {str(p) for p in files}
    assert out.read_text(encoding="utf-8") == files[INDEX]


def _bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    empty = tmp_path / "empty"
    empty.mkdir()
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "local-linux-cpython-3.12.1.json").write_text('{"schema": "forklab.res')
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "package.json").write_text('{"name": "left-pad"}')
    duplicate = tmp_path / "duplicate"
    duplicate.mkdir()
    shutil.copy(REPORT_DATA / "local-linux-cpython-3.12.1.json", duplicate / "local-linux-cpython-3.12.1.json")
    shutil.copy(REPORT_DATA / "local-linux-cpython-3.12.1.json", duplicate / "copy-of-3.12.json")
    return {
        "empty": (empty, "no result files"),
        "corrupt": (corrupt, "local-linux-cpython-3.12.1.json: is not valid JSON"),
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
    assert lab_main(["report", str(path), "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert message in error
    assert error.count("\n") == 1
    assert not out.parent.exists()


def test_tables_are_unpadded_pipe_tables_whatever_the_characters():
    """No padding, so the bytes never depend on how wide a terminal would draw 进程."""
    from lab.report.markdown import table

    assert table(["a", "b"], [["进程", "x"], ["", "y"]], align=["left", "right"]) == (
        "| a | b |\n| :-- | --: |\n| 进程 | x |\n|   | y |"
    )


def test_python_m_lab_report_and_diff_are_wired(tmp_path, monkeypatch):
    from tests.conftest import run_lab

    monkeypatch.setattr(ResultSet, "declarations", CURRENT)  # as the command builds it
    out = tmp_path / "REPORT.md"
    done = run_lab("report", str(REPORT_DATA), "--out", str(out), timeout=60)
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == build_report([REPORT_DATA])
    assert (tmp_path / "experiments" / "alpha.md").exists()
    bad = run_lab("report", str(tmp_path / "nothing"), "--out", str(tmp_path / "other.md"), timeout=60)
    assert bad.returncode == 2
    assert not (tmp_path / "other.md").exists()
    changed = run_lab("diff", str(DATA / "diff" / "old"), str(DATA / "diff" / "new"), timeout=60)
    assert changed.returncode == 1
    assert "6 behaviour changes." in changed.stdout


def test_value_cells_share_what_the_label_leaves_of_a_row():
    """lab/report/markdown.py: a row stays within ROW_LIMIT; a value cell gets CELL_LIMIT at most, MIN_CELL at least."""
    from lab.report.markdown import CELL_LIMIT, MIN_CELL, ROW_LIMIT, cell_limit

    assert cell_limit(["short"], 3) == CELL_LIMIT
    wide = cell_limit(["x" * 150, "y" * 76], 3)
    assert MIN_CELL <= wide < CELL_LIMIT
    assert 150 + 76 + 3 * wide + 3 * 5 <= ROW_LIMIT
    assert cell_limit(["x" * 1000], 3) == MIN_CELL
