"""The report rendered from the committed results, read as a reader on GitHub reads it.

Checked: the index stays an index (at most 40 KB, its sections in order), every relative link
leads to a page, an anchor or a committed plot, no table row is wider than ``MAX_ROW`` visible
characters (the rule is stated in tests/markdown_shape.py), and lab/report names no experiment,
observation key or symptom: it renders what experiments declare.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

import pytest

from lab import experiments
from lab.report import build_all
from lab.report.values import flatten
from lab.results.files import result_paths
from lab.results.resultset import ResultSet
from tests.markdown_shape import MAX_ROW, broken_links, row_width, sections, tables

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "results"
REPORT_CODE = sorted((ROOT / "lab" / "report").glob("*.py"))
INDEX_LIMIT = 40 * 1024

pytestmark = pytest.mark.skipif(not result_paths(RESULTS), reason="results/ holds no result files yet")


@pytest.fixture(scope="module")
def files() -> dict[PurePosixPath, str]:
    return build_all([RESULTS])


def test_the_index_is_small_enough_to_read_and_in_order(files):
    index = files[PurePosixPath("REPORT.md")]
    assert len(index.encode("utf-8")) <= INDEX_LIMIT
    assert sections(index) == [
        "At a glance",
        "Symptoms: messages and what they mean",
        "What changes when you upgrade",
        "Coverage",
        "Experiments",
    ]
    assert index.count("](experiments/") >= len(experiments.names())


def test_at_a_glance_keeps_to_the_behaviours_that_matter(files):
    """Issue 14's bound: 20-30 rows at a glance; past that the table is a second index."""
    glance = files[PurePosixPath("REPORT.md")].split("## At a glance", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in glance.splitlines() if line.startswith("| [")]
    assert 20 <= len(rows) <= 30, f"{len(rows)} rows at a glance: keep Observation(glance=True) to 20-30"


def test_one_page_per_experiment_with_results(files):
    names = set(ResultSet.load([RESULTS]).declarations())
    assert {str(p) for p in files} == {"REPORT.md", *(f"experiments/{n}.md" for n in names)}


def test_every_relative_link_resolves(files):
    assert broken_links(files, RESULTS) == []


def test_no_table_row_is_wider_than_the_rule(files):
    wide = [
        (str(path), row_width(line), line[:80])
        for path, markdown in files.items()
        for block in tables(markdown)
        for line in block
        if row_width(line) > MAX_ROW
    ]
    assert wide == []


def _words_in_report_code() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in REPORT_CODE)


def test_report_code_names_no_experiment():
    code = _words_in_report_code()
    named = [name for name in experiments.names() if re.search(rf"\b{re.escape(name)}\b", code)]
    assert named == []


def test_report_code_names_no_observation_key_or_symptom():
    results = ResultSet.load([RESULTS])
    keys = {key for _, cell in results.cells() for key in flatten(cell.observations)}
    for meta in results.declarations().values():
        keys.update(meta.get("observations") or {})
        keys.update(str(s.get("id")) for s in meta.get("symptoms") or [])
    environment = {key for item in results for key in item.environment}  # the report reads these by name
    specific = {k for k in keys - environment if "_" in k or "." in k or "-" in k}  # plain words may appear
    code = _words_in_report_code()
    named = sorted(k for k in specific if f'"{k}"' in code or f"'{k}'" in code)
    assert named == []
